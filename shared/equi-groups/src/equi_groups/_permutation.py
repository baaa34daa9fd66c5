"""Permutation-type groups acting on R^n: the symmetric group S_n and the hyperoctahedral group B_n."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._group import Group, GroupElement

_MAX_LISTED = 50_000


def _check_n(n: Any, name: str) -> int:
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{name} needs an integer n >= 1, got {n!r}")
    return int(n)


def _check_perm(p: Any, n: int) -> tuple[int, ...]:
    p = tuple(int(i) for i in p)
    if sorted(p) != list(range(n)):
        raise ValueError(f"expected a permutation of 0..{n - 1}, got {p}")
    return p


@dataclass(frozen=True, repr=False)
class SymmetricGroup(Group):
    """The symmetric group S_n; an element ``(p,)`` maps basis vector ``e_i`` to ``e_{p[i]}``.

    Acting on data with a node axis, it reorders the nodes: ``x'[p[i]] = x[i]``.

    Examples:
        >>> S3 = SymmetricGroup(3)
        >>> S3.order(), len(S3.elements())
        (6, 6)
    """

    n: int

    def __post_init__(self) -> None:
        _check_n(self.n, "S_n")

    def __str__(self) -> str:
        return f"S{self.n}"

    def order(self) -> int:
        return math.factorial(self.n)

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, (tuple(range(self.n)),))

    _wrapped_value = False

    def _canonical(self, value: Any) -> tuple:
        if len(value) != 1:
            raise ValueError(f"an element of {self} is one permutation tuple, got {value!r}")
        return (_check_perm(value[0], self.n),)

    def _compose(self, a: tuple, b: tuple) -> tuple:
        pa, pb = a[0], b[0]
        return (tuple(pa[pb[i]] for i in range(self.n)),)

    def _inverse(self, a: tuple) -> tuple:
        inv = [0] * self.n
        for i, j in enumerate(a[0]):
            inv[j] = i
        return (tuple(inv),)

    def elements(self) -> list[GroupElement]:
        if self.order() > _MAX_LISTED:
            raise ValueError(f"{self} has {self.order()} elements; listing is limited to {_MAX_LISTED}")
        from itertools import permutations

        return [GroupElement(self, (p,)) for p in permutations(range(self.n))]

    def generators(self) -> list[GroupElement]:
        if self.n == 1:
            return []
        swap = list(range(self.n))
        swap[0], swap[1] = 1, 0
        cycle = tuple((i + 1) % self.n for i in range(self.n))
        return [GroupElement(self, (tuple(swap),)), GroupElement(self, (cycle,))]

    def _sample(self, rng: np.random.Generator) -> tuple:
        return (tuple(int(i) for i in rng.permutation(self.n)),)

    def permutation(self, g: GroupElement) -> np.ndarray:
        """The index array ``p`` of ``g`` (``e_i -> e_{p[i]}``)."""
        return np.array(self.check(g).value[0])

    def standard_matrix(self, g: GroupElement) -> np.ndarray:
        m = np.zeros((self.n, self.n))
        m[self.permutation(g), np.arange(self.n)] = 1.0
        return m


@dataclass(frozen=True, repr=False)
class HyperoctahedralGroup(Group):
    """The hyperoctahedral group B_n of signed permutations (symmetries of the n-cube), order 2^n n!.

    An element ``(p, s)`` maps ``e_i`` to ``s[i] e_{p[i]}``; its matrix ``M`` has ``M[p[i], i] = s[i]``.
    Acting on a basis whose rows are vectors ``b_i``, it permutes and negates rows: ``B' = M B``.

    Examples:
        >>> B3 = HyperoctahedralGroup(3)
        >>> B3.order()
        48
        >>> g = B3.element((1, 0, 2), (1, -1, 1))
        >>> B3.standard_matrix(g).astype(int).tolist()
        [[0, -1, 0], [1, 0, 0], [0, 0, 1]]
    """

    n: int

    def __post_init__(self) -> None:
        _check_n(self.n, "B_n")

    def __str__(self) -> str:
        return f"B{self.n}"

    def order(self) -> int:
        return 2**self.n * math.factorial(self.n)

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, (tuple(range(self.n)), (1,) * self.n))

    _wrapped_value = False

    def _canonical(self, value: Any) -> tuple:
        if len(value) != 2:
            raise ValueError(f"an element of {self} is (permutation, signs), got {value!r}")
        p = _check_perm(value[0], self.n)
        s = tuple(int(v) for v in value[1])
        if len(s) != self.n or any(v not in (1, -1) for v in s):
            raise ValueError(f"signs must be {self.n} values in {{1, -1}}, got {value[1]!r}")
        return (p, s)

    def _compose(self, a: tuple, b: tuple) -> tuple:
        (pa, sa), (pb, sb) = a, b
        return (tuple(pa[pb[i]] for i in range(self.n)), tuple(sb[i] * sa[pb[i]] for i in range(self.n)))

    def _inverse(self, a: tuple) -> tuple:
        p, s = a
        pi, si = [0] * self.n, [1] * self.n
        for i in range(self.n):
            pi[p[i]] = i
            si[p[i]] = s[i]
        return (tuple(pi), tuple(si))

    def elements(self) -> list[GroupElement]:
        if self.order() > _MAX_LISTED:
            raise ValueError(f"{self} has {self.order()} elements; listing is limited to {_MAX_LISTED}")
        from itertools import permutations, product

        return [
            GroupElement(self, (p, s)) for p in permutations(range(self.n)) for s in product((1, -1), repeat=self.n)
        ]

    def generators(self) -> list[GroupElement]:
        flip = GroupElement(self, (tuple(range(self.n)), (-1,) + (1,) * (self.n - 1)))
        return [
            *(GroupElement(self, (g.value[0], (1,) * self.n)) for g in SymmetricGroup(self.n).generators()),
            flip,
        ]

    def _sample(self, rng: np.random.Generator) -> tuple:
        p = tuple(int(i) for i in rng.permutation(self.n))
        return (p, tuple(int(v) for v in rng.choice([1, -1], size=self.n)))

    def standard_matrix(self, g: GroupElement) -> np.ndarray:
        p, s = self.check(g).value
        m = np.zeros((self.n, self.n))
        m[list(p), list(range(self.n))] = s
        return m


@dataclass(frozen=True, repr=False)
class OrthogonalGroup(Group):
    """The orthogonal group O(n) (``special=True``: SO(n)); elements are n x n matrices stored row-major.

    Examples:
        >>> G = OrthogonalGroup(4)
        >>> m = G.standard_matrix(G.sample(1, seed=3)[0])
        >>> bool(np.allclose(m @ m.T, np.eye(4)))
        True
    """

    n: int
    special: bool = False

    def __post_init__(self) -> None:
        _check_n(self.n, "O(n)")

    def __str__(self) -> str:
        return f"{'SO' if self.special else 'O'}({self.n})"

    def order(self) -> None:
        return None

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, tuple(np.eye(self.n).reshape(-1).tolist()))

    def _canonical(self, value: Any) -> tuple:
        m = np.asarray(value, dtype=float).reshape(-1)
        if m.size != self.n * self.n:
            raise ValueError(f"an element of {self} is a {self.n}x{self.n} matrix, got {np.shape(value)}")
        mat = m.reshape(self.n, self.n)
        if not np.allclose(mat @ mat.T, np.eye(self.n), atol=1e-8):
            raise ValueError(
                f"matrix is not orthogonal: |M M^T - I| = {np.abs(mat @ mat.T - np.eye(self.n)).max():.2e}"
            )
        if self.special and np.linalg.det(mat) < 0:
            raise ValueError(f"matrix has determinant -1, not in {self}")
        return tuple(m.tolist())

    def _compose(self, a: tuple, b: tuple) -> tuple:
        return tuple((np.reshape(a, (self.n, self.n)) @ np.reshape(b, (self.n, self.n))).reshape(-1).tolist())

    def _inverse(self, a: tuple) -> tuple:
        return tuple(np.reshape(a, (self.n, self.n)).T.reshape(-1).tolist())

    def generators(self) -> list[GroupElement]:
        return self.sample(2, seed=12345)

    def _sample(self, rng: np.random.Generator) -> tuple:
        q, r = np.linalg.qr(rng.standard_normal((self.n, self.n)))
        q = q * np.sign(np.diag(r))  # Haar measure on O(n)
        if self.special and np.linalg.det(q) < 0:
            q[:, 0] = -q[:, 0]
        return tuple(q.reshape(-1).tolist())

    def standard_matrix(self, g: GroupElement) -> np.ndarray:
        return np.reshape(self.check(g).value, (self.n, self.n))
