"""SO(3): rotations of R^3 as unit quaternions, its Wigner-D irreps, conversions (matrix, 6D, quaternion) and
geodesic distance.

The conversion functions accept numpy arrays or torch tensors (batched over leading axes) and return the same kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._clebsch_gordan import cg_decomposition
from ._group import Group, GroupElement
from ._harmonics import MAX_DEGREE, check_degree, check_rotation_matrices, wigner_D
from ._spatial import SpatialGroup


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def quaternion_to_matrix(q: Any) -> Any:
    """Unit quaternions ``(..., 4)`` as ``(w, x, y, z)`` to rotation matrices ``(..., 3, 3)``."""
    w, x, y, z = (q[..., i] for i in range(4))
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ]
    if _is_torch(q):
        import torch

        return torch.stack([torch.stack(r, -1) for r in rows], -2)
    return np.stack([np.stack(r, -1) for r in rows], -2)


def matrix_to_quaternion(m: Any) -> Any:
    """Rotation matrices ``(..., 3, 3)`` to unit quaternions ``(..., 4)`` with ``w >= 0`` (numerically stable)."""
    torch_in = _is_torch(m)
    a = m.detach().cpu().numpy() if torch_in else np.asarray(m, dtype=float)
    flat = a.reshape(-1, 3, 3)
    out = np.empty((flat.shape[0], 4))
    for i, r in enumerate(flat):
        tr = r[0, 0] + r[1, 1] + r[2, 2]
        cands = [tr, r[0, 0], r[1, 1], r[2, 2]]
        j = int(np.argmax(cands))
        if j == 0:
            s = math.sqrt(max(tr + 1.0, 0.0)) * 2
            q = [0.25 * s, (r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s]
        elif j == 1:
            s = math.sqrt(max(1.0 + r[0, 0] - r[1, 1] - r[2, 2], 0.0)) * 2
            q = [(r[2, 1] - r[1, 2]) / s, 0.25 * s, (r[0, 1] + r[1, 0]) / s, (r[0, 2] + r[2, 0]) / s]
        elif j == 2:
            s = math.sqrt(max(1.0 + r[1, 1] - r[0, 0] - r[2, 2], 0.0)) * 2
            q = [(r[0, 2] - r[2, 0]) / s, (r[0, 1] + r[1, 0]) / s, 0.25 * s, (r[1, 2] + r[2, 1]) / s]
        else:
            s = math.sqrt(max(1.0 + r[2, 2] - r[0, 0] - r[1, 1], 0.0)) * 2
            q = [(r[1, 0] - r[0, 1]) / s, (r[0, 2] + r[2, 0]) / s, (r[1, 2] + r[2, 1]) / s, 0.25 * s]
        qv = np.array(q) / np.linalg.norm(q)
        out[i] = _canonical_sign(qv)
    out = out.reshape(*a.shape[:-2], 4)
    if torch_in:
        import torch

        return torch.as_tensor(out, dtype=m.dtype, device=m.device)
    return out


def _canonical_sign(q: np.ndarray) -> np.ndarray:
    for c in q:
        if abs(c) > 1e-15:
            return q if c > 0 else -q
    return q


def sixd_to_matrix(d6: Any) -> Any:
    """The 6D rotation parametrisation (Zhou et al. 2019) ``(..., 6)`` to matrices ``(..., 3, 3)``.

    The first two columns of the matrix are the Gram-Schmidt orthonormalisation of ``d6[..., :3]`` and
    ``d6[..., 3:]``; the third is their cross product. Differentiable with torch.
    """
    a1, a2 = d6[..., :3], d6[..., 3:]
    if _is_torch(d6):
        import torch

        b1 = torch.nn.functional.normalize(a1, dim=-1)
        b2 = torch.nn.functional.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
        return torch.stack([b1, b2, torch.linalg.cross(b1, b2, dim=-1)], -1)
    b1 = a1 / np.linalg.norm(a1, axis=-1, keepdims=True)
    u = a2 - (b1 * a2).sum(-1, keepdims=True) * b1
    b2 = u / np.linalg.norm(u, axis=-1, keepdims=True)
    return np.stack([b1, b2, np.cross(b1, b2)], -1)


def matrix_to_sixd(m: Any) -> Any:
    """Rotation matrices ``(..., 3, 3)`` to the 6D parametrisation (first two columns, concatenated)."""
    cols = (m[..., :, 0], m[..., :, 1])
    if _is_torch(m):
        import torch

        return torch.cat(cols, -1)
    return np.concatenate(cols, -1)


def geodesic_distance(r1: Any, r2: Any) -> Any:
    """Angle (radians, in [0, pi]) of the rotation ``r1^T r2`` for matrices ``(..., 3, 3)``."""
    if _is_torch(r1):
        import torch

        tr = (r1.transpose(-1, -2) @ r2).diagonal(dim1=-2, dim2=-1).sum(-1)
        return torch.arccos(torch.clamp((tr - 1) / 2, -1.0, 1.0))
    tr = np.trace(np.swapaxes(r1, -1, -2) @ r2, axis1=-2, axis2=-1)
    return np.arccos(np.clip((tr - 1) / 2, -1.0, 1.0))


def _quat_mul(a: tuple, b: tuple) -> np.ndarray:
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ]
    )


def _quat_tuple(q: np.ndarray) -> tuple:
    return tuple(float(c) for c in _canonical_sign(q / np.linalg.norm(q)))


def _check_quaternion(group: Group, value: Any) -> tuple:
    q = np.asarray(value, dtype=float).reshape(-1)
    if q.shape != (4,) or not np.all(np.isfinite(q)):
        raise ValueError(f"a rotation of {group} is a quaternion (w, x, y, z), got {value!r}")
    n = np.linalg.norm(q)
    if abs(n - 1) > 1e-6:
        raise ValueError(f"quaternion must have unit norm, got norm {n} for {value!r}")
    return _quat_tuple(q)


def _rotation_to_quaternion(group: Group, r: np.ndarray) -> tuple:
    r = np.asarray(r, dtype=float)
    check_rotation_matrices(r)
    return _quat_tuple(matrix_to_quaternion(r))


@dataclass(frozen=True, repr=False)
class SO3(SpatialGroup):
    """The rotation group SO(3); elements are unit quaternions ``(w, x, y, z)`` with a canonical sign.

    Steerable 3D networks built on these irreps: M. Weiler et al., *3D Steerable CNNs*, NeurIPS 2018; real-basis
    conventions as in e3nn (M. Geiger and T. Smidt, 2022), up to the fixed change of basis documented in
    :mod:`equi_groups._harmonics`.

    Real irreps: the Wigner-D matrices ``D_l``, ids ``l = 0 .. MAX_DEGREE`` (16), in the real spherical-harmonic
    basis: ``Y_l(R x) = D_l(R) Y_l(x)`` (see :func:`spherical_harmonics` for the convention; ``D_1(R) = P R P^T``
    with ``P: (x, y, z) -> (y, z, x)``). All irreps are of real type. Tensor products decompose with exact
    Clebsch-Gordan coefficients (:func:`clebsch_gordan`).

    Examples:
        >>> G = SO3()
        >>> g, h = G.sample(2, seed=1)
        >>> bool(np.allclose(G.standard_matrix(g * h), G.standard_matrix(g) @ G.standard_matrix(h)))
        True
        >>> G.irreps(2), G.irrep_dim(2)
        ((0, 1, 2), 5)
    """

    def __str__(self) -> str:
        return "SO3"

    def order(self) -> None:
        return None

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, (1.0, 0.0, 0.0, 0.0))

    def _canonical(self, value: Any) -> tuple:
        return _check_quaternion(self, value)

    def to_o3(self, g: GroupElement) -> tuple[int, np.ndarray]:
        return 0, quaternion_to_matrix(np.array(self.check(g).value))

    def from_o3(self, i: int, r: np.ndarray) -> GroupElement:
        if i:
            raise ValueError(f"an element with inversion (i={i}) is not in {self}")
        return GroupElement(self, _rotation_to_quaternion(self, r))

    def axis_rotation(self, t: float) -> GroupElement:
        return GroupElement(self, _quat_tuple(np.array([math.cos(t / 2), 0.0, 0.0, math.sin(t / 2)])))

    def _compose(self, a: tuple, b: tuple) -> tuple:
        return _quat_tuple(_quat_mul(a, b))

    def _inverse(self, a: tuple) -> tuple:
        return _quat_tuple(np.array([a[0], -a[1], -a[2], -a[3]]))

    def generators(self) -> list[GroupElement]:
        return [
            self.element(math.cos(0.5), math.sin(0.5), 0.0, 0.0),
            self.element(math.cos(0.5), 0.0, math.sin(0.5), 0.0),
        ]

    def _sample(self, rng: np.random.Generator) -> tuple:
        return _quat_tuple(rng.standard_normal(4))

    def irreps(self, max_frequency: int | None = None) -> tuple[int, ...]:
        if max_frequency is None:
            raise ValueError(f"{self} has infinitely many irreps: give max_frequency (l <= {MAX_DEGREE})")
        return tuple(range(check_degree(max_frequency, "max_frequency") + 1))

    def check_irrep(self, irrep: Any) -> int:
        try:
            return check_degree(irrep)
        except ValueError as err:
            raise ValueError(f"{irrep!r} is not an irrep of {self}: {err}") from None

    def irrep_dim(self, irrep: Any) -> int:
        return 2 * self.check_irrep(irrep) + 1

    def irrep_matrix(self, irrep: Any, g: GroupElement) -> np.ndarray:
        return wigner_D(self.check_irrep(irrep), self.to_o3(g)[1])

    def irrep_matrices(self, irrep: Any, elements: list[GroupElement]) -> np.ndarray:
        q = np.array([self.check(g).value for g in elements]).reshape(-1, 4)
        return wigner_D(self.check_irrep(irrep), quaternion_to_matrix(q))

    def irrep_tensor(self, a: Any, b: Any) -> tuple[tuple[int, ...], np.ndarray]:
        """Clebsch-Gordan decomposition ``D_a (x) D_b = Q (D_|a-b| + ... + D_(a+b)) Q^T``: ids and ``Q``."""
        return cg_decomposition(self.check_irrep(a), self.check_irrep(b))
