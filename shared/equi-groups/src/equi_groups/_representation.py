"""Representations as immutable values: a group, a tuple of atoms and an optional orthogonal change of basis.

An atom is a named building block whose matrices the group knows how to compute:
``irrep(<id>)``, ``regular``, ``quotient(<subgroup>)``, ``standard`` (the defining action) and ``trivial``.
A representation is ``rho(g) = B (atom_1(g) + ... + atom_m(g)) B^T`` (``+`` = block diagonal, ``B`` orthogonal,
identity when absent). Its decomposition into irreps, ``rho(g) = Q (psi_1(g) + ... ) Q^T``, is computed once
(numerically, exactly up to float64 round-off) and cached.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from ._group import Group, GroupElement
from ._planar import O2, SO2, PlanarGroup


def _fmt_irrep(irrep: Hashable) -> str:
    return f"irrep{irrep}" if isinstance(irrep, tuple) else f"irrep({irrep})"


class Representation:
    """A real orthogonal representation of a group.

    Build one with :func:`irrep`, :func:`regular`, :func:`quotient`, :func:`trivial`, :func:`standard`,
    :func:`band_limited_regular` or from a string (:func:`rep_from_str`); combine with ``+`` (direct sum),
    :meth:`tensor` and :meth:`restrict`.

    Args:
        group: the group.
        atoms: names of the blocks, e.g. ``("irrep(1)", "regular")``.
        basis: optional orthogonal ``(dim, dim)`` change of basis applied on top of the blocks.

    Examples:
        >>> from equi_groups import CyclicGroup, irrep, regular
        >>> C4 = CyclicGroup(4)
        >>> rho = 2 * irrep(C4, 1) + regular(C4)
        >>> str(rho), rho.dim
        ('C4:2x[irrep(1)]+regular', 8)
        >>> rho.irreps
        (0, 1, 1, 1, 2)
    """

    __slots__ = ("group", "atoms", "basis", "_hash")

    def __init__(self, group: Group, atoms: Sequence[str], basis: np.ndarray | None = None) -> None:
        atoms = tuple(atoms)
        if not atoms:
            raise ValueError("a representation needs at least one atom")
        for a in atoms:
            _atom_dim(group, a)  # validates
        dim = sum(_atom_dim(group, a) for a in atoms)
        if basis is not None:
            basis = np.array(basis, dtype=float)
            if basis.shape != (dim, dim):
                raise ValueError(f"change of basis must be ({dim}, {dim}), got {basis.shape}")
            if not np.allclose(basis @ basis.T, np.eye(dim), atol=1e-9):
                raise ValueError("change of basis must be orthogonal")
            basis.setflags(write=False)
        object.__setattr__(self, "group", group)
        object.__setattr__(self, "atoms", atoms)
        object.__setattr__(self, "basis", basis)
        object.__setattr__(self, "_hash", hash((group, atoms, None if basis is None else basis.tobytes())))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Representation is immutable")

    def __reduce__(self) -> tuple:
        return (Representation, (self.group, self.atoms, self.basis))

    def __copy__(self) -> Representation:
        return self

    def __deepcopy__(self, memo: dict) -> Representation:
        return self

    # -- value semantics ----------------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Representation):
            return NotImplemented
        if self.group != other.group or self.atoms != other.atoms:
            return False
        if self.basis is None or other.basis is None:
            return self.basis is None and other.basis is None
        return bool(np.array_equal(self.basis, other.basis))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        parts: list[str] = []
        i = 0
        while i < len(self.atoms):
            j = i
            while j < len(self.atoms) and self.atoms[j] == self.atoms[i]:
                j += 1
            parts.append(self.atoms[i] if j - i == 1 else f"{j - i}x[{self.atoms[i]}]")
            i = j
        text = f"{self.group}:{'+'.join(parts)}"
        return text + (" (with change of basis)" if self.basis is not None else "")

    def __repr__(self) -> str:
        return f"Representation({self})"

    # -- structure ----------------------------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return sum(_atom_dim(self.group, a) for a in self.atoms)

    @property
    def size(self) -> int:
        return self.dim

    def __call__(self, g: GroupElement) -> np.ndarray:
        """The ``(dim, dim)`` matrix of ``g``."""
        self.group.check(g)
        blocks = [_atom_matrix(self.group, a, g) for a in self.atoms]
        m = _block_diag(blocks)
        return m if self.basis is None else self.basis @ m @ self.basis.T

    def character(self, g: GroupElement) -> float:
        return float(np.trace(self(g)))

    def __add__(self, other: Representation) -> Representation:
        return direct_sum(self, other)

    def __rmul__(self, k: int) -> Representation:
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"multiplicity must be an integer >= 1, got {k!r}")
        return direct_sum(*([self] * k))

    @property
    def irreps(self) -> tuple[Hashable, ...]:
        """Irrep ids of the decomposition, in the order of :attr:`change_of_basis`'s columns."""
        return _decompose(self)[0]

    @property
    def change_of_basis(self) -> np.ndarray:
        """Orthogonal ``Q`` with ``rho(g) = Q (psi_1(g) + psi_2(g) + ...) Q^T``."""
        return _decompose(self)[1]

    def multiplicities(self) -> dict[Hashable, int]:
        out: dict[Hashable, int] = {}
        for i in self.irreps:
            out[i] = out.get(i, 0) + 1
        return out

    def is_trivial(self) -> bool:
        return all(i == _trivial_id(self.group) for i in self.irreps)

    def tensor(self, other: Representation) -> Representation:
        """The tensor product, decomposed into irreps (Clebsch-Gordan): ``rho(g) (x) sigma(g)``."""
        return tensor_product(self, other)

    def restrict(self, subgroup: Group) -> Representation:
        """The restriction to ``subgroup`` (a planar subgroup, e.g. D_N -> C_N, O(2) -> D_N), in its irreps."""
        return restrict(self, subgroup)

    # -- action on data -----------------------------------------------------------------------------------------
    def transform(self, x: Any, g: GroupElement, axis: int = -1) -> Any:
        """Apply ``rho(g)`` to the ``axis`` dimension of ``x`` (numpy array or torch tensor)."""
        m = self(g)
        if x.shape[axis] != self.dim:
            raise ValueError(f"{self} has dimension {self.dim}, input axis {axis} has size {x.shape[axis]}")
        if type(x).__module__.startswith("torch"):
            import torch

            mt = torch.as_tensor(m, dtype=x.dtype, device=x.device)
            return torch.movedim(torch.movedim(x, axis, -1) @ mt.T, -1, axis)
        return np.moveaxis(np.moveaxis(x, axis, -1) @ m.T, -1, axis)


# ------------------------------------------------------------------------------------------------- atoms
_ATOM = re.compile(r"^(irrep|quotient)\((.*)\)$")


def _trivial_id(group: Group) -> Hashable:
    ids = group.irreps(0) if not group.is_finite else group.irreps()
    return ids[0]


@functools.cache
def _parse_atom(group: Group, atom: str) -> tuple[str, Any]:
    if atom in ("regular", "standard", "trivial"):
        if atom == "regular" and not group.is_finite:
            raise ValueError(f"{group} is infinite: use band_limited_regular(group, L) instead of 'regular'")
        return atom, None
    m = _ATOM.match(atom)
    if m is None:
        raise ValueError(
            f"unknown atom {atom!r}; expected irrep(..), regular, quotient(..), standard or trivial"
        )
    kind, arg = m.groups()
    if kind == "irrep":
        try:
            raw = ast.literal_eval(arg)
        except (ValueError, SyntaxError):
            raise ValueError(f"cannot parse irrep id {arg!r}") from None
        return "irrep", group.check_irrep(raw)
    from ._parse import group_from_str

    sub = group_from_str(arg)
    if not group.is_finite and not (isinstance(group, O2) and isinstance(sub, SO2)):
        raise ValueError(f"quotient representations need a finite group (or O2/SO2), {group} is infinite")
    if not _is_subgroup(sub, group):
        raise ValueError(f"{sub} is not a subgroup of {group}")
    return "quotient", sub


def _is_subgroup(sub: Group, group: Group) -> bool:
    """Whether ``sub`` embeds into ``group`` (planar groups through O(2), spatial groups through O(3))."""
    check = getattr(sub, "is_subgroup_of", None)
    return check is not None and hasattr(sub, "inclusion") and bool(check(group))


@functools.cache
def _atom_dim(group: Group, atom: str) -> int:
    kind, arg = _parse_atom(group, atom)
    if kind == "irrep":
        return group.irrep_dim(arg)
    if kind == "regular":
        return group.order()
    if kind == "quotient":
        return 2 if not group.is_finite else group.order() // arg.order()
    if kind == "trivial":
        return 1
    return group.standard_matrix(group.identity).shape[0]


@functools.cache
def _element_index(group: Group) -> dict[GroupElement, int]:
    return {g: i for i, g in enumerate(group.elements())}


@functools.cache
def _cosets(group: Group, sub: Any) -> tuple[dict[GroupElement, int], tuple[GroupElement, ...]]:
    """Map each element to the index of its left coset ``g H``; also return one representative per coset."""
    h_elems = [sub.inclusion(group, h) for h in sub.elements()]
    which: dict[GroupElement, int] = {}
    reps: list[GroupElement] = []
    for g in group.elements():
        if g in which:
            continue
        for h in h_elems:
            which[g * h] = len(reps)
        reps.append(g)
    return which, tuple(reps)


def _atom_matrix(group: Group, atom: str, g: GroupElement) -> np.ndarray:
    kind, arg = _parse_atom(group, atom)
    if kind == "irrep":
        return group.irrep_matrix(arg, g)
    if kind == "trivial":
        return np.ones((1, 1))
    if kind == "standard":
        return group.standard_matrix(g)
    if kind == "regular":
        idx = _element_index(group)
        elems = group.elements()
        m = np.zeros((len(elems), len(elems)))
        for j, h in enumerate(elems):
            m[idx[g * h], j] = 1.0
        return m
    if not group.is_finite:  # O(2)/SO(2): the two cosets are told apart by the reflection bit
        return np.eye(2)[:, ::-1] if g.value[0] else np.eye(2)
    which, reps = _cosets(group, arg)
    m = np.zeros((len(reps), len(reps)))
    for j, r in enumerate(reps):
        m[which[g * r], j] = 1.0
    return m


def _block_diag(blocks: Sequence[np.ndarray]) -> np.ndarray:
    n = sum(b.shape[0] for b in blocks)
    out = np.zeros((n, n))
    i = 0
    for b in blocks:
        d = b.shape[0]
        out[i : i + d, i : i + d] = b
        i += d
    return out


# ------------------------------------------------------------------------------------------------- constructors
def irrep(group: Group, id: Hashable) -> Representation:
    """The irreducible representation ``id`` of ``group`` (see the group's docstring for ids)."""
    return Representation(group, (_fmt_irrep(group.check_irrep(id)),))


def regular(group: Group) -> Representation:
    """The regular representation of a finite group: ``rho(g) e_h = e_{gh}`` over ``group.elements()``."""
    return Representation(group, ("regular",))


def quotient(group: Group, subgroup: Group) -> Representation:
    """The permutation representation on the left cosets ``G / H`` (finite planar groups)."""
    return Representation(group, (f"quotient({subgroup})",))


def trivial(group: Group, n: int = 1) -> Representation:
    """``n`` copies of the trivial representation."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return Representation(group, ("trivial",) * n)


def standard(group: Group) -> Representation:
    """The defining action (R^2 for planar groups, R^3 for SO(3), R^n for S_n, B_n, O(n))."""
    return Representation(group, ("standard",))


def band_limited_regular(group: Group, max_frequency: int) -> Representation:
    """The regular representation of SO(2)/O(2) (or any group with irreps) truncated at ``max_frequency``:
    each irrep ``psi`` repeated ``dim(psi) / type(psi)`` times, as in its regular representation."""
    if max_frequency < 0:
        raise ValueError(f"max_frequency must be >= 0, got {max_frequency}")
    atoms: list[str] = []
    for i in group.irreps(max_frequency):
        atoms += [_fmt_irrep(i)] * (group.irrep_dim(i) // group.irrep_type(i))
    return Representation(group, atoms)


def direct_sum(*reps: Representation) -> Representation:
    """The direct sum (block diagonal) of representations of one group."""
    if not reps:
        raise ValueError("direct_sum needs at least one representation")
    group = reps[0].group
    for r in reps[1:]:
        if r.group != group:
            raise ValueError(f"cannot add a representation of {r.group} to one of {group}")
    atoms = tuple(a for r in reps for a in r.atoms)
    if all(r.basis is None for r in reps):
        return Representation(group, atoms)
    return Representation(
        group, atoms, _block_diag([np.eye(r.dim) if r.basis is None else r.basis for r in reps])
    )


def change_basis(rep: Representation, basis: np.ndarray) -> Representation:
    """``B rho(g) B^T`` for an orthogonal ``B``."""
    current = np.eye(rep.dim) if rep.basis is None else rep.basis
    return Representation(rep.group, rep.atoms, np.asarray(basis) @ current)


def from_irreps(
    group: Group, irreps: Sequence[Hashable], change_of_basis: np.ndarray | None = None
) -> Representation:
    """``Q (psi_1 + psi_2 + ...) Q^T``."""
    return Representation(group, [_fmt_irrep(group.check_irrep(i)) for i in irreps], change_of_basis)


# ------------------------------------------------------------------------------------------------- decomposition
MatrixFn = Callable[[GroupElement], np.ndarray]


def _probe_elements(group: Group) -> list[GroupElement]:
    gens = group.generators()
    return gens if group.is_finite else gens + group.sample(3, seed=7)


def _max_frequency(group: Group, fn: MatrixFn, dim: int) -> int | None:
    """Highest rotation frequency in ``fn`` for continuous planar groups (None for finite groups)."""
    if group.is_finite:
        return None
    if isinstance(group, PlanarGroup):
        circle = functools.partial(group.from_o2, 0)
    elif hasattr(group, "axis_rotation"):  # subgroups of O(3) with rotations about z: frequency = degree l
        circle = group.axis_rotation
    else:
        return 1
    # the character on rotations is a trigonometric polynomial: read its degree off an exact grid
    n = 8 * dim + 8
    chi = np.array([np.trace(fn(circle(2 * np.pi * i / n))) for i in range(n)])
    spec = np.abs(np.fft.rfft(chi)) > 1e-8
    return int(np.nonzero(spec)[0].max()) if spec.any() else 0


def intertwiners(group: Group, fn: MatrixFn, dim: int, psi: Hashable) -> np.ndarray:
    """Basis ``(k, dim, dim psi)`` of the maps ``A`` with ``fn(g) A = A psi(g)`` for all ``g`` (checked on
    generators, plus a fixed sample for continuous groups)."""
    d = group.irrep_dim(psi)
    rows = []
    for g in _probe_elements(group):
        r, p = fn(g), group.irrep_matrix(psi, g)
        # vec(R A - A P) = (I_d (x) R - P^T (x) I_n) vec(A), vec column-major
        rows.append(np.kron(np.eye(d), r) - np.kron(p.T, np.eye(dim)))
    mat = np.concatenate(rows, 0)
    _, s, vt = np.linalg.svd(mat)
    null = vt[int(np.sum(s > 1e-9 * max(1.0, s[0]))) :]
    return np.stack([v.reshape(d, dim).T for v in null]) if len(null) else np.zeros((0, dim, d))


def _split(group: Group, fn: MatrixFn, dim: int) -> tuple[tuple[Hashable, ...], np.ndarray]:
    """Decompose the orthogonal representation ``fn`` into irreps: ids and orthogonal ``Q`` (columns = copies)."""
    bound = _max_frequency(group, fn, dim)
    columns: list[np.ndarray] = []
    ids: list[Hashable] = []
    projector = np.zeros((dim, dim))
    for psi in group.irreps(bound):
        for a in intertwiners(group, fn, dim, psi):
            a = a - projector @ a  # stays an intertwiner: the projector commutes with an orthogonal rep
            c = np.trace(a.T @ a) / a.shape[1]
            if c < 1e-8:
                continue
            a = a / np.sqrt(c)  # a^T a = c I by Schur
            columns.append(a)
            ids.append(psi)
            projector = projector + a @ a.T
    q = np.concatenate(columns, 1) if columns else np.zeros((dim, 0))
    if q.shape[1] != dim:
        raise ValueError(
            f"could not decompose a {dim}-dim representation of {group}: irreps found span {q.shape[1]}"
        )
    q.setflags(write=False)
    return tuple(ids), q


def decompose(group: Group, fn: MatrixFn, dim: int) -> Representation:
    """The orthogonal representation ``g -> fn(g)`` (``dim x dim`` matrices) as a :class:`Representation`
    decomposed into irreps: ``fn(g) = Q (psi_1(g) + psi_2(g) + ...) Q^T``.

    Use it for representations known only as matrices (permutations of filter offsets, signed permutations, ...).

    Examples:
        >>> import numpy as np
        >>> from equi_groups import CyclicGroup
        >>> C4 = CyclicGroup(4)
        >>> cyc = lambda g: np.roll(np.eye(4), g.value, axis=0)  # C4 permuting 4 points
        >>> rho = decompose(C4, cyc, 4)
        >>> g = C4.elements()[1]
        >>> bool(np.allclose(rho(g), cyc(g))), sorted(map(str, rho.irreps))
        (True, ['0', '1', '2'])
    """
    ids, q = _split(group, fn, dim)
    return from_irreps(group, ids, q)


@functools.cache
def _decompose(rep: Representation) -> tuple[tuple[Hashable, ...], np.ndarray]:
    kinds = [_parse_atom(rep.group, a) for a in rep.atoms]
    if all(k == "irrep" for k, _ in kinds):
        q = np.eye(rep.dim) if rep.basis is None else np.array(rep.basis)
        q.setflags(write=False)
        return tuple(arg for _, arg in kinds), q
    return _split(rep.group, rep, rep.dim)


@functools.cache
def tensor_product(a: Representation, b: Representation) -> Representation:
    """``a (x) b`` (Kronecker product) decomposed into irreps (Clebsch-Gordan): irreps atoms and a basis."""
    if a.group != b.group:
        raise ValueError(f"cannot tensor a representation of {a.group} with one of {b.group}")
    if hasattr(a.group, "irrep_tensor"):
        ids, q = _tensor_by_clebsch_gordan(a, b)
    else:
        ids, q = _split(a.group, lambda g: np.kron(a(g), b(g)), a.dim * b.dim)
    return from_irreps(a.group, ids, q)


def _tensor_by_clebsch_gordan(a: Representation, b: Representation) -> tuple[tuple[Hashable, ...], np.ndarray]:
    """``a (x) b`` from the group's exact irrep Clebsch-Gordan decompositions (``group.irrep_tensor``).

    With ``a = Qa (+psi_i) Qa^T`` and ``b = Qb (+phi_j) Qb^T``: ``a (x) b = (Qa (x) Qb) P (+_(i,j) psi_i (x) phi_j)
    P^T (Qa (x) Qb)^T`` with ``P`` the permutation that gathers each block pair, and each ``psi_i (x) phi_j``
    decomposed by the group's coefficients.
    """
    group = a.group
    ids_a, ids_b = a.irreps, b.irreps
    dims_a = [group.irrep_dim(i) for i in ids_a]
    dims_b = [group.irrep_dim(j) for j in ids_b]
    off_a = np.concatenate([[0], np.cumsum(dims_a)]).astype(int)
    off_b = np.concatenate([[0], np.cumsum(dims_b)]).astype(int)
    n = a.dim * b.dim
    ids: list[Hashable] = []
    cols: list[np.ndarray] = []
    for ia, i in enumerate(ids_a):
        for jb, j in enumerate(ids_b):
            sub_ids, cg = group.irrep_tensor(i, j)
            rows = ((off_a[ia] + np.arange(dims_a[ia]))[:, None] * b.dim + off_b[jb] + np.arange(dims_b[jb])).ravel()
            block = np.zeros((n, cg.shape[1]))
            block[rows] = cg
            cols.append(block)
            ids += list(sub_ids)
    q = np.kron(a.change_of_basis, b.change_of_basis) @ np.concatenate(cols, 1)
    q.setflags(write=False)
    return tuple(ids), q


@functools.cache
def restrict(rep: Representation, subgroup: Group) -> Representation:
    """Restriction of ``rep`` to ``subgroup`` (planar groups via O(2), subgroups of O(3) via their O(3) images),
    decomposed into the subgroup's irreps."""
    group = rep.group
    if not _is_subgroup(subgroup, group):
        raise ValueError(f"{subgroup} is not a subgroup of {group}")
    ids, q = _split(subgroup, lambda h: rep(subgroup.inclusion(group, h)), rep.dim)
    return from_irreps(subgroup, ids, q)
