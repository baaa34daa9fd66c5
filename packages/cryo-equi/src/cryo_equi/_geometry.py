"""Rotations: RELION ZYZ Euler angles, Haar-random poses, and the 3D rotations that D4 image symmetries induce.

Conventions (used everywhere in cryo-equi, the same as RELION's):

- A volume is an array ``vol[z, y, x]`` (MRC order); an image is ``img[y, x]``. The centre of an axis of
  length ``D`` is index ``D // 2`` (the zero frequency after ``fftshift``), coordinates are ``index - D // 2``.
- A pose is a rotation matrix ``A``; the image of a volume ``V`` in pose ``A`` is ``I(x, y) = int V(A^T r) dz``
  with ``r = (x, y, z)``, i.e. in Fourier space ``I^(kx, ky) = V^(A^T (kx, ky, 0))`` (central-slice theorem).
- ``A = Rz(-psi) Ry(-tilt) Rz(-rot)`` from RELION's ``_rlnAngleRot``, ``_rlnAngleTilt``, ``_rlnAnglePsi``
  (degrees), with ``Rz``, ``Ry`` the usual right-handed (active) rotation matrices. This is the matrix that
  RELION's ``Euler_angles2matrix`` builds.
- An in-plane rotation of the image by ``theta`` (counter-clockwise in ``(x, y)``) maps pose ``A`` to
  ``Rz(theta) A``; the reflection ``y -> -y`` maps it to ``diag(1, -1, -1) A`` (a proper rotation: reflecting
  an image never changes the hand of the volume).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from equi_groups import GroupElement

#: ``diag(1, -1, -1)``: the 3D rotation that the image reflection ``y -> -y`` induces on poses.
FLIP_Y = np.diag([1.0, -1.0, -1.0])


def _rz(t: np.ndarray) -> np.ndarray:
    c, s = np.cos(t), np.sin(t)
    z, o = np.zeros_like(t), np.ones_like(t)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def _ry(t: np.ndarray) -> np.ndarray:
    c, s = np.cos(t), np.sin(t)
    z, o = np.zeros_like(t), np.ones_like(t)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def euler_to_matrix(rot: np.ndarray, tilt: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """RELION ZYZ Euler angles in degrees ``(N,)`` to pose matrices ``(N, 3, 3)``: ``Rz(-psi) Ry(-tilt) Rz(-rot)``.

    Examples:
        >>> euler_to_matrix(np.array([90.0]), np.array([0.0]), np.array([0.0])).round(6)[0]
        array([[ 0.,  1.,  0.],
               [-1.,  0.,  0.],
               [ 0.,  0.,  1.]])
    """
    a, b, g = (np.deg2rad(np.asarray(v, dtype=np.float64)) for v in (rot, tilt, psi))
    return _rz(-g) @ _ry(-b) @ _rz(-a)


def matrix_to_euler(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pose matrices ``(N, 3, 3)`` to RELION Euler angles (rot, tilt, psi) in degrees, tilt in [0, 180].

    The inverse of :func:`euler_to_matrix` (up to the ambiguity of rot/psi at tilt 0 or 180, where rot = 0).
    """
    m = np.asarray(m, dtype=np.float64)
    tilt = np.arccos(np.clip(m[..., 2, 2], -1.0, 1.0))
    sin_b = np.sqrt(m[..., 0, 2] ** 2 + m[..., 1, 2] ** 2)
    regular = sin_b > 1e-9
    rot = np.where(regular, np.arctan2(m[..., 2, 1], m[..., 2, 0]), 0.0)
    psi_reg = np.arctan2(m[..., 1, 2], -m[..., 0, 2])
    # tilt 0: A = Rz(-(psi + rot)); tilt 180: A = Rz(-psi) diag(-1, 1, -1) (with rot = 0)
    psi_top = np.where(
        m[..., 2, 2] > 0, np.arctan2(m[..., 0, 1], m[..., 0, 0]), np.arctan2(m[..., 0, 1], -m[..., 0, 0])
    )
    psi = np.where(regular, psi_reg, psi_top)
    return np.rad2deg(rot), np.rad2deg(tilt), np.rad2deg(psi)


def random_rotations(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rotations drawn from the Haar (uniform) measure on SO(3): normalised Gaussian quaternions.

    Returns:
        ``(n, 3, 3)`` float64.
    """
    q = rng.standard_normal((n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


#: ``diag(1, -1)``: between e2cnn-core's pixel frame (y up, row 0 on top) and ours (y = row index).
_S = np.diag([1.0, -1.0])


def d4_image_matrix(g: GroupElement) -> np.ndarray:
    """The 2x2 matrix of a D4 element acting on our image coordinates ``(x, y) = (col, row) - D // 2``.

    e2cnn-core's grid convention has y pointing up (``y = c - row``); ours has y along the row index, so the
    matrix is ``S M S`` with ``M`` e2cnn-core's matrix of ``g`` and ``S = diag(1, -1)``.
    """
    m = np.asarray(g.group.standard_matrix(g), dtype=np.float64)
    return _S @ m @ _S


def d4_pose_matrix(g: GroupElement) -> np.ndarray:
    """The 3D rotation ``G`` such that transforming an image by ``g`` maps its pose ``A`` to ``G A``.

    ``G = [[M, 0], [0, det M]]`` with ``M`` = :func:`d4_image_matrix` (``det M = -1`` for reflections).
    """
    m = d4_image_matrix(g)
    out = np.eye(3)
    out[:2, :2] = m
    out[2, 2] = round(float(np.linalg.det(m)))
    return out


def transform_image(img: torch.Tensor, g: GroupElement) -> torch.Tensor:
    """``[g img](p) = img(g^-1 p)`` about the centre ``D // 2`` of the last two axes (exact: rot90 and flips).

    For odd ``D`` the whole image moves; for even ``D`` the central ``(D - 1) x (D - 1)`` block ``[1:, 1:]``
    (whose centre is ``D // 2``) moves and row/column 0 (the Nyquist edge) stay in place.
    """
    d = img.shape[-1]
    if img.shape[-2] != d:
        raise ValueError(f"images must be square, got {tuple(img.shape[-2:])}")
    m = d4_image_matrix(g).round().astype(int)
    if d % 2 == 0:
        out = img.clone()
        out[..., 1:, 1:] = transform_image(img[..., 1:, 1:], g)
        return out
    # our frame: x = col, y = row. m acts on (x, y); g^-1 p lookup.
    flip = round(np.linalg.det(m)) < 0
    x = img
    if flip:  # reflection y -> -y: reverse rows
        x = torch.flip(x, dims=(-2,))
        m = m @ np.diag([1, -1])
    # now m is a rotation by q * 90 degrees counter-clockwise in (x, y) = (col, row)
    q = {(1, 0): 0, (0, 1): 1, (-1, 0): 2, (0, -1): 3}[(int(m[0, 0]), int(m[1, 0]))]
    # torch.rot90 on dims (-1, -2) = (col, row) = (x, y) turns the x axis towards y: with x = col and y = row
    # this moves the point (1, 0) to (0, 1), a +90 degree rotation in (x, y)
    return torch.rot90(x, q, dims=(-1, -2)) if q else x


def rz(theta: float) -> np.ndarray:
    """The 3x3 rotation by ``theta`` radians about z."""
    return _rz(np.asarray(float(theta)))


def angle_deg(m: np.ndarray) -> np.ndarray:
    """Rotation angle in degrees of matrices ``(..., 3, 3)``."""
    tr = np.trace(m, axis1=-2, axis2=-1)
    return np.rad2deg(np.arccos(np.clip((tr - 1) / 2, -1.0, 1.0)))


PI = math.pi
