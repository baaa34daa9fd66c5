"""Band-limited Fourier analysis on SO(3), O(3) and the sphere; grids; least-squares conditioning."""

import math

import numpy as np
import pytest
from equi_groups import (
    O3,
    SO3,
    AxialGroup,
    FourierBasis,
    SphereFourierBasis,
    fibonacci_sphere,
    grid,
    so3_grid,
    sphere_grid,
    thomson_so3,
    thomson_sphere,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def _euler_quadrature(L):
    """Rotations and weights of a product rule exact for polynomials of degree <= 2L in the Wigner-D entries."""
    n = 2 * L + 2
    a = 2 * np.pi * np.arange(n) / n
    z, w = np.polynomial.legendre.leggauss(L + 1)
    b = np.arccos(z)

    def rz(t):
        c, s = np.cos(t), np.sin(t)
        return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])

    def ry(t):
        c, s = np.cos(t), np.sin(t)
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])

    mats, weights = [], []
    for ai in a:
        for bi, wi in zip(b, w, strict=True):
            for gi in a:
                mats.append(rz(ai) @ ry(bi) @ rz(gi))
                weights.append(wi / 2 / n**2)
    return np.array(mats), np.array(weights)


@pytest.mark.parametrize("kind, n", [("haar", 150), ("octa", 12), ("ico", 4), ("thomson", 120)])
def test_so3_fourier_inversion_on_every_grid(kind, n):
    fb = FourierBasis(SO3(), 3)
    pts = grid(SO3(), kind, n, seed=2)
    v = np.random.default_rng(0).standard_normal((fb.dim, 2))
    assert np.abs(fb.transform(fb.inverse(v, pts), pts) - v).max() < 1e-10
    assert 1 <= fb.condition_number(pts) < 50


def test_so3_plancherel_and_shift_on_an_exact_quadrature():
    L = 3
    fb = FourierBasis(SO3(), L)
    mats, w = _euler_quadrature(L)
    pts = [SO3().from_matrix(m) for m in mats]
    v = np.random.default_rng(1).standard_normal(fb.dim)
    f = fb.inverse(v, pts)
    assert abs(w @ f**2 - v @ v) < 1e-10  # mean over Haar of f^2 = |v|^2
    assert np.abs(fb.transform(f, pts) - v).max() < 1e-10
    h = SO3().sample(1, seed=3)[0]
    shifted = fb.inverse(v, [~h * g for g in pts])  # f(h^-1 g)
    assert np.abs(shifted - fb.inverse(fb.rep(h) @ v, pts)).max() < 1e-10


def test_o3_and_cylinder_fourier_inversion():
    fb = FourierBasis(O3(), 2)
    pts = grid(O3(), "thomson", 60, seed=0)
    assert len(pts) == 120
    v = np.random.default_rng(2).standard_normal(fb.dim)
    assert np.abs(fb.transform(fb.inverse(v, pts), pts) - v).max() < 1e-10
    G = AxialGroup(0, "x")
    fc = FourierBasis(G, 3)
    pts = G.sample(40, seed=1)
    v = np.random.default_rng(3).standard_normal(fc.dim)
    assert np.abs(fc.transform(fc.inverse(v, pts), pts) - v).max() < 1e-10


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 6), st.sampled_from(["random", "fibonacci", "octa", "ico", "thomson"]), st.integers(0, 999))
def test_sphere_fourier_inversion_and_rotation(L, kind, seed):
    fb = SphereFourierBasis(L)
    n = {"random": 4 * fb.dim, "fibonacci": 2 * fb.dim, "octa": 8, "ico": 3, "thomson": 2 * fb.dim}[kind]
    pts = sphere_grid(kind, n, seed=seed % 5)
    c = np.random.default_rng(seed).standard_normal(fb.dim)
    assert np.abs(fb.transform(fb.inverse(c, pts), pts) - c).max() < 1e-9
    g = SO3().sample(1, seed=seed)[0]
    r = SO3().standard_matrix(g)
    # f(R^-1 x) has coefficients rep(g) c
    assert np.abs(fb.inverse(c, pts @ r) - fb.inverse(fb.rep(g) @ c, pts)).max() < 1e-10


def test_sphere_plancherel_on_an_exact_quadrature():
    L = 5
    z, w = np.polynomial.legendre.leggauss(L + 1)
    nphi = 2 * L + 1
    phi = 2 * np.pi * np.arange(nphi) / nphi
    zz, pp = np.meshgrid(z, phi, indexing="ij")
    s = np.sqrt(1 - zz**2)
    pts = np.stack([s * np.cos(pp), s * np.sin(pp), zz], -1).reshape(-1, 3)
    weights = np.repeat(w / 2, nphi) / nphi
    fb = SphereFourierBasis(L)
    c = np.random.default_rng(4).standard_normal(fb.dim)
    assert abs(weights @ fb.inverse(c, pts) ** 2 - c @ c) < 1e-10


def test_grids_are_pure_cached_and_well_spread():
    assert thomson_sphere(30, 1) is thomson_sphere(30, 1)  # cached
    assert not thomson_sphere(30, 1).flags.writeable
    a, b = sphere_grid("thomson", 30, seed=1), sphere_grid("thomson", 30, seed=1)
    assert np.array_equal(a, b) and a.flags.writeable  # a copy for the caller
    r = thomson_so3(40, 0)
    assert np.abs(r @ np.swapaxes(r, 1, 2) - np.eye(3)).max() < 1e-12 and np.all(np.linalg.det(r) > 0)
    f = fibonacci_sphere(100)
    assert np.abs(np.linalg.norm(f, axis=1) - 1).max() < 1e-14

    def min_dist(x):
        d = np.linalg.norm(x[:, None] - x[None], axis=-1)
        return (d + 10 * np.eye(len(x))).min()

    # repulsion spreads points much better than i.i.d. samples
    assert min_dist(thomson_sphere(60, 0)) > 2 * min_dist(sphere_grid("random", 60, seed=0))
    assert so3_grid("octa", 2).shape == (48, 3, 3) and sphere_grid("ico", 1).shape == (60, 3)


def test_too_few_points_and_bad_degrees_are_refused():
    fb = SphereFourierBasis(4)
    with pytest.raises(ValueError, match="10 points do not determine the 25 coefficients"):
        fb.transform(np.zeros(10), fibonacci_sphere(10))
    assert math.isinf(fb.condition_number(fibonacci_sphere(10)))
    with pytest.raises(ValueError, match="above the band limit"):
        SphereFourierBasis(17)
    with pytest.raises(ValueError, match="above the band limit"):
        FourierBasis(SO3(), 17)
    with pytest.raises(ValueError, match="expected 25 coefficients"):
        fb.inverse(np.zeros(16), fibonacci_sphere(30))
    with pytest.raises(ValueError, match="unknown sphere grid 'cube'"):
        sphere_grid("cube", 4)
    with pytest.raises(ValueError, match="is an element of O3, not of SO3"):
        FourierBasis(SO3(), 1).sampling_matrix(O3().sample(2))
