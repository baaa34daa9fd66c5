"""Equivariant generators of the sampling matrix ``A(x)`` (the paper's "Adaptive Conv" and "Adaptive MLP") and its
downsampling with the features (indexing, a convolution, average pooling)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from e2cnn_core import FieldType, GSpace2D, R2Conv
from torch import nn

from ._adaptive import normalise_rows
from ._linear import BlockLinear
from ._space import FourierSpace

__all__ = ["DOWNSAMPLING", "AdaptiveConv", "AdaptiveMLP", "SamplingDownsample"]

#: the paper's three ways of bringing ``A`` to a coarser grid
DOWNSAMPLING = ("index", "conv", "avg")


def _check_planar(space: FourierSpace, gspace: GSpace2D) -> None:
    if space.group != gspace.group:
        raise ValueError(f"the Fourier space is on {space.group}, the gspace on {gspace.group}")


class AdaptiveConv(nn.Module):
    """Adaptive Conv: ``A(x)`` from a steerable convolution ``in_type -> N`` fields of ``space.rep``.

    Inal & Cesa 2024, Sec. 4 (there on voxels; here on the plane, with e2cnn-core's ``R2Conv``). Each output field
    is one row ``a_i(x)``; the convolution makes ``a_i(g x) = rho(g) a_i(x)`` at the moved pixel, i.e.
    ``A(g x) = A(x) rho(g)^T`` (exact for 90-degree rotations and axis flips on the pixel grid), and
    :func:`normalise_rows` turns the rows into sampling rows. ``degenerate`` holds the fraction of degenerate
    blocks of the last call.

    Args:
        in_type: the field type the generator reads (e.g. the input image's trivial field).
        space: the Fourier space of the nonlinearities (SO(2) or O(2), the gspace's group).
        N: rows of ``A``.
        kernel_size, padding, stride: of the convolution (stride 2 on an odd size keeps the grid symmetries).
        eps: smoothing scale of :func:`normalise_rows`.

    Shapes:
        ``x: (B, in_type.size, H, W) -> A: (B, N * F, H', W')``.
    """

    def __init__(self, in_type: FieldType, space: FourierSpace, N: int, kernel_size: int = 5, padding: int = 2,
                 stride: int = 1, eps: float = 1e-3) -> None:
        super().__init__()
        _check_planar(space, in_type.gspace)
        self.in_type, self.space, self.N, self.eps = in_type, space, N, eps
        self.out_type = FieldType(in_type.gspace, [space.rep] * N)
        self.conv = R2Conv(in_type, self.out_type, kernel_size, padding=padding, stride=stride)
        self.degenerate = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, frac = normalise_rows(self.conv(x), self.space, self.N, self.eps)
        self.degenerate = float(frac)
        return a


class SamplingDownsample(nn.Module):
    """Bring ``A`` to the resolution of the features after a stride-2 step (the paper's three methods).

    ``index``: every other pixel (``A[..., ::2, ::2]``); ``avg``: 3x3 average pooling, stride 2, padding 1;
    ``conv``: a learned steerable 3x3 convolution, stride 2, padding 1, from the ``N`` row fields to themselves.
    The rows are re-normalised. On odd sizes each is exactly equivariant to the square grid's symmetries.

    Args:
        gspace: the planar gspace.
        space: the Fourier space.
        N: rows of ``A``.
        method: ``index``, ``conv`` or ``avg``.
        eps: smoothing scale of the re-normalisation.

    Shapes:
        ``a: (B, N * F, H, W) -> (B, N * F, ceil(H / 2), ceil(W / 2))``.
    """

    def __init__(self, gspace: GSpace2D, space: FourierSpace, N: int, method: str = "avg",
                 eps: float = 1e-3) -> None:
        super().__init__()
        if method not in DOWNSAMPLING:
            raise ValueError(f"method must be one of {DOWNSAMPLING}, got {method!r}")
        _check_planar(space, gspace)
        self.space, self.N, self.method, self.eps = space, N, method, eps
        t = FieldType(gspace, [space.rep] * N)
        self.conv = R2Conv(t, t, 3, padding=1, stride=2) if method == "conv" else None
        self.degenerate = 0.0

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        if self.method == "index":
            y = a[..., ::2, ::2]
        elif self.method == "avg":
            y = F.avg_pool2d(a, 3, 2, 1, count_include_pad=False)
        else:
            y = self.conv(a)
        y, frac = normalise_rows(y, self.space, self.N, self.eps)
        self.degenerate = float(frac)
        return y


class AdaptiveMLP(nn.Module):
    """Adaptive MLP: ``A(x)`` per point from equivariant point features (the paper's point-cloud generator).

    An equivariant two-layer MLP on the fields of each point: :class:`BlockLinear` to ``hidden`` fields, a gate
    (each field scaled by ``sigmoid`` of a linear function of all invariants: trivial parts and block norms),
    :class:`BlockLinear` to ``N`` fields, then :func:`normalise_rows`. Every step commutes with ``rho(g)``, so
    ``A(g x) = A(x) rho(g)^T`` exactly for every element of the group (SO(3) on point clouds).

    Args:
        space: the Fourier space (e.g. the sphere, ``L = 3``).
        in_channels: fields of the input features.
        N: rows of ``A``.
        hidden: hidden fields.
        eps: smoothing scale of :func:`normalise_rows`.

    Shapes:
        ``x: (B, in_channels * F, *S) -> A: (B, N * F, *S)``.

    Examples:
        >>> from equi_groups import SO3
        >>> gen = AdaptiveMLP(FourierSpace(SO3(), 3, sphere=True), in_channels=4, N=2)
        >>> gen(torch.randn(3, 64, 50)).shape
        torch.Size([3, 32, 50])
    """

    def __init__(self, space: FourierSpace, in_channels: int, N: int, hidden: int = 8, eps: float = 1e-3) -> None:
        super().__init__()
        self.space, self.N, self.eps, self.hidden = space, N, eps, hidden
        self.lin1 = BlockLinear(space, in_channels, hidden)
        self.lin2 = BlockLinear(space, hidden, N, bias=False)
        self.gate = nn.Linear(hidden * len(space.blocks), hidden)
        self.degenerate = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.lin1(x)
        b, f = h.shape[0], self.space.dim
        v = h.reshape(b, self.hidden, f, *h.shape[2:])
        inv = torch.stack([v[:, :, s] if t else v[:, :, s:s + d].pow(2).sum(2).add(1e-12).sqrt()
                           for s, d, t in self.space.blocks], 2)  # (B, H, nblocks, *S)
        inv = inv.reshape(b, -1, *h.shape[2:]).movedim(1, -1)
        gate = torch.sigmoid(self.gate(inv)).movedim(-1, 1).unsqueeze(2)  # (B, H, 1, *S)
        h = (v * gate).reshape(h.shape)
        a, frac = normalise_rows(self.lin2(h), self.space, self.N, self.eps)
        self.degenerate = float(frac)
        return a
