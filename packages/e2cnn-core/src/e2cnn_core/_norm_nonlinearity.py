"""Norm nonlinearity (Weiler & Cesa 2019, Sec. 2.6; Worrall et al. 2017): acts on each field's norm only."""

from __future__ import annotations

import copy

import torch
from torch import nn

from ._field_type import FieldType
from ._fields import FieldLayout
from ._module import EquivariantModule
from ._plain import NormActivation

_FUNCTIONS = {"n_relu": "relu", "n_sigmoid": "sigmoid", "squash": "squash"}


class NormNonLinearity(EquivariantModule):
    """Scales each field by a function of its norm: ``f(x) = phi(|f(x)| - b) f(x) / |f(x)|``.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019, Sec. 2.6 (norm nonlinearities). Every
    representation here is orthogonal, so ``|rho(g) v| = |v|`` and the map is equivariant for any field. ``phi`` is
    ReLU (``n_relu``), the logistic sigmoid (``n_sigmoid``) or ``squash`` (``n -> n / (1 + n)``, no bias). The
    learnable bias ``b = exp(log_bias) > 0`` is one per field (initialised to 1). Fields with norm 0 map to 0.

    Args:
        in_type: input field type (also the output type); any representations.
        function: ``n_relu``, ``n_sigmoid`` or ``squash``.
        bias: learn a bias per field (not allowed with ``squash``).

    Shapes:
        ``x: (B, in_type.size, *S) -> (B, in_type.size, *S)``.

    Examples:
        >>> from equi_groups import irrep
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(-1)
        >>> act = NormNonLinearity(FieldType(gs, [irrep(gs.group, 1), irrep(gs.group, 2)]))
        >>> tuple(act(torch.randn(2, 4, 5, 5)).shape)
        (2, 4, 5, 5)
    """

    def __init__(self, in_type: FieldType, function: str = "n_relu", bias: bool = True) -> None:
        super().__init__()
        if function not in _FUNCTIONS:
            raise ValueError(f"unknown norm function {function!r}; expected one of {sorted(_FUNCTIONS)}")
        if function == "squash" and bias:
            raise ValueError("the squash nonlinearity takes no bias: pass bias=False")
        self.in_type = in_type
        self.out_type = in_type
        self.core = NormActivation(FieldLayout(in_type), _FUNCTIONS[function], bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.core(self.in_type.check(x))

    def export(self) -> nn.Module:
        return copy.deepcopy(self.core).eval()
