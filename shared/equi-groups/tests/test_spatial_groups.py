"""Subgroups of O(3): axioms, embeddings, irreps, restrictions, string forms, bad input, escnn as an oracle."""

import math

import numpy as np
import pytest
from equi_groups import (
    O3,
    SO3,
    AxialGroup,
    PolyhedralGroup,
    group_from_str,
    inversion_group,
    irrep,
    mirror_group,
    quotient,
    regular,
    restrict,
    spherical_harmonics,
    standard,
)
from equi_groups.testing import assert_equivariant
from hypothesis import given, settings
from hypothesis import strategies as st

OCTA, ICO = PolyhedralGroup("octa"), PolyhedralGroup("ico")
GROUPS = [
    SO3(),
    O3(),
    AxialGroup(0),
    AxialGroup(5),
    AxialGroup(0, "x"),
    AxialGroup(4, "x"),
    AxialGroup(0, "m"),
    AxialGroup(3, "m"),
    mirror_group(),
    inversion_group(),
    AxialGroup(0, "", True),
    AxialGroup(4, "", True),
    AxialGroup(0, "x", True),
    OCTA,
    PolyhedralGroup("octa", True),
    ICO,
    PolyhedralGroup("ico", True),
]
FINITE = [G for G in GROUPS if G.is_finite]
# each group with a supergroup it lies in
INCLUSIONS = [
    (AxialGroup(0), SO3()),
    (AxialGroup(5), AxialGroup(0)),
    (AxialGroup(0, "x"), SO3()),
    (AxialGroup(4, "x"), AxialGroup(0, "x")),
    (AxialGroup(4, "x"), OCTA),
    (AxialGroup(4), OCTA),
    (AxialGroup(2, "x"), ICO),
    (AxialGroup(0, "m"), O3()),
    (AxialGroup(3, "m"), AxialGroup(0, "m")),
    (mirror_group(), AxialGroup(0, "m")),
    (mirror_group(), PolyhedralGroup("octa", True)),
    (inversion_group(), AxialGroup(0, "", True)),
    (AxialGroup(4, "", True), PolyhedralGroup("octa", True)),
    (AxialGroup(0, "x", True), O3()),
    (OCTA, SO3()),
    (OCTA, PolyhedralGroup("octa", True)),
    (ICO, SO3()),
    (PolyhedralGroup("ico", True), O3()),
    (SO3(), O3()),
]
NOT_SUBGROUPS = [
    (AxialGroup(5), OCTA),
    (AxialGroup(0, "m"), SO3()),
    (inversion_group(), SO3()),
    (AxialGroup(3), AxialGroup(4)),
    (AxialGroup(4, "m"), AxialGroup(0, "x")),
    (OCTA, ICO),
    (O3(), SO3()),
]


def _irreps(G, top=2):
    return G.irreps() if G.is_finite else G.irreps(top)


def _els(G, n=6, seed=0):
    return G.testing_elements()[:12] + G.sample(n, seed=seed)


@pytest.mark.parametrize("G", GROUPS, ids=str)
def test_axioms_string_round_trip_and_testing_elements(G):
    a, b, c = G.sample(3, seed=1)
    e = G.identity

    def same(g, h):
        return np.abs(G.standard_matrix(g) - G.standard_matrix(h)).max() < 1e-12

    assert same((a * b) * c, a * (b * c)) and same(a * ~a, e) and same(e * a, a)
    H = group_from_str(str(G))
    assert H == G and hash(H) == hash(G) and str(H) == str(G)
    els = G.testing_elements()
    assert len(els) == len(set(els)) and e in els
    for g in els:
        m = G.standard_matrix(g)
        assert np.abs(m @ m.T - np.eye(3)).max() < 1e-12
        assert G.from_matrix(m) == g or same(G.from_matrix(m), g)  # O(3) image determines the element


@pytest.mark.parametrize("G", GROUPS, ids=str)
def test_standard_action_and_irreps_are_orthogonal_homomorphisms(G):
    els = _els(G)
    for g in els:
        for h in els[:5]:
            assert np.abs(G.standard_matrix(g * h) - G.standard_matrix(g) @ G.standard_matrix(h)).max() < 1e-12
    for psi in _irreps(G):
        for g in els:
            m = G.irrep_matrix(psi, g)
            assert m.shape == (G.irrep_dim(psi),) * 2
            assert np.abs(m @ m.T - np.eye(len(m))).max() < 1e-11
            for h in els[:4]:
                assert np.abs(G.irrep_matrix(psi, g * h) - m @ G.irrep_matrix(psi, h)).max() < 1e-11


@pytest.mark.parametrize("G", FINITE, ids=str)
def test_finite_groups_character_orthogonality_and_completeness(G):
    els = G.elements()
    assert len(els) == G.order() == len(set(els))
    assert {g * h for g in els[:5] for h in els} <= set(els)
    ids = G.irreps()
    chars = np.array([[np.trace(G.irrep_matrix(i, g)) for g in els] for i in ids])
    types = np.array([G.irrep_type(i) for i in ids])
    assert np.abs(chars @ chars.T / len(els) - np.diag(types)).max() < 1e-10
    assert sum(G.irrep_dim(i) ** 2 // G.irrep_type(i) for i in ids) == G.order()


def test_polyhedral_irrep_dimensions_and_names():
    assert [OCTA.irrep_dim(i) for i in OCTA.irreps()] == [1, 3, 2, 3, 1]
    assert [ICO.irrep_dim(i) for i in ICO.irreps()] == [1, 3, 5, 3, 4]
    # T1 is the rotation action and A2 is the sign of the permutation of the body diagonals
    assert restrict(irrep(SO3(), 1), OCTA).irreps == (1,)
    assert restrict(irrep(SO3(), 3), OCTA).multiplicities() == {1: 1, 3: 1, 4: 1}
    assert restrict(irrep(SO3(), 3), ICO).multiplicities() == {3: 1, 4: 1}


@pytest.mark.parametrize("sub, G", INCLUSIONS, ids=lambda g: str(g))
def test_subgroups_and_restriction_consistency(sub, G):
    assert sub.is_subgroup_of(G)
    reps = [irrep(G, i) for i in _irreps(G, 2)[:6]] + [standard(G)]
    for rho in reps:
        res = restrict(rho, sub)
        for h in _els(sub, 3, seed=5):
            assert np.abs(res(h) - rho(sub.inclusion(G, h))).max() < 1e-10


@pytest.mark.parametrize("sub, G", NOT_SUBGROUPS, ids=lambda g: str(g))
def test_non_subgroups_are_refused_by_name(sub, G):
    assert not sub.is_subgroup_of(G)
    with pytest.raises(ValueError, match=f"{sub} is not a subgroup of {G}"):
        restrict(standard(G), sub)


def test_regular_and_quotient_representations_of_polyhedral_groups():
    reg = regular(OCTA)
    assert reg.multiplicities() == {i: OCTA.irrep_dim(i) for i in OCTA.irreps()}
    q = quotient(OCTA, AxialGroup(4))
    assert q.dim == 6 and q.multiplicities() == {0: 1, 1: 1, 2: 1}  # the cube's 6 faces: A1 + T1 + E
    for g in OCTA.elements()[:6]:
        assert np.abs(q(g) @ q(g).T - np.eye(6)).max() == 0.0


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(GROUPS), st.integers(0, 10_000))
def test_property_standard_rep_decomposes_and_tensor_products_reconstruct(G, seed):
    g, h = G.sample(2, seed=seed)
    rho = standard(G)
    q = rho.change_of_basis
    assert np.abs(q.T @ q - np.eye(3)).max() < 1e-10
    t = rho.tensor(rho)
    for x in (g, h, g * h):
        assert np.abs(np.kron(rho(x), rho(x)) - t(x)).max() < 1e-10


@pytest.mark.parametrize("G", [SO3(), O3(), OCTA, PolyhedralGroup("octa", True), ICO, AxialGroup(0, "x")], ids=str)
def test_spherical_harmonics_pass_assert_equivariant(G):
    points = standard(G)
    x = np.random.default_rng(0).standard_normal((6, 3))
    for l in (0, 1, 2, 4):
        top = irrep(SO3(), l) if not isinstance(G, O3) else irrep(O3(), (l, (-1) ** l))
        if isinstance(G, O3 | SO3):
            out = top
        elif G.is_subgroup_of(SO3()):
            out = restrict(top, G)
        else:
            out = restrict(irrep(O3(), (l, (-1) ** l)), G)
        errs = assert_equivariant(lambda v, l=l: spherical_harmonics(l, v), points, out, x=x)
        assert len(errs) == len(G.testing_elements())


def test_torch_module_on_so3_passes_assert_equivariant():
    torch = pytest.importorskip("torch")

    class Harmonics(torch.nn.Module):
        in_type = standard(SO3())
        out_type = irrep(SO3(), 3)

        def forward(self, v):
            return spherical_harmonics(3, v)

    assert_equivariant(Harmonics(), x=torch.randn(5, 3, dtype=torch.float64))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: AxialGroup(-1), "n >= 0"),
        (lambda: AxialGroup(4, "y"), "flip must be"),
        (lambda: PolyhedralGroup("tetra"), "'octa' or 'ico'"),
        (lambda: OCTA.element(24), "0 <= k < 24"),
        (lambda: OCTA.compose(OCTA.identity, ICO.identity), "is an element of Ico, not of Octa"),
        (lambda: irrep(SO3(), 1)(O3().identity), "is an element of O3, not of SO3"),
        (lambda: OCTA.from_matrix(np.eye(3)[[1, 0, 2]]), "not in Octa"),
        (lambda: AxialGroup(4).from_o3(0, np.diag([1.0, -1.0, -1.0])), "not in C4z"),
        (lambda: O3().from_matrix(np.diag([1.0, 2.0, 1.0])), "not orthogonal"),
        (lambda: irrep(OCTA, 5), "not an irrep of Octa"),
        (lambda: irrep(AxialGroup(0, "", True), (1, 0)), "not an irrep of SO2z_Inv"),
        (lambda: quotient(OCTA, AxialGroup(5)), "C5z is not a subgroup of Octa"),
        (lambda: group_from_str("D4y"), "cannot parse"),
    ],
)
def test_bad_input_is_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_named_groups():
    assert str(mirror_group()) == "M" and str(inversion_group()) == "Inv"
    assert group_from_str("M") == AxialGroup(1, "m") and group_from_str("D1m") == mirror_group()
    assert str(AxialGroup(0, "x", True)) == "O2x_Inv" and group_from_str("C4z_Inv") == AxialGroup(4, "", True)
    m = mirror_group().standard_matrix(mirror_group().elements()[1])
    assert np.array_equal(m, np.diag([1.0, -1.0, 1.0]))
    assert np.array_equal(inversion_group().standard_matrix(inversion_group().elements()[1]), -np.eye(3))
    flip = AxialGroup(2, "x").element(1, 0)
    assert np.array_equal(AxialGroup(2, "x").standard_matrix(flip), np.diag([1.0, -1.0, -1.0]))
    r = AxialGroup(0).standard_matrix(AxialGroup(0).element(math.pi / 2))
    assert np.abs(r - np.array([[0, -1, 0], [1, 0, 0], [0, 0, 1]])).max() < 1e-15


# ------------------------------------------------------------------------------------------------ escnn oracle
def _escnn():
    return pytest.importorskip("escnn.group")


@pytest.mark.parametrize("name, ours", [("octa", OCTA), ("ico", ICO)])
def test_escnn_irrep_dims_and_restriction_dims_of_polyhedral_groups(name, ours):
    eg = _escnn()
    so3 = eg.so3_group(6)
    sub, _, _ = so3.subgroup(name)
    assert sorted(r.size for r in sub.irreps()) == sorted(ours.irrep_dim(i) for i in ours.irreps())
    for l in range(5):
        theirs = sorted(sub.irrep(*i).size for i in so3.irrep(l).restrict(name).irreps)
        mine = sorted(ours.irrep_dim(i) for i in restrict(irrep(SO3(), l), ours).irreps)
        assert mine == theirs, l


@pytest.mark.parametrize("esc_id, ours", [((False, 4), AxialGroup(4)), ((True, 3), AxialGroup(3, "x"))])
def test_escnn_restriction_multiplicities_to_cylinder_groups(esc_id, ours):
    eg = _escnn()
    so3 = eg.so3_group(4)
    for l in range(4):
        theirs: dict = {}
        for i in so3.irrep(l).restrict(esc_id).irreps:
            key = i[0] if len(i) == 1 else tuple(i)
            theirs[key] = theirs.get(key, 0) + 1
        assert restrict(irrep(SO3(), l), ours).multiplicities() == theirs, l


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(GROUPS), st.integers(0, 10_000))
def test_property_irreps_are_orthogonal_homomorphisms_on_random_elements(G, seed):
    g, h = G.sample(2, seed=seed)
    for psi in _irreps(G, 3):
        a, b = G.irrep_matrix(psi, g), G.irrep_matrix(psi, h)
        assert np.abs(G.irrep_matrix(psi, g * h) - a @ b).max() < 1e-10
        assert np.abs(a @ a.T - np.eye(len(a))).max() < 1e-10
        assert np.abs(G.irrep_matrix(psi, ~g) - a.T).max() < 1e-10


@pytest.mark.parametrize(
    "esc_id, ours", [((True, "octa"), PolyhedralGroup("octa", True)), (("cone", 4), AxialGroup(4, "m"))], ids=str
)
def test_escnn_restriction_dims_of_o3_subgroups(esc_id, ours):
    eg = _escnn()
    o3 = eg.o3_group(3)
    for l in range(4):
        for j, p in ((0, 1), (1, -1)):
            theirs = sorted(o3.irrep(j, l).restrict(esc_id).irreps)
            sub = o3.subgroup(esc_id)[0]
            their_dims = sorted(sub.irrep(*i).size for i in theirs)
            mine = sorted(ours.irrep_dim(i) for i in restrict(irrep(O3(), (l, p)), ours).irreps)
            assert mine == their_dims, (l, p)
            if isinstance(ours, PolyhedralGroup):  # the parity of every component is the parity of (l, p)
                assert {q for _, q in restrict(irrep(O3(), (l, p)), ours).irreps} == {p}


def test_polyhedral_irrep_bases_do_not_depend_on_the_eigensolver_basis():
    from equi_groups._polyhedral import _canonical_basis

    rng = np.random.default_rng(0)
    v, _ = np.linalg.qr(rng.standard_normal((7, 3)))
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    a, b = _canonical_basis(v), _canonical_basis(v @ q)  # same span, another orthonormal basis
    assert np.abs(a - b).max() < 1e-12 and np.abs(a.T @ a - np.eye(3)).max() < 1e-12
    assert np.abs(a @ a.T - v @ v.T).max() < 1e-12
