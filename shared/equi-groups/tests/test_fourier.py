"""Fourier inversion, Plancherel, shift equivariance and least-squares inversion on arbitrary grids."""

import numpy as np
import pytest
from equi_groups import O2, SO2, CyclicGroup, DihedralGroup, FourierBasis, grid

TOL = 1e-10
FINITE = [
    CyclicGroup(1),
    CyclicGroup(4),
    CyclicGroup(7),
    DihedralGroup(1),
    DihedralGroup(4),
    DihedralGroup(5),
]


@pytest.mark.parametrize("G", FINITE, ids=str)
def test_finite_inversion_and_plancherel(G):
    fb = FourierBasis(G)
    assert fb.dim == G.order()
    f = np.random.default_rng(0).standard_normal((G.order(), 3))
    v = fb.transform(f)
    assert np.abs(fb.inverse(v) - f).max() < TOL
    assert abs((f**2).mean(0) - (v**2).sum(0)).max() < TOL


@pytest.mark.parametrize("G", FINITE + [SO2(), O2()], ids=str)
def test_shift_acts_by_the_representation(G):
    fb = FourierBasis(G) if G.is_finite else FourierBasis(G, 3)
    elems = G.elements() if G.is_finite else G.sample(12, seed=2)
    v = np.random.default_rng(1).standard_normal(fb.dim)
    for h in G.sample(3, seed=3):
        shifted = fb.inverse(fb.rep(h) @ v, elems)
        expected = fb.inverse(v, [~h * g for g in elems])
        assert np.abs(shifted - expected).max() < TOL


@pytest.mark.parametrize("G", [SO2(), O2()], ids=str)
@pytest.mark.parametrize("kind", ["regular", "random", "haar"])
def test_band_limited_round_trip_on_grids(G, kind):
    L = 3
    fb = FourierBasis(G, L)
    pts = grid(G, kind, n=2 * L + 3 if kind != "haar" else 40, seed=4)
    v = np.random.default_rng(2).standard_normal(fb.dim)
    assert np.abs(fb.transform(fb.inverse(v, pts), pts) - v).max() < 1e-9


@pytest.mark.parametrize("G", [SO2(), O2()], ids=str)
def test_band_limited_plancherel_on_exact_grid(G):
    fb = FourierBasis(G, 3)
    pts = grid(G, "regular", n=16)
    v = np.random.default_rng(3).standard_normal(fb.dim)
    f = fb.inverse(v, pts)
    assert abs((f**2).mean() - (v**2).sum()) < TOL


def test_bad_input():
    with pytest.raises(ValueError, match="give max_frequency"):
        FourierBasis(SO2())
    with pytest.raises(ValueError, match="does not determine"):
        FourierBasis(SO2(), 3).transform(np.zeros(3), grid(SO2(), "regular", 3))
    with pytest.raises(ValueError, match="unknown grid"):
        grid(SO2(), "hex")
    with pytest.raises(ValueError, match="expected 7 coefficients"):
        FourierBasis(CyclicGroup(7)).inverse(np.zeros(3))
