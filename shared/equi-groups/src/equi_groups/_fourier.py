"""Fourier analysis on groups: exact on finite groups, band-limited on SO(2), O(2), SO(3), O(3) and their
continuous subgroups (on SO(3) the coefficients are Wigner-D coefficients).

A (band-limited) function on ``G`` is stored as a coefficient vector ``v`` of the representation
``rho = sum_psi (dim psi / type psi) x psi`` (the regular representation, truncated at ``max_frequency`` for
continuous groups), and evaluated as

    f_v(g) = < rho(g) w, v >,   with  w = sum over copies j of psi:  sqrt(dim psi) e_j  (one column of psi per copy).

With this normalisation Plancherel reads ``mean_g f(g)^2 = |v|^2`` (Haar measure of mass 1), and shifting the
function, ``f(h^-1 g)``, maps ``v`` to ``rho(h) v``: this is what Fourier-based nonlinearities rely on.
The inverse transform (coefficients -> samples) is ``A v`` with the sampling matrix ``A[i] = (rho(g_i) w)^T``;
the transform (samples -> coefficients) is exact on a finite group's full element list and least squares on
any other grid.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from ._group import Group, GroupElement
from ._planar import PlanarGroup
from ._representation import Representation, band_limited_regular


@dataclass(frozen=True)
class FourierBasis:
    """Fourier basis of functions on ``group`` (band-limited at ``max_frequency`` for continuous groups).

    Examples:
        >>> from equi_groups import DihedralGroup
        >>> fb = FourierBasis(DihedralGroup(3))
        >>> f = np.arange(6.0)
        >>> v = fb.transform(f)
        >>> bool(np.allclose(fb.inverse(v), f))
        True
    """

    group: Group
    max_frequency: int | None = None

    def __post_init__(self) -> None:
        if self.group.is_finite and self.max_frequency is not None:
            raise ValueError(f"{self.group} is finite: its Fourier basis takes no max_frequency")
        if not self.group.is_finite and self.max_frequency is None:
            raise ValueError(f"{self.group} is infinite: give max_frequency")
        if self.max_frequency is not None:
            self.group.irreps(self.max_frequency)  # validates the band limit (e.g. l <= MAX_DEGREE on SO(3))

    @property
    def rep(self) -> Representation:
        """The representation the coefficients transform under."""
        top = self.group.order() if self.max_frequency is None else self.max_frequency
        return band_limited_regular(self.group, top)

    @property
    def dim(self) -> int:
        return self.rep.dim

    def irreps(self) -> tuple[Hashable, ...]:
        return self.rep.irreps

    def reference_vector(self) -> np.ndarray:
        """``w``: for each copy j of an irrep psi, ``sqrt(dim psi) e_j``."""
        return _reference(self.rep)

    def sampling_matrix(self, elements: Sequence[GroupElement] | None = None) -> np.ndarray:
        """``A (n_elements, dim)`` with rows ``(rho(g) w)^T``; defaults to all elements of a finite group."""
        elements = self._elements(elements)
        rep, w = self.rep, self.reference_vector()
        if hasattr(self.group, "irrep_matrices") and rep.basis is None:
            return _sampling_rows(self.group, rep, elements)
        return np.stack([rep(g) @ w for g in elements])

    def condition_number(self, elements: Sequence[GroupElement] | None = None) -> float:
        """Condition number of the least-squares transform on ``elements`` (``inf`` when underdetermined)."""
        from ._sphere_fourier import condition_number

        return condition_number(self.sampling_matrix(elements))

    def inverse(self, coefficients: np.ndarray, elements: Sequence[GroupElement] | None = None) -> np.ndarray:
        """Values ``(n_elements, ...)`` of the function with coefficients ``(dim, ...)``."""
        coefficients = np.asarray(coefficients)
        if coefficients.shape[0] != self.dim:
            raise ValueError(f"expected {self.dim} coefficients, got {coefficients.shape[0]}")
        return np.tensordot(self.sampling_matrix(elements), coefficients, axes=1)

    def transform(self, values: np.ndarray, elements: Sequence[GroupElement] | None = None) -> np.ndarray:
        """Coefficients ``(dim, ...)`` of samples ``values (n_elements, ...)``: exact for a finite group's full
        element list (``A^T f / |G|``), least squares otherwise (needs at least ``dim`` well-spread samples)."""
        values = np.asarray(values, dtype=float)
        a = self.sampling_matrix(elements)
        if values.shape[0] != a.shape[0]:
            raise ValueError(f"got {values.shape[0]} values for {a.shape[0]} grid elements")
        if elements is None and self.group.is_finite:
            return np.tensordot(a.T, values, axes=1) / a.shape[0]
        if a.shape[0] < self.dim or np.linalg.matrix_rank(a) < self.dim:
            raise ValueError(f"the grid of {a.shape[0]} elements does not determine {self.dim} coefficients")
        flat = values.reshape(values.shape[0], -1)
        coef, *_ = np.linalg.lstsq(a, flat, rcond=None)
        return coef.reshape((self.dim, *values.shape[1:]))

    def _elements(self, elements: Sequence[GroupElement] | None) -> list[GroupElement]:
        if elements is None:
            return self.group.elements()
        return [self.group.check(g) for g in elements]


def _sampling_rows(group: Group, rep: Representation, elements: Sequence[GroupElement]) -> np.ndarray:
    """Rows ``(rho(g) w)^T`` from the group's batched irrep matrices: column ``j`` of ``sqrt(d) psi(g)`` per copy."""
    mats: dict[Hashable, np.ndarray] = {}
    cols: list[np.ndarray] = []
    prev, copy = None, 0
    for psi in rep.irreps:
        copy = copy + 1 if psi == prev else 0
        prev = psi
        if psi not in mats:
            mats[psi] = group.irrep_matrices(psi, list(elements))
        cols.append(math.sqrt(group.irrep_dim(psi)) * mats[psi][:, :, copy])
    return np.concatenate(cols, 1)


def _reference(rep: Representation) -> np.ndarray:
    group = rep.group
    parts: list[np.ndarray] = []
    prev, copy = None, 0
    for i in rep.irreps:
        copy = copy + 1 if i == prev else 0
        prev = i
        d = group.irrep_dim(i)
        e = np.zeros(d)
        e[copy] = math.sqrt(d)
        parts.append(e)
    return np.concatenate(parts)


def grid(group: Group, kind: str = "regular", n: int = 8, seed: int | None = 0) -> list[GroupElement]:
    """Sampling grids on SO(2)/O(2), SO(3)/O(3) (and any group for ``haar``).

    Args:
        kind: ``regular`` (``n`` equally spaced rotations; for O(2) each with and without reflection, 2n
            points), ``random`` (the regular grid turned by one random angle), ``haar`` (``n`` i.i.d. Haar samples);
            for SO(3) and O(3) also ``octa``, ``ico`` and ``thomson`` (see :func:`so3_grid`; O(3) takes each
            rotation with and without the inversion).
        n: number of rotations.
        seed: seed of ``random``, ``haar`` and the random parts of the SO(3) grids.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    from ._o3 import O3
    from ._so3 import SO3

    if isinstance(group, SO3 | O3) and kind in ("octa", "ico", "thomson"):
        from ._grids3d import so3_grid

        mats = so3_grid(kind, n, seed)
        bits = (0, 1) if isinstance(group, O3) else (0,)
        return [group.from_o3(i, r) for i in bits for r in mats]
    if kind == "haar":
        return group.sample(n, seed)
    if kind not in ("regular", "random"):
        raise ValueError(f"unknown grid kind {kind!r}; expected 'regular', 'random' or 'haar'")
    if not isinstance(group, PlanarGroup) or group.is_finite:
        raise ValueError(f"{kind} grids are defined for SO2 and O2, got {group}")
    offset = 0.0 if kind == "regular" else float(np.random.default_rng(seed).uniform(0, 2 * math.pi / n))
    flips = (0, 1) if group.has_reflections else (0,)
    return [group.from_o2(f, offset + 2 * math.pi * i / n) for f in flips for i in range(n)]
