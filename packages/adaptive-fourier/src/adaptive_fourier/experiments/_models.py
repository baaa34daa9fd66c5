"""The two models of the study: an SO(2)-steerable CNN on rotated MNIST and an SO(3) point-cloud network, each
with the fixed-grid or the adaptive Fourier nonlinearity.

Both ``forward`` methods take ``rot``: a ``(F, F)`` matrix ``rho(g)``. With it every nonlinearity is replaced by its
conjugate ``rho(g)^T NL(rho(g) .)`` (the rows of ``A`` turned with it): identical to ``NL`` exactly when ``NL`` is
equivariant to ``g``, so the change of the logits is the model's equivariance error due to its nonlinearities,
free of the pixel grid's resampling error (the measure of the 2D study). ``layer_errors`` (a list) collects
``max|NL(rho h) - rho NL(h)| / max(1, max|NL(h)|)`` per layer on the real features instead.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from e2cnn_core import FieldType, IIDBatchNorm2d, NormNonLinearity, R2Conv, flip_rot2d, rot2d
from equi_groups import O2, SO2, SO3, spherical_harmonics_upto, trivial
from torch import nn

from .._adaptive import AdaptiveFourierPointwise
from .._canonical import CanonicalConv, CanonicalMLP
from .._fixed import FourierPointwise
from .._generators import AdaptiveConv, AdaptiveMLP, SamplingDownsample
from .._linear import BlockLinear
from .._space import FourierSpace
from .._tfn import TFNConv, edge_features
from ._config import Task2D, Task3D

__all__ = ["KINDS", "Net2D", "Net3D", "invariants"]

#: ``fixed``: the fixed grid (pinv); ``adaptive``: the paper's adaptive sampling (A^T / N), one generator shared by
#: all layers. Ours: ``adaptive_ridge`` (a per-point ridge solve instead of A^T / N), ``adaptive_perlayer`` (one
#: generator per nonlinearity, reading that layer's input), ``adaptive_canonical`` (a fixed grid turned into an
#: equivariantly predicted frame, :mod:`adaptive_fourier._canonical`). ``adaptive_normpool`` is the paper's
#: "Adaptive Norm + Pooling" (2D only): a norm nonlinearity in the first block, ``A`` generated from its output.
KINDS = ("fixed", "adaptive", "adaptive_normpool", "adaptive_ridge", "adaptive_perlayer", "adaptive_canonical")


def _fiber(rot: torch.Tensor, h: torch.Tensor, f: int) -> torch.Tensor:
    v = h.reshape(h.shape[0], h.shape[1] // f, f, *h.shape[2:])
    return torch.einsum("ij,bcj...->bci...", rot.to(h.dtype), v).reshape(h.shape)


def invariants(space: FourierSpace, h: torch.Tensor) -> torch.Tensor:
    """Per field: the trivial coefficient and the norm of every other block: ``(B, C * F, *S) -> (B, C * nb, *S)``."""
    f = space.dim
    v = h.reshape(h.shape[0], h.shape[1] // f, f, *h.shape[2:])
    parts = [v[:, :, s] if t else v[:, :, s:s + d].pow(2).sum(2).add(1e-8).sqrt() for s, d, t in space.blocks]
    return torch.stack(parts, 2).reshape(h.shape[0], -1, *h.shape[2:])


class _Act(nn.Module):
    """One nonlinearity, fixed or adaptive, with the conjugation and per-layer error of the module docstring."""

    def __init__(self, space: FourierSpace, channels: int, kind: str, N: int, grid: str, orth: bool = False,
                 field_type: FieldType | None = None) -> None:
        super().__init__()
        self.space, self.kind = space, kind
        if kind == "fixed":
            self.act = FourierPointwise(space, channels, N=N, grid=grid, back="pinv")
        elif kind == "norm":  # the first block of adaptive_normpool
            self.act = NormNonLinearity(field_type, "n_relu")
        elif kind in KINDS:
            back = "ridge" if kind == "adaptive_ridge" else "mean"
            self.act = AdaptiveFourierPointwise(space, channels, N, back=back, orthogonalise=orth)
        else:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")

    def _call(self, h: torch.Tensor, a: torch.Tensor | None) -> torch.Tensor:
        return self.act(h) if self.kind in ("fixed", "norm") else self.act(h, a)

    def forward(self, h: torch.Tensor, a: torch.Tensor | None, rot: torch.Tensor | None = None,
                layer_errors: list | None = None) -> torch.Tensor:
        y = self._call(h, a)
        if rot is None:
            return y
        f = self.space.dim
        ra = None if a is None else _fiber(rot, a, f)
        yr = self._call(_fiber(rot, h, f), ra)
        if layer_errors is not None:
            err = (yr - _fiber(rot, y, f)).abs().amax() / y.abs().amax().clamp_min(1.0)
            layer_errors.append(float(err))
            return y
        return _fiber(rot.T, yr, f)


class Net2D(nn.Module):
    """SO(2)- or O(2)-steerable CNN for 29x29 images: three blocks of (5x5 ``R2Conv``, ``IIDBatchNorm2d``, Fourier
    nonlinearity), with 3x3 average pooling of stride 2 after the first two convolutions, before their
    nonlinearities (29 -> 15 -> 8), invariants (trivial parts and block norms) averaged over the plane, a
    two-layer MLP. Adaptive: ``A`` from the input image by :class:`AdaptiveConv` (5x5, stride 2: 15 pixels; with
    ``cfg.generator == "features"`` from the first block's pooled convolution output instead, 5x5, stride 1),
    brought to 8 pixels by :class:`SamplingDownsample` (``cfg.downsample``), shared by all three nonlinearities.
    ``adaptive_normpool`` (the paper's "Adaptive Norm + Pooling"): the first nonlinearity is a norm nonlinearity and
    ``A`` is generated from its output (5x5, stride 2: 8 pixels) for the two later ones.

    Shapes:
        ``x: (B, 1, 29, 29) -> (B, 10)``.
    """

    def __init__(self, cfg: Task2D, kind: str, N: int, downsample: str | None = None) -> None:
        super().__init__()
        if cfg.group not in ("so2", "o2"):
            raise ValueError(f"group must be so2 or o2, got {cfg.group!r}")
        if cfg.generator not in ("image", "features"):
            raise ValueError(f"generator must be image or features, got {cfg.generator!r}")
        if cfg.rows not in ("normalise", "orth"):
            raise ValueError(f"rows must be normalise or orth, got {cfg.rows!r}")
        group = O2() if cfg.group == "o2" else SO2()
        gs = flip_rot2d(-1) if cfg.group == "o2" else rot2d(-1)
        self.group = group
        self.space = sp = FourierSpace(group, cfg.max_frequency)
        self.kind, self.N = kind, N
        t0 = FieldType(gs, [trivial(group)])
        types = [FieldType(gs, [sp.rep] * c) for c in cfg.channels]
        self.in_type = t0
        self.convs = nn.ModuleList(R2Conv(a, b, 5, padding=2) for a, b in zip([t0, *types[:-1]], types, strict=True))
        self.norms = nn.ModuleList(IIDBatchNorm2d(t) for t in types)
        orth = cfg.rows == "orth"
        kinds = [kind] * len(types)
        if kind == "adaptive_normpool":
            kinds[0] = "norm"
        self.acts = nn.ModuleList(_Act(sp, c, k, N, cfg.grid, orth, t)
                                  for c, k, t in zip(cfg.channels, kinds, types, strict=True))
        #: where A comes from: None (fixed), "image", "features" (first block, before its nonlinearity),
        #: "norm" (after the first block's norm nonlinearity), "perlayer"
        self.source: str | None = None
        if kind == "adaptive_canonical":
            self.gen = CanonicalConv(t0, sp, N, 5, 2, stride=2)
            self.source = "image"
        elif kind == "adaptive_perlayer":
            self.gens = nn.ModuleList(AdaptiveConv(t, sp, N, 3, 1) for t in types)
            self.source = "perlayer"
        elif kind == "adaptive_normpool":
            self.gen = AdaptiveConv(types[0], sp, N, 5, 2, stride=2)
            self.source = "norm"
        elif kind != "fixed":
            if cfg.generator == "features":
                self.gen = AdaptiveConv(types[0], sp, N, 5, 2)
            else:
                self.gen = AdaptiveConv(t0, sp, N, 5, 2, stride=2)
            self.source = cfg.generator
            method = downsample or cfg.downsample
            self.downs = nn.ModuleList([SamplingDownsample(gs, sp, N, method)])
        nb = len(sp.blocks)
        self.head = nn.Sequential(nn.Linear(cfg.channels[-1] * nb, 32), nn.ELU(), nn.Linear(32, 10))

    def _first(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(self.norms[0](self.convs[0](x)), 3, 2, 1, count_include_pad=False)

    def forward(self, x: torch.Tensor, rot: torch.Tensor | None = None, layer_errors: list | None = None
                ) -> torch.Tensor:
        a = self.gen(x) if self.source == "image" else None
        h = x
        last = len(self.convs) - 1
        for k, (conv, norm, act) in enumerate(zip(self.convs, self.norms, self.acts, strict=True)):
            h = norm(conv(h))
            if k < last:
                h = F.avg_pool2d(h, 3, 2, 1, count_include_pad=False)
                if a is not None and k > 0 and self.source in ("image", "features"):
                    a = self.gen.downsample(a) if self.kind == "adaptive_canonical" else self.downs[0](a)
            if k == 0 and self.source == "features":
                a = self.gen(h)
            if self.source == "perlayer":
                a = self.gens[k](h)
            h = act(h, a, rot, layer_errors)
            if k == 0 and self.source == "norm":
                a = self.gen(h)
        return self.head(invariants(self.space, h).mean((-1, -2)))

    def sampling(self, x: torch.Tensor) -> torch.Tensor:
        """``A`` of the first adaptive nonlinearity (adaptive kinds)."""
        if self.source == "perlayer":
            return self.gens[0](self._first(x))
        if self.source == "features":
            return self.gen(self._first(x))
        if self.source == "norm":
            return self.gen(self.acts[0].act(self._first(x)))
        return self.gen(x)

    def degenerate(self) -> float:
        """Fraction of degenerate blocks of ``A`` (frames, for the canonical kind) in the last call of the first
        generator (0 for the fixed grid)."""
        if self.kind == "fixed":
            return 0.0
        return self.gens[0].degenerate if self.kind == "adaptive_perlayer" else self.gen.degenerate


class Net3D(nn.Module):
    """SO(3)-equivariant point-cloud classifier on sphere-function features (``L = 3``, ``F = 16``).

    Embedding: ``f_i = (1/P) sum_j R(|r_ij|) Y(r_ij) + R'(|p_i|) Y(p_i)`` per field (learned radial profiles on
    Gaussian radial bases, real spherical harmonics ``Y``, positions centred). Each block: Fourier nonlinearity,
    :class:`BlockLinear`, and a point convolution, ``h_i <- h_i + y_i + conv(y)_i``. ``cfg.conv == "tfn"`` (the
    default since 0.3.0, the paper's kind of model): :class:`~adaptive_fourier.TFNConv`, Clebsch-Gordan products of
    the neighbours' degree-``l1`` parts with the edge harmonics ``Y_l2(r_ij)`` into every degree ``l <= L``, radial
    weights per ``(l1, l2)`` and channel. ``cfg.conv == "isotropic"`` (the 0.1/0.2 model, kept as an ablation):
    learned isotropic radial kernels, ``(1/P) sum_j k(|r_ij|) y_j`` (no Clebsch-Gordan products: the nonlinearity
    alone mixes the degrees). Invariants averaged over the points, a two-layer MLP. Adaptive: ``A`` per point by
    :class:`AdaptiveMLP` from the embedding, shared by every block (no downsampling: all points are kept).

    Shapes:
        ``pos: (B, P, 3) -> (B, n_classes)``.
    """

    def __init__(self, cfg: Task3D, kind: str, N: int, n_classes: int = 10) -> None:
        super().__init__()
        if kind == "adaptive_normpool":
            raise ValueError("adaptive_normpool is a 2D model (a norm nonlinearity before an Adaptive Conv)")
        if cfg.conv not in ("tfn", "isotropic"):
            raise ValueError(f"conv must be tfn or isotropic, got {cfg.conv!r}")
        self.space = sp = FourierSpace(SO3(), cfg.max_frequency, sphere=True)
        self.kind, self.N, c = kind, N, cfg.channels
        k = 8
        self.register_buffer("mu", torch.linspace(0.0, 2.0, k), persistent=False)
        self.width = 2.0 / (k - 1)
        self.w_pair = nn.Parameter(torch.randn(c, k) / math.sqrt(k))
        self.w_centre = nn.Parameter(torch.randn(c, k) / math.sqrt(k))
        self.acts = nn.ModuleList(_Act(sp, c, kind, N, cfg.grid) for _ in range(cfg.blocks))
        self.lins = nn.ModuleList(BlockLinear(sp, c, c) for _ in range(cfg.blocks))
        self.conv = cfg.conv
        if cfg.conv == "tfn":
            self.convs = nn.ModuleList(TFNConv(cfg.max_frequency, c, k) for _ in range(cfg.blocks))
        else:
            self.kernels = nn.ParameterList(nn.Parameter(torch.randn(c, k) / math.sqrt(k)) for _ in range(cfg.blocks))
        if kind == "adaptive_canonical":
            self.gen = CanonicalMLP(sp, c, N)
        elif kind == "adaptive_perlayer":
            self.gens = nn.ModuleList(AdaptiveMLP(sp, c, N, hidden=c) for _ in range(cfg.blocks))
        elif kind != "fixed":
            self.gen = AdaptiveMLP(sp, c, N, hidden=c)
        self.head = nn.Sequential(nn.Linear(c * len(sp.blocks), 32), nn.ELU(), nn.Linear(32, n_classes))

    def _rbf(self, d: torch.Tensor) -> torch.Tensor:
        return torch.exp(-(((d[..., None] - self.mu) / self.width) ** 2))

    def embed(self, pos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The embedding ``(B, C * F, P)``, the radial bases of the pairs ``(B, P, P, K)`` (zero on the self-pairs)
        and the harmonics of the pairs ``(B, P, P, F)``."""
        b, p, _ = pos.shape
        L = self.space.max_frequency
        pos = pos - pos.mean(1, keepdim=True)
        _, d, y = edge_features(pos, L)
        eye = torch.eye(p, dtype=torch.bool, device=pos.device)
        rbf = self._rbf(d) * (~eye)[None, :, :, None]
        w = torch.einsum("bijk,ck->bcij", rbf, self.w_pair)
        h = torch.einsum("bcij,bijf->bcfi", w, y) / p
        dc = pos.norm(dim=-1)
        yc = spherical_harmonics_upto(L, torch.where(dc[..., None] > 1e-6, pos, torch.tensor([0.0, 0.0, 1.0])))
        h = h + torch.einsum("bik,ck,bif->bcfi", self._rbf(dc), self.w_centre, yc)
        return h.reshape(b, -1, p), rbf, y

    def sampling(self, pos: torch.Tensor) -> torch.Tensor:
        """``A`` per point ``(B, N * F, P)`` of the first nonlinearity (adaptive kinds)."""
        h = self.embed(pos)[0]
        return self.gens[0](h) if self.kind == "adaptive_perlayer" else self.gen(h)

    def forward(self, pos: torch.Tensor, rot: torch.Tensor | None = None, layer_errors: list | None = None
                ) -> torch.Tensor:
        b, p, _ = pos.shape
        f = self.space.dim
        h, rbf, y = self.embed(pos)
        a = self.gen(h) if self.kind not in ("fixed", "adaptive_perlayer") else None
        convs = self.convs if self.conv == "tfn" else self.kernels
        for k, (act, lin, conv) in enumerate(zip(self.acts, self.lins, convs, strict=True)):
            if self.kind == "adaptive_perlayer":
                a = self.gens[k](h)
            z = lin(act(h, a, rot, layer_errors))
            if self.conv == "tfn":
                msg = conv(z, y, rbf)
            else:
                kern = torch.einsum("bijk,ck->bcij", rbf, conv) / p
                msg = torch.einsum("bcij,bcfj->bcfi", kern, z.reshape(b, -1, f, p)).reshape(z.shape)
            h = h + z + msg
        return self.head(invariants(self.space, h).mean(-1))

    def degenerate(self) -> float:
        if self.kind == "fixed":
            return 0.0
        return self.gens[0].degenerate if self.kind == "adaptive_perlayer" else self.gen.degenerate
