"""Band-limited Fourier analysis on the sphere S^2 = SO(3)/SO(2): real spherical-harmonic coefficients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._harmonics import check_degree, spherical_harmonics_upto
from ._representation import Representation, from_irreps
from ._so3 import SO3


def condition_number(a: np.ndarray) -> float:
    """``s_max / s_min`` of a sampling matrix ``(n_points, dim)`` (``inf`` when it does not have full column rank)."""
    if a.shape[0] < a.shape[1]:
        return float("inf")
    s = np.linalg.svd(a, compute_uv=False)
    return float("inf") if s[-1] <= 1e-14 * s[0] else float(s[0] / s[-1])


@dataclass(frozen=True)
class SphereFourierBasis:
    """Band-limited functions on the sphere, ``f(x) = sum_{l <= L} <c_l, Y_l(x)>`` (real harmonics, component
    normalisation: see :func:`spherical_harmonics`).

    With this normalisation Plancherel reads ``mean over the sphere of f^2 = |c|^2``, and rotating the function,
    ``f(R^-1 x)``, maps ``c_l`` to ``D_l(R) c_l``: the coefficients transform under :attr:`rep`
    (``D_0 + D_1 + ... + D_L`` of SO(3)). The inverse transform samples, the transform solves least squares on any
    grid with at least ``(L + 1)^2`` well-spread points (:meth:`condition_number` reports how well spread).

    Args:
        max_degree: the band limit ``L``.

    Shapes:
        coefficients: ``(dim, ...)`` with ``dim = (L + 1)^2``, degree-major, ``m`` ascending; points ``(n, 3)``;
        values ``(n, ...)``.

    Examples:
        >>> from equi_groups import sphere_grid
        >>> fb = SphereFourierBasis(3)
        >>> pts = sphere_grid("fibonacci", 40)
        >>> c = np.random.default_rng(0).standard_normal(fb.dim)
        >>> bool(np.allclose(fb.transform(fb.inverse(c, pts), pts), c)), fb.condition_number(pts) < 3
        (True, True)
    """

    max_degree: int

    def __post_init__(self) -> None:
        check_degree(self.max_degree, "max_degree")

    @property
    def dim(self) -> int:
        return (self.max_degree + 1) ** 2

    @property
    def rep(self) -> Representation:
        """The SO(3) representation the coefficients transform under."""
        return from_irreps(SO3(), range(self.max_degree + 1))

    def sampling_matrix(self, points: Any) -> np.ndarray:
        """``A (n, dim)``: row ``i`` holds all harmonics at ``points[i]``."""
        return spherical_harmonics_upto(self.max_degree, np.asarray(points, dtype=float))

    def inverse(self, coefficients: np.ndarray, points: Any) -> np.ndarray:
        """Values ``(n, ...)`` at ``points`` of the function with ``coefficients (dim, ...)``."""
        coefficients = np.asarray(coefficients)
        if coefficients.shape[0] != self.dim:
            raise ValueError(f"expected {self.dim} coefficients (L={self.max_degree}), got {coefficients.shape[0]}")
        return np.tensordot(self.sampling_matrix(points), coefficients, axes=1)

    def transform(self, values: np.ndarray, points: Any) -> np.ndarray:
        """Least-squares coefficients ``(dim, ...)`` of samples ``values (n, ...)`` at ``points (n, 3)``."""
        values = np.asarray(values, dtype=float)
        a = self.sampling_matrix(points)
        if values.shape[0] != a.shape[0]:
            raise ValueError(f"got {values.shape[0]} values for {a.shape[0]} points")
        if not np.isfinite(condition_number(a)):
            raise ValueError(f"{a.shape[0]} points do not determine the {self.dim} coefficients of degree <= "
                             f"{self.max_degree}")
        coef, *_ = np.linalg.lstsq(a, values.reshape(len(values), -1), rcond=None)
        return coef.reshape((self.dim, *values.shape[1:]))

    def condition_number(self, points: Any) -> float:
        """Condition number of the least-squares problem on ``points`` (1 is perfect, ``inf`` underdetermined)."""
        return condition_number(self.sampling_matrix(points))
