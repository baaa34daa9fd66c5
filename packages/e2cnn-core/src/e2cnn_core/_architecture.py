"""Architecture specs shared by the zoo, the bench and ``reproduce``: layer widths, kernels, model names."""

from __future__ import annotations

import math
import re

from equi_groups import CyclicGroup, DihedralGroup, PlanarGroup

#: Channels of the six convolution layers of the paper's MNIST model for a conventional CNN (Weiler & Cesa
#: 2019, appendix); equivariant models use ``round(c * width / sqrt(field dim))`` fields so that the parameter
#: count stays close to the conventional model's.
MNIST_CHANNELS = (16, 24, 32, 32, 48, 64)
#: (kernel size, padding) of the six layers; pooling (3x3, stride 2, padding 1) follows layers 2 and 4.
MNIST_KERNELS = ((7, 1), (5, 2), (5, 2), (5, 2), (5, 2), (5, 1))

#: The models of the paper's MNIST-rot table that ``reproduce`` trains.
MODEL_NAMES = ("C1", "C4", "C8", "C16", "D4", "D8", "D16", "D16|5C16", "SO2", "O2")


def _group_of(token: str) -> PlanarGroup:
    m = re.fullmatch(r"([CD])(\d+)", token)
    if m is None:
        raise ValueError(f"group token {token!r} is not like 'C8' or 'D16'")
    n = int(m.group(2))
    return CyclicGroup(n) if m.group(1) == "C" else DihedralGroup(n)


def parse_model_name(name: str) -> tuple[PlanarGroup, int | None, PlanarGroup | None]:
    """``"D16|5C16"`` -> (D16, 5, C16): group, layer (1-based) at which to restrict, subgroup.

    Examples:
        >>> g, layer, sub = parse_model_name("D16|5C16")
        >>> str(g), layer, str(sub)
        ('D16', 5, 'C16')
    """
    m = re.fullmatch(r"([CD]\d+)(?:\|(\d)([CD]\d+))?", name)
    if m is None:
        raise ValueError(f"model name {name!r} is not like 'C8', 'D16' or 'D16|5C16'")
    group = _group_of(m.group(1))
    if m.group(2) is None:
        return group, None, None
    layer, sub = int(m.group(2)), _group_of(m.group(3))
    if not 2 <= layer <= 6:
        raise ValueError(f"restriction layer must be in 2..6, got {layer}")
    if not sub.is_subgroup_of(group):
        raise ValueError(f"{sub} is not a subgroup of {group} in {name!r}")
    return group, layer, sub


def n_fields(channels: int, field_dim: int, width: float) -> int:
    """Fields that keep a layer's parameter count near a ``channels``-wide conventional layer's."""
    return max(1, round(channels * width / math.sqrt(field_dim)))
