"""Invariant maps per field: group pooling (max over a permutation field) and norm pooling (Weiler & Cesa
2019)."""

from __future__ import annotations

import torch
from equi_groups import trivial
from torch import nn

from ._field_type import FieldType
from ._fields import FieldLayout, require_permutation
from ._module import EquivariantModule
from ._plain import FieldMax, FieldNorms, field_max, field_norm


class GroupPooling(EquivariantModule):
    """Max over the channels of each field: one invariant (trivial) channel per field.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019 (group pooling before the invariant
    head of the MNIST models). For a permutation field ``max_i (rho(g) v)_i = max_i v_i``; trivial fields pass
    unchanged. Fields of equal dimension are reduced together as one ``(B, F, d, H, W).amax(2)``.

    Args:
        in_type: regular, quotient or trivial fields (others raise ``ValueError``).

    Shapes:
        ``x: (B, C, *S) -> (B, len(in_type), *S)``.

    Examples:
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(8)
        >>> gp = GroupPooling(FieldType(gs, [regular(gs.group)] * 3))
        >>> tuple(gp(torch.randn(2, 24, 5, 5)).shape)
        (2, 3, 5, 5)
    """

    def __init__(self, in_type: FieldType) -> None:
        super().__init__()
        require_permutation(in_type, type(self).__name__)
        self.in_type = in_type
        self.out_type = FieldType(in_type.gspace, [trivial(in_type.group)] * len(in_type.reps))
        self.core = FieldMax(FieldLayout(in_type))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.core(self.in_type.check(x))

    def export(self) -> nn.Module:
        """``nn.Unflatten`` + ``nn.MaxPool3d`` over each field (see :func:`e2cnn_core._plain.field_max`)."""
        return field_max([r.dim for r in self.in_type.reps])


class NormPool(EquivariantModule):
    """The Euclidean norm of each field: one invariant (trivial) channel per field, for any representation
    (all representations here are orthogonal, so ``|rho(g) v| = |v|``).

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019 (invariant maps).

    Args:
        in_type: any field type.

    Shapes:
        ``x: (B, C, *S) -> (B, len(in_type), *S)``.
    """

    def __init__(self, in_type: FieldType) -> None:
        super().__init__()
        self.in_type = in_type
        self.out_type = FieldType(in_type.gspace, [trivial(in_type.group)] * len(in_type.reps))
        self.core = FieldNorms(FieldLayout(in_type))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.core(self.in_type.check(x))

    def export(self) -> nn.Module:
        """``nn.Unflatten`` + ``nn.LPPool3d`` of order 2 over each field (see :func:`e2cnn_core._plain.field_norm`)."""
        return field_norm([r.dim for r in self.in_type.reps])
