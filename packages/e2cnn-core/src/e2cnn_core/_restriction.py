"""Restriction of a feature field to a subgroup (Weiler & Cesa 2019, Sec. 3.5: group restriction)."""

from __future__ import annotations

import torch
from equi_groups import PlanarGroup
from torch import nn

from ._field_type import FieldType
from ._module import EquivariantModule


class RestrictionModule(EquivariantModule):
    """Sees the same channels as fields of a subgroup ``H < G``: the identity map from ``in_type`` to
    ``in_type.restrict(H)``.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019, Sec. 3.5: restricting e.g. D_16 to C_16
    after the first layers (model ``D16|5C16``) keeps the reflection symmetry where local features are
    mirror-symmetric and drops it where global orientation matters. Each field's representation ``rho`` becomes
    ``rho|_H`` (decomposed into H's irreps by equi-groups); the data is not touched.

    Args:
        in_type: the field type over ``G``.
        subgroup: a planar subgroup of ``G`` (e.g. ``CyclicGroup(16)`` of ``DihedralGroup(16)``,
            ``DihedralGroup(8)`` of ``O2()``); anything else raises ``ValueError``.

    Shapes:
        ``x: (B, C, *S) -> (B, C, *S)``.

    Examples:
        >>> from equi_groups import CyclicGroup, regular
        >>> from e2cnn_core import FieldType, flip_rot2d
        >>> gs = flip_rot2d(4)
        >>> res = RestrictionModule(FieldType(gs, [regular(gs.group)]), CyclicGroup(4))
        >>> str(res.out_type.group), res.out_type.size
        ('C4', 8)
    """

    def __init__(self, in_type: FieldType, subgroup: PlanarGroup) -> None:
        super().__init__()
        group = in_type.group
        if not isinstance(subgroup, PlanarGroup) or not subgroup.is_subgroup_of(group):
            raise ValueError(
                f"cannot restrict fields of {group} to {subgroup}: expected a planar subgroup of {group} "
                f"(e.g. C_M or D_M with M dividing N and the same reflection axis)"
            )
        self.subgroup = subgroup
        self.in_type = in_type
        self.out_type = in_type.restrict(subgroup)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.in_type.check(x)

    def export(self) -> nn.Module:
        return nn.Identity()
