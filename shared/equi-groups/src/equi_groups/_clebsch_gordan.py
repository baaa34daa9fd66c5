"""Clebsch-Gordan coefficients of SO(3) in the real spherical-harmonic basis.

The complex coefficients ``<l1 m1 l2 m2 | l m>`` come from Racah's formula in exact rational arithmetic (one square
root at the end). With ``U_l`` the unitary map from complex (Condon-Shortley) to the real harmonics of
:mod:`equi_groups._harmonics` (``Y^real_l = U_l Y^complex_l``), the real coupling is
``C[a, b, c] = sum U_l[c, m] <l1 m1 l2 m2 | l m> conj(U_l1)[a, m1] conj(U_l2)[b, m2]``, real up to a global
factor ``i^k`` which is removed, with the sign fixed so that the first non-zero entry (C order) is positive.
It satisfies ``(D_l1(R) (x) D_l2(R)) C_l = C_l D_l(R)`` with ``C_l = C.reshape(d1 d2, d)`` having orthonormal
columns.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

from ._harmonics import check_degree


def _fact(n: int) -> int:
    return math.factorial(n)


def _complex_cg(l1: int, m1: int, l2: int, m2: int, l: int, m: int) -> float:
    if m1 + m2 != m or not abs(l1 - l2) <= l <= l1 + l2 or abs(m) > l:
        return 0.0
    pre = Fraction(
        (2 * l + 1) * _fact(l + l1 - l2) * _fact(l - l1 + l2) * _fact(l1 + l2 - l), _fact(l1 + l2 + l + 1)
    )
    pre *= _fact(l + m) * _fact(l - m) * _fact(l1 - m1) * _fact(l1 + m1) * _fact(l2 - m2) * _fact(l2 + m2)
    total = Fraction(0)
    for k in range(0, l1 + l2 + 1):
        dens = (k, l1 + l2 - l - k, l1 - m1 - k, l2 + m2 - k, l - l2 + m1 + k, l - l1 - m2 + k)
        if min(dens) < 0:
            continue
        total += Fraction((-1) ** k, math.prod(_fact(d) for d in dens))
    value = pre * total * total
    return math.copysign(math.sqrt(value), total) if total else 0.0


@functools.cache
def real_from_complex(l: int) -> np.ndarray:
    """Unitary ``U_l (2l+1, 2l+1)`` with ``Y^real_l = U_l Y^complex_l`` (rows real ``m``, columns complex ``m``)."""
    u = np.zeros((2 * l + 1, 2 * l + 1), dtype=complex)
    s = 1 / math.sqrt(2)
    u[l, l] = 1.0
    for m in range(1, l + 1):
        u[l + m, l + m] = s * (-1) ** m
        u[l + m, l - m] = s
        u[l - m, l + m] = -1j * s * (-1) ** m
        u[l - m, l - m] = 1j * s
    return u


@functools.cache
def clebsch_gordan(l1: int, l2: int, l: int) -> np.ndarray:
    """Real Clebsch-Gordan tensor ``C (2l1+1, 2l2+1, 2l+1)``: ``C.reshape(-1, 2l+1)`` has orthonormal columns and
    intertwines ``D_l1 (x) D_l2`` with ``D_l`` (zero-free only for ``|l1 - l2| <= l <= l1 + l2``).

    Examples:
        >>> c = clebsch_gordan(1, 1, 0)  # the invariant of two vectors: their dot product / sqrt(3)
        >>> np.round(c[..., 0] * np.sqrt(3), 12).tolist()
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    l1, l2, l = check_degree(l1, "l1"), check_degree(l2, "l2"), check_degree(l)
    if not abs(l1 - l2) <= l <= l1 + l2:
        raise ValueError(f"l={l} is not in the product of l1={l1} and l2={l2} (|l1 - l2| <= l <= l1 + l2)")
    cg = np.zeros((2 * l1 + 1, 2 * l2 + 1, 2 * l + 1))
    for m1 in range(-l1, l1 + 1):
        for m2 in range(-l2, l2 + 1):
            if abs(m1 + m2) <= l:
                cg[l1 + m1, l2 + m2, l + m1 + m2] = _complex_cg(l1, m1, l2, m2, l, m1 + m2)
    u, u1, u2 = real_from_complex(l), real_from_complex(l1), real_from_complex(l2)
    c = np.einsum("cm,ijm,ai,bj->abc", u, cg, u1.conj(), u2.conj())
    re, im = np.abs(c.real).max(), np.abs(c.imag).max()
    out = np.ascontiguousarray(c.real if re >= im else c.imag)
    first = out.ravel()[np.flatnonzero(np.abs(out.ravel()) > 1e-12)[0]]
    out = (out if first > 0 else -out) + 0.0  # sign convention: the first non-zero entry (C order) is positive
    out.setflags(write=False)
    return out


@functools.cache
def cg_decomposition(l1: int, l2: int) -> tuple[tuple[int, ...], np.ndarray]:
    """``D_l1 (x) D_l2 = Q (D_|l1-l2| + ... + D_(l1+l2)) Q^T`` with ``Q`` orthogonal: ``(ids, Q)``."""
    ids = tuple(range(abs(l1 - l2), l1 + l2 + 1))
    q = np.concatenate([clebsch_gordan(l1, l2, l).reshape((2 * l1 + 1) * (2 * l2 + 1), 2 * l + 1) for l in ids], 1)
    q.setflags(write=False)
    return ids, q
