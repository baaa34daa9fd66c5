"""Representation identities as properties over random elements: homomorphism, orthogonality, characters,
Schur, decomposition, restriction and Clebsch-Gordan."""

import numpy as np
import pytest
from equi_groups import (
    O2,
    SO2,
    SO3,
    CyclicGroup,
    DihedralGroup,
    HyperoctahedralGroup,
    band_limited_regular,
    direct_sum,
    from_irreps,
    irrep,
    quotient,
    regular,
    rep_from_str,
    restrict,
    standard,
    tensor_product,
    trivial,
)
from equi_groups._representation import intertwiners
from hypothesis import given, settings
from hypothesis import strategies as st

TOL = 1e-10
FINITE = [
    CyclicGroup(1),
    CyclicGroup(2),
    CyclicGroup(3),
    CyclicGroup(4),
    CyclicGroup(5),
    CyclicGroup(8),
    DihedralGroup(1),
    DihedralGroup(2),
    DihedralGroup(3),
    DihedralGroup(4),
    DihedralGroup(5, 0.4),
    DihedralGroup(8),
]
CONT = [SO2(), O2()]


def _irreps(G):
    return G.irreps() if G.is_finite else G.irreps(4)


def _reps(G):
    out = [irrep(G, i) for i in _irreps(G)]
    if G.is_finite:
        out.append(regular(G))
    else:
        out.append(band_limited_regular(G, 3))
    return out


@pytest.mark.parametrize("G", FINITE + CONT + [SO3()], ids=str)
@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=10, deadline=None)
def test_homomorphism_and_orthogonality(G, seed):
    reps = _reps(G) if not isinstance(G, SO3) else [irrep(G, 0), irrep(G, 1), standard(G)]
    samples = G.sample(4, seed=seed) + G.testing_elements()[:3]
    for rho in reps:
        for g in samples:
            m = rho(g)
            assert np.abs(m @ m.T - np.eye(rho.dim)).max() < TOL, (rho, g)
            for h in samples[:4]:
                assert np.abs(rho(g * h) - m @ rho(h)).max() < TOL, (rho, g, h)
        assert np.abs(rho(G.identity) - np.eye(rho.dim)).max() < TOL


@pytest.mark.parametrize("G", FINITE, ids=str)
def test_character_orthogonality_and_regular_multiplicities(G):
    elems = G.elements()
    chars = {i: np.array([irrep(G, i).character(g) for g in elems]) for i in G.irreps()}
    for i, ci in chars.items():
        for j, cj in chars.items():
            inner = ci @ cj / len(elems)
            expected = G.irrep_type(i) if i == j else 0.0
            assert abs(inner - expected) < TOL, (i, j, inner)
    mult = regular(G).multiplicities()
    assert mult == {i: G.irrep_dim(i) // G.irrep_type(i) for i in G.irreps()}
    assert sum(G.irrep_dim(i) ** 2 // G.irrep_type(i) for i in G.irreps()) == G.order()


@pytest.mark.parametrize("G", FINITE + CONT, ids=str)
def test_schur(G):
    ids = _irreps(G)
    for a in ids:
        for b in ids:
            n = len(intertwiners(G, irrep(G, a), G.irrep_dim(a), b))
            assert n == (G.irrep_type(a) if a == b else 0), (a, b, n)


REPS_TO_DECOMPOSE = [
    lambda: regular(CyclicGroup(6)),
    lambda: regular(DihedralGroup(5)),
    lambda: quotient(DihedralGroup(8), CyclicGroup(8)),
    lambda: quotient(DihedralGroup(8), DihedralGroup(2)),
    lambda: quotient(CyclicGroup(8), CyclicGroup(2)),
    lambda: 2 * irrep(DihedralGroup(4), (1, 1)) + regular(DihedralGroup(4)) + trivial(DihedralGroup(4)),
    lambda: standard(DihedralGroup(6, 0.3)),
    lambda: standard(O2()),
    lambda: standard(SO2()),
    lambda: quotient(O2(), SO2()),
]


@pytest.mark.parametrize("make", REPS_TO_DECOMPOSE)
def test_decomposition_reconstructs(make):
    rho = make()
    G = rho.group
    q = rho.change_of_basis
    assert np.abs(q @ q.T - np.eye(rho.dim)).max() < TOL
    psi = from_irreps(G, rho.irreps)
    for g in G.sample(5, seed=9) + G.testing_elements()[:8]:
        assert np.abs(rho(g) - q @ psi(g) @ q.T).max() < TOL


def test_quotient_by_trivial_subgroup_is_regular_and_by_whole_group_is_trivial():
    D = DihedralGroup(4)
    assert quotient(D, CyclicGroup(1)).multiplicities() == regular(D).multiplicities()
    assert quotient(D, D).irreps == ((0, 0),)


RESTRICTIONS = [
    (DihedralGroup(8), CyclicGroup(8)),
    (DihedralGroup(8), DihedralGroup(4)),
    (DihedralGroup(8), DihedralGroup(2, np.pi / 8)),
    (CyclicGroup(8), CyclicGroup(4)),
    (CyclicGroup(12), CyclicGroup(3)),
    (O2(), SO2()),
    (O2(), DihedralGroup(6)),
    (O2(), CyclicGroup(5)),
    (SO2(), CyclicGroup(4)),
]


@pytest.mark.parametrize("G, H", RESTRICTIONS, ids=lambda v: str(v))
@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=5, deadline=None)
def test_restriction_consistency(G, H, seed):
    for rho in _reps(G):
        res = restrict(rho, H)
        assert res.dim == rho.dim and res.group == H
        for h in H.sample(4, seed=seed) + H.generators():
            assert np.abs(res(h) - rho(H.inclusion(G, h))).max() < TOL


def test_known_restrictions():
    assert restrict(irrep(O2(), (1, 3)), DihedralGroup(4)).irreps == ((1, 1),)  # aliasing 3 -> 1 mod 4
    assert restrict(irrep(O2(), (1, 2)), SO2()).irreps == (2,)
    assert restrict(irrep(DihedralGroup(4), (1, 0)), CyclicGroup(4)).irreps == (0,)
    with pytest.raises(ValueError, match="not a subgroup"):
        restrict(regular(CyclicGroup(8)), CyclicGroup(3))


@given(st.sampled_from(FINITE[3:] + CONT), st.data())
@settings(max_examples=25, deadline=None)
def test_clebsch_gordan_reconstructs_tensor_product(G, data):
    ids = _irreps(G)[:5]
    a = irrep(G, data.draw(st.sampled_from(ids)))
    b = irrep(G, data.draw(st.sampled_from(ids)))
    t = tensor_product(a, b)
    q = t.change_of_basis
    for g in G.sample(4, seed=data.draw(st.integers(0, 100))):
        assert np.abs(np.kron(a(g), b(g)) - t(g)).max() < TOL
        assert np.abs(t(g) - q @ from_irreps(G, t.irreps)(g) @ q.T).max() < TOL


def test_known_clebsch_gordan():
    assert sorted(tensor_product(irrep(SO2(), 1), irrep(SO2(), 2)).irreps) == [1, 3]
    assert sorted(tensor_product(irrep(O2(), (1, 1)), irrep(O2(), (1, 1))).irreps) == [(0, 0), (1, 0), (1, 2)]
    assert sorted(tensor_product(irrep(CyclicGroup(4), 1), irrep(CyclicGroup(4), 1)).irreps) == [0, 0, 2, 2]


def test_value_semantics_and_string_round_trip():
    D = DihedralGroup(4)
    r = 2 * irrep(D, (1, 1)) + regular(D) + quotient(D, CyclicGroup(4))
    assert rep_from_str(str(r)) == r and hash(rep_from_str(str(r))) == hash(r)
    assert r != regular(D) and r.dim == 4 + 8 + 2
    assert str(irrep(SO2(), 2)) == "SO2:irrep(2)"


def test_transform_numpy_and_torch_agree():
    torch = pytest.importorskip("torch")
    rho = regular(DihedralGroup(3))
    x = np.random.default_rng(0).standard_normal((5, 6))
    g = DihedralGroup(3).element(1, 2)
    a = rho.transform(x, g)
    b = rho.transform(torch.tensor(x), g).numpy()
    assert np.allclose(a, b) and np.allclose(a, x @ rho(g).T)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: irrep(CyclicGroup(4), 3), "not an irrep"),
        (lambda: irrep(SO2(), -1), "not an irrep"),
        (lambda: irrep(DihedralGroup(5), (0, 1)), "not an irrep"),
        (lambda: regular(SO2()), "infinite"),
        (lambda: direct_sum(irrep(CyclicGroup(4), 1), irrep(CyclicGroup(5), 1)), "cannot add"),
        (lambda: regular(CyclicGroup(4)).transform(np.ones((2, 3)), CyclicGroup(4).identity), "dimension 4"),
        (lambda: quotient(CyclicGroup(6), CyclicGroup(4)).dim, "not a subgroup"),
        (lambda: irrep(SO3(), 17), "above the band limit 16"),
        (lambda: irrep(HyperoctahedralGroup(3), 0), "no irreducible"),
        (lambda: 0 * regular(CyclicGroup(2)), "multiplicity"),
    ],
)
def test_bad_input_is_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_pickle_and_copy_keep_value():
    import copy
    import pickle

    D = DihedralGroup(4, 0.3)
    r = regular(D) + restrict(irrep(O2(), (1, 2)), D)
    for clone in (pickle.loads(pickle.dumps(r)), copy.deepcopy(r), copy.copy(r)):
        assert clone == r and clone.irreps == r.irreps
    g = D.sample(1, seed=0)[0]
    assert pickle.loads(pickle.dumps(g)) == g


def test_decompose_a_matrix_representation_reproduces_it():
    """`decompose` of the D4 action permuting the 4 corners of a square: rho(g) = fn(g) for every element."""
    import numpy as np
    from equi_groups import DihedralGroup, decompose

    G = DihedralGroup(4)
    corners = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=float)

    def fn(g):
        moved = corners @ G.standard_matrix(g).T
        return np.array([[float(np.allclose(m, c)) for c in corners] for m in moved]).T

    rho = decompose(G, fn, 4)
    assert rho.dim == 4 and sum(G.irrep_dim(i) for i in rho.irreps) == 4
    for g in G.elements():
        assert np.allclose(rho(g), fn(g), atol=1e-10)
    q = np.asarray(rho.change_of_basis)
    assert np.allclose(q.T @ q, np.eye(4), atol=1e-10)
