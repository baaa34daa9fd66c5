"""Groups acting on the plane: C_N, D_N (any reflection axis), SO(2) and O(2), with their real irreps.

Every planar group embeds into O(2). An O(2) element ``(f, t)`` acts on R^2 as ``R(t) F^f`` with
``F = diag(1, -1)`` (reflection across the x-axis). A dihedral group with reflection axis ``a`` has elements
``(f, k)`` acting as ``R(2 pi k / N) S_a^f``, where ``S_a`` reflects across the line at angle ``a``; its O(2)
image is ``(f, 2 pi k / N + 2 a f)``. Subgroup relations between planar groups are read off these images.

Real irreps (ids in brackets):
    C_N, SO(2): ``k`` (frequency). ``k = 0`` and (C_N, N even) ``k = N/2`` are 1-dimensional, others are the
        2x2 rotation ``R(k t)`` (complex type).
    D_N, O(2): ``(j, k)``. ``(0, 0)`` trivial, ``(1, 0)`` the sign of the reflection, ``(1, k)`` for ``k > 0``
        the 2x2 ``R(k t) F^f`` (real type), and for D_N with N even ``(j, N/2)``: ``(-1)^(j f) cos(N/2 t)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._group import Group, GroupElement

TWO_PI = 2 * math.pi


def rotation_matrix(t: float) -> np.ndarray:
    """The 2x2 matrix of the rotation by angle ``t`` (radians, counter-clockwise)."""
    c, s = math.cos(t), math.sin(t)
    return np.array([[c, -s], [s, c]])


_F = np.array([[1.0, 0.0], [0.0, -1.0]])


def _wrap(t: float) -> float:
    t = math.fmod(float(t), TWO_PI)
    if t < 0:
        t += TWO_PI
    if t >= TWO_PI - 1e-15:
        t = 0.0
    return t


class PlanarGroup(Group):
    """A subgroup of O(2) acting on the plane."""

    @property
    def has_reflections(self) -> bool:
        return False

    def to_o2(self, g: GroupElement) -> tuple[int, float]:
        """The O(2) image ``(f, t)`` of ``g``: it acts on R^2 as ``R(t) F^f``."""
        raise NotImplementedError

    def from_o2(self, f: int, t: float) -> GroupElement:
        """The element whose O(2) image is ``(f, t)``; ``ValueError`` if there is none."""
        raise NotImplementedError

    def standard_matrix(self, g: GroupElement) -> np.ndarray:
        f, t = self.to_o2(self.check(g))
        return rotation_matrix(t) @ (_F if f else np.eye(2))

    def is_subgroup_of(self, other: Group) -> bool:
        """Whether this group's O(2) image lies in ``other``'s (checked on generators)."""
        if not isinstance(other, PlanarGroup):
            return False
        try:
            for g in self.generators():
                other.from_o2(*self.to_o2(g))
        except ValueError:
            return False
        return True

    def inclusion(self, other: PlanarGroup, g: GroupElement) -> GroupElement:
        """Map ``g`` of this group to the same transformation as an element of the supergroup ``other``."""
        return other.from_o2(*self.to_o2(self.check(g)))

    def _irrep_error(self, irrep: Any) -> ValueError:
        shown = self.irreps(3) if not self.is_finite else self.irreps()
        return ValueError(f"{irrep!r} is not an irrep of {self}; valid ids look like {list(shown)}")


# ------------------------------------------------------------------------------------------------------ C_N
@dataclass(frozen=True, repr=False)
class CyclicGroup(PlanarGroup):
    """The cyclic group C_N of rotations by multiples of 2 pi / N; elements ``(k,)``.

    ``CyclicGroup(1)`` is the trivial group.

    Examples:
        >>> C8 = CyclicGroup(8)
        >>> str(C8), C8.order(), C8.irreps()
        ('C8', 8, (0, 1, 2, 3, 4))
    """

    N: int

    def __post_init__(self) -> None:
        if not isinstance(self.N, int | np.integer) or self.N < 1:
            raise ValueError(f"C_N needs an integer N >= 1, got {self.N!r}")

    def __str__(self) -> str:
        return f"C{self.N}"

    def order(self) -> int:
        return self.N

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, (0,))

    def _canonical(self, value: Any) -> tuple:
        if len(value) != 1 or not isinstance(value[0], int | np.integer):
            raise ValueError(f"an element of {self} is one integer k, got {value!r}")
        return (int(value[0]) % self.N,)

    def _compose(self, a: tuple, b: tuple) -> tuple:
        return ((a[0] + b[0]) % self.N,)

    def _inverse(self, a: tuple) -> tuple:
        return ((-a[0]) % self.N,)

    def elements(self) -> list[GroupElement]:
        return [GroupElement(self, (k,)) for k in range(self.N)]

    def generators(self) -> list[GroupElement]:
        return [GroupElement(self, (1 % self.N,))]

    def _sample(self, rng: np.random.Generator) -> tuple:
        return (int(rng.integers(self.N)),)

    def to_o2(self, g: GroupElement) -> tuple[int, float]:
        return 0, TWO_PI * g.value[0] / self.N

    def from_o2(self, f: int, t: float) -> GroupElement:
        k = t * self.N / TWO_PI
        if f or abs(k - round(k)) > 1e-9:
            raise ValueError(f"O(2) element (f={f}, t={t}) is not in {self}")
        return GroupElement(self, (int(round(k)) % self.N,))

    def irreps(self, max_frequency: int | None = None) -> tuple[int, ...]:
        top = self.N // 2 if max_frequency is None else min(self.N // 2, max_frequency)
        return tuple(range(top + 1))

    def check_irrep(self, irrep: Any) -> int:
        if isinstance(irrep, int | np.integer) and 0 <= irrep <= self.N // 2:
            return int(irrep)
        raise self._irrep_error(irrep)

    def irrep_dim(self, irrep: Any) -> int:
        k = self.check_irrep(irrep)
        return 1 if k == 0 or 2 * k == self.N else 2

    def irrep_type(self, irrep: Any) -> int:
        return self.irrep_dim(irrep)

    def irrep_matrix(self, irrep: Any, g: GroupElement) -> np.ndarray:
        k = self.check_irrep(irrep)
        t = TWO_PI * self.check(g).value[0] / self.N
        return _rotation_irrep(k, t, self.irrep_dim(k))


def _rotation_irrep(k: int, t: float, dim: int) -> np.ndarray:
    if dim == 1:
        return np.array([[1.0 if k == 0 else round(math.cos(k * t))]])
    return rotation_matrix(k * t)


# ------------------------------------------------------------------------------------------------------ D_N
@dataclass(frozen=True, repr=False)
class DihedralGroup(PlanarGroup):
    """The dihedral group D_N: rotations by multiples of 2 pi / N and reflections; elements ``(f, k)``.

    ``(f, k)`` acts on the plane as ``R(2 pi k / N) S^f`` with ``S`` the reflection across the line at angle
    ``axis``. ``DihedralGroup(1, axis)`` is the flip group.

    Examples:
        >>> D4 = DihedralGroup(4)
        >>> D4.order(), D4.irreps()
        (8, ((0, 0), (1, 0), (1, 1), (0, 2), (1, 2)))
    """

    N: int
    axis: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.N, int | np.integer) or self.N < 1:
            raise ValueError(f"D_N needs an integer N >= 1, got {self.N!r}")
        object.__setattr__(self, "axis", float(self.axis) % math.pi)

    def __str__(self) -> str:
        return f"D{self.N}" if self.axis == 0.0 else f"D{self.N}(axis={self.axis!r})"

    @property
    def has_reflections(self) -> bool:
        return True

    def order(self) -> int:
        return 2 * self.N

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, (0, 0))

    def _canonical(self, value: Any) -> tuple:
        if len(value) != 2 or value[0] not in (0, 1) or not isinstance(value[1], int | np.integer):
            raise ValueError(f"an element of {self} is (f, k) with f in {{0, 1}} and integer k, got {value!r}")
        return (int(value[0]), int(value[1]) % self.N)

    def _compose(self, a: tuple, b: tuple) -> tuple:
        return (a[0] ^ b[0], (a[1] + (-b[1] if a[0] else b[1])) % self.N)

    def _inverse(self, a: tuple) -> tuple:
        return a if a[0] else (0, (-a[1]) % self.N)

    def elements(self) -> list[GroupElement]:
        return [GroupElement(self, (f, k)) for f in (0, 1) for k in range(self.N)]

    def generators(self) -> list[GroupElement]:
        gens = [GroupElement(self, (1, 0))]
        if self.N > 1:
            gens.insert(0, GroupElement(self, (0, 1)))
        return gens

    def _sample(self, rng: np.random.Generator) -> tuple:
        return (int(rng.integers(2)), int(rng.integers(self.N)))

    def to_o2(self, g: GroupElement) -> tuple[int, float]:
        f, k = g.value
        return f, _wrap(TWO_PI * k / self.N + 2 * self.axis * f)

    def from_o2(self, f: int, t: float) -> GroupElement:
        k = (t - 2 * self.axis * f) * self.N / TWO_PI
        if abs(k - round(k)) > 1e-9:
            raise ValueError(f"O(2) element (f={f}, t={t}) is not in {self}")
        return GroupElement(self, (int(f), int(round(k)) % self.N))

    def irreps(self, max_frequency: int | None = None) -> tuple[tuple[int, int], ...]:
        top = self.N // 2 if max_frequency is None else min(self.N // 2, max_frequency)
        out: list[tuple[int, int]] = [(0, 0), (1, 0)]
        for k in range(1, top + 1):
            out += [(0, k), (1, k)] if 2 * k == self.N else [(1, k)]
        return tuple(out)

    def check_irrep(self, irrep: Any) -> tuple[int, int]:
        if isinstance(irrep, tuple) and len(irrep) == 2 and tuple(irrep) in self.irreps():
            return (int(irrep[0]), int(irrep[1]))
        raise self._irrep_error(irrep)

    def irrep_dim(self, irrep: Any) -> int:
        j, k = self.check_irrep(irrep)
        return 1 if k == 0 or 2 * k == self.N else 2

    def irrep_matrix(self, irrep: Any, g: GroupElement) -> np.ndarray:
        j, k = self.check_irrep(irrep)
        f, r = self.check(g).value
        return _reflection_irrep(j, k, f, TWO_PI * r / self.N, self.irrep_dim((j, k)))


def _reflection_irrep(j: int, k: int, f: int, t: float, dim: int) -> np.ndarray:
    if dim == 1:
        sign = -1.0 if (j and f) else 1.0
        return np.array([[sign * (1.0 if k == 0 else round(math.cos(k * t)))]])
    m = rotation_matrix(k * t)
    return m @ _F if f else m


# ------------------------------------------------------------------------------------------------------ SO(2)
@dataclass(frozen=True, repr=False)
class SO2(PlanarGroup):
    """The rotation group SO(2); elements ``(t,)`` with angle ``t`` in [0, 2 pi). Irreps: frequencies k >= 0.

    Examples:
        >>> G = SO2()
        >>> g = G.element(math.pi / 2)
        >>> np.round(G.standard_matrix(g), 12).tolist()
        [[0.0, -1.0], [1.0, 0.0]]
    """

    def __str__(self) -> str:
        return "SO2"

    def order(self) -> None:
        return None

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, (0.0,))

    def _canonical(self, value: Any) -> tuple:
        if len(value) != 1 or not isinstance(value[0], float | int | np.floating | np.integer):
            raise ValueError(f"an element of {self} is one angle, got {value!r}")
        if not math.isfinite(value[0]):
            raise ValueError(f"angle must be finite, got {value[0]}")
        return (_wrap(value[0]),)

    def _compose(self, a: tuple, b: tuple) -> tuple:
        return (_wrap(a[0] + b[0]),)

    def _inverse(self, a: tuple) -> tuple:
        return (_wrap(-a[0]),)

    def generators(self) -> list[GroupElement]:
        return [GroupElement(self, (1.0,))]  # an irrational multiple of 2 pi: dense

    def testing_elements(self) -> list[GroupElement]:
        quarter = [GroupElement(self, (_wrap(q * math.pi / 2),)) for q in range(4)]
        return list(dict.fromkeys(quarter + self.generators() + self.sample(6, seed=0)))

    def _sample(self, rng: np.random.Generator) -> tuple:
        return (float(rng.uniform(0.0, TWO_PI)),)

    def to_o2(self, g: GroupElement) -> tuple[int, float]:
        return 0, g.value[0]

    def from_o2(self, f: int, t: float) -> GroupElement:
        if f:
            raise ValueError(f"a reflection is not in {self}")
        return GroupElement(self, (_wrap(t),))

    def irreps(self, max_frequency: int | None = None) -> tuple[int, ...]:
        if max_frequency is None:
            raise ValueError(f"{self} has infinitely many irreps: give max_frequency")
        return tuple(range(max_frequency + 1))

    def check_irrep(self, irrep: Any) -> int:
        if isinstance(irrep, int | np.integer) and irrep >= 0:
            return int(irrep)
        raise self._irrep_error(irrep)

    def irrep_dim(self, irrep: Any) -> int:
        return 1 if self.check_irrep(irrep) == 0 else 2

    def irrep_type(self, irrep: Any) -> int:
        return self.irrep_dim(irrep)

    def irrep_matrix(self, irrep: Any, g: GroupElement) -> np.ndarray:
        k = self.check_irrep(irrep)
        return _rotation_irrep(k, self.check(g).value[0], self.irrep_dim(k))


# ------------------------------------------------------------------------------------------------------ O(2)
@dataclass(frozen=True, repr=False)
class O2(PlanarGroup):
    """The orthogonal group O(2); elements ``(f, t)`` acting as ``R(t) F^f``. Irreps ``(0,0)``, ``(1,0)``,
    ``(1,k)`` for k >= 1.

    Examples:
        >>> G = O2()
        >>> G.irreps(2)
        ((0, 0), (1, 0), (1, 1), (1, 2))
    """

    def __str__(self) -> str:
        return "O2"

    @property
    def has_reflections(self) -> bool:
        return True

    def order(self) -> None:
        return None

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, (0, 0.0))

    def _canonical(self, value: Any) -> tuple:
        if len(value) != 2 or value[0] not in (0, 1) or not math.isfinite(float(value[1])):
            raise ValueError(f"an element of {self} is (f, t) with f in {{0, 1}} and a finite angle t, got {value!r}")
        return (int(value[0]), _wrap(value[1]))

    def _compose(self, a: tuple, b: tuple) -> tuple:
        return (a[0] ^ b[0], _wrap(a[1] + (-b[1] if a[0] else b[1])))

    def _inverse(self, a: tuple) -> tuple:
        return a if a[0] else (0, _wrap(-a[1]))

    def generators(self) -> list[GroupElement]:
        return [GroupElement(self, (0, 1.0)), GroupElement(self, (1, 0.0))]

    def testing_elements(self) -> list[GroupElement]:
        grid = [GroupElement(self, (f, _wrap(q * math.pi / 2))) for f in (0, 1) for q in range(4)]
        return list(dict.fromkeys(grid + self.generators() + self.sample(6, seed=0)))

    def _sample(self, rng: np.random.Generator) -> tuple:
        return (int(rng.integers(2)), float(rng.uniform(0.0, TWO_PI)))

    def to_o2(self, g: GroupElement) -> tuple[int, float]:
        return g.value

    def from_o2(self, f: int, t: float) -> GroupElement:
        return GroupElement(self, (int(f), _wrap(t)))

    def irreps(self, max_frequency: int | None = None) -> tuple[tuple[int, int], ...]:
        if max_frequency is None:
            raise ValueError(f"{self} has infinitely many irreps: give max_frequency")
        return ((0, 0), (1, 0), *((1, k) for k in range(1, max_frequency + 1)))

    def check_irrep(self, irrep: Any) -> tuple[int, int]:
        if isinstance(irrep, tuple) and len(irrep) == 2:
            j, k = irrep
            if (k == 0 and j in (0, 1)) or (j == 1 and isinstance(k, int | np.integer) and k > 0):
                return (int(j), int(k))
        raise self._irrep_error(irrep)

    def irrep_dim(self, irrep: Any) -> int:
        return 1 if self.check_irrep(irrep)[1] == 0 else 2

    def irrep_matrix(self, irrep: Any, g: GroupElement) -> np.ndarray:
        j, k = self.check_irrep(irrep)
        f, t = self.check(g).value
        return _reflection_irrep(j, k, f, t, self.irrep_dim((j, k)))


def trivial_group() -> CyclicGroup:
    """The trivial group, as ``C1``."""
    return CyclicGroup(1)


def flip_group(axis: float = 0.0) -> DihedralGroup:
    """The group of one reflection (across the line at angle ``axis``), as ``D1``."""
    return DihedralGroup(1, axis)
