"""The study network: a bias-free G-equivariant ReLU network on polar samples, built from e2cnn-core layers.

Every learned layer is an ``R2Conv`` with ``kernel_size=1`` on a ``1 x 1`` grid, i.e. exactly an intertwiner
between the fibre representations (the setting of the bound): polar input (regular fields) -> ``c`` regular
fields -> ReLU -> ``c`` regular fields -> ReLU -> 10 trivial fields (the logits, G-invariant).
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from e2cnn_core import FieldType, R2Conv, ReLU, flip_rot2d, rot2d
from equi_groups import DihedralGroup, PlanarGroup, Representation, group_from_str, regular, trivial
from torch import nn

from .._fourier import decomposed_sum
from ._config import PolarConfig, budget_width, count_parameters
from ._data import polar_field_index, polar_sample

__all__ = ["PolarNet", "PolarNetConfig", "budget_width", "count_parameters"]


def _gspace(group: PlanarGroup):  # noqa: ANN202
    """The gspace of ``group`` itself (for D_N: the same reflection axis, which the polar grid's field order uses)."""
    if isinstance(group, DihedralGroup):
        return flip_rot2d(group.N, axis=group.axis)
    return rot2d(group.N)


@dataclass(frozen=True)
class PolarNetConfig:
    """Recipe of a :class:`PolarNet` (stored next to its weights in checkpoints).

    Args:
        group: ``"C1"``, ``"C4"``, ``"D4"``, ...
        width: ``c``, regular fields in each of the two hidden layers.
        n_classes: output classes.
        polar: the polar sampling (as a dict of :class:`PolarConfig` fields).
    """

    group: str
    width: int
    n_classes: int = 10
    polar: tuple[tuple[str, float], ...] = tuple(asdict(PolarConfig()).items())

    @property
    def polar_config(self) -> PolarConfig:
        return PolarConfig(**dict(self.polar))

    def as_dict(self) -> dict:
        return {"kind": "pac-equi/PolarNet", "group": self.group, "width": self.width,
                "n_classes": self.n_classes, "polar": dict(self.polar)}

    @staticmethod
    def from_dict(d: dict) -> PolarNetConfig:
        if d.get("kind") != "pac-equi/PolarNet":
            raise ValueError(f"recipe kind {d.get('kind')!r} is not 'pac-equi/PolarNet'")
        return PolarNetConfig(str(d["group"]), int(d["width"]), int(d["n_classes"]), tuple(dict(d["polar"]).items()))


class PolarNet(nn.Module):
    """A bias-free G-equivariant (G-invariant logits) ReLU network on polar samples of an image.

    Behboodi, Cesa, Cohen (NeurIPS 2022) bound networks ``f(x) = W_L phi(... phi(W_1 x))`` whose layers are
    intertwiners between representations of ``G``; this is one: ``W_1: rho_0 -> c rho_reg``,
    ``W_2: c rho_reg -> c rho_reg``, ``W_3: c rho_reg -> 10 x trivial`` with ``rho_0`` = the polar samples as
    regular fields (see :mod:`pac_equi.experiments._data`), each ``W_l`` an e2cnn-core ``R2Conv`` (1x1, no bias).

    Args:
        config: the recipe (:class:`PolarNetConfig`).

    Shapes:
        ``forward``: ``x: (B, rho_0.dim)`` polar samples in field order -> logits ``(B, n_classes)``.
        ``features``: images ``(B, 1, H, W)`` -> ``(B, rho_0.dim)``.

    Examples:
        >>> net = PolarNet(PolarNetConfig("C4", width=3))
        >>> net(torch.randn(2, net.in_type.dim)).shape
        torch.Size([2, 10])
    """

    def __init__(self, config: PolarNetConfig) -> None:
        super().__init__()
        self.config = config
        group = group_from_str(config.group)
        if not isinstance(group, PlanarGroup):
            raise ValueError(f"group {config.group!r} is not a planar group")
        self.group = group
        gs = _gspace(group)
        pc = config.polar_config
        self.register_buffer("field_index", torch.as_tensor(polar_field_index(group, pc)), persistent=False)
        n_in = pc.dim // group.order()
        reg = regular(group)
        t0 = FieldType(gs, [reg] * n_in)
        t1 = FieldType(gs, [reg] * config.width)
        t3 = FieldType(gs, [trivial(group)] * config.n_classes)
        self.types = (t0, t1, t1, t3)
        self.convs = nn.ModuleList(
            [R2Conv(a, b, kernel_size=1, bias=False) for a, b in zip(self.types[:-1], self.types[1:], strict=True)]
        )
        self.acts = nn.ModuleList([ReLU(t1), ReLU(t1)])
        self.in_type: Representation = decomposed_sum(t0.reps)
        self.out_type: Representation = decomposed_sum(t3.reps)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Polar samples of ``images (B, 1, H, W)`` in field order: ``(B, rho_0.dim)``."""
        p = polar_sample(images, self.config.polar_config).flatten(1)
        return p[:, self.field_index]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x[:, :, None, None]
        for i, conv in enumerate(self.convs):
            h = conv(h)
            if i < len(self.acts):
                h = self.acts[i](h)
        return h[:, :, 0, 0]

    def linear_maps(self) -> list[tuple[str, np.ndarray, Representation, Representation]]:
        """``(name, W (n_out, n_in) float64, rho_in, rho_out)`` of every layer, in order."""
        out = []
        for i, conv in enumerate(self.convs):
            c64 = copy.deepcopy(conv).double()
            with torch.no_grad():
                filt, _ = c64.expand_parameters()
            rin = decomposed_sum(conv.in_type.reps)
            rout = decomposed_sum(conv.out_type.reps)
            out.append((f"W{i + 1}", filt[:, :, 0, 0].numpy().copy(), rin, rout))
        return out

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def input_norm_bound(x: torch.Tensor) -> float:
    """``max_i ||x_i||_2`` over the rows of ``x``."""
    return float(x.double().norm(dim=1).max()) if len(x) else math.nan
