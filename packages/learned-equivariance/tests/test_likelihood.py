import math

import numpy as np
import pytest
import torch
from equi_groups import O2, SO2, CyclicGroup, DihedralGroup
from learned_equivariance import (
    GroupLikelihood,
    alignment_loss,
    fourier_features,
    kl_divergence,
    likelihood_regularisers,
)

GROUPS = [CyclicGroup(8), DihedralGroup(4), SO2(), O2()]


@pytest.mark.parametrize("group", GROUPS, ids=str)
def test_uniform_init_gives_the_trivial_coefficient_only(group):
    lik = GroupLikelihood(group, L=4)
    coef = lik().detach().numpy()
    expect = np.zeros_like(coef)
    per = len(coef) // lik.cosets
    expect[::per] = 1.0
    assert np.abs(coef - expect).max() < 1e-6
    assert torch.allclose(lik.density(), torch.ones(lik.n_grid))


@pytest.mark.parametrize("group", GROUPS, ids=str)
def test_likelihood_integrates_to_one(group):
    torch.manual_seed(0)
    lik = GroupLikelihood(group, L=3)
    with torch.no_grad():
        lik.fts_in.normal_(0, 1.5)
    assert abs(float(lik.density().detach().mean()) - 1.0) < 1e-5  # exact density, Haar quadrature on the grid
    assert abs(float((lik.integral @ lik()).detach()) - 1.0) < 1e-5  # band-limited coefficients
    # the band-limited density integrates to 1 on a fine grid too
    fine = [(c, 2 * math.pi * i / 720) for c in range(lik.cosets) for i in range(720)]
    if group.order() is not None:
        fine = [group.to_o2(g) for g in group.elements()]
    assert abs(float(lik.evaluate(fine).detach().mean()) - 1.0) < 1e-4


def test_fourier_features_of_finite_group_span_all_functions():
    for group in (CyclicGroup(8), DihedralGroup(4)):
        a = fourier_features(group, group.N // 2, [group.to_o2(g) for g in group.elements()])
        assert a.shape == (group.order(), group.order())
        assert np.linalg.matrix_rank(a) == group.order()


def test_peaked_likelihood_is_fitted_by_its_coefficients_on_finite_groups():
    lik = GroupLikelihood(CyclicGroup(8), L=4)
    with torch.no_grad():
        lik.fts_in.normal_(0, 1.0)
    fitted = lik.evaluate(list(CyclicGroup(8).elements()))
    assert torch.allclose(fitted, lik.density(), atol=1e-4)


@pytest.mark.parametrize("group", GROUPS, ids=str)
@torch.no_grad()
def test_kl_nonnegative_and_zero_for_equal(group):
    torch.manual_seed(1)
    p, q = GroupLikelihood(group, 2), GroupLikelihood(group, 2)
    with torch.no_grad():
        p.fts_in.normal_(0, 1)
        q.fts_in.normal_(0, 1)
    assert float(kl_divergence(p, q)) > 1e-4
    assert float(kl_divergence(p)) > 1e-4
    assert abs(float(kl_divergence(p, p))) < 1e-7
    assert abs(float(kl_divergence(GroupLikelihood(group, 2)))) < 1e-7


def test_kl_refuses_different_grids():
    with pytest.raises(ValueError, match="different grids"):
        kl_divergence(GroupLikelihood(SO2(), 2), GroupLikelihood(SO2(), 3))


@torch.no_grad()
def test_alignment_loss_zero_with_mode_at_identity_and_positive_otherwise():
    lik = GroupLikelihood(CyclicGroup(8), L=4)
    with torch.no_grad():
        lik.fts_in.zero_()
        lik.fts_in[1] = 2.0  # cos t: mode at the identity
    assert float(alignment_loss(lik)) == 0.0
    with torch.no_grad():
        lik.fts_in[1] = -2.0  # mode at t = pi
    assert float(alignment_loss(lik)) == pytest.approx(4.0, abs=1e-5)


def test_regularisers_count_shared_likelihoods_once_and_detach_the_previous_layer():
    a, b = GroupLikelihood(CyclicGroup(4), 2), GroupLikelihood(CyclicGroup(4), 2)
    with torch.no_grad():
        a.fts_in.normal_()
        b.fts_in.normal_()
    reg = likelihood_regularisers([a, a, b])
    assert float(reg["kl"].detach()) == pytest.approx(float(kl_divergence(b, a).detach()) / 2, rel=1e-6)
    reg["kl"].backward()
    assert a.fts_in.grad is None and b.fts_in.grad is not None


def test_bad_group_is_refused():
    from equi_groups import SO3

    with pytest.raises(ValueError, match="C_N, D_N, SO2 or O2"):
        GroupLikelihood(SO3(), 2)


@pytest.mark.parametrize("group", [CyclicGroup(8), SO2(), O2()])
def test_density_at_matches_density_on_the_grid(group):
    torch.manual_seed(1)
    lik = GroupLikelihood(group, L=3)
    with torch.no_grad():
        lik.fts_in.normal_()
    assert torch.allclose(lik.density_at(list(lik.grid_elements)), lik.density(), rtol=1e-5, atol=1e-6)
