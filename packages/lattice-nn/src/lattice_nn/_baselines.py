"""Baselines: fpylll LLL and BKZ (integer scaling, transform applied back), pairwise size reduction,
identity."""

from __future__ import annotations

import numpy as np
from fpylll import BKZ, LLL, IntegerMatrix

from ._validate import check_basis

#: real bases are scaled so their largest entry is about 2**SCALE_BITS before rounding to integers
SCALE_BITS = 20


def to_integer_matrix(basis: np.ndarray, bits: int = SCALE_BITS) -> IntegerMatrix:
    """Round ``basis * 2**bits / max|basis|`` to an fpylll ``IntegerMatrix`` (rows are basis vectors); a basis
    with integer entries below ``2**53`` is taken exactly instead (scaling would destroy a knapsack lattice)."""
    b = np.asarray(basis, dtype=float)
    if np.all(b == np.round(b)) and np.abs(b).max() < 2.0**53:  # an integer basis is used as it is (exact)
        return IntegerMatrix.from_matrix([[int(v) for v in row] for row in b.tolist()])
    scaled = np.round(b * (2.0**bits / np.abs(b).max())).astype(np.int64)
    return IntegerMatrix.from_matrix(scaled.tolist())


def _fpylll_transform(
    basis: np.ndarray, method: str, block_size: int = 10, delta: float = 0.99
) -> np.ndarray:
    check_basis(basis)
    b = np.asarray(basis, dtype=float)
    n = b.shape[0]
    a = to_integer_matrix(b)
    u = IntegerMatrix.identity(n)
    if method == "lll":
        LLL.reduction(a, u, delta=delta)
    else:  # BKZ runs LLL itself; an LLL call with the same U first leaves U untouched by BKZ (fpylll 0.6.4)
        BKZ.reduction(a, BKZ.Param(block_size=min(block_size, n), delta=delta), U=u)
    out = np.zeros((n, n), dtype=np.int64)
    u.to_matrix(out)
    return out


def lll_transform(basis: np.ndarray, delta: float = 0.99) -> np.ndarray:
    """Unimodular ``U`` (int64, ``(n, n)``) from fpylll's LLL on the integer-scaled basis; ``U @ basis`` is
    LLL-reduced up to the scaling round-off."""
    return _fpylll_transform(basis, "lll", delta=delta)


def bkz_transform(basis: np.ndarray, block_size: int = 10, delta: float = 0.99) -> np.ndarray:
    """Unimodular ``U`` from fpylll's BKZ with the given block size on the integer-scaled basis."""
    return _fpylll_transform(basis, "bkz", block_size=block_size, delta=delta)


def pairwise_reduction_transform(basis: np.ndarray, max_sweeps: int = 100) -> np.ndarray:
    """Greedy pairwise (Lagrange/size) reduction: repeat ``b_j <- b_j - round(<b_j, b_i> / <b_i, b_i>) b_i``
    over all pairs, shortest pivots first, until no move shortens a vector. Exact integer ``U`` (int64).

    In dimension 2 this is Lagrange-Gauss reduction.
    """
    check_basis(basis)
    b = np.asarray(basis, dtype=float)
    n = b.shape[0]
    u = np.eye(n, dtype=np.int64)
    g = b @ b.T
    for _ in range(max_sweeps):
        changed = False
        for i in np.argsort(np.diag(g), kind="stable"):
            for j in range(n):
                if j == i:
                    continue
                m = -np.round(g[j, i] / g[i, i])
                if m != 0 and 2 * m * g[j, i] + m * m * g[i, i] < -1e-12 * g[j, j]:
                    u[j] += int(m) * u[i]
                    changed = True
                    bf = u.astype(float) @ b
                    g = bf @ bf.T
        if not changed:
            break
    return u


def identity_transform(basis: np.ndarray) -> np.ndarray:
    """The identity: the input basis as its own reduction."""
    check_basis(basis)
    return np.eye(np.asarray(basis).shape[0], dtype=np.int64)


#: baseline name -> transform function
BASELINES = {
    "input": identity_transform,
    "lll": lll_transform,
    "bkz": bkz_transform,
    "sizered": pairwise_reduction_transform,
}
