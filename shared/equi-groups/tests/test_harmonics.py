"""Real spherical harmonics, Wigner-D matrices and Clebsch-Gordan coefficients of SO(3) (and e3nn as an oracle)."""

import math

import numpy as np
import pytest
from equi_groups import (
    MAX_DEGREE,
    O3,
    SO3,
    cg_decomposition,
    clebsch_gordan,
    irrep,
    spherical_harmonics,
    spherical_harmonics_upto,
    tensor_product,
    wigner_D,
)
from hypothesis import given, settings
from hypothesis import strategies as st

P = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])  # (x, y, z) -> (y, z, x)


def _rotations(n, seed):
    return np.stack([SO3().standard_matrix(g) for g in SO3().sample(n, seed=seed)])


def _sphere_quadrature(degree):
    """Gauss-Legendre in z times a uniform grid in phi: exact for polynomials of degree <= ``degree``."""
    z, w = np.polynomial.legendre.leggauss(degree // 2 + 1)
    nphi = degree + 1
    phi = 2 * np.pi * np.arange(nphi) / nphi
    zz, pp = np.meshgrid(z, phi, indexing="ij")
    s = np.sqrt(1 - zz**2)
    pts = np.stack([s * np.cos(pp), s * np.sin(pp), zz], -1).reshape(-1, 3)
    weights = np.repeat(w / 2, nphi) / nphi  # mean over the sphere
    return pts, weights


def test_degree_one_is_the_vector_in_y_z_x_order():
    x = np.random.default_rng(0).standard_normal((5, 3))
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert np.abs(spherical_harmonics(1, x) - math.sqrt(3) * u @ P.T).max() < 1e-14
    assert np.abs(spherical_harmonics(0, x) - 1).max() < 1e-15


@pytest.mark.parametrize("l", [0, 1, 2, 5, 8, 12, MAX_DEGREE])
def test_harmonics_are_orthonormal_for_the_mean_over_the_sphere(l):
    pts, w = _sphere_quadrature(2 * l + 2)
    y = spherical_harmonics(l, pts)
    gram = (y * w[:, None]).T @ y
    assert np.abs(gram - np.eye(2 * l + 1)).max() < 1e-11
    assert np.abs((y**2).sum(1) - (2 * l + 1)).max() < 1e-9 * (2 * l + 1)


def test_harmonics_of_different_degrees_are_orthogonal_and_upto_concatenates():
    pts, w = _sphere_quadrature(12)
    y = spherical_harmonics_upto(5, pts)
    assert y.shape == (len(pts), 36)
    assert np.abs((y * w[:, None]).T @ y - np.eye(36)).max() < 1e-11
    assert np.abs(y[:, 9:16] - spherical_harmonics(3, pts)).max() == 0.0


def test_unnormalised_harmonics_are_homogeneous_polynomials():
    x = np.random.default_rng(1).standard_normal((7, 3))
    for l in (0, 3, 6):
        a = spherical_harmonics(l, 2.5 * x, normalize=False)
        assert np.abs(a - 2.5**l * spherical_harmonics(l, x, normalize=False)).max() < 1e-9 * np.abs(a).max()
        r = np.linalg.norm(x, axis=1, keepdims=True)
        assert np.abs(spherical_harmonics(l, x, normalize=False) - r**l * spherical_harmonics(l, x)).max() < 1e-10


@settings(max_examples=25, deadline=None)
@given(st.integers(0, MAX_DEGREE), st.integers(0, 10_000))
def test_harmonics_are_equivariant_and_wigner_d_is_an_orthogonal_homomorphism(l, seed):
    r = _rotations(3, seed)
    x = np.random.default_rng(seed).standard_normal((4, 3))
    d = wigner_D(l, r)
    assert d.shape == (3, 2 * l + 1, 2 * l + 1)
    tol = 1e-12 * (l + 1) ** 2
    assert np.abs(spherical_harmonics(l, x @ r[0].T) - spherical_harmonics(l, x) @ d[0].T).max() < tol
    assert np.abs(wigner_D(l, r[0] @ r[1]) - d[0] @ d[1]).max() < tol
    assert np.abs(d[2] @ d[2].T - np.eye(2 * l + 1)).max() < tol


def test_wigner_d_of_degree_one_is_the_permuted_rotation_and_batches():
    r = _rotations(6, 3).reshape(2, 3, 3, 3)
    assert np.abs(wigner_D(1, r) - P @ r @ P.T).max() < 1e-14
    assert wigner_D(4, r).shape == (2, 3, 9, 9)
    assert np.abs(wigner_D(3, np.eye(3)) - np.eye(7)).max() < 1e-14


def test_torch_matches_numpy_and_is_differentiable():
    torch = pytest.importorskip("torch")
    r = _rotations(4, 5)
    x = np.random.default_rng(2).standard_normal((4, 3))
    for l in (0, 2, 7):
        assert torch.allclose(wigner_D(l, torch.tensor(r)), torch.tensor(wigner_D(l, r)), atol=1e-13)
        assert np.abs(spherical_harmonics(l, torch.tensor(x)).numpy() - spherical_harmonics(l, x)).max() < 1e-13
    xt = torch.tensor(x, requires_grad=True)
    spherical_harmonics(3, xt).pow(2).sum().backward()  # |Y_3|^2 = 7 everywhere: zero gradient
    assert xt.grad is not None and xt.grad.abs().max() < 1e-10
    y32 = spherical_harmonics(2, torch.randn(5, 3, dtype=torch.float32))
    assert y32.dtype == torch.float32


def test_clebsch_gordan_reconstructs_tensor_products():
    r = _rotations(3, 7)
    for l1 in range(5):
        for l2 in range(5):
            ids, q = cg_decomposition(l1, l2)
            assert ids == tuple(range(abs(l1 - l2), l1 + l2 + 1))
            assert np.abs(q.T @ q - np.eye(q.shape[0])).max() < 1e-13
            for rot in r:
                blocks = [wigner_D(l, rot) for l in ids]
                bd = np.zeros_like(q)
                i = 0
                for b in blocks:
                    bd[i : i + len(b), i : i + len(b)] = b
                    i += len(b)
                assert np.abs(np.kron(wigner_D(l1, rot), wigner_D(l2, rot)) - q @ bd @ q.T).max() < 1e-12


def test_clebsch_gordan_of_two_vectors_are_dot_and_cross_product():
    a, b = np.random.default_rng(3).standard_normal((2, 3))
    ya, yb = P @ a, P @ b  # vectors in the (y, z, x) basis of l = 1
    dot = np.einsum("i,j,ijk->k", ya, yb, clebsch_gordan(1, 1, 0))
    cross = np.einsum("i,j,ijk->k", ya, yb, clebsch_gordan(1, 1, 1))
    assert abs(dot[0] - a @ b / math.sqrt(3)) < 1e-14
    assert np.abs(np.abs(cross) - np.abs(P @ np.cross(a, b)) / math.sqrt(2)).max() < 1e-14


def test_tensor_products_of_so3_and_o3_reps_use_the_exact_coefficients():
    G = O3()
    a = irrep(G, (1, -1)) + irrep(G, (2, 1))
    b = irrep(G, (1, -1))
    t = tensor_product(a, b)
    assert sorted(t.irreps) == sorted([(0, 1), (1, 1), (2, 1), (1, -1), (2, -1), (3, -1)])
    for g in G.sample(4, seed=1):
        assert np.abs(np.kron(a(g), b(g)) - t(g)).max() < 1e-12
    s = tensor_product(irrep(SO3(), 3), irrep(SO3(), 4))
    assert s.irreps == tuple(range(1, 8))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: wigner_D(MAX_DEGREE + 1, np.eye(3)), "above the band limit"),
        (lambda: spherical_harmonics(-1, np.ones(3)), "must be >= 0"),
        (lambda: spherical_harmonics(1.5, np.ones(3)), "integer"),
        (lambda: spherical_harmonics(1, np.ones(4)), "size 3"),
        (lambda: wigner_D(1, np.ones((2, 3))), r"shape \(..., 3, 3\)"),
        (lambda: wigner_D(1, 2 * np.eye(3), check=True), "not orthogonal"),
        (lambda: wigner_D(1, -np.eye(3), check=True), "determinant"),
        (lambda: clebsch_gordan(1, 1, 3), "l=3 is not in the product"),
        (lambda: SO3().from_matrix(np.diag([1.0, 1.0, 1.1])), "not orthogonal"),
        (lambda: SO3().from_matrix(-np.eye(3)), "inversion"),
        (lambda: irrep(SO3(), 17), "above the band limit"),
        (lambda: irrep(O3(), (1, 0)), "not an irrep of O3"),
    ],
)
def test_bad_input_is_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# ------------------------------------------------------------------------------------------------ e3nn oracle
def _e3nn():
    pytest.importorskip("e3nn")
    import torch
    from e3nn import o3

    return torch, o3


@pytest.mark.parametrize("l", [0, 1, 2, 3, 5, 8])
def test_e3nn_harmonics_and_wigner_d_agree_up_to_one_fixed_orthogonal_map(l):
    torch, o3 = _e3nn()
    x = np.random.default_rng(l).standard_normal((200, 3))
    ours = spherical_harmonics(l, x)
    theirs = o3.spherical_harmonics(l, torch.tensor(x), True, normalization="component").numpy()
    c, *_ = np.linalg.lstsq(ours, theirs, rcond=None)  # theirs = ours @ c
    c = c.T  # Y_e3nn = C Y_ours
    assert np.abs(ours @ c.T - theirs).max() < 1e-11
    assert np.abs(c @ c.T - np.eye(2 * l + 1)).max() < 1e-11  # orthogonal: same normalisation
    if l == 1:
        assert np.abs(c - P.T).max() < 1e-12  # e3nn's l = 1 is (x, y, z)
    r = _rotations(5, 100 + l)
    d_e3nn = o3.Irrep(l, (-1) ** l).D_from_matrix(torch.tensor(r)).numpy()
    # e3nn builds D from angles with float32 constants: it agrees to ~2e-7 only (ours is exact to ~1e-14)
    assert np.abs(d_e3nn - c @ wigner_D(l, r) @ c.T).max() < 2e-6


@pytest.mark.parametrize("l1, l2, l3", [(1, 1, 0), (1, 1, 2), (2, 1, 3), (2, 2, 2), (3, 4, 5), (4, 4, 8)])
def test_e3nn_wigner_3j_agrees_up_to_the_same_maps_and_a_sign(l1, l2, l3):
    torch, o3 = _e3nn()
    x = np.random.default_rng(0).standard_normal((300, 3))

    def cmap(l):
        ours = spherical_harmonics(l, x)
        theirs = o3.spherical_harmonics(l, torch.tensor(x), True, normalization="component").numpy()
        return np.linalg.lstsq(ours, theirs, rcond=None)[0].T

    ours = np.einsum("abc,ia,jb,kc->ijk", clebsch_gordan(l1, l2, l3), cmap(l1), cmap(l2), cmap(l3))
    ours /= np.linalg.norm(ours)
    theirs = o3.wigner_3j(l1, l2, l3, dtype=torch.float64).numpy()
    theirs /= np.linalg.norm(theirs)
    sign = np.sign((ours * theirs).sum())
    assert np.abs(ours - sign * theirs).max() < 1e-10
