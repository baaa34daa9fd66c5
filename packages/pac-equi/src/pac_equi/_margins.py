"""Margins, the margin loss, and Kendall's tau (how well a bound ranks models by their generalisation gap)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["kendall_tau", "margin_loss", "margins"]


def margins(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Multi-class margins ``f(x)[y] - max_{j != y} f(x)[j]`` (negative for a misclassified point).

    Shapes:
        ``logits: (N, K)``, ``labels: (N,)`` -> ``(N,)``.

    Examples:
        >>> margins(np.array([[2.0, 0.5, 1.0], [0.0, 3.0, 1.0]]), np.array([0, 2]))
        array([ 1., -2.])
    """
    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    if logits.ndim != 2 or labels.shape != (logits.shape[0],):
        raise ValueError(f"logits must be (N, K) and labels (N,), got {logits.shape} and {labels.shape}")
    if logits.shape[1] < 2:
        raise ValueError(f"margins need at least 2 classes, got {logits.shape[1]}")
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(f"labels must lie in [0, {logits.shape[1] - 1}], got [{labels.min()}, {labels.max()}]")
    idx = np.arange(len(labels))
    true = logits[idx, labels]
    other = logits.copy()
    other[idx, labels] = -np.inf
    return true - other.max(axis=1)


def margin_loss(m: np.ndarray, gamma: float) -> float:
    """``L_gamma``: the fraction of margins ``<= gamma`` (``gamma = 0`` gives the 0-1 error, ties counted as errors).

    Examples:
        >>> margin_loss(np.array([-1.0, 0.5, 2.0, 3.0]), 1.0)
        0.5
    """
    m = np.asarray(m, dtype=np.float64)
    if m.size == 0:
        raise ValueError("margin_loss of no margins")
    return float(np.mean(m <= gamma))


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall's tau-b rank correlation of two equally long sequences (ties handled; NaN if one is constant).

    Examples:
        >>> kendall_tau([1, 2, 3, 4], [10, 20, 30, 40]), kendall_tau([1, 2, 3], [3, 2, 1])
        (1.0, -1.0)
        >>> round(kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]), 4)
        0.6667
    """
    a, b = list(map(float, a)), list(map(float, b))
    if len(a) != len(b):
        raise ValueError(f"kendall_tau needs sequences of equal length, got {len(a)} and {len(b)}")
    if len(a) < 2:
        raise ValueError("kendall_tau needs at least 2 pairs")
    conc = disc = ties_a = ties_b = 0
    for i in range(len(a)):
        for j in range(i + 1, len(a)):
            da, db = np.sign(a[i] - a[j]), np.sign(b[i] - b[j])
            if da == 0 and db == 0:
                continue
            if da == 0:
                ties_a += 1
            elif db == 0:
                ties_b += 1
            elif da == db:
                conc += 1
            else:
                disc += 1
    denom = math.sqrt((conc + disc + ties_a) * (conc + disc + ties_b))
    return (conc - disc) / denom if denom > 0 else math.nan
