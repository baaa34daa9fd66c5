"""A Tensor-Field-Network-style point convolution (Thomas et al. 2018) on sphere-function features.

A field holds one copy of every degree ``l = 0..L`` (the coefficients of a band-limited function on S^2, ``F = (L +
1)^2``, the layout of :class:`~adaptive_fourier.FourierSpace` with ``sphere=True``). The message from point ``j``
to point ``i`` couples the neighbour's degree-``l1`` part with the harmonics ``Y_l2(r_ij)`` of the edge into degree
``l`` by the real Clebsch-Gordan tensor of ``equi_groups``, weighted by a learned radial function of ``|r_ij|`` per
``(l1, l2)`` and channel (TFN's ``R^(l_f, l_i)_c``) and a learned weight per path ``(l1, l2, l)`` and channel::

    m_i^l[c] = (1/P) sum_j sum_{l1, l2} w_(l1 l2 l)[c] CG_(l1 l2 l) . (h_j^l1[c] (x) R_(l1 l2)[c](|r_ij|) Y_l2(r_ij))

Depthwise (channels are mixed elsewhere, by :class:`~adaptive_fourier.BlockLinear`). The Clebsch-Gordan tensors are
built once; the edges are vectorised (one contraction per filter degree ``l2``, no loop over points). Exactly
SO(3)-equivariant and translation invariant; with ``parity=True`` only the paths with ``l1 + l2 + l`` even are kept,
so that a degree-``l`` part keeps the parity ``(-1)^l`` of a function on the sphere: then O(3)-equivariant too.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from equi_groups import clebsch_gordan, spherical_harmonics_upto
from torch import nn

__all__ = ["TFNConv", "edge_features"]


def _start(l: int) -> int:
    return l * l


def edge_features(pos: torch.Tensor, max_degree: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Edges of the complete graph of each cloud: ``r[b, i, j] = p_j - p_i`` ``(B, P, P, 3)``, their lengths
    ``(B, P, P)`` and harmonics ``Y_0..Y_L(r_ij)`` ``(B, P, P, (L + 1)^2)`` (the self-edge's set to ``Y(e_z)``; give
    it a zero radial weight). Translation invariant by construction."""
    p = pos.shape[1]
    r = pos[:, None, :, :] - pos[:, :, None, :]
    d = r.norm(dim=-1)
    eye = torch.eye(p, dtype=torch.bool, device=pos.device)
    ez = torch.tensor([0.0, 0.0, 1.0], dtype=pos.dtype, device=pos.device)
    safe = torch.where(eye[None, :, :, None], ez, r)
    return r, d, spherical_harmonics_upto(max_degree, safe)


class TFNConv(nn.Module):
    """Clebsch-Gordan point convolution of ``channels`` sphere fields of degrees ``<= max_degree``.

    Args:
        max_degree: ``L`` of the input and output fields (and of the edge harmonics).
        channels: fields (depthwise: field ``c`` of the output reads field ``c`` of the input).
        radial: number of radial basis functions the caller gives per edge.
        parity: keep only paths with ``l1 + l2 + l`` even (O(3)-equivariant on sphere features).

    Shapes:
        ``h: (B, C * F, P)``, ``y: (B, P, P, F)`` (:func:`edge_features`), ``rbf: (B, P, P, K)`` (zero on the
        self-edges) ``-> (B, C * F, P)``.

    Examples:
        >>> conv = TFNConv(2, channels=3, radial=4)
        >>> pos = torch.randn(2, 5, 3)
        >>> _, d, y = edge_features(pos, 2)
        >>> rbf = torch.exp(-(d[..., None] - torch.arange(4.0)) ** 2) * (d[..., None] > 0)
        >>> conv(torch.randn(2, 27, 5), y, rbf).shape
        torch.Size([2, 27, 5])
    """

    def __init__(self, max_degree: int, channels: int, radial: int, parity: bool = False) -> None:
        super().__init__()
        L = self.max_degree = int(max_degree)
        self.channels, self.radial, self.parity = channels, radial, parity
        self.dim = (L + 1) ** 2
        paths = [
            (l1, l2, l)
            for l1 in range(L + 1)
            for l2 in range(L + 1)
            for l in range(abs(l1 - l2), min(L, l1 + l2) + 1)
            if not parity or (l1 + l2 + l) % 2 == 0
        ]
        self.paths = tuple(paths)
        self.pairs = tuple(sorted({(l1, l2) for l1, l2, _ in paths}))
        # one dense (F, F, F) coupling per path (zero outside its blocks), combined per channel in forward
        cg = np.zeros((len(paths), self.dim, self.dim, self.dim))
        for p, (l1, l2, l) in enumerate(paths):
            cg[p, _start(l1) : _start(l1 + 1), _start(l2) : _start(l2 + 1), _start(l) : _start(l + 1)] = clebsch_gordan(
                l1, l2, l
            )
        self.register_buffer("cg", torch.as_tensor(cg, dtype=torch.float64), persistent=False)
        # for each filter degree l2: which (l1, l2) radial function each input coefficient m uses (last slot: none)
        pair_of = {pq: i for i, pq in enumerate(self.pairs)}
        index = torch.full((L + 1, self.dim), len(self.pairs), dtype=torch.long)
        for l2 in range(L + 1):
            for l1 in range(L + 1):
                if (l1, l2) in pair_of:
                    index[l2, _start(l1) : _start(l1 + 1)] = pair_of[(l1, l2)]
        self.register_buffer("index", index, persistent=False)
        self.radial_weight = nn.Parameter(torch.randn(len(self.pairs), channels, radial) / math.sqrt(radial))
        into = {l: sum(1 for *_, k in paths if k == l) for l in range(L + 1)}
        scale = torch.tensor([1.0 / math.sqrt(into[l]) for *_, l in paths])
        self.path_weight = nn.Parameter(torch.randn(len(paths), channels) * scale[:, None])

    def extra_repr(self) -> str:
        return f"max_degree={self.max_degree}, channels={self.channels}, paths={len(self.paths)}, parity={self.parity}"

    def forward(self, h: torch.Tensor, y: torch.Tensor, rbf: torch.Tensor) -> torch.Tensor:
        b, cf, p = h.shape
        c, f = self.channels, self.dim
        if cf != c * f or y.shape[-1] != f or rbf.shape[-1] != self.radial:
            raise ValueError(
                f"expected h (B, {c * f}, P), y (..., {f}), rbf (..., {self.radial}); got "
                f"{tuple(h.shape)}, {tuple(y.shape)}, {tuple(rbf.shape)}"
            )
        v = h.reshape(b, c, f, p).permute(0, 3, 1, 2)[:, None]  # (B, 1, P_j, C, F)
        k = self.radial
        w = torch.cat([self.radial_weight, self.radial_weight.new_zeros(1, c, k)]).to(h.dtype)  # + "no pair"
        flat = rbf.reshape(-1, k)
        parts = []
        for l2 in range(self.max_degree + 1):
            # the radial weight of every (edge, channel, input coefficient) for filter degree l2
            wl = w[self.index[l2]].permute(2, 1, 0).reshape(k, c * f)
            prod = (flat @ wl).reshape(b, p, p, c, f) * v  # (B, P_i, P_j, C, F)
            yl = y[..., _start(l2) : _start(l2 + 1)].reshape(b * p, p, 2 * l2 + 1)
            parts.append(torch.bmm(prod.reshape(b * p, p, c * f).transpose(1, 2), yl).reshape(b, p, c, f, -1))
        t = torch.cat(parts, -1) / p  # (B, P, C, F_in, F_Y)
        kernel = torch.einsum("qc,qmno->cmno", self.path_weight.to(h.dtype), self.cg.to(h.dtype))
        out = torch.einsum("bicmn,cmno->bcoi", t, kernel)
        return out.reshape(b, c * f, p)
