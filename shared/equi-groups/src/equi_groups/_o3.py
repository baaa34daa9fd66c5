"""O(3) = SO(3) x {I, -I}: elements ``(i, q)`` (inversion bit, unit quaternion), irreps ``(l, p)``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._clebsch_gordan import cg_decomposition
from ._group import GroupElement
from ._harmonics import MAX_DEGREE, check_degree, wigner_D
from ._so3 import (
    SO3,
    _check_quaternion,
    _quat_mul,
    _quat_tuple,
    _rotation_to_quaternion,
    quaternion_to_matrix,
)
from ._spatial import SpatialGroup


@dataclass(frozen=True, repr=False)
class O3(SpatialGroup):
    """The orthogonal group O(3) = SO(3) x {I, -I}; an element ``(i, q)`` acts on R^3 as ``(-1)^i R(q)``.

    As in G. Cesa, L. Lang, M. Weiler, *A Program to Build E(N)-Equivariant Steerable CNNs*, ICLR 2022 (escnn) and
    e3nn's ``O3`` irreps.

    Real irreps ``(l, p)`` for ``0 <= l <= MAX_DEGREE`` and parity ``p`` in ``{1, -1}``:
    ``(l, p)(i, q) = p^i D_l(R(q))`` (e3nn's ``"{l}e"`` is ``(l, 1)``, ``"{l}o"`` is ``(l, -1)``). The defining
    action is ``(1, -1)`` (up to the basis change ``P`` of :func:`wigner_D`); spherical harmonics ``Y_l`` transform
    as ``(l, (-1)^l)``. ``irreps(L)`` lists ``(0, 1), (0, -1), (1, 1), (1, -1), ...``.

    Examples:
        >>> G = O3()
        >>> inv = G.element(1, (1.0, 0.0, 0.0, 0.0))
        >>> G.standard_matrix(inv).diagonal().tolist()
        [-1.0, -1.0, -1.0]
        >>> np.round(G.irrep_matrix((2, -1), inv).diagonal(), 12).tolist()
        [-1.0, -1.0, -1.0, -1.0, -1.0]
    """

    def __str__(self) -> str:
        return "O3"

    def order(self) -> None:
        return None

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, (0, (1.0, 0.0, 0.0, 0.0)))

    _wrapped_value = False

    def _canonical(self, value: Any) -> tuple:
        if len(value) == 5:
            value = (value[0], tuple(value[1:]))
        if len(value) != 2 or value[0] not in (0, 1) or isinstance(value[0], float):
            raise ValueError(f"an element of {self} is (i, (w, x, y, z)) with i in {{0, 1}}, got {value!r}")
        return (int(value[0]), _check_quaternion(self, value[1]))

    def to_o3(self, g: GroupElement) -> tuple[int, np.ndarray]:
        i, q = self.check(g).value
        return i, quaternion_to_matrix(np.array(q))

    def from_o3(self, i: int, r: np.ndarray) -> GroupElement:
        if i not in (0, 1):
            raise ValueError(f"inversion bit must be 0 or 1, got {i!r}")
        return GroupElement(self, (int(i), _rotation_to_quaternion(self, r)))

    def axis_rotation(self, t: float) -> GroupElement:
        return GroupElement(self, (0, _quat_tuple(np.array([math.cos(t / 2), 0.0, 0.0, math.sin(t / 2)]))))

    def _compose(self, a: tuple, b: tuple) -> tuple:
        return (a[0] ^ b[0], _quat_tuple(_quat_mul(a[1], b[1])))

    def _inverse(self, a: tuple) -> tuple:
        q = a[1]
        return (a[0], _quat_tuple(np.array([q[0], -q[1], -q[2], -q[3]])))

    def generators(self) -> list[GroupElement]:
        return [GroupElement(self, (0, g.value)) for g in SO3().generators()] + [
            GroupElement(self, (1, (1.0, 0.0, 0.0, 0.0)))
        ]

    def _sample(self, rng: np.random.Generator) -> tuple:
        return (int(rng.integers(2)), _quat_tuple(rng.standard_normal(4)))

    def irreps(self, max_frequency: int | None = None) -> tuple[tuple[int, int], ...]:
        if max_frequency is None:
            raise ValueError(f"{self} has infinitely many irreps: give max_frequency (l <= {MAX_DEGREE})")
        top = check_degree(max_frequency, "max_frequency")
        return tuple((l, p) for l in range(top + 1) for p in (1, -1))

    def check_irrep(self, irrep: Any) -> tuple[int, int]:
        if isinstance(irrep, tuple) and len(irrep) == 2 and irrep[1] in (1, -1):
            try:
                return (check_degree(irrep[0]), int(irrep[1]))
            except ValueError as err:
                raise ValueError(f"{irrep!r} is not an irrep of {self}: {err}") from None
        raise ValueError(f"{irrep!r} is not an irrep of {self}; ids are (l, p) with p in {{1, -1}}, e.g. (1, -1)")

    def irrep_dim(self, irrep: Any) -> int:
        return 2 * self.check_irrep(irrep)[0] + 1

    def irrep_matrix(self, irrep: Any, g: GroupElement) -> np.ndarray:
        l, p = self.check_irrep(irrep)
        i, r = self.to_o3(g)
        return wigner_D(l, r) * (p if i else 1)

    def irrep_matrices(self, irrep: Any, elements: list[GroupElement]) -> np.ndarray:
        l, p = self.check_irrep(irrep)
        vals = [self.check(g).value for g in elements]
        d = wigner_D(l, quaternion_to_matrix(np.array([q for _, q in vals]).reshape(-1, 4)))
        signs = np.array([p if i else 1 for i, _ in vals], dtype=float)
        return d * signs[:, None, None]

    def irrep_tensor(self, a: Any, b: Any) -> tuple[tuple[tuple[int, int], ...], np.ndarray]:
        """Clebsch-Gordan: ``(l1, p1) (x) (l2, p2) = sum_l (l, p1 p2)`` with the SO(3) coefficients."""
        (l1, p1), (l2, p2) = self.check_irrep(a), self.check_irrep(b)
        ids, q = cg_decomposition(l1, l2)
        return tuple((l, p1 * p2) for l in ids), q
