"""Fourier (irreps) decomposition of equivariant linear maps: per-irrep blocks, multiplicities, ``d_psi``.

Normalisation (used everywhere in this package). Let ``rho_in = Q_in (+_i psi_i) Q_in^T`` and
``rho_out = Q_out (+_j psi_j) Q_out^T`` with orthogonal ``Q`` (equi-groups' ``change_of_basis``; every copy of an
irrep uses the same matrices ``psi(g)``). For an intertwiner ``W`` (``rho_out(g) W = W rho_in(g)``), Schur's lemma
makes the ``(d_psi x d_psi)`` block of ``Q_out^T W Q_in`` between copy ``j`` of ``psi`` (out) and copy ``i`` of
``psi`` (in) an element of the endomorphism algebra of ``psi``: ``sum_k c_jik E_k`` with ``E_0 = I`` and ``E_k``
orthogonal, ``E_k^T E_k = I``, ``<E_k, E_l>_F = d_psi delta_kl``; ``t_psi = 1, 2, 4`` of them for real, complex and
quaternionic type. The Fourier block is the ``(m_out, m_in)`` matrix ``W_hat(psi)`` over R, C or H with those
coordinates (``c_0 + i c_1`` for complex type, ``c_0 + c_1 i + c_2 j + c_3 k`` for quaternionic type). No ``|G|`` or
``sqrt(d_psi)`` factors. Then, exactly,

    ||W||_2 = max_psi ||W_hat(psi)||_2        ||W||_F^2 = sum_psi d_psi ||W_hat(psi)||_F^2,

because the isotypic block is the realification of ``W_hat(psi)`` repeated ``d_psi / t_psi`` times: each singular
value of ``W_hat(psi)`` appears ``d_psi`` times among those of ``W``.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
from equi_groups import Group, Representation, from_irreps, intertwiners

__all__ = [
    "FourierBlock",
    "LayerDecomposition",
    "decompose_in_irrep_basis",
    "decomposed_sum",
    "endomorphism_basis",
    "fourier_decompose",
]


def decomposed_sum(reps: Sequence[Representation]) -> Representation:
    """The direct sum of ``reps`` given directly in irreps (``Q`` block diagonal from each field's change of basis).

    Equal as matrices to ``direct_sum(*reps)``, but its decomposition costs one decomposition per distinct field
    instead of one of the whole sum.

    Examples:
        >>> from equi_groups import CyclicGroup, regular, direct_sum
        >>> C4 = CyclicGroup(4)
        >>> rho = decomposed_sum([regular(C4)] * 3)
        >>> g = C4.element(1)
        >>> bool(np.allclose(rho(g), direct_sum(*[regular(C4)] * 3)(g)))
        True
    """
    reps = list(reps)
    if not reps:
        raise ValueError("decomposed_sum needs at least one representation")
    ids = [i for r in reps for i in r.irreps]
    n = sum(r.dim for r in reps)
    q = np.zeros((n, n))
    pos = 0
    for r in reps:
        q[pos : pos + r.dim, pos : pos + r.dim] = r.change_of_basis
        pos += r.dim
    return from_irreps(reps[0].group, ids, q)


@functools.cache
def endomorphism_basis(group: Group, psi: Hashable) -> np.ndarray:
    """Orthonormal basis ``(t, d, d)`` of the endomorphisms of the real irrep ``psi`` of ``group``.

    ``E_0 = I``; for complex type ``E_1`` is a complex structure (``E_1^2 = -I``); for quaternionic type
    ``E_1, E_2, E_3 = E_1 E_2`` are the quaternion units. Each ``E_k`` is orthogonal, so ``||E_k||_F^2 = d``.

    Examples:
        >>> from equi_groups import CyclicGroup, DihedralGroup
        >>> endomorphism_basis(CyclicGroup(4), 1).shape, endomorphism_basis(DihedralGroup(4), (1, 1)).shape
        ((2, 2, 2), (1, 2, 2))
    """
    d = group.irrep_dim(psi)
    raw = intertwiners(group, lambda g: group.irrep_matrix(psi, g), d, psi)
    t = raw.shape[0]
    if t not in (1, 2, 4):
        raise ValueError(f"irrep {psi!r} of {group} has a {t}-dimensional endomorphism algebra; expected 1, 2 or 4")
    basis = [np.eye(d)]
    for a in raw:  # Gram-Schmidt (Frobenius) against what we have
        for e in basis:
            a = a - np.sum(a * e) / d * e
        n = np.sqrt(np.sum(a * a) / d)
        if n > 1e-8 and len(basis) < (3 if t == 4 else t):
            basis.append(a / n)
    if t == 4:
        basis.append(basis[1] @ basis[2])
    out = np.stack(basis)
    if out.shape[0] != t:
        raise ValueError(f"could not build an orthonormal endomorphism basis of {psi!r} of {group}")
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class FourierBlock:
    """The Fourier block ``W_hat(psi)`` of an equivariant linear map.

    Behboodi, Cesa, Cohen (NeurIPS 2022) analyse each layer through these blocks. ``W`` restricted to the
    ``psi``-isotypic parts is the realification of ``W_hat(psi)`` (an ``m_out x m_in`` matrix over R, C or H)
    repeated ``d_psi / t_psi`` times, so ``||W||_2 = max_psi ||W_hat(psi)||_2`` and
    ``||W||_F^2 = sum_psi d_psi ||W_hat(psi)||_F^2`` (normalisation: see the module docstring).

    Args:
        irrep: the irrep id ``psi``.
        dim: ``d_psi``, the real dimension of the irrep.
        type: ``t_psi`` = 1 (real), 2 (complex) or 4 (quaternionic): dimension of its endomorphism algebra.
        m_out, m_in: multiplicities of ``psi`` in the output and input representations.
        coefficients: ``(m_out, m_in, t)`` real coordinates in the orthonormal endomorphism basis.

    Shapes:
        ``matrix()``: ``(m_out, m_in)`` real (type 1) or complex (type 2); ``(2 m_out, 2 m_in)`` complex for
        type 4 (the standard complex form of a quaternion matrix, whose singular values come in equal pairs).

    Examples:
        >>> import numpy as np
        >>> b = FourierBlock(1, 2, 2, 1, 1, np.array([[[3.0, 4.0]]]))
        >>> b.matrix(), b.spectral_norm(), b.frobenius_sq()
        (array([[3.+4.j]]), 5.0, 25.0)
    """

    irrep: Hashable
    dim: int
    type: int
    m_out: int
    m_in: int
    coefficients: np.ndarray = field(repr=False)

    def matrix(self) -> np.ndarray:
        c = self.coefficients
        if self.type == 1:
            return c[..., 0]
        if self.type == 2:
            return c[..., 0] + 1j * c[..., 1]
        z = c[..., 0] + 1j * c[..., 1]
        w = c[..., 2] + 1j * c[..., 3]
        return np.block([[z, w], [-w.conj(), z.conj()]])

    def spectral_norm(self) -> float:
        """``||W_hat(psi)||_2`` (0 for an empty block)."""
        if self.m_out == 0 or self.m_in == 0:
            return 0.0
        return float(np.linalg.norm(self.matrix(), 2))

    def frobenius_sq(self) -> float:
        """``||W_hat(psi)||_F^2``: the sum of the squared real coordinates."""
        return float(np.sum(self.coefficients**2))

    @property
    def tail_variance(self) -> int:
        """``t_psi max(m_out, m_in)``: the variance factor of a Gaussian block in the spectral tail bound."""
        return self.type * max(self.m_out, self.m_in)

    @property
    def tail_dimension(self) -> int:
        """``t_psi (m_out + m_in)``: the dimension factor of a Gaussian block in the spectral tail bound."""
        return self.type * (self.m_out + self.m_in)


@dataclass(frozen=True)
class LayerDecomposition:
    """All Fourier blocks of one equivariant linear map ``W: rho_in -> rho_out`` (Behboodi, Cesa, Cohen 2022).

    Schur's lemma: ``Q_out^T W Q_in`` is block diagonal over irreps, each block an element of ``End(psi)``
    tensored with the ``m_out x m_in`` matrix ``W_hat(psi)``; the methods return the quantities the bounds use.

    Args:
        group: the symmetry group.
        blocks: one :class:`FourierBlock` per irrep present in both ``rho_in`` and ``rho_out``.
        shape: ``(dim rho_out, dim rho_in)``.
        residual: ``||W - sum of the Schur parts||_F / ||W||_F``: 0 up to round-off for an intertwiner.

    Examples:
        >>> import numpy as np
        >>> from equi_groups import CyclicGroup, regular
        >>> C4 = CyclicGroup(4)
        >>> rho = regular(C4)
        >>> W = sum(rho(g) for g in C4.elements()[:2])  # any combination of rho(g) commutes with rho
        >>> dec = fourier_decompose(W, rho, rho)
        >>> [(b.irrep, b.dim, b.m_in) for b in dec.blocks]
        [(0, 1, 1), (1, 2, 1), (2, 1, 1)]
        >>> bool(abs(dec.spectral_norm() - np.linalg.norm(W, 2)) < 1e-12)
        True
    """

    group: Group
    blocks: tuple[FourierBlock, ...]
    shape: tuple[int, int]
    residual: float

    def spectral_norm(self) -> float:
        """``max_psi ||W_hat(psi)||_2 = ||W||_2``."""
        return max((b.spectral_norm() for b in self.blocks), default=0.0)

    def frobenius_sq(self) -> float:
        """``sum_psi d_psi ||W_hat(psi)||_F^2 = ||W||_F^2``."""
        return sum(b.dim * b.frobenius_sq() for b in self.blocks)

    def fourier_sq(self) -> float:
        """``sum_psi ||W_hat(psi)||_F^2``: the squared norm of the map's Fourier coordinates."""
        return sum(b.frobenius_sq() for b in self.blocks)

    def tail_variance(self) -> int:
        """``max_psi t_psi max(m_out, m_in)`` over the blocks (the effective width of the layer)."""
        return max((b.tail_variance for b in self.blocks), default=0)

    def tail_dimension(self) -> int:
        """``sum_psi t_psi (m_out + m_in)`` over the blocks."""
        return sum(b.tail_dimension for b in self.blocks)

    def num_parameters(self) -> int:
        """The dimension of the space of intertwiners ``rho_in -> rho_out``: ``sum_psi t_psi m_out m_in``."""
        return sum(b.type * b.m_out * b.m_in for b in self.blocks)

    def reconstruct(self, q_out: np.ndarray, q_in: np.ndarray, ids_out: tuple, ids_in: tuple) -> np.ndarray:
        """``W`` rebuilt from its blocks (for tests): ``Q_out (sum of block parts) Q_in^T``."""
        return q_out @ _assemble(self, ids_out, ids_in) @ q_in.T


def _offsets(group: Group, ids: tuple) -> list[int]:
    out, pos = [], 0
    for psi in ids:
        out.append(pos)
        pos += group.irrep_dim(psi)
    return out


def _assemble(dec: LayerDecomposition, ids_out: tuple, ids_in: tuple) -> np.ndarray:
    g = dec.group
    out = np.zeros(dec.shape)
    off_o, off_i = _offsets(g, ids_out), _offsets(g, ids_in)
    for b in dec.blocks:
        e = endomorphism_basis(g, b.irrep)
        d = b.dim
        rows = np.array([off_o[j] for j, p in enumerate(ids_out) if p == b.irrep])
        cols = np.array([off_i[i] for i, p in enumerate(ids_in) if p == b.irrep])
        ri = (rows[:, None] + np.arange(d)[None, :]).reshape(-1)
        ci = (cols[:, None] + np.arange(d)[None, :]).reshape(-1)
        sub = np.einsum("jik,kab->jaib", b.coefficients, e).reshape(len(ri), len(ci))
        out[np.ix_(ri, ci)] = sub
    return out


def fourier_decompose(
    W: np.ndarray, rho_in: Representation, rho_out: Representation, atol: float | None = None
) -> LayerDecomposition:
    """The Fourier blocks of an equivariant linear map ``W: rho_in -> rho_out`` (float64).

    Args:
        W: ``(rho_out.dim, rho_in.dim)`` matrix with ``rho_out(g) W = W rho_in(g)``.
        rho_in, rho_out: equi-groups representations of one finite or compact group.
        atol: if given, raise ``ValueError`` when the relative Schur residual exceeds it (``W`` not equivariant).

    Returns:
        A :class:`LayerDecomposition` (blocks ordered as the group's irreps).
    """
    W = np.asarray(W, dtype=np.float64)
    if rho_in.group != rho_out.group:
        raise ValueError(f"rho_in is a representation of {rho_in.group}, rho_out of {rho_out.group}")
    if W.shape != (rho_out.dim, rho_in.dim):
        raise ValueError(f"W has shape {W.shape}, expected (rho_out.dim, rho_in.dim) = {(rho_out.dim, rho_in.dim)}")
    Wp = np.asarray(rho_out.change_of_basis).T @ W @ np.asarray(rho_in.change_of_basis)
    ids_out, ids_in = tuple(rho_out.irreps), tuple(rho_in.irreps)
    dec = decompose_in_irrep_basis(Wp, rho_in.group, ids_out, ids_in, float(np.linalg.norm(W)))
    if atol is not None and dec.residual > atol:
        raise ValueError(
            f"W is not an intertwiner {rho_in} -> {rho_out}: relative Schur residual {dec.residual:.2e} > {atol:.0e}"
        )
    return dec


def decompose_in_irrep_basis(
    Wp: np.ndarray, group: Group, ids_out: tuple, ids_in: tuple, norm: float | None = None
) -> LayerDecomposition:
    """The Fourier blocks of ``Wp``, a map already written in irrep bases (``ids_out`` rows, ``ids_in`` columns,
    each copy a consecutive block of ``d_psi`` coordinates). ``norm``: ``||W||_F`` for the relative residual."""
    off_o, off_i = _offsets(group, ids_out), _offsets(group, ids_in)
    blocks = []
    order = [p for p in dict.fromkeys(ids_out) if p in set(ids_in)]
    for psi in order:
        d = group.irrep_dim(psi)
        e = endomorphism_basis(group, psi)
        rows = np.array([off_o[j] for j, p in enumerate(ids_out) if p == psi])
        cols = np.array([off_i[i] for i, p in enumerate(ids_in) if p == psi])
        # (m_out, d, m_in, d) sub-blocks gathered at once, then projected on the endomorphism basis
        ri = (rows[:, None] + np.arange(d)[None, :]).reshape(-1)
        ci = (cols[:, None] + np.arange(d)[None, :]).reshape(-1)
        sub = Wp[np.ix_(ri, ci)].reshape(len(rows), d, len(cols), d)
        coef = np.einsum("kab,jaib->jik", e, sub) / d
        blocks.append(FourierBlock(psi, d, e.shape[0], len(rows), len(cols), coef))
    dec = LayerDecomposition(group, tuple(blocks), Wp.shape, 0.0)
    norm = float(np.linalg.norm(Wp)) if norm is None else norm
    resid = float(np.linalg.norm(Wp - _assemble(dec, ids_out, ids_in))) / norm if norm > 0 else 0.0
    return LayerDecomposition(group, dec.blocks, Wp.shape, resid)
