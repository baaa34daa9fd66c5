"""Canonicalisation grids (ours, a variant the paper does not have): a fixed grid turned into a frame predicted
equivariantly from the data, ``A(x) = A_0 rho(h(x))^T`` (rows ``rho(h(x)) a_i``). Where the frame is undefined
(its defining vectors vanish or are parallel) the rows shrink smoothly to sampling only the mean, never NaN, and
the fraction of such points is counted."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from e2cnn_core import FieldType, R2Conv
from equi_groups import SO2, irrep, spherical_harmonics_upto
from torch import nn

from ._linear import BlockLinear
from ._space import FourierSpace

__all__ = ["CanonicalConv", "CanonicalMLP"]


def _unit(v: torch.Tensor, eps: float, dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    sq = (v * v).sum(dim, keepdim=True)
    return v * torch.rsqrt(sq + eps * eps), (sq < eps * eps)


class CanonicalConv(nn.Module):
    """SO(2) canonicalisation on the plane: a frequency-1 field ``v(x) = r (cos t, sin t)`` from a steerable
    convolution gives ``h(x) = t``, and the rows of a regular grid are turned by it: block ``k`` of row ``i`` is
    ``R(k t) a_i`` (times ``r^k`` with ``r = |v| / sqrt(|v|^2 + eps^2)``, which is 1 unless ``v`` vanishes).
    ``v(g x) = R(g) v(x)`` makes ``A(g x) = A(x) rho(g)^T``. ``downsample(a_unused)`` pools ``v`` (3x3 average,
    stride 2) and rebuilds the rows at the coarser grid.

    Args:
        in_type: the field type read (e.g. the image).
        space: an SO(2) Fourier space.
        N: rows (the regular grid's size).
        kernel_size, padding, stride: of the convolution.
        eps: smoothing scale; points with ``|v| < eps`` count as degenerate.

    Shapes:
        ``x: (B, in_type.size, H, W) -> A: (B, N * F, H', W')``.
    """

    def __init__(self, in_type: FieldType, space: FourierSpace, N: int, kernel_size: int = 5, padding: int = 2,
                 stride: int = 1, eps: float = 1e-3) -> None:
        super().__init__()
        if space.group != SO2():
            raise ValueError(f"CanonicalConv needs an SO(2) Fourier space, got {space}")
        self.space, self.N, self.eps = space, N, eps
        self.conv = R2Conv(in_type, FieldType(in_type.gspace, [irrep(SO2(), 1)]), kernel_size, padding=padding,
                           stride=stride)
        self.register_buffer("a0", torch.tensor(space.grid_matrix(N, "regular"), dtype=torch.float32))
        self.degenerate = 0.0
        self._v: torch.Tensor | None = None

    def rows(self, v: torch.Tensor) -> torch.Tensor:
        """Rows ``(B, N * F, H, W)`` from the frequency-1 field ``v (B, 2, H, W)``."""
        z, bad = _unit(v, self.eps, 1)
        self.degenerate = float(bad.to(v.dtype).mean())
        zc = torch.complex(z[:, 0], z[:, 1])
        a0 = self.a0.to(v.dtype)
        parts = []
        for start, d, trivial in self.space.blocks:
            k = self.space.rep.irreps[len(parts)]
            blk = a0[:, start:start + d]  # (N, d)
            if trivial:
                parts.append(blk[None, :, :, None, None].expand(v.shape[0], -1, -1, *v.shape[2:]))
                continue
            zk = zc ** int(k)  # (B, H, W): r^k e^{i k t}
            c, s = zk.real[:, None], zk.imag[:, None]  # (B, 1, H, W)
            x, y = blk[:, 0][None, :, None, None], blk[:, 1][None, :, None, None]
            parts.append(torch.stack([c * x - s * y, s * x + c * y], 2))
        return torch.cat(parts, 2).reshape(v.shape[0], self.N * self.space.dim, *v.shape[2:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._v = self.conv(x)
        return self.rows(self._v)

    def downsample(self, a: torch.Tensor) -> torch.Tensor:
        """The rows at half resolution (from the pooled frame field of the last ``forward``)."""
        if self._v is None:
            raise RuntimeError("call forward first")
        self._v = F.avg_pool2d(self._v, 3, 2, 1, count_include_pad=False)
        return self.rows(self._v)


class CanonicalMLP(nn.Module):
    """SO(3) canonicalisation of sphere grids per point: two vectors (the degree-1 parts of two equivariant
    linear combinations of the point's fields) give a frame ``R(x)`` by Gram-Schmidt (``R(g x) = g R(x)``), and
    the rows are the harmonics of a fixed Thomson grid turned into that frame, ``Y(R(x) u_i)``. Where the vectors
    vanish or are parallel the smoothed normalisation shrinks ``R``, and the harmonics (as homogeneous polynomials)
    shrink smoothly towards the mean-only row.

    Args:
        space: a sphere Fourier space.
        in_channels: fields read.
        N: rows (grid points).
        eps: smoothing scale; points whose frame is degenerate (a vector below ``eps``) are counted.

    Shapes:
        ``x: (B, in_channels * F, P) -> A: (B, N * F, P)``.
    """

    def __init__(self, space: FourierSpace, in_channels: int, N: int, eps: float = 1e-3) -> None:
        super().__init__()
        if not space.sphere:
            raise ValueError(f"CanonicalMLP needs a sphere Fourier space, got {space}")
        self.space, self.N, self.eps = space, N, eps
        self.lin = BlockLinear(space, in_channels, 2, bias=False)
        from equi_groups import sphere_grid

        self.register_buffer("grid", torch.tensor(sphere_grid("thomson", N, 0) if N > 1 else [[0.0, 0.0, 1.0]],
                                                  dtype=torch.float32))
        self.degenerate = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.lin(x)
        b, f = h.shape[0], self.space.dim
        c = h.reshape(b, 2, f, *h.shape[2:])[:, :, 1:4]  # degree 1: sqrt(3) (y, z, x)
        vec = torch.stack([c[:, :, 2], c[:, :, 0], c[:, :, 1]], -1) / math.sqrt(3)  # (B, 2, P, 3)
        e1, bad1 = _unit(vec[:, 0], self.eps, -1)
        u2 = vec[:, 1] - (vec[:, 1] * e1).sum(-1, keepdim=True) * e1
        e2, bad2 = _unit(u2, self.eps, -1)
        e3 = torch.linalg.cross(e1, e2, dim=-1)
        frame = torch.stack([e1, e2, e3], -1)  # (B, P, 3, 3), columns e1 e2 e3
        self.degenerate = float((bad1 | bad2).to(x.dtype).mean())
        pts = torch.einsum("bpij,nj->bpni", frame, self.grid.to(x.dtype))
        rows = spherical_harmonics_upto(self.space.max_frequency, pts, normalize=False)  # (B, P, N, F)
        return rows.permute(0, 2, 3, 1).reshape(b, self.N * f, *h.shape[2:])
