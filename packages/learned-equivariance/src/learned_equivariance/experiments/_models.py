"""The study's networks: plain CNN, C_N/D_N steerable CNN, learned-degree CNN (layer-wise or shared), RPP.

One backbone for all (the authors' SteerableCNN at CPU scale): convolutions with kernels 7, 5, 3, 3, batch norm
and ReLU, anti-aliased average pooling (sigma 0.66, stride 2) after the first two blocks, then group pooling
(max over each regular field), average pooling over the left and the right half of the image (tens and units
digit) and a linear layer to 100 classes. The equivariant models use regular fields of C_N (or D_N); the CNN has
the same number of channels (same cost per layer, more free parameters).
"""

from __future__ import annotations

import torch
from torch import nn

from ._config import ModelConfig

KERNELS = (7, 5, 3, 3)


def gspace_of(name: str) -> object:
    from e2cnn_core import flip_rot2d, rot2d

    n = int(name[1:])
    return flip_rot2d(n) if name.startswith("D") else rot2d(n)


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
        GroupPooling,
        InnerBatchNorm,
        PointwiseAvgPoolAntialiased2d,
        R2Conv,
        ReLU,
    )
    from equi_groups import regular, trivial

    from .._learnable_conv import LearnableR2Conv
    from .._likelihood import GroupLikelihood
    from .._rpp import RPPConv

    gs = gspace_of(cfg.group)
    G = gs.group
    order = G.order()
    if kind == "cnn":
        layers: list[nn.Module] = []
        c_in = 1
        for i, (k, f) in enumerate(zip(KERNELS, cfg.fields, strict=True)):
            layers.append(_PlainBlock(c_in, f * order, k))
            if i < 2:
                layers.append(nn.AvgPool2d(2, 2) if False else _blur_pool(f * order))
            c_in = f * order
        return Net(layers, c_in)
    if kind not in ("equivariant", "learned", "learned_shared", "rpp"):
        raise ValueError(f"unknown model {kind!r}")
    shared = GroupLikelihood(G, cfg.L) if kind == "learned_shared" else None
    t_in = FieldType(gs, [trivial(G)])
    layers = []
    for i, (k, f) in enumerate(zip(KERNELS, cfg.fields, strict=True)):
        t_out = FieldType(gs, [regular(G)] * f)
        if kind == "equivariant":
            conv: nn.Module = R2Conv(t_in, t_out, k, padding=k // 2)
        elif kind == "rpp":
            conv = RPPConv(t_in, t_out, k, padding=k // 2)
        else:
            conv = LearnableR2Conv(t_in, t_out, k, padding=k // 2, likelihood=shared, L=cfg.L)
        layers += [conv, InnerBatchNorm(t_out), ReLU(t_out)]
        if i < 2:
            layers.append(PointwiseAvgPoolAntialiased2d(t_out, sigma=0.66, stride=2))
        t_in = t_out
    layers.append(GroupPooling(t_in))
    return Net(layers, len(t_in.reps))


def _blur_pool(channels: int) -> nn.Module:
    from e2cnn_core import FieldType, PointwiseAvgPoolAntialiased2d, trivial2d
    from equi_groups import trivial

    gs = trivial2d()
    return PointwiseAvgPoolAntialiased2d(FieldType(gs, [trivial(gs.group)] * channels), sigma=0.66, stride=2)
