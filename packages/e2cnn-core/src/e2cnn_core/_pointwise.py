"""Pointwise nonlinearities (Weiler & Cesa 2019, Sec. 2.6; Cohen & Welling 2016) on permutation fields."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._field_type import FieldType
from ._fields import require_permutation
from ._module import EquivariantModule
from ._plain import activation

_FUNCTIONS = {
    "p_relu": "relu",
    "p_elu": "elu",
    "p_leaky_relu": "leaky_relu",
    "p_sigmoid": "sigmoid",
    "p_tanh": "tanh",
}


class PointwiseNonLinearity(EquivariantModule):
    """A nonlinearity applied to every channel separately: ``y_c(x) = sigma(f_c(x))``.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019, Sec. 2.6. A pointwise map commutes with
    ``rho(g)`` exactly when ``rho(g)`` permutes channels, so every field must carry a permutation representation
    (regular, quotient, trivial, or a restriction of one); any other field raises a ``ValueError``.

    Args:
        in_type: input field type (also the output type).
        function: ``p_relu``, ``p_elu``, ``p_leaky_relu``, ``p_sigmoid`` or ``p_tanh``.
        **kwargs: ``alpha`` (ELU), ``negative_slope`` (leaky ReLU).

    Shapes:
        ``x: (B, in_type.size, *S) -> (B, in_type.size, *S)``.

    Examples:
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(4)
        >>> act = PointwiseNonLinearity(FieldType(gs, [regular(gs.group)] * 2), "p_elu")
        >>> tuple(act(torch.randn(1, 8, 5, 5)).shape)
        (1, 8, 5, 5)
    """

    def __init__(self, in_type: FieldType, function: str = "p_relu", **kwargs: float) -> None:
        super().__init__()
        if function not in _FUNCTIONS:
            raise ValueError(f"unknown pointwise function {function!r}; expected one of {sorted(_FUNCTIONS)}")
        require_permutation(in_type, f"{type(self).__name__}({function})")
        self.in_type = in_type
        self.out_type = in_type
        self.function = function
        self._kwargs = dict(kwargs)
        self._act = activation(_FUNCTIONS[function], **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._act(self.in_type.check(x))

    def export(self) -> nn.Module:
        return activation(_FUNCTIONS[self.function], **self._kwargs)


class ReLU(PointwiseNonLinearity):
    """Pointwise ReLU on permutation fields (see :class:`PointwiseNonLinearity`).

    Args:
        in_type: input field type (regular, quotient or trivial fields).
        inplace: compute in place.

    Shapes:
        ``x: (B, in_type.size, *S) -> (B, in_type.size, *S)``.
    """

    def __init__(self, in_type: FieldType, inplace: bool = False) -> None:
        super().__init__(in_type, "p_relu")
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.in_type.check(x), inplace=self.inplace)

    def export(self) -> nn.Module:
        return nn.ReLU(inplace=self.inplace)


class ELU(PointwiseNonLinearity):
    """Pointwise ELU on permutation fields (see :class:`PointwiseNonLinearity`); the paper's MNIST
    nonlinearity.

    Args:
        in_type: input field type (regular, quotient or trivial fields).
        alpha: ELU's ``alpha``.
        inplace: compute in place.

    Shapes:
        ``x: (B, in_type.size, *S) -> (B, in_type.size, *S)``.
    """

    def __init__(self, in_type: FieldType, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(in_type, "p_elu", alpha=alpha)
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.elu(self.in_type.check(x), alpha=self.alpha, inplace=self.inplace)

    def export(self) -> nn.Module:
        return nn.ELU(alpha=self.alpha, inplace=self.inplace)


class LeakyReLU(PointwiseNonLinearity):
    """Pointwise leaky ReLU on permutation fields (see :class:`PointwiseNonLinearity`).

    Args:
        in_type: input field type (regular, quotient or trivial fields).
        negative_slope: slope for negative inputs.

    Shapes:
        ``x: (B, in_type.size, *S) -> (B, in_type.size, *S)``.
    """

    def __init__(self, in_type: FieldType, negative_slope: float = 0.01) -> None:
        super().__init__(in_type, "p_leaky_relu", negative_slope=negative_slope)
        self.negative_slope = negative_slope

    def export(self) -> nn.Module:
        return nn.LeakyReLU(negative_slope=self.negative_slope)
