"""Fourier-based pointwise nonlinearities for band-limited fields (Weiler & Cesa 2019, Sec. 2.6; Cohen et al.
2018)."""

from __future__ import annotations

import math

import numpy as np
import torch
from equi_groups import FourierBasis, band_limited_regular, grid
from torch import nn

from ._field_type import FieldType
from ._gspace import GSpace2D
from ._module import EquivariantModule
from ._plain import FourierActivation, fourier_activation

_FUNCTIONS = {"p_relu": "relu", "p_elu": "elu", "p_sigmoid": "sigmoid", "p_tanh": "tanh"}


def _sampling(
    gspace: GSpace2D, max_frequency: int | None, N: int, kind: str
) -> tuple[np.ndarray, int | None]:
    """The sampling matrix ``A (n, D)`` of ``band_limited_regular(G, max_frequency)`` on the chosen grid."""
    group = gspace.group
    if group.is_finite:
        top = group.N // 2
        if max_frequency is None or max_frequency >= top:
            return FourierBasis(group).sampling_matrix(), None
        # band-limited function on a finite group: same reference vector rule as FourierBasis, all elements
        rep = band_limited_regular(group, max_frequency)
        parts, prev, copy_ = [], None, 0
        for psi in rep.irreps:
            copy_ = copy_ + 1 if psi == prev else 0
            prev = psi
            e = np.zeros(group.irrep_dim(psi))
            e[copy_] = math.sqrt(group.irrep_dim(psi))
            parts.append(e)
        w = np.concatenate(parts)
        return np.stack([rep(g) @ w for g in group.elements()]), max_frequency
    if max_frequency is None:
        raise ValueError(f"{group} is infinite: give max_frequency")
    return FourierBasis(group, max_frequency).sampling_matrix(grid(group, kind, N)), max_frequency


class FourierPointwise(EquivariantModule):
    """Pointwise nonlinearity on the group, applied through a band-limited Fourier transform.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019, Sec. 2.6 (and the escnn Fourier
    nonlinearities). Each field holds Fourier coefficients ``v`` of a function on ``G`` (the representation
    ``band_limited_regular(G, L)``, see ``equi_groups.FourierBasis``); the module samples it on a grid ``g_1..g_n``
    (``A v``), applies ``sigma`` pointwise and projects back by least squares: ``v -> A^+ sigma(A v)``. As
    ``A rho(h) = P_h A`` for a grid element ``h`` (``P_h`` a permutation), this is exactly equivariant for every ``h``
    in the grid's group (rotations by multiples of ``2 pi / N``, and flips for O(2)); other angles are approximate,
    improving as ``N`` grows. For finite groups the grid is every element.

    Args:
        gspace: the planar gspace (SO(2), O(2), C_N or D_N).
        channels: number of fields.
        max_frequency: band limit ``L`` (``None`` on a finite group: the full regular representation).
        function: ``p_elu`` (default), ``p_relu``, ``p_sigmoid`` or ``p_tanh``.
        N: number of rotations in the grid (O(2): ``N`` rotations times 2 flips); ignored on finite groups.
        grid: ``regular`` or ``random`` (``equi_groups.grid``).
        alpha: ELU's ``alpha``.

    Shapes:
        ``x: (B, channels * D, *S) -> (B, channels * D, *S)`` with ``D = in_type.reps[0].dim``.

    Examples:
        >>> from e2cnn_core import rot2d
        >>> act = FourierPointwise(rot2d(-1), channels=4, max_frequency=3, N=16)
        >>> act.in_type.size, tuple(act.A.shape)
        (28, (16, 7))
    """

    def __init__(
        self,
        gspace: GSpace2D,
        channels: int,
        max_frequency: int | None,
        function: str = "p_elu",
        N: int = 16,
        grid: str = "regular",
        alpha: float = 1.0,
    ) -> None:
        super().__init__()
        if function not in _FUNCTIONS:
            raise ValueError(f"unknown function {function!r}; expected one of {sorted(_FUNCTIONS)}")
        if channels < 1:
            raise ValueError(f"channels must be >= 1, got {channels}")
        a, band = _sampling(gspace, max_frequency, N, grid)
        group = gspace.group
        rep = FourierBasis(group).rep if band is None else band_limited_regular(group, band)
        if np.linalg.matrix_rank(a) < a.shape[1]:
            raise ValueError(
                f"a grid of {a.shape[0]} elements cannot resolve {a.shape[1]} Fourier coefficients "
                f"(max_frequency={max_frequency}); use N > 2 * max_frequency"
            )
        self.in_type = FieldType(gspace, [rep] * channels)
        self.out_type = self.in_type
        self.core = FourierActivation(
            torch.tensor(a, dtype=torch.float32),
            torch.tensor(np.linalg.pinv(a), dtype=torch.float32),
            _FUNCTIONS[function],
            alpha,
        )

    @property
    def A(self) -> torch.Tensor:
        """The sampling matrix ``(n, D)``."""
        return self.core.A

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.core(self.in_type.check(x))

    def export(self) -> nn.Module:
        """Grouped 1x1 ``nn.Conv2d`` (sampling), the activation, grouped 1x1 ``nn.Conv2d`` (projection)."""
        return fourier_activation(self.core, len(self.in_type.reps))


class FourierELU(FourierPointwise):
    """:class:`FourierPointwise` with ELU: the nonlinearity of the paper's SO(2)/O(2) models.

    Args:
        gspace: the planar gspace.
        channels: number of fields.
        max_frequency: band limit ``L``.
        N: rotations in the grid.
        inplace: accepted for API compatibility (the op is never in place).
        grid: ``regular`` or ``random``.

    Shapes:
        ``x: (B, channels * D, *S) -> (B, channels * D, *S)``.
    """

    def __init__(
        self,
        gspace: GSpace2D,
        channels: int,
        max_frequency: int | None,
        N: int = 16,
        inplace: bool = False,
        grid: str = "regular",
    ) -> None:
        super().__init__(gspace, channels, max_frequency, "p_elu", N=N, grid=grid)
