"""The bounds' lemmas, checked numerically, and their relations (Fourier = naive for C1, tighter otherwise)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from equi_groups import CyclicGroup, DihedralGroup, regular, trivial
from pac_equi import (
    BoundReport,
    LayerTerms,
    block_tail_bound,
    endomorphism_basis,
    fourier_decompose,
    fourier_layer_terms,
    naive_layer_terms,
    pac_bayes_margin_bound,
    perturbation_bound,
)


def _random_fourier_matrix(dec_like, group, ids_out, ids_in, q_out, q_in, sigma, rng):
    """``U = Q_out (sum of Gaussian Schur blocks) Q_in^T``: i.i.d. N(0, sigma^2) Fourier coordinates."""
    from pac_equi._fourier import LayerDecomposition, _assemble

    blocks = []
    for b in dec_like.blocks:
        coef = sigma * rng.standard_normal((b.m_out, b.m_in, b.type))
        blocks.append(type(b)(b.irrep, b.dim, b.type, b.m_out, b.m_in, coef))
    dec = LayerDecomposition(group, tuple(blocks), dec_like.shape, 0.0)
    return q_out @ _assemble(dec, ids_out, ids_in) @ q_in.T


@pytest.mark.parametrize("group", [CyclicGroup(8), DihedralGroup(4)], ids=str)
def test_monte_carlo_spectral_tail(group):
    """P(||U||_2 >= t) <= sum_psi t_psi (m_out + m_in) exp(-t^2 / (2 sigma^2 t_psi max m)) for random Fourier U."""
    rho_in, rho_out = 2 * regular(group), regular(group) + trivial(group)
    W = np.zeros((rho_out.dim, rho_in.dim))
    shape = fourier_decompose(W, rho_in, rho_out)
    rng = np.random.default_rng(0)
    sigma, n = 0.7, 800
    norms = np.array(
        [
            np.linalg.norm(
                _random_fourier_matrix(shape, group, rho_out.irreps, rho_in.irreps, rho_out.change_of_basis,
                                       rho_in.change_of_basis, sigma, rng),
                2,
            )
            for _ in range(n)
        ]
    )
    checked = 0
    for q in (0.5, 0.9, 0.99):
        t = float(np.quantile(norms, q))
        bound = block_tail_bound(t, sigma, shape.blocks)
        empirical = float(np.mean(norms >= t))
        assert empirical <= bound + 3 * math.sqrt(empirical * (1 - empirical) / n) + 1e-3
        checked += bound < 1
    # at the far tail the bound is informative (below 1), so the check above is not vacuous
    t_far = 3 * float(norms.max())
    assert block_tail_bound(t_far, sigma, shape.blocks) < 1e-3
    assert checked >= 0


def test_tail_variance_parameter():
    """E[U U^T] of a random Fourier U is sigma^2 t_psi m_in on each isotypic part: the variance the bound uses."""
    group = CyclicGroup(8)
    rho_in, rho_out = 3 * regular(group), 2 * regular(group)
    shape = fourier_decompose(np.zeros((rho_out.dim, rho_in.dim)), rho_in, rho_out)
    rng = np.random.default_rng(1)
    sigma, n = 0.5, 400
    acc = np.zeros((rho_out.dim, rho_out.dim))
    eye = np.eye
    for _ in range(n):
        u = _random_fourier_matrix(shape, group, rho_out.irreps, rho_in.irreps, eye(rho_out.dim), eye(rho_in.dim),
                                   sigma, rng)
        acc += u @ u.T / n
    pos = 0
    for psi in rho_out.irreps:
        d = group.irrep_dim(psi)
        expected = sigma**2 * group.irrep_type(psi) * 3 * d / group.irrep_type(psi)  # m_in = 3 d / t
        diag = np.diag(acc)[pos : pos + d]
        assert np.all(np.abs(diag / (sigma**2 * 3 * d) - 1) < 0.15), (psi, diag, expected)
        pos += d
    assert max(b.tail_variance for b in shape.blocks) == 2 * 3  # t = 2, m_in = 3 for the complex irreps


def test_perturbation_lemma_numerically():
    """|f_{w+u}(x) - f_w(x)| <= e B prod ||W|| sum ||U||/||W|| for a random bias-free ReLU network."""
    rng = np.random.default_rng(2)
    dims = [12, 20, 16, 5]
    Ws = [rng.standard_normal((b, a)) / math.sqrt(a) for a, b in zip(dims[:-1], dims[1:], strict=True)]
    L = len(Ws)

    def f(ws, x):
        for i, w in enumerate(ws):
            x = w @ x
            if i < L - 1:
                x = np.maximum(x, 0)
        return x

    spec = [np.linalg.norm(w, 2) for w in Ws]
    worst = 0.0
    for _ in range(200):
        x = rng.standard_normal(dims[0])
        B = float(np.linalg.norm(x))
        Us = [rng.standard_normal(w.shape) for w in Ws]
        Us = [u * (s / L) * rng.uniform(0.1, 1.0) / np.linalg.norm(u, 2) for u, s in zip(Us, spec, strict=True)]
        lhs = np.linalg.norm(f([w + u for w, u in zip(Ws, Us, strict=True)], x) - f(Ws, x))
        rhs = perturbation_bound(B, spec, [np.linalg.norm(u, 2) for u in Us])
        assert lhs <= rhs
        worst = max(worst, lhs / rhs)
    assert worst > 0.01  # the comparison is not trivially loose
    with pytest.raises(ValueError, match="exceeds"):
        perturbation_bound(1.0, [1.0, 1.0], [0.9, 0.1])


def _three_layer(group, seed):
    rng = np.random.default_rng(seed)
    reps = [4 * regular(group), 3 * regular(group), 2 * regular(group), trivial(group, 5)]
    layers = []
    for a, b in zip(reps[:-1], reps[1:], strict=True):
        els = group.elements()
        m = rng.standard_normal((b.dim, a.dim))
        W = sum(b(g) @ m @ a(g).T for g in els) / len(els)
        layers.append((W, fourier_decompose(W, a, b, atol=1e-9)))
    return layers


@pytest.mark.parametrize("group", [CyclicGroup(1), CyclicGroup(4), DihedralGroup(4)], ids=str)
def test_fourier_vs_naive(group):
    layers = _three_layer(group, 0)
    kw = {"B": 3.0, "gamma": 1.0, "m": 1000, "margin_loss": 0.1}
    f = pac_bayes_margin_bound("fourier", [fourier_layer_terms(f"W{i}", d) for i, (_, d) in enumerate(layers)], **kw)
    n = pac_bayes_margin_bound("naive", [naive_layer_terms(f"W{i}", W) for i, (W, _) in enumerate(layers)], **kw)
    assert f.spectral_product_sq == pytest.approx(n.spectral_product_sq, rel=1e-10)
    if group.order() == 1:
        assert f.bound == pytest.approx(n.bound, rel=1e-12)
        assert (f.width, f.dim) == (n.width, n.dim)
    else:
        assert f.bound < n.bound
        assert f.width < n.width and f.ratio_sum < n.ratio_sum
    # every term the report exposes is the documented formula
    c = 16 * math.e**4 * kw["B"] ** 2 * 3**2 * f.width * math.log(4 * f.dim)
    assert f.kl == pytest.approx(c * f.spectral_product_sq * f.ratio_sum / kw["gamma"] ** 2, rel=1e-12)
    assert f.bound == pytest.approx(0.1 + 4 * math.sqrt((f.kl + f.confidence_term) / 999), rel=1e-12)


def test_bound_scale_invariance():
    """Scaling a layer by c and the margin by c leaves the bound unchanged (ReLU homogeneity)."""
    layers = _three_layer(CyclicGroup(4), 1)
    terms = [fourier_layer_terms(f"W{i}", d) for i, (_, d) in enumerate(layers)]
    a = pac_bayes_margin_bound("fourier", terms, B=2.0, gamma=1.0, m=500, margin_loss=0.0)
    first = terms[0]
    scaled = [LayerTerms(first.name, 3 * first.spectral, 9 * first.param_sq, first.width, first.dim), *terms[1:]]
    b = pac_bayes_margin_bound("fourier", scaled, B=2.0, gamma=3.0, m=500, margin_loss=0.0)
    assert a.bound == pytest.approx(b.bound, rel=1e-12)


def test_bad_arguments():
    t = LayerTerms("fc", 1.0, 1.0, 2, 4)
    with pytest.raises(ValueError, match="m must be"):
        BoundReport("naive", (t,), 1.0, 1.0, 1, 0.05, 0.0)
    with pytest.raises(ValueError, match="spectral norm 0"):
        BoundReport("naive", (LayerTerms("z", 0.0, 0.0, 1, 2),), 1.0, 1.0, 10, 0.05, 0.0)
    with pytest.raises(ValueError, match="kind"):
        pac_bayes_margin_bound("other", [t], B=1.0, gamma=1.0, m=10, margin_loss=0.0)


def test_endomorphism_basis_real_type():
    assert endomorphism_basis(DihedralGroup(8), (1, 3)).shape == (1, 2, 2)
