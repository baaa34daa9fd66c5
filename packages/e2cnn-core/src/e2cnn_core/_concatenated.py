"""Concatenated nonlinearity (CReLU, Shang et al. 2016) on signed-permutation fields (Weiler & Cesa 2019,
Sec. 2.6)."""

from __future__ import annotations

import functools

import numpy as np
import torch
from equi_groups import Representation, decompose
from torch import nn

from ._field_type import FieldType
from ._fields import signed_permutation
from ._module import EquivariantModule
from ._plain import Concatenated

_FUNCTIONS = {"c_relu": "relu", "c_sigmoid": "sigmoid", "c_tanh": "tanh", "c_elu": "elu"}


class ConcatenatedNonLinearity(EquivariantModule):
    """``x -> (f(x_1), f(-x_1), f(x_2), f(-x_2), ...)``: each channel becomes two adjacent channels.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019, Sec. 2.6 (concatenated nonlinearities,
    CReLU of Shang et al., ICML 2016). If ``rho(g)`` is a signed permutation (``rho(g) e_j = +-e_{p(j)}``), the pairs
    ``(f(x_j), f(-x_j))`` are permuted, and swapped inside a pair where the sign is ``-1``: the output is a
    permutation field of twice the dimension (a field of dimension ``d`` becomes one of dimension ``2d``). So it works
    on sign representations (e.g. the D_N irrep ``(1, 0)``) as well as regular/quotient/trivial fields.

    Args:
        in_type: input field type; every field a signed-permutation representation.
        function: ``c_relu`` (default), ``c_elu``, ``c_sigmoid`` or ``c_tanh``.

    Shapes:
        ``x: (B, C, *S) -> (B, 2 C, *S)``.

    Examples:
        >>> from equi_groups import irrep
        >>> from e2cnn_core import FieldType, flip_rot2d
        >>> gs = flip_rot2d(4)
        >>> ConcatenatedNonLinearity(FieldType(gs, [irrep(gs.group, (1, 0))] * 3)).out_type.size
        6
    """

    def __init__(self, in_type: FieldType, function: str = "c_relu") -> None:
        super().__init__()
        if function not in _FUNCTIONS:
            raise ValueError(
                f"unknown concatenated function {function!r}; expected one of {sorted(_FUNCTIONS)}"
            )
        for i, rep in enumerate(in_type.reps):
            if not in_type.group.is_finite or signed_permutation(rep) is None:
                raise ValueError(
                    f"{type(self).__name__} needs signed-permutation representations of a finite group; "
                    f"field {i} has {rep}"
                )
        self.in_type = in_type
        self.out_type = FieldType(in_type.gspace, [doubled(rep) for rep in in_type.reps])
        self.core = Concatenated(_FUNCTIONS[function])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.core(self.in_type.check(x))

    def export(self) -> nn.Module:
        return Concatenated(self.core.function)


def _doubled_matrix(rep: Representation, g: object) -> np.ndarray:
    m = rep(g)
    d = m.shape[0]
    out = np.zeros((2 * d, 2 * d))
    swap = np.array([[0.0, 1.0], [1.0, 0.0]])
    for i, j in zip(*np.nonzero(np.abs(m) > 0.5), strict=True):
        out[2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = np.eye(2) if m[i, j] > 0 else swap
    return out


@functools.cache
def doubled(rep: Representation) -> Representation:
    """The permutation representation on ``(x_1, -x_1, x_2, -x_2, ...)`` for a signed-permutation ``rep``,
    decomposed into irreps (ids and orthogonal change of basis)."""
    return decompose(rep.group, functools.partial(_doubled_matrix, rep), 2 * rep.dim)
