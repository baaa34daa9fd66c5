"""Margins, margin loss and Kendall's tau against hand-computed cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from pac_equi import kendall_tau, margin_loss, margins


def test_margins_hand_case():
    logits = np.array([[1.0, 4.0, 2.0], [0.5, 0.5, 0.0], [3.0, -1.0, 2.5]])
    assert margins(logits, np.array([1, 0, 2])).tolist() == [2.0, 0.0, -0.5]
    assert margin_loss(margins(logits, np.array([1, 0, 2])), 0.0) == pytest.approx(2 / 3)
    assert margin_loss(np.array([2.0, 0.0, -0.5]), 2.0) == 1.0


def test_margins_bad_input():
    with pytest.raises(ValueError, match="labels must lie"):
        margins(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="at least 2 classes"):
        margins(np.zeros((2, 1)), np.array([0, 0]))


def _tau_b_brute(a, b):
    n_c = n_d = t_a = t_b = 0
    for i, j in itertools.combinations(range(len(a)), 2):
        s = (a[i] - a[j]) * (b[i] - b[j])
        if a[i] == a[j] and b[i] == b[j]:
            continue
        if a[i] == a[j]:
            t_a += 1
        elif b[i] == b[j]:
            t_b += 1
        elif s > 0:
            n_c += 1
        else:
            n_d += 1
    return (n_c - n_d) / math.sqrt((n_c + n_d + t_a) * (n_c + n_d + t_b))


def test_kendall_tau_cases():
    assert kendall_tau([1, 2, 3, 4, 5], [5, 6, 7, 8, 9]) == 1.0
    assert kendall_tau([1, 2, 3], [3, 1, 2]) == pytest.approx(-1 / 3)
    # ties: |G| of C8 and D4 are equal
    a, b = [1, 4, 8, 8], [0.46, 0.22, 0.15, 0.27]
    assert kendall_tau(a, b) == pytest.approx(_tau_b_brute(a, b))
    assert kendall_tau(a, b) == pytest.approx(-3 / math.sqrt(6 * 5))  # 1 concordant, 4 discordant, 1 tie in a
    assert math.isnan(kendall_tau([1, 1, 1], [1, 2, 3]))
    with pytest.raises(ValueError, match="equal length"):
        kendall_tau([1, 2], [1])
