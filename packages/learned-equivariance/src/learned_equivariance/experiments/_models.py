"""The study's networks: plain CNN, steerable CNN (C_N, D_N, SO(2), O(2)), learned-degree CNN (layer-wise or
shared), RPP.

One backbone for all (the authors' SteerableCNN at CPU scale): convolutions with kernels 7, 5, 3, 3, batch norm
and a nonlinearity, anti-aliased average pooling (sigma 0.66, stride 2) after the first two blocks, average
pooling over the left and the right half of the image (tens and units digit) and a linear layer to 100 classes.

Fields: regular fields of C_N/D_N with ReLU (pointwise), or, for SO(2)/O(2), band-limited regular fields (irreps up
to ``field_band``; dimension ``2 L + 1`` for SO(2), ``4 L + 2`` for O(2)) with the Fourier ELU on a grid of
``fourier_grid`` rotations (the authors' optional nonlinearity; exactly equivariant on that grid) and IID batch
norm. The last convolution maps to ``fields[-1]`` invariant (trivial) fields, so every model feeds the head with
the same number of features, and the CNN has ``fields[i] * dim`` channels in the first three layers and
``fields[-1]`` in the last: the learned model with a likelihood at the identity has the CNN's architecture, with a
uniform likelihood the steerable CNN's. (Up to 0.1.0 the steerable models ended in group pooling of
``fields[-1]`` regular fields: 8 invariant features per half image against the CNN's 64, a bottleneck that cost
them about 45 points of test error on C1 data; see the README.)
"""

from __future__ import annotations

import torch
from torch import nn

from ._config import ModelConfig

KERNELS = (7, 5, 3, 3)


def gspace_of(name: str) -> object:
    """``C<N>``, ``D<N>``, ``SO2`` or ``O2`` -> the e2cnn-core gspace."""
    from e2cnn_core import flip_rot2d, rot2d

    if name in ("SO2", "O2"):
        return rot2d(-1) if name == "SO2" else flip_rot2d(-1)
    n = int(name[1:])
    return flip_rot2d(n) if name.startswith("D") else rot2d(n)


def field_rep(group: object, band: int) -> object:
    """The hidden fields' representation: regular for C_N/D_N, band-limited regular (irreps <= ``band``) else."""
    from equi_groups import band_limited_regular, regular

    return regular(group) if group.is_finite else band_limited_regular(group, band)


class Net(nn.Module):
    """Backbone ``features`` (a list of layers) + head; ``likelihoods`` lists each conv's likelihood (or [])."""

    def __init__(self, layers: list[nn.Module], n_features: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.head = nn.Linear(2 * n_features, 100)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 2))
        return self.head(f.flatten(1))

    def likelihoods(self) -> list:
        return [m.likelihood for m in self.layers if hasattr(m, "likelihood")]

    def penalty(self) -> torch.Tensor:
        terms = [m.penalty() for m in self.layers if hasattr(m, "penalty")]
        return sum(terms, torch.zeros(()))

    def export(self) -> nn.Module:
        """Plain PyTorch (``nn.Conv2d``, ``BatchNorm2d``, ...): same outputs in eval mode."""
        layers = [m.export() if hasattr(m, "export") else m for m in self.layers]
        return _Plain(nn.Sequential(*layers), self.head)


class _Plain(nn.Module):
    def __init__(self, features: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.features, self.head = features, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 2))
        return self.head(f.flatten(1))


class _PlainBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, k: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, k, padding=k // 2)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(x)))


def build_model(kind: str, cfg: ModelConfig) -> Net:
    """``kind`` in ``cnn``, ``equivariant``, ``learned``, ``learned_shared``, ``rpp``."""
    from e2cnn_core import (
        FieldType,
        FourierELU,
        IIDBatchNorm2d,
        InnerBatchNorm,
        PointwiseAvgPoolAntialiased2d,
        R2Conv,
        ReLU,
    )
    from equi_groups import trivial

    from .._learnable_conv import LearnableR2Conv
    from .._likelihood import GroupLikelihood
    from .._rpp import RPPConv

    gs = gspace_of(cfg.group)
    G = gs.group
    rep = field_rep(G, cfg.field_band)
    last = len(KERNELS) - 1
    if kind == "cnn":
        layers: list[nn.Module] = []
        c_in = 1
        for i, (k, f) in enumerate(zip(KERNELS, cfg.fields, strict=True)):
            c_out = f if i == last else f * rep.dim
            layers.append(_PlainBlock(c_in, c_out, k))
            if i < 2:
                layers.append(_blur_pool(c_out))
            c_in = c_out
        return Net(layers, c_in)
    if kind not in ("equivariant", "learned", "learned_shared", "rpp"):
        raise ValueError(f"unknown model {kind!r}")
    shared = GroupLikelihood(G, cfg.L) if kind == "learned_shared" else None
    t_in = FieldType(gs, [trivial(G)])
    layers = []
    for i, (k, f) in enumerate(zip(KERNELS, cfg.fields, strict=True)):
        t_out = FieldType(gs, [trivial(G) if i == last else rep] * f)
        if kind == "equivariant":
            conv: nn.Module = R2Conv(t_in, t_out, k, padding=k // 2)
        elif kind == "rpp":
            conv = RPPConv(t_in, t_out, k, padding=k // 2)
        else:
            conv = LearnableR2Conv(t_in, t_out, k, padding=k // 2, likelihood=shared, L=cfg.L)
        if i == last or G.is_finite:
            layers += [conv, InnerBatchNorm(t_out), ReLU(t_out)]
        else:
            act = FourierELU(gs, f, cfg.field_band, N=cfg.fourier_grid)
            layers += [conv, IIDBatchNorm2d(t_out), act]
        if i < 2:
            layers.append(PointwiseAvgPoolAntialiased2d(t_out, sigma=0.66, stride=2))
        t_in = t_out
    return Net(layers, len(t_in.reps))


def _blur_pool(channels: int) -> nn.Module:
    from e2cnn_core import FieldType, PointwiseAvgPoolAntialiased2d, trivial2d
    from equi_groups import trivial

    gs = trivial2d()
    return PointwiseAvgPoolAntialiased2d(FieldType(gs, [trivial(gs.group)] * channels), sigma=0.66, stride=2)
