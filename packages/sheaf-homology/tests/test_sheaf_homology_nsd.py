"""The faithful NSD (Bodnar et al., official discrete models) against a dense formula on small graphs."""

import pytest
import torch
from equi_groups.testing import assert_equivariant
from sheaf_homology import NSD, GraphSignalType, Sheaf, augmented_factors, orthogonal_maps

N = 6
UND = torch.tensor([[0, 0, 1, 2, 3, 4, 1], [1, 2, 2, 3, 4, 5, 4]])
EI = torch.cat([UND, UND.flip(0)], 1)


def _x(seed=0, c=5):
    return torch.randn(N, c, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("kind", ["diag", "orth", "general"])
def test_one_diffusion_step_matches_the_dense_formula(kind):
    torch.manual_seed(0)
    m = NSD(5, 3, d=3, hidden=4, layers=1, kind=kind, dropout=0.0).double().eval()
    with torch.no_grad():
        m.eps[0].copy_(torch.tensor([[0.3], [-0.2], [0.1]]))
        m.left[0].copy_(torch.eye(3) + 0.1 * torch.randn(3, 3))
        if kind == "general":  # keep the normalised blocks inside [-1, 1] (no clamping) for an exact check
            m.learners[0].weight.mul_(0.1)
    x = _x()
    h = torch.nn.functional.elu(m.lin1(x)).reshape(N, 3, 4)
    S = m.sheaf(h, UND, 0)
    if kind == "orth":  # orthogonal maps times an edge weight in (0, 1), the same at both ends
        g = S.maps.transpose(-1, -2) @ S.maps
        w2 = g[:, :, 0, 0]
        assert torch.allclose(w2[:, 0], w2[:, 1]) and bool(((w2 > 0) & (w2 < 1)).all())
        eye = torch.eye(3, dtype=torch.float64).expand(S.num_edges, 2, 3, 3)
        torch.testing.assert_close(g, w2[:, :, None, None] * eye)
    lap = S.laplacian(mode="augmented")  # (N d, N d) dense, (D + I)^{-1/2} L (D + I)^{-1/2}
    w = torch.kron(torch.eye(N, dtype=torch.float64), m.left[0]) @ h.reshape(N * 3, 4) @ m.right[0].weight.T
    coeff = (1 + torch.tanh(m.eps[0])).repeat(N, 1)
    want = coeff * h.reshape(N * 3, 4) - torch.nn.functional.elu(lap @ w)
    want = m.lin2(want.reshape(N, 12))
    torch.testing.assert_close(m(x, EI), want)


def test_augmented_normalisation_equals_diag_plus_one_for_diagonal_and_orthogonal_maps():
    g = torch.Generator().manual_seed(2)
    diag = torch.diag_embed(torch.rand(UND.shape[1], 2, 3, generator=g, dtype=torch.float64))
    q = torch.linalg.qr(torch.randn(UND.shape[1], 2, 3, 3, generator=g, dtype=torch.float64))[0]
    for maps in (diag, q):
        S = Sheaf(UND, maps, N)
        torch.testing.assert_close(S.laplacian(mode="augmented"), S.laplacian(mode="renorm"))
    # the message-passing blocks equal the dense matrix
    S = Sheaf(UND, torch.randn(UND.shape[1], 2, 3, 3, generator=g, dtype=torch.float64) * 0.3, N)
    ei, off, dg = augmented_factors(S)
    dense = torch.zeros(N, 3, N, 3, dtype=torch.float64)
    dense[torch.arange(N), :, torch.arange(N)] = dg
    for k in range(ei.shape[1]):
        dense[ei[1, k], :, ei[0, k]] = -off[k]
    torch.testing.assert_close(dense.reshape(3 * N, 3 * N), S.laplacian(mode="augmented"))


@pytest.mark.parametrize("kind", ["diag", "orth", "general"])
def test_nsd_is_permutation_equivariant(kind):
    torch.manual_seed(0)
    m = NSD(5, 3, d=2, hidden=3, layers=2, kind=kind, dropout=0.0).double().eval()  # eval: no jitter (general)
    T = GraphSignalType(N)
    assert_equivariant(lambda inp: m(inp[0], inp[1]), T, T, x=(_x(), EI))


def test_nsd_refuses_bad_settings():
    with pytest.raises(ValueError, match="kind"):
        NSD(5, 3, kind="bundle")
    with pytest.raises(ValueError, match="d >= 2"):
        NSD(5, 3, d=1, kind="orth")
    with pytest.raises(ValueError, match="orth_map"):
        NSD(5, 3, kind="orth", orth_map="euler")


def _householder_reference(params, d):
    """``H_0 H_1 ... H_{d-1}`` written out: ``v_i`` the i-th column of (strictly lower params) + I."""
    a = torch.eye(d, dtype=torch.float64)
    r, c = torch.tril_indices(d, d, -1)
    a[r, c] = params
    q = torch.eye(d, dtype=torch.float64)
    for i in range(d):
        v = a[:, i : i + 1]
        q = q @ (torch.eye(d, dtype=torch.float64) - 2 * v @ v.T / (v.T @ v))
    return q


@pytest.mark.parametrize("orth_map", ["householder", "matrix_exp", "cayley"])
@pytest.mark.parametrize("d", [2, 3, 4])
def test_orthogonal_maps_are_orthogonal_and_match_their_formulas(orth_map, d):
    g = torch.Generator().manual_seed(d)
    p = torch.tanh(torch.randn(7, d * (d - 1) // 2, generator=g, dtype=torch.float64))
    q = orthogonal_maps(p, d, orth_map)
    eye = torch.eye(d, dtype=torch.float64).expand(7, d, d)
    torch.testing.assert_close(q.transpose(-1, -2) @ q, eye)
    dets = torch.linalg.det(q)
    r, c = torch.tril_indices(d, d, -1)
    for k in range(7):
        a = torch.zeros(d, d, dtype=torch.float64)
        a[r, c] = p[k]
        s = a - a.T
        want = {
            "householder": _householder_reference(p[k], d),
            "matrix_exp": torch.linalg.matrix_exp(s),
            "cayley": torch.linalg.inv(torch.eye(d, dtype=torch.float64) - s / 2) @ (torch.eye(d) + s / 2).double(),
        }[orth_map]
        torch.testing.assert_close(q[k], want)
    # Householder: d reflections, det (-1)^d, zero parameters give -I; the others: SO(d), zero gives I
    sign = (-1.0) ** d if orth_map == "householder" else 1.0
    torch.testing.assert_close(dets, torch.full((7,), sign, dtype=torch.float64))
    zero = orthogonal_maps(torch.zeros(1, d * (d - 1) // 2, dtype=torch.float64), d, orth_map)[0]
    torch.testing.assert_close(zero, (-1.0 if orth_map == "householder" else 1.0) * torch.eye(d, dtype=torch.float64))


def test_householder_maps_have_gradients():
    p = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: orthogonal_maps(torch.tanh(t), 3, "householder"), (p,))


@pytest.mark.parametrize("orth_map", ["householder", "matrix_exp", "cayley"])
def test_nsd_orth_bounds_its_map_parameters_with_tanh(orth_map):
    """The official sheaf learner applies tanh to every kind; a huge pre-activation must give the same maps as
    tanh(.) = +-1 (0.2.0 fed the raw values into exp(A - A^T))."""
    torch.manual_seed(0)
    m = NSD(5, 3, d=3, hidden=4, layers=1, kind="orth", dropout=0.0, orth_map=orth_map).double().eval()
    h = torch.nn.functional.elu(m.lin1(_x())).reshape(N, 3, 4)
    with torch.no_grad():
        m.learners[0].weight.mul_(1e6)
    z = m.learners[0](torch.cat([h.reshape(N, -1)[UND[0]], h.reshape(N, -1)[UND[1]]], 1))
    maps = m.restriction_maps(h, UND, 0)[:, 0]
    w = maps.transpose(-1, -2) @ maps
    unit = maps / w[:, :1, :1].sqrt()
    torch.testing.assert_close(unit, orthogonal_maps(torch.sign(z), 3, orth_map))
