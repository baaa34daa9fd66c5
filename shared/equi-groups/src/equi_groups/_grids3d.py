"""Sampling grids on the sphere S^2 and on SO(3): random (Haar), Fibonacci, polyhedral orbits and Thomson points.

Every grid is a pure function of its arguments; the Thomson grids (a few hundred gradient steps) are cached with
``functools.cache`` and returned read-only.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ._harmonics import check_rotation_matrices
from ._polyhedral import _rotations
from ._so3 import _canonical_sign, quaternion_to_matrix

SPHERE_GRIDS = ("random", "fibonacci", "octa", "ico", "thomson")
SO3_GRIDS = ("haar", "octa", "ico", "thomson")


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return int(n)


def fibonacci_sphere(n: int) -> np.ndarray:
    """``n`` nearly uniform points ``(n, 3)`` on the unit sphere (golden-angle spiral)."""
    n = _check_n(n)
    i = np.arange(n) + 0.5
    z = 1 - 2 * i / n
    r = np.sqrt(np.clip(1 - z * z, 0.0, None))
    phi = math.pi * (3 - math.sqrt(5)) * i
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], -1)


def _repel(x: np.ndarray, antipodal: bool, steps: int) -> np.ndarray:
    """Gradient steps on the Coulomb energy of unit vectors (``antipodal``: of the lines +-x, for SO(3))."""
    n = len(x)
    for step in range(steps):
        eta = 0.2 * (1 - step / steps) + 1e-3
        grad = np.zeros_like(x)
        for sign in (1.0, -1.0) if antipodal else (1.0,):
            diff = x[:, None, :] - sign * x[None, :, :]
            dist = np.linalg.norm(diff, axis=-1)
            np.fill_diagonal(dist, np.inf)
            grad += (diff / dist[..., None] ** 3).sum(1)
        grad -= (grad * x).sum(1, keepdims=True) * x  # tangent part
        scale = np.linalg.norm(grad, axis=1).max()
        if scale == 0:
            break
        x = x + eta * grad / scale * (2.0 / math.sqrt(n))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


@functools.cache
def thomson_sphere(n: int, seed: int = 0, steps: int = 300) -> np.ndarray:
    """``n`` points on S^2 spread by repulsion (Thomson problem), from a seeded random start; cached, read-only."""
    x = np.random.default_rng(seed).standard_normal((_check_n(n), 3))
    x = _repel(x / np.linalg.norm(x, axis=1, keepdims=True), False, steps)
    x.setflags(write=False)
    return x


@functools.cache
def thomson_so3(n: int, seed: int = 0, steps: int = 300) -> np.ndarray:
    """``n`` rotations ``(n, 3, 3)`` spread by repulsion of their quaternions ``+-q`` on S^3; cached, read-only."""
    q = np.random.default_rng(seed).standard_normal((_check_n(n), 4))
    q = _repel(q / np.linalg.norm(q, axis=1, keepdims=True), True, steps)
    q = np.array([_canonical_sign(v) for v in q])
    r = quaternion_to_matrix(q)
    r.setflags(write=False)
    return r


def _random_rotations(n: int, seed: int | None) -> np.ndarray:
    q = np.random.default_rng(seed).standard_normal((n, 4))
    return quaternion_to_matrix(q / np.linalg.norm(q, axis=1, keepdims=True))


def sphere_grid(kind: str = "fibonacci", n: int = 64, seed: int | None = 0) -> np.ndarray:
    """Points ``(m, 3)`` on the unit sphere.

    Args:
        kind: ``random`` (``n`` uniform points), ``fibonacci`` (``n`` spiral points), ``octa`` / ``ico`` (the orbits
            of ``n`` random points under the octahedral / icosahedral rotations: ``24 n`` / ``60 n`` points),
            ``thomson`` (``n`` points spread by repulsion).
        n: number of points (of orbits for ``octa``/``ico``).
        seed: seed of the random parts.

    Examples:
        >>> sphere_grid("octa", 2).shape
        (48, 3)
    """
    n = _check_n(n)
    if kind == "fibonacci":
        return fibonacci_sphere(n)
    if kind == "thomson":
        return np.array(thomson_sphere(n, 0 if seed is None else seed))
    x = np.random.default_rng(seed).standard_normal((n, 3))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    if kind == "random":
        return x
    if kind in ("octa", "ico"):
        return np.einsum("gij,nj->gni", np.stack(_rotations(kind)), x).reshape(-1, 3)
    raise ValueError(f"unknown sphere grid {kind!r}; expected one of {SPHERE_GRIDS}")


def so3_grid(kind: str = "haar", n: int = 64, seed: int | None = 0) -> np.ndarray:
    """Rotation matrices ``(m, 3, 3)``.

    Args:
        kind: ``haar`` (``n`` i.i.d. Haar rotations), ``octa`` / ``ico`` (the cosets ``G r`` of ``n`` Haar rotations
            ``r`` under the octahedral / icosahedral group: ``24 n`` / ``60 n`` rotations), ``thomson`` (``n``
            rotations spread by repulsion).
        n: number of rotations (of cosets for ``octa``/``ico``).
        seed: seed of the random parts.

    Examples:
        >>> so3_grid("ico", 1).shape
        (60, 3, 3)
    """
    n = _check_n(n)
    if kind == "thomson":
        return np.array(thomson_so3(n, 0 if seed is None else seed))
    r = _random_rotations(n, seed)
    if kind == "haar":
        return r
    if kind in ("octa", "ico"):
        out = np.einsum("gij,njk->gnik", np.stack(_rotations(kind)), r).reshape(-1, 3, 3)
        check_rotation_matrices(out)
        return out
    raise ValueError(f"unknown SO(3) grid {kind!r}; expected one of {SO3_GRIDS}")
