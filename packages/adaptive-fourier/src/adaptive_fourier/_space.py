"""Band-limited Fourier spaces on SO(2), O(2), SO(3) and the sphere S^2 = SO(3)/SO(2), with sampling grids.

A feature vector ``f^`` of size ``F`` holds the Fourier coefficients of a function on the group (or on the
sphere); ``f(g) = <A_g, f^>`` with the row ``A_g = rho(g) delta^`` (``delta^`` the coefficients of the
"delta" at the identity, or at the north pole for the sphere). Shifting the function by ``h`` maps ``f^`` to
``rho(h) f^`` and the rows to ``A_g rho(h)^T`` (Inal & Cesa 2024, Sec. 3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from equi_groups import (
    O2,
    SO2,
    SO3,
    FourierBasis,
    Group,
    GroupElement,
    Representation,
    SphereFourierBasis,
    band_limited_regular,
    from_irreps,
    grid,
    sphere_grid,
)

__all__ = ["GRIDS", "FourierSpace"]

#: Grid kinds accepted by :meth:`FourierSpace.grid_matrix`.
GRIDS = ("regular", "random", "thomson")


@dataclass(frozen=True)
class FourierSpace:
    """Band-limited functions on ``group`` (``SO2``, ``O2``, ``SO3``) or, with ``sphere=True``, on S^2.

    Inal & Cesa, *Adaptive Sampling for Continuous Group Equivariant Neural Networks* (GRaM @ ICML 2024), Sec. 3:
    the space in which the Fourier nonlinearities act. Coefficients transform under :attr:`rep`; the sampling row of
    a grid element is ``rho(g) delta^``. Rows are made of irrep *blocks* (one per irrep copy); in a genuine sampling
    row the block of an irrep of dimension ``d`` has norm ``sqrt(d)`` and the trivial block equals 1, which is what
    :func:`~adaptive_fourier.normalise_rows` imposes on predicted rows.

    Args:
        group: ``SO2()``, ``O2()`` or ``SO3()``.
        max_frequency: band limit ``L``.
        sphere: functions on the sphere (SO(3) only): coefficients ``D_0 + ... + D_L``, ``F = (L + 1)^2``.

    Examples:
        >>> from equi_groups import SO2, SO3
        >>> FourierSpace(SO2(), 3).dim, FourierSpace(SO3(), 3, sphere=True).dim, FourierSpace(SO3(), 1).dim
        (7, 16, 10)
    """

    group: Group
    max_frequency: int
    sphere: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.group, SO2 | O2 | SO3):
            raise ValueError(f"group must be SO2, O2 or SO3, got {self.group}")
        if self.sphere and not isinstance(self.group, SO3):
            raise ValueError(f"sphere=True needs SO3, got {self.group}")
        if int(self.max_frequency) != self.max_frequency or self.max_frequency < 0:
            raise ValueError(f"max_frequency must be an integer >= 0, got {self.max_frequency!r}")

    def __str__(self) -> str:
        return f"{'S2' if self.sphere else self.group}[L={self.max_frequency}]"

    @cached_property
    def rep(self) -> Representation:
        """The representation of ``group`` the coefficients transform under."""
        if self.sphere:
            return from_irreps(self.group, range(self.max_frequency + 1))
        return band_limited_regular(self.group, self.max_frequency)

    @property
    def dim(self) -> int:
        """``F``, the number of coefficients."""
        return self.rep.dim

    @cached_property
    def blocks(self) -> tuple[tuple[int, int, bool], ...]:
        """``(start, dim, is_trivial)`` of every irrep block of a coefficient vector."""
        out, i = [], 0
        g = self.group
        probes = g.testing_elements()
        for psi in self.rep.irreps:
            d = g.irrep_dim(psi)
            trivial = d == 1 and all(abs(float(np.asarray(g.irrep_matrix(psi, h)).ravel()[0]) - 1) < 1e-12
                                     for h in probes)
            out.append((i, d, trivial))
            i += d
        return tuple(out)

    def delta(self) -> np.ndarray:
        """``delta^``: the sampling row of the identity (of the north pole ``e_z`` for the sphere), ``(F,)``."""
        if self.sphere:
            return SphereFourierBasis(self.max_frequency).sampling_matrix(np.array([[0.0, 0.0, 1.0]]))[0]
        return FourierBasis(self.group, self.max_frequency).reference_vector()

    def sampling_matrix(self, elements: list[GroupElement] | np.ndarray) -> np.ndarray:
        """``A (n, F)``: rows ``rho(g_i) delta^`` for group elements, or ``Y(x_i)`` for sphere points ``(n, 3)``."""
        if self.sphere:
            return SphereFourierBasis(self.max_frequency).sampling_matrix(np.asarray(elements, dtype=float))
        return FourierBasis(self.group, self.max_frequency).sampling_matrix(list(elements))

    def grid_matrix(self, n: int, kind: str = "regular", seed: int = 0) -> np.ndarray:
        """The sampling matrix of a fixed grid.

        SO(2)/O(2): ``regular`` (``n`` equally spaced rotations, times 2 flips on O(2); the Thomson grid on a
        circle is the regular one, so ``thomson`` gives it too) or ``random`` (the regular grid turned by a
        seeded random angle). SO(3): ``thomson`` (repulsion), ``random`` (Haar) or ``regular`` (the
        icosahedral-orbit grid when ``n`` is a multiple of 60, else Thomson). Sphere: ``thomson``, ``random``
        or ``regular`` (Fibonacci spiral).
        """
        if kind not in GRIDS:
            raise ValueError(f"unknown grid {kind!r}; expected one of {GRIDS}")
        if n < 1:
            raise ValueError(f"a grid needs n >= 1 points, got {n}")
        if self.sphere:
            name = {"regular": "fibonacci", "random": "random", "thomson": "thomson"}[kind]
            pts = sphere_grid(name, n, seed) if name != "fibonacci" else sphere_grid(name, n)
            return self.sampling_matrix(pts)
        if isinstance(self.group, SO3):
            if kind == "random":
                return self.sampling_matrix(grid(self.group, "haar", n, seed))
            if kind == "regular" and n % 60 == 0:
                return self.sampling_matrix(grid(self.group, "ico", n // 60, seed))
            return self.sampling_matrix(grid(self.group, "thomson", n, seed))
        planar = "random" if kind == "random" else "regular"
        return self.sampling_matrix(grid(self.group, planar, n, seed))

    def haar_mean_norm(self) -> float:
        """``|delta^|^2 = F`` for groups (Plancherel), ``F`` for the sphere too (component normalisation)."""
        return float(math.fsum(self.delta() ** 2))
