"""Gated nonlinearity (Weiler et al. 2018, 3D Steerable CNNs; Weiler & Cesa 2019, Sec. 2.6)."""

from __future__ import annotations

import copy

import torch
from torch import nn

from ._field_type import FieldType
from ._fields import channel_fields
from ._module import EquivariantModule
from ._plain import Gate


class GatedNonLinearity(EquivariantModule):
    """Each gated field is multiplied by the sigmoid of its own scalar gate: ``y_i = sigmoid(s_i) x_i``.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019, Sec. 2.6 (gated nonlinearities, after
    Weiler et al., NeurIPS 2018). ``in_type = gates + gated``: the first ``n_gates`` fields are trivial (scalars, one
    per gated field) and the remaining ``n_gates`` fields are gated in order; as the gate is invariant,
    ``sigmoid(s) rho(g) x = rho(g) sigmoid(s) x``. The output type is the gated fields only.

    Args:
        in_type: gates followed by gated fields.
        n_gates: number of gate fields (= number of gated fields).

    Shapes:
        ``x: (B, in_type.size, *S) -> (B, in_type.size - n_gates, *S)``.

    Examples:
        >>> from equi_groups import irrep, trivial
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(-1)
        >>> t = FieldType(gs, [trivial(gs.group)] * 2 + [irrep(gs.group, 1), irrep(gs.group, 3)])
        >>> GatedNonLinearity(t, n_gates=2).out_type.size
        4
    """

    def __init__(self, in_type: FieldType, n_gates: int) -> None:
        super().__init__()
        n = len(in_type.reps)
        if not 1 <= n_gates or 2 * n_gates != n:
            raise ValueError(
                f"in_type has {n} fields: expected n_gates gates + n_gates gated fields, "
                f"got n_gates={n_gates}"
            )
        for i, rep in enumerate(in_type.reps[:n_gates]):
            if rep.dim != 1 or not rep.is_trivial():
                raise ValueError(f"gate field {i} must be trivial (a scalar), got {rep}")
        self.in_type = in_type
        self.out_type = FieldType(in_type.gspace, in_type.reps[n_gates:])
        index = channel_fields(self.out_type)
        self.core = Gate(n_gates, index)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.core(self.in_type.check(x))

    def export(self) -> nn.Module:
        return copy.deepcopy(self.core)
