"""Seeded generators of lattice bases (rows are basis vectors): Gaussian, q-ary and MIMO-channel-like."""

from __future__ import annotations

import numpy as np

from ._config import KINDS


def gaussian_bases(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Bases with i.i.d. standard normal entries. Shape ``(count, n, n)``."""
    return rng.standard_normal((count, n, n))


def qary_bases(n: int, count: int, rng: np.random.Generator, q: int = 257) -> np.ndarray:
    """Bases of q-ary lattices ``{x in Z^n : x = A^T s mod q}`` in Hermite form, scaled by ``1 / q``.

    With ``k = n // 2`` and ``A`` uniform in ``{0..q-1}^{k x (n-k)}`` the rows are ``[I_k | A]`` and
    ``[0 | q I_{n-k}]`` (determinant ``q^{n-k}``); a random row order and random signs hide the triangular
    form. Shape ``(count, n, n)``.
    """
    k = n // 2
    out = np.zeros((count, n, n))
    for c in range(count):
        a = rng.integers(0, q, size=(k, n - k))
        b = np.zeros((n, n))
        b[:k, :k] = np.eye(k)
        b[:k, k:] = a
        b[k:, k:] = q * np.eye(n - k)
        perm = rng.permutation(n)
        signs = rng.choice([-1.0, 1.0], size=n)
        out[c] = signs[:, None] * b[perm] / q
    return out


def mimo_bases(n: int, count: int, rng: np.random.Generator, rho: tuple[float, float] = (0.5, 0.95)) -> np.ndarray:
    """Correlated MIMO-channel-like bases ``H = R^{1/2} W R^{1/2}`` (Kronecker model), rows = columns of H.

    ``W`` has i.i.d. standard normal entries and ``R_ij = rho^{|i - j|}`` (exponential correlation) with
    ``rho`` uniform in ``rho`` per basis: strongly correlated columns make the basis far from orthogonal.
    Shape ``(count, n, n)``.
    """
    idx = np.arange(n)
    out = np.zeros((count, n, n))
    for c in range(count):
        r = rng.uniform(*rho) ** np.abs(idx[:, None] - idx[None, :])
        w, v = np.linalg.eigh(r)
        root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
        h = root @ rng.standard_normal((n, n)) @ root
        out[c] = h.T
    return out


def generate(kind: str, n: int, count: int, seed: int) -> np.ndarray:
    """``count`` bases of one family in dimension ``n``, deterministic in ``seed``. Shape ``(count, n, n)``.

    Examples:
        >>> generate("qary", 4, 2, seed=0).shape
        (2, 4, 4)
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if n < 2:
        raise ValueError(f"dimension n must be >= 2, got {n}")
    rng = np.random.default_rng([seed, n, KINDS.index(kind)])
    if kind == "gaussian":
        return gaussian_bases(n, count, rng)
    if kind == "qary":
        return qary_bases(n, count, rng)
    return mimo_bases(n, count, rng)
