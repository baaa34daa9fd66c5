"""The octahedral (24) and icosahedral (60) rotation groups, and their full versions with the inversion.

Elements are indices ``(k,)`` into a fixed list of rotation matrices (identity first), ``(k, i)`` for the full
groups (``i`` the inversion bit). The octahedral group is the rotations of the cube ``[-1, 1]^3`` (signed
permutation matrices of determinant 1); the icosahedral group is the rotations of the icosahedron with vertices the
cyclic permutations of ``(0, +-1, +-phi)``.

Irreps are found once (cached) by splitting the restrictions of the Wigner-D irreps ``D_0, D_1, ...`` with a
random symmetric element of their commutant (seeded), keeping each new character, until ``sum dim^2 = |G|``. The
basis of each irrep is Gram-Schmidt on the columns of its projector, so it does not depend on the eigensolver.
All irreps of both groups are of real type. Ids, in that order:

* ``Octa``: ``0`` A1 (trivial), ``1`` T1 (the rotation action, from l = 1), ``2`` E (dim 2), ``3`` T2 (dim 3),
  ``4`` A2 (sign of the permutation of the 4 body diagonals).
* ``Ico``: ``0`` A (trivial), ``1`` T1 (from l = 1), ``2`` H (dim 5, l = 2), ``3`` T2 (dim 3), ``4`` G (dim 4).
* ``FullOcta``, ``FullIco``: ``(k, p)``, the irrep ``k`` of the rotations times ``p^i`` on the inversion.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._group import GroupElement
from ._harmonics import wigner_D
from ._spatial import SpatialGroup, rotation_about

_NAMES = {("octa", False): "Octa", ("octa", True): "FullOcta", ("ico", False): "Ico", ("ico", True): "FullIco"}
_ORDERS = {"octa": 24, "ico": 60}


def _key(r: np.ndarray) -> bytes:
    return (np.round(r, 8) + 0.0).tobytes()


@functools.cache
def _rotations(kind: str) -> tuple[np.ndarray, ...]:
    if kind == "octa":
        mats = []
        for p in itertools.permutations(range(3)):
            for s in itertools.product((1.0, -1.0), repeat=3):
                m = np.zeros((3, 3))
                m[list(p), [0, 1, 2]] = s
                if np.linalg.det(m) > 0:
                    mats.append(m)
        mats.sort(key=lambda m: (-np.trace(m), m.ravel().tolist()))
        return tuple(mats)
    phi = (1 + math.sqrt(5)) / 2
    gens = [rotation_about([0.0, 1.0, phi], 2 * math.pi / 5), rotation_about([1.0, 1.0, 1.0], 2 * math.pi / 3)]
    found = {_key(np.eye(3)): np.eye(3)}
    frontier = [np.eye(3)]
    while frontier:
        nxt = []
        for m in frontier:
            for g in gens:
                p = g @ m
                if _key(p) not in found:
                    found[_key(p)] = p
                    nxt.append(p)
        frontier = nxt
    mats = list(found.values())
    mats.sort(key=lambda m: (-round(np.trace(m), 8), np.round(m, 8).ravel().tolist()))
    return tuple(mats)


@functools.cache
def _tables(kind: str) -> tuple[np.ndarray, np.ndarray, dict[bytes, int]]:
    """Multiplication table ``mul[a, b] = index of R_a R_b``, inverses, and the matrix -> index map."""
    mats = _rotations(kind)
    index = {_key(m): k for k, m in enumerate(mats)}
    n = len(mats)
    mul = np.array([[index[_key(mats[a] @ mats[b])] for b in range(n)] for a in range(n)])
    inv = np.array([index[_key(m.T)] for m in mats])
    return mul, inv, index


def _canonical_basis(v: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the column span of ``v`` that does not depend on which basis ``v`` is: Gram-Schmidt
    on the columns of the projector ``v v^T`` in order, skipping those already spanned (LAPACK-independent)."""
    proj = v @ v.T
    out: list[np.ndarray] = []
    for col in proj.T:
        r = col - sum((u @ col) * u for u in out) if out else col
        if np.linalg.norm(r) > 1e-6:
            out.append(r / np.linalg.norm(r))
        if len(out) == v.shape[1]:
            break
    return np.stack(out, 1)


@functools.cache
def _irreps(kind: str) -> tuple[np.ndarray, ...]:
    """Irrep matrices ``(n_rotations, d, d)`` of the rotation group, in the documented order."""
    mats = np.stack(_rotations(kind))
    n = len(mats)
    rng = np.random.default_rng(12345)
    found: list[np.ndarray] = []
    chars: list[np.ndarray] = []
    for l in range(13):
        d_l = wigner_D(l, mats)
        x = rng.standard_normal((2 * l + 1, 2 * l + 1))
        comm = np.einsum("gij,jk,glk->il", d_l, x + x.T, d_l) / n  # symmetric, commutes with D_l on the group
        w, v = np.linalg.eigh(comm)
        new = []
        start = 0
        for stop in range(1, len(w) + 1):
            if stop < len(w) and abs(w[stop] - w[start]) < 1e-8 * max(1.0, abs(w).max()):
                continue
            block = _canonical_basis(v[:, start:stop])
            start = stop
            m = np.einsum("ia,gij,jb->gab", block, d_l, block)
            chi = np.trace(m, axis1=1, axis2=2)
            if abs(chi @ chi / n - 1) > 1e-6:  # not irreducible (a degenerate eigenvalue): a later l separates it
                continue
            if any(np.abs(chi - c).max() < 1e-6 for c in chars + [c for c, _ in new]):
                continue
            new.append((chi, m))
        new.sort(key=lambda cm: (cm[1].shape[1], np.round(cm[0], 6).tolist()))
        for chi, m in new:
            m.setflags(write=False)
            chars.append(chi)
            found.append(m)
        if sum(m.shape[1] ** 2 for m in found) == n:
            return tuple(found)
    raise RuntimeError(f"irreps of the {kind} group not found up to l = 12")  # pragma: no cover


@dataclass(frozen=True, repr=False)
class PolyhedralGroup(SpatialGroup):
    """The octahedral (``kind="octa"``, 24 rotations) or icosahedral (``"ico"``, 60) group; ``full=True`` adds the
    inversion (48 and 120 elements: O_h and I_h).

    Finite subgroups of SO(3) used as discretisations of it (Cesa, Lang, Weiler, ICLR 2022): their regular
    representations and the orbits of their elements are the sampling grids of Fourier nonlinearities.

    See the module docstring for the element list and the irrep ids.

    Examples:
        >>> G = PolyhedralGroup("octa")
        >>> str(G), G.order(), [G.irrep_dim(k) for k in G.irreps()]
        ('Octa', 24, [1, 3, 2, 3, 1])
        >>> [PolyhedralGroup("ico").irrep_dim(k) for k in range(5)]
        [1, 3, 5, 3, 4]
    """

    kind: str
    full: bool = False

    def __post_init__(self) -> None:
        if self.kind not in _ORDERS:
            raise ValueError(f"kind must be 'octa' or 'ico', got {self.kind!r}")
        object.__setattr__(self, "full", bool(self.full))

    def __str__(self) -> str:
        return _NAMES[(self.kind, self.full)]

    def order(self) -> int:
        return _ORDERS[self.kind] * (2 if self.full else 1)

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, (0, 0) if self.full else (0,))

    def _canonical(self, value: Any) -> tuple:
        n = _ORDERS[self.kind]
        ok = len(value) == (2 if self.full else 1) and all(isinstance(v, int | np.integer) for v in value)
        if not ok or not 0 <= value[0] < n or (self.full and value[1] not in (0, 1)):
            shape = "(k, i) with i in {0, 1}" if self.full else "(k,)"
            raise ValueError(f"an element of {self} is {shape} with 0 <= k < {n}, got {value!r}")
        return tuple(int(v) for v in value)

    def _compose(self, a: tuple, b: tuple) -> tuple:
        k = int(_tables(self.kind)[0][a[0], b[0]])
        return (k, a[1] ^ b[1]) if self.full else (k,)

    def _inverse(self, a: tuple) -> tuple:
        k = int(_tables(self.kind)[1][a[0]])
        return (k, a[1]) if self.full else (k,)

    def elements(self) -> list[GroupElement]:
        n = _ORDERS[self.kind]
        if self.full:
            return [GroupElement(self, (k, i)) for i in (0, 1) for k in range(n)]
        return [GroupElement(self, (k,)) for k in range(n)]

    def generators(self) -> list[GroupElement]:
        if self.kind == "octa":
            rots = [rotation_about([0, 0, 1], math.pi / 2), rotation_about([1, 0, 0], math.pi / 2)]
        else:
            phi = (1 + math.sqrt(5)) / 2
            rots = [rotation_about([0, 1, phi], 2 * math.pi / 5), rotation_about([1, 1, 1], 2 * math.pi / 3)]
        gens = [self.from_o3(0, r) for r in rots]
        return gens + ([GroupElement(self, (0, 1))] if self.full else [])

    def _sample(self, rng: np.random.Generator) -> tuple:
        k = int(rng.integers(_ORDERS[self.kind]))
        return (k, int(rng.integers(2))) if self.full else (k,)

    def to_o3(self, g: GroupElement) -> tuple[int, np.ndarray]:
        v = self.check(g).value
        return (v[1] if self.full else 0), _rotations(self.kind)[v[0]].copy()

    def from_o3(self, i: int, r: np.ndarray) -> GroupElement:
        k = _tables(self.kind)[2].get(_key(np.asarray(r, dtype=float)))
        if k is None or (i and not self.full):
            raise ValueError(f"the O(3) element (i={i}, R={np.round(r, 6).tolist()}) is not in {self}")
        return GroupElement(self, (k, int(i)) if self.full else (k,))

    # -- irreps -------------------------------------------------------------------------------------------------
    def irreps(self, max_frequency: int | None = None) -> tuple:
        ks = tuple(range(len(_irreps(self.kind))))
        return tuple((k, p) for k in ks for p in (1, -1)) if self.full else ks

    def check_irrep(self, irrep: Any) -> Any:
        if irrep in self.irreps():
            return tuple(int(v) for v in irrep) if self.full else int(irrep)
        raise ValueError(f"{irrep!r} is not an irrep of {self}; valid ids are {list(self.irreps())}")

    def _split_irrep(self, irrep: Any) -> tuple[int, int]:
        c = self.check_irrep(irrep)
        return c if self.full else (c, 1)

    def irrep_dim(self, irrep: Any) -> int:
        return _irreps(self.kind)[self._split_irrep(irrep)[0]].shape[1]

    def irrep_matrix(self, irrep: Any, g: GroupElement) -> np.ndarray:
        k, p = self._split_irrep(irrep)
        v = self.check(g).value
        m = _irreps(self.kind)[k][v[0]]
        return -m if (self.full and v[1] and p == -1) else m.copy()
