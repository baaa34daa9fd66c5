"""The faithful NSD (Bodnar et al., official discrete models) against a dense formula on small graphs."""

import pytest
import torch
from equi_groups.testing import assert_equivariant
from sheaf_homology import NSD, GraphSignalType, Sheaf, augmented_factors

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
