"""Real spherical harmonics ``Y_l`` and real Wigner-D matrices ``D_l`` of SO(3), batched, numpy or torch.

Convention (the one used everywhere in equi-groups):

* Components are ordered ``m = -l, ..., l``. Without the Condon-Shortley phase, with ``P_l^m`` the associated
  Legendre function, ``(theta, phi)`` the polar and azimuthal angles of the unit vector ``x``,

      Y_{l,m}(x) = N_{l|m|} P_l^{|m|}(cos theta) * (sqrt(2) cos(m phi) if m > 0, 1 if m = 0,
                                                    sqrt(2) sin(|m| phi) if m < 0)

  with ``N_{lm}^2 = (2l + 1) (l - m)! / (l + m)!``: the *component* normalisation, ``|Y_l(x)|^2 = 2l + 1`` and
  ``mean over the sphere of Y_{l,m} Y_{l',m'} = delta``. Hence ``Y_1(x) = sqrt(3) (y, z, x)``.
* ``D_l(R)`` is defined by ``Y_l(R x) = D_l(R) Y_l(x)``: a real orthogonal irrep, ``D_1(R) = P R P^T`` with ``P``
  the cyclic permutation ``(x, y, z) -> (y, z, x)``.
* e3nn (0.5, 0.6) uses the same normalisation ("component") with the axes relabelled (its polar axis is y) and its
  l = 1 in the order (x, y, z): ``Y^e3nn_l = C_l Y_l`` and ``D^e3nn_l(R) = C_l D_l(R) C_l^T`` for one fixed
  orthogonal ``C_l`` (``C_1 = P^T``); the tests compute ``C_l`` by least squares and check it on fresh points and
  rotations (e3nn's Wigner-D matrices are accurate to about 2e-7: it builds them from Euler angles with float32
  constants).

Wigner-D matrices are computed without angles: ``Y_l(R X) = D_l(R) Y_l(X)`` on a fixed set ``X`` of ``2l + 1``
points with ``Y_l(X)`` invertible and well conditioned, so ``D_l(R) = Y_l(R X) Y_l(X)^{-1}`` (one harmonic
evaluation per point and one small matrix product per rotation, vectorised over the batch).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

#: Largest degree l of the spherical harmonics, Wigner-D matrices and Clebsch-Gordan coefficients provided.
MAX_DEGREE = 16


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def check_degree(l: Any, name: str = "l") -> int:
    """Return ``l`` as an int or raise ``ValueError`` naming it (negative, non-integer or above the band limit)."""
    if isinstance(l, bool) or not isinstance(l, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {l!r}")
    if l < 0:
        raise ValueError(f"{name} must be >= 0, got {l}")
    if l > MAX_DEGREE:
        raise ValueError(f"{name}={l} is above the band limit {MAX_DEGREE} of equi-groups' SO(3) harmonics")
    return int(l)


@functools.cache
def _norms(l: int) -> tuple[float, ...]:
    """``N_{l|m|}`` times ``sqrt(2)`` for ``m != 0`` and times ``(2|m| - 1)!!`` (the start of the recursion)."""
    out = []
    for m in range(l + 1):
        n = math.sqrt((2 * l + 1) * math.factorial(l - m) / math.factorial(l + m))
        dfact = math.prod(range(1, 2 * m, 2))
        out.append(n * dfact * (math.sqrt(2.0) if m else 1.0))
    return tuple(out)


def _stack(parts: list, like: Any) -> Any:
    if _is_torch(like):
        import torch

        return torch.stack(parts, -1)
    return np.stack(parts, -1)


def _harmonics_upto(max_degree: int, x: Any, normalize: bool, only_top: bool = False) -> list:
    """``[Y_0(x), ..., Y_L(x)]`` with each ``Y_l`` of shape ``(..., 2l + 1)`` (only ``[Y_L]`` if ``only_top``)."""
    if x.shape[-1] != 3:
        raise ValueError(f"points must have a last axis of size 3, got shape {tuple(x.shape)}")
    if normalize:
        if _is_torch(x):
            import torch

            x = x / torch.linalg.norm(x, dim=-1, keepdim=True)
        else:
            x = x / np.linalg.norm(x, axis=-1, keepdims=True)
    px, py, pz = x[..., 0], x[..., 1], x[..., 2]
    one = pz * 0 + 1
    r2 = one if normalize else px * px + py * py + pz * pz
    # cos/sin parts: A_m + i B_m = (x + i y)^m
    a, b = [one], [pz * 0]
    for _ in range(max_degree):
        a, b = a + [px * a[-1] - py * b[-1]], b + [px * b[-1] + py * a[-1]]
    # polynomial parts of the Legendre functions, divided by (2m - 1)!!: p[m][l]
    out_rows: list[list] = [[None] * (2 * l + 1) for l in range(max_degree + 1)]
    for m in range(max_degree + 1):
        p_prev, p = None, one
        for l in range(m, max_degree + 1):
            if l == m + 1:
                p_prev, p = p, (2 * m + 1) * pz * p
            elif l > m + 1:
                p_prev, p = p, ((2 * l - 1) * pz * p - (l + m - 1) * r2 * p_prev) / (l - m)
            if only_top and l < max_degree:
                continue
            n = _norms(l)[m]
            # p here is P / (2m-1)!!; _norms includes the (2m-1)!! factor
            if m == 0:
                out_rows[l][l] = n * p
            else:
                scaled = n * p
                out_rows[l][l + m] = scaled * a[m]
                out_rows[l][l - m] = scaled * b[m]
    return [_stack(row, x) for row in out_rows[max_degree if only_top else 0 :]]


def spherical_harmonics(l: int, x: Any, normalize: bool = True) -> Any:
    """Real spherical harmonics of degree ``l`` (component normalisation, module docstring convention).

    Args:
        l: degree, ``0 <= l <= MAX_DEGREE``.
        x: points ``(..., 3)``, numpy array or torch tensor (differentiable).
        normalize: evaluate at ``x / |x|`` (the default); with ``False`` the homogeneous polynomial of degree l
            is returned (``|x|^l Y_l(x / |x|)``).

    Shapes:
        x: ``(..., 3)`` -> ``(..., 2l + 1)``.

    Examples:
        >>> y = spherical_harmonics(1, np.array([0.0, 0.0, 2.0]))
        >>> np.round(y / np.sqrt(3), 12).tolist()
        [0.0, 1.0, 0.0]
    """
    l = check_degree(l)
    return _harmonics_upto(l, x, normalize, only_top=True)[0]


def spherical_harmonics_upto(max_degree: int, x: Any, normalize: bool = True) -> Any:
    """All degrees ``0..max_degree`` concatenated: ``(..., (max_degree + 1)^2)``, degree-major, m ascending."""
    max_degree = check_degree(max_degree, "max_degree")
    parts = _harmonics_upto(max_degree, x, normalize)
    if _is_torch(x):
        import torch

        return torch.cat(parts, -1)
    return np.concatenate(parts, -1)


# ------------------------------------------------------------------------------------------------ Wigner-D
@functools.cache
def _probe(l: int) -> tuple[np.ndarray, np.ndarray]:
    """Points ``X (2l + 1, 3)`` with a well-conditioned ``Y_l(X)`` and its inverse (read-only, cached).

    The points are the best of a few seeded random draws (largest smallest singular value), refined by nothing:
    any invertible choice gives the exact ``D_l``; conditioning only sets the round-off (about 1e-15 here).
    """
    d = 2 * l + 1
    rng = np.random.default_rng(20260101 + l)
    best, best_s = None, -1.0
    for _ in range(64):
        pts = rng.standard_normal((d, 3))
        pts /= np.linalg.norm(pts, axis=1, keepdims=True)
        s = np.linalg.svd(spherical_harmonics(l, pts), compute_uv=False)
        if s[-1] / s[0] > best_s:
            best, best_s = pts, s[-1] / s[0]
    assert best is not None
    inv = np.linalg.inv(spherical_harmonics(l, best))  # (d, n): inv @ Y(X) = I
    best.setflags(write=False)
    inv.setflags(write=False)
    return best, inv


def _check_rotations(r: Any) -> None:
    if tuple(r.shape[-2:]) != (3, 3):
        raise ValueError(f"rotations must have shape (..., 3, 3), got {tuple(r.shape)}")


def wigner_D(l: int, rotations: Any, check: bool = False) -> Any:
    """Real Wigner-D matrices ``D_l(R)`` with ``Y_l(R x) = D_l(R) Y_l(x)``, batched over rotation matrices.

    Args:
        l: degree, ``0 <= l <= MAX_DEGREE``.
        rotations: rotation matrices ``(..., 3, 3)`` (numpy or torch; float64 recommended).
        check: also verify that the matrices are rotations (``ValueError`` naming the worst one otherwise).

    Shapes:
        rotations: ``(..., 3, 3)`` -> ``(..., 2l + 1, 2l + 1)``.

    Examples:
        >>> rz = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # quarter turn about z
        >>> (np.round(wigner_D(1, rz), 12) + 0.0).tolist()  # acts on (y, z, x)
        [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]]
    """
    l = check_degree(l)
    _check_rotations(rotations)
    if check:
        check_rotation_matrices(rotations)
    pts, inv = _probe(l)
    if _is_torch(rotations):
        import torch

        p = torch.tensor(pts, dtype=rotations.dtype, device=rotations.device)
        iv = torch.tensor(inv, dtype=rotations.dtype, device=rotations.device)
        moved = torch.matmul(rotations.unsqueeze(-3), p.unsqueeze(-1)).squeeze(-1)  # (..., n, 3)
        y = spherical_harmonics(l, moved, normalize=False)  # (..., n, d): rows Y(R x_i)
        return torch.matmul(y.transpose(-1, -2), iv.T)
    r = np.asarray(rotations, dtype=float)
    moved = np.swapaxes(np.matmul(r, pts.T), -1, -2)
    y = spherical_harmonics(l, moved, normalize=False)
    return np.matmul(np.swapaxes(y, -1, -2), inv.T)


def check_rotation_matrices(r: Any, atol: float = 1e-6) -> None:
    """Raise ``ValueError`` unless every ``(..., 3, 3)`` matrix is orthogonal with determinant +1."""
    a = r.detach().cpu().double().numpy() if _is_torch(r) else np.asarray(r, dtype=float)
    _check_rotations(a)
    flat = a.reshape(-1, 3, 3)
    err = np.abs(flat @ np.swapaxes(flat, -1, -2) - np.eye(3)).max(axis=(-1, -2))
    if flat.shape[0] and err.max() > atol:
        i = int(err.argmax())
        raise ValueError(f"matrix {i} is not orthogonal: |R R^T - I| = {err[i]:.2e}: {flat[i].tolist()}")
    det = np.linalg.det(flat) if flat.shape[0] else np.ones(0)
    if (det < 0).any():
        i = int(det.argmin())
        raise ValueError(f"matrix {i} has determinant {det[i]:.3f}, not a rotation: {flat[i].tolist()}")
