"""ReLU6 on permutation fields: MobileNetV2's nonlinearity, equivariant for regular and trivial fields."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from e2cnn_core import FieldType, PointwiseNonLinearity
from torch import nn


class ReLU6(PointwiseNonLinearity):
    """``min(max(x, 0), 6)`` channel by channel (Sandler et al. 2018) on permutation fields.

    A pointwise map commutes with every permutation of channels, so it is equivariant for regular, quotient and
    trivial fields (others raise ``ValueError``, checked by e2cnn-core's ``PointwiseNonLinearity``).

    Args:
        in_type: input field type (also the output type).

    Shapes:
        ``x: (B, in_type.size, H, W) -> (B, in_type.size, H, W)``.

    Examples:
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, flip_rot2d
        >>> gs = flip_rot2d(4)
        >>> act = ReLU6(FieldType(gs, [regular(gs.group)]))
        >>> act(torch.full((1, 8, 1, 1), 7.0)).max().item(), type(act.export()).__name__
        (6.0, 'ReLU6')
    """

    def __init__(self, in_type: FieldType) -> None:
        super().__init__(in_type, "p_relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu6(self.in_type.check(x))

    def export(self) -> nn.Module:
        return nn.ReLU6(inplace=True)
