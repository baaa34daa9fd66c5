"""Exact integer checks for unimodular matrices."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import torch


def _as_int_rows(u: np.ndarray | torch.Tensor) -> list[list[int]]:
    arr = u.detach().cpu().numpy() if isinstance(u, torch.Tensor) else np.asarray(u)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"expected a square integer matrix, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise ValueError("expected integer entries, got non-integer floats")
    return [[int(v) for v in row] for row in arr.tolist()]


def integer_det(u: np.ndarray | torch.Tensor) -> int:
    """Exact determinant of a square integer matrix (fraction-free Bareiss elimination, Python integers).

    Examples:
        >>> integer_det(np.array([[2, 1], [7, 4]]))
        1
    """
    a = _as_int_rows(u)
    n, sign, prev = len(a), 1, 1
    for k in range(n - 1):
        if a[k][k] == 0:
            swap = next((r for r in range(k + 1, n) if a[r][k] != 0), None)
            if swap is None:
                return 0
            a[k], a[swap] = a[swap], a[k]
            sign = -sign
        for i in range(k + 1, n):
            for j in range(k + 1, n):
                a[i][j] = (a[i][j] * a[k][k] - a[i][k] * a[k][j]) // prev
        prev = a[k][k]
    return sign * a[n - 1][n - 1]


def integer_inverse(u: np.ndarray | torch.Tensor) -> np.ndarray:
    """Exact inverse of an integer matrix as an ``object`` array of ``Fraction`` (Gauss-Jordan over Q)."""
    a = [[Fraction(v) for v in row] for row in _as_int_rows(u)]
    n = len(a)
    inv = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    for c in range(n):
        p = next((r for r in range(c, n) if a[r][c] != 0), None)
        if p is None:
            raise ValueError("matrix is singular; it has no inverse")
        a[c], a[p], inv[c], inv[p] = a[p], a[c], inv[p], inv[c]
        piv = a[c][c]
        a[c] = [v / piv for v in a[c]]
        inv[c] = [v / piv for v in inv[c]]
        for r in range(n):
            if r != c and a[r][c] != 0:
                f = a[r][c]
                a[r] = [x - f * y for x, y in zip(a[r], a[c], strict=True)]
                inv[r] = [x - f * y for x, y in zip(inv[r], inv[c], strict=True)]
    return np.array(inv, dtype=object)


def is_unimodular(u: np.ndarray | torch.Tensor) -> bool:
    """True when ``u`` has integer entries and ``|det u| = 1`` exactly."""
    try:
        return abs(integer_det(u)) == 1
    except ValueError:
        return False
