import numpy as np
import pytest
import torch
from e2cnn_core import FieldType, R2Conv, flip_rot2d, kernel_basis, rot2d
from equi_groups import O2, SO2, irrep, regular, trivial
from equi_groups.testing import EquivarianceError, assert_equivariant
from learned_equivariance import GroupLikelihood, LearnableR2Conv


def _spaces(gs, rin, rout, s):
    """The filters reachable with a uniform likelihood (span of T_U) and e2cnn-core's basis, flat."""
    ti, to = FieldType(gs, [rin]), FieldType(gs, [rout])
    conv = LearnableR2Conv(ti, to, s, L=4)
    eye = torch.eye(to.size * ti.size * conv.H).reshape(-1, to.size, ti.size, conv.H)
    with torch.no_grad():
        imgs = torch.stack([conv.project(e.double().float()) for e in eye])
        ours = (imgs @ conv.basis).reshape(len(eye), -1).double().numpy()
    theirs = kernel_basis(rin, rout, s).reshape(-1, to.size * ti.size * s * s).numpy()
    return conv, ours, theirs


CASES = [
    (rot2d(4), lambda G: regular(G), lambda G: regular(G), 5),
    (flip_rot2d(4), lambda G: regular(G), lambda G: regular(G), 5),
    (rot2d(3), lambda G: trivial(G), lambda G: regular(G), 7),
    (rot2d(-1), lambda G: irrep(G, 1) + irrep(G, 0), lambda G: irrep(G, 2) + irrep(G, 1), 5),
    (flip_rot2d(-1), lambda G: irrep(G, (1, 1)) + irrep(G, (0, 0)), lambda G: irrep(G, (1, 2)) + irrep(G, (1, 0)), 5),
    (flip_rot2d(-1), lambda G: irrep(G, (1, 1)) + irrep(G, (1, 0)), lambda G: irrep(G, (1, 1)), 1),
]


@pytest.mark.parametrize(
    "gs, fin, fout, s", CASES, ids=lambda v: str(getattr(v, "group", v)) if not callable(v) else ""
)
def test_uniform_likelihood_reproduces_e2cnn_basis(gs, fin, fout, s):
    G = gs.group
    _, ours, theirs = _spaces(gs, fin(G), fout(G), s)
    rank = np.linalg.matrix_rank(ours, tol=1e-5)
    assert rank == theirs.shape[0]
    _, _, vt = np.linalg.svd(ours, full_matrices=False)
    v = vt[:rank]
    assert np.abs(theirs - theirs @ v.T @ v).max() < 1e-6  # e2cnn's basis lies in our span
    q, _ = np.linalg.qr(theirs.T)
    assert np.abs(ours - ours @ q @ q.T).max() < 1e-6  # and ours in theirs


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4), rot2d(-1), flip_rot2d(-1)], ids=lambda g: str(g.group))
def test_delta_likelihood_gives_unconstrained_kernels(gs):
    G = gs.group
    rin = regular(G) if G.order() else irrep(G, 1 if isinstance(G, SO2) else (1, 1))
    ti, to = FieldType(gs, [rin]), FieldType(gs, [rin])
    # band limit high enough to hold every frequency of the kernel space for SO(2)/O(2)
    lik = GroupLikelihood(G, L=12 if not G.order() else 4)
    conv = LearnableR2Conv(ti, to, 5, likelihood=lik)
    delta = torch.as_tensor(lik_delta(lik), dtype=torch.float32)
    w = torch.randn(to.size, ti.size, conv.H)
    with torch.no_grad():
        assert torch.allclose(conv.project(w, delta), w, atol=1e-4)
    # expected dimension: the unconstrained (C1) basis for every channel pair
    c1 = rot2d(1).group
    n_c1 = kernel_basis(trivial(c1), trivial(c1), 5).shape[0]
    assert conv.H == n_c1
    eye = torch.eye(to.size * ti.size * conv.H).reshape(-1, to.size, ti.size, conv.H)
    with torch.no_grad():
        imgs = torch.stack([conv.project(e, delta) for e in eye]).reshape(len(eye), -1)
    assert np.linalg.matrix_rank(imgs.double().numpy(), tol=1e-4) == to.size * ti.size * n_c1


def lik_delta(lik):
    """Band-limited coefficients of the Dirac delta at the identity (a density: ``int delta phi_i = phi_i(e)``):
    ``c = Gram^-1 phi(e)`` with the Haar Gram matrix of the Fourier basis."""
    import math

    from learned_equivariance import fourier_features

    G = lik.group
    pts = (
        [G.to_o2(g) for g in G.elements()]
        if G.order()
        else [(c, 2 * math.pi * i / 256) for c in range(lik.cosets) for i in range(256)]
    )
    a = fourier_features(G, lik.L_out, pts)
    gram = a.T @ a / len(pts)
    return np.linalg.solve(gram, fourier_features(G, lik.L_out, [(0, 0.0)])[0])


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4)], ids=lambda g: str(g.group))
def test_uniform_layer_is_exactly_equivariant_on_the_pixel_grid(gs):
    torch.manual_seed(0)
    G = gs.group
    ti, to = FieldType(gs, [trivial(G), regular(G)]), FieldType(gs, [regular(G)] * 2)
    conv = LearnableR2Conv(ti, to, 5, padding=2)
    errs = assert_equivariant(conv, x=ti.random_input(size=11))
    assert max(errs.values()) < 1e-5
    # e2cnn-core's R2Conv on the same types: same (round-off) error level
    ref = assert_equivariant(R2Conv(ti, to, 5, padding=2), x=ti.random_input(size=11))
    assert max(errs.values()) < 1e-5 and max(ref.values()) < 1e-5


def test_peaked_likelihood_breaks_equivariance():
    torch.manual_seed(0)
    gs = rot2d(4)
    t = FieldType(gs, [regular(gs.group)] * 2)
    conv = LearnableR2Conv(t, t, 5, padding=2)
    with torch.no_grad():
        conv.likelihood.fts_in[1] = 3.0  # cos t: peaked at the identity
    with pytest.raises(EquivarianceError):
        assert_equivariant(conv, x=t.random_input(size=11))


def test_shared_likelihood_is_one_parameter_set():
    gs = rot2d(8)
    t = FieldType(gs, [regular(gs.group)])
    lik = GroupLikelihood(gs.group, 4)
    a, b = LearnableR2Conv(t, t, 3, likelihood=lik), LearnableR2Conv(t, t, 3, likelihood=lik)
    assert a.likelihood is b.likelihood
    net = torch.nn.Sequential(a, b)
    assert sum(p is lik.fts_in for p in net.parameters()) == 1


def test_export_matches_and_gradients_reach_the_likelihood():
    torch.manual_seed(0)
    gs = flip_rot2d(-1)
    G = gs.group
    t = FieldType(gs, [irrep(G, (0, 0)), irrep(G, (1, 1))])
    conv = LearnableR2Conv(t, t, 3, padding=1)
    x = t.random_input(size=7)
    conv(x).pow(2).sum().backward()
    assert conv.likelihood.fts_in.grad.abs().sum() > 0
    with torch.no_grad():
        conv.likelihood.fts_in.normal_()
    plain = conv.export()
    assert isinstance(plain, torch.nn.Conv2d)
    assert torch.allclose(plain(x), conv(x), atol=1e-5)


def test_mismatched_types_and_likelihood_are_refused():
    a, b = FieldType(rot2d(4), [regular(rot2d(4).group)]), FieldType(rot2d(8), [regular(rot2d(8).group)])
    with pytest.raises(ValueError, match="lives on"):
        LearnableR2Conv(a, b, 3)
    with pytest.raises(ValueError, match="likelihood is over"):
        LearnableR2Conv(a, a, 3, likelihood=GroupLikelihood(O2(), 2))
