"""Group axioms, string round-trips, embeddings and bad input for every group."""

import math

import numpy as np
import pytest
from equi_groups import (
    O2,
    SO2,
    SO3,
    CyclicGroup,
    DihedralGroup,
    HyperoctahedralGroup,
    OrthogonalGroup,
    SymmetricGroup,
    flip_group,
    group_from_str,
    trivial_group,
)
from hypothesis import given, settings
from hypothesis import strategies as st

GROUPS = [
    CyclicGroup(1),
    CyclicGroup(5),
    CyclicGroup(8),
    DihedralGroup(1),
    DihedralGroup(4),
    DihedralGroup(6, 0.3),
    SO2(),
    O2(),
    SO3(),
    SymmetricGroup(4),
    HyperoctahedralGroup(3),
    OrthogonalGroup(3),
    OrthogonalGroup(4, True),
]


def _close(g, h):
    return np.allclose(g.group.standard_matrix(g), h.group.standard_matrix(h), atol=1e-10)


@pytest.mark.parametrize("G", GROUPS, ids=str)
def test_axioms_on_samples(G):
    a, b, c = G.sample(3, seed=1)
    e = G.identity
    assert _close((a * b) * c, a * (b * c))
    assert _close(a * e, a) and _close(e * a, a)
    assert _close(a * ~a, e)


@pytest.mark.parametrize("G", GROUPS, ids=str)
def test_standard_action_is_a_homomorphism(G):
    for g in G.testing_elements()[:10]:
        for h in G.sample(3, seed=2):
            m = G.standard_matrix(g * h)
            assert np.abs(m - G.standard_matrix(g) @ G.standard_matrix(h)).max() < 1e-10


@pytest.mark.parametrize("G", GROUPS, ids=str)
def test_string_round_trip_and_value_semantics(G):
    H = group_from_str(str(G))
    assert H == G and hash(H) == hash(G)


@pytest.mark.parametrize("G", [g for g in GROUPS if g.is_finite], ids=str)
def test_finite_group_table(G):
    elems = G.elements()
    assert len(elems) == G.order() == len(set(elems))
    closure = {g * h for g in elems[:6] for h in elems}
    assert closure <= set(elems)


def test_trivial_and_flip_are_c1_and_d1():
    assert trivial_group() == CyclicGroup(1) and flip_group(0.5) == DihedralGroup(1, 0.5)


@given(st.integers(1, 12), st.floats(0, 3.1), st.integers(0, 1), st.integers(0, 50))
@settings(max_examples=60, deadline=None)
def test_dihedral_embedding_in_o2_is_a_homomorphism(N, axis, f, k):
    D = DihedralGroup(N, axis)
    g = D.element(f, k)
    for h in D.elements()[:8]:
        assert np.allclose(D.standard_matrix(g * h), D.standard_matrix(g) @ D.standard_matrix(h), atol=1e-10)
    if f:  # a reflection of D_N(axis) fixes the line at angle axis + pi k / N
        t = axis + math.pi * k / N
        v = np.array([math.cos(t), math.sin(t)])
        assert np.allclose(D.standard_matrix(g) @ v, v, atol=1e-10)


def test_subgroups_of_planar_groups():
    assert CyclicGroup(4).is_subgroup_of(CyclicGroup(8))
    assert not CyclicGroup(3).is_subgroup_of(CyclicGroup(8))
    assert DihedralGroup(4).is_subgroup_of(DihedralGroup(8))
    assert DihedralGroup(2, math.pi / 8).is_subgroup_of(DihedralGroup(8))
    assert not DihedralGroup(2, 0.1).is_subgroup_of(DihedralGroup(8))
    assert DihedralGroup(5, 0.2).is_subgroup_of(O2()) and CyclicGroup(7).is_subgroup_of(SO2())
    assert not DihedralGroup(2).is_subgroup_of(SO2())


def test_so3_conversions():
    from equi_groups import (
        geodesic_distance,
        matrix_to_quaternion,
        matrix_to_sixd,
        quaternion_to_matrix,
        sixd_to_matrix,
    )

    G = SO3()
    mats = np.stack([G.standard_matrix(g) for g in G.sample(20, seed=4)])
    assert np.allclose(quaternion_to_matrix(matrix_to_quaternion(mats)), mats, atol=1e-10)
    assert np.allclose(sixd_to_matrix(matrix_to_sixd(mats)), mats, atol=1e-10)
    assert np.allclose(np.linalg.det(mats), 1.0)
    # geodesic distance of a rotation by t about z from identity is t
    t = 0.7
    rz = np.array([[math.cos(t), -math.sin(t), 0], [math.sin(t), math.cos(t), 0], [0, 0, 1]])
    assert abs(geodesic_distance(np.eye(3), rz) - t) < 1e-12
    assert np.allclose(geodesic_distance(mats[:5], mats[:5]), 0.0, atol=1e-6)


def test_so3_conversions_torch():
    torch = pytest.importorskip("torch")
    from equi_groups import geodesic_distance, sixd_to_matrix

    d6 = torch.randn(7, 6, dtype=torch.float64, requires_grad=True)
    r = sixd_to_matrix(d6)
    assert torch.allclose(r @ r.transpose(-1, -2), torch.eye(3, dtype=torch.float64).expand(7, 3, 3), atol=1e-12)
    geodesic_distance(r, torch.eye(3, dtype=torch.float64).expand(7, 3, 3)).sum().backward()
    assert d6.grad is not None and torch.isfinite(d6.grad).all()


def test_hyperoctahedral_matches_matrices():
    B = HyperoctahedralGroup(3)
    for g in B.sample(10, seed=3):
        m = B.standard_matrix(g)
        assert np.allclose(np.abs(m).sum(0), 1) and np.allclose(m @ m.T, np.eye(3))
        assert np.allclose(B.standard_matrix(~g), m.T)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: CyclicGroup(0), "N >= 1"),
        (lambda: DihedralGroup(-2), "N >= 1"),
        (lambda: HyperoctahedralGroup(0), "n >= 1"),
        (lambda: CyclicGroup(4).element(1.5), "integer"),
        (lambda: DihedralGroup(4).element(2, 1), "f in"),
        (lambda: SO3().element(1.0, 1.0, 0.0, 0.0), "unit norm"),
        (lambda: OrthogonalGroup(2).element(np.ones((2, 2))), "not orthogonal"),
        (lambda: SymmetricGroup(3).element((0, 0, 1)), "permutation"),
        (lambda: CyclicGroup(4).compose(CyclicGroup(4).identity, CyclicGroup(5).identity), "not of C4"),
        (lambda: SO2().elements(), "infinite"),
        (lambda: group_from_str("Q8"), "cannot parse"),
        (lambda: CyclicGroup(4).sample(-1), "n must be"),
    ],
)
def test_bad_input_is_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("G", GROUPS, ids=str)
def test_testing_elements_are_distinct_and_contain_the_identity(G):
    els = G.testing_elements()
    assert len(els) == len(set(els)) and G.identity in els
