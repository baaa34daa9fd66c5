import numpy as np
import pytest
import torch
from equi_groups.testing import EquivarianceError, assert_equivariant
from sheaf_homology import (
    GraphSignalType,
    LearnedRestrictionMaps,
    Sheaf,
    SheafAttention,
    SheafConv,
    SheafDiffusion,
    clique_complex,
    local_homology_sheaf,
)
from torch_geometric.nn import GCNConv

N = 6
# two triangles joined by an edge, plus a pendant vertex: stalks of several sizes, a leaf, no isolated node
EDGES = torch.tensor([[0, 0, 1, 2, 3, 3, 4, 4], [1, 2, 2, 3, 4, 5, 5, 1]])


def _sheaf(dtype=torch.float64) -> Sheaf:
    lhs = local_homology_sheaf(clique_complex(EDGES, N, 2), max_stalk_dim=2, dtype=dtype)
    return Sheaf.constant(lhs.edge_index, N, dtype=dtype).direct_sum(lhs)


def _x(d, c, seed=0):
    return torch.randn(N, d, c, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_sheaf_conv_with_constant_sheaf_is_gcn():
    torch.manual_seed(0)
    S = Sheaf.constant(EDGES, N, dtype=torch.float64)
    conv = SheafConv(4, 3).double()
    gcn = GCNConv(4, 3, bias=False).double()
    gcn.lin.weight.data.copy_(conv.lin.weight.data)
    x = torch.randn(N, 4, dtype=torch.float64)
    ei = torch.cat([EDGES, EDGES.flip(0)], 1)
    assert torch.allclose(conv(x[:, None], S)[:, 0], gcn(x, ei), atol=1e-12)


def test_sheaf_conv_matches_dense_laplacian():
    S = _sheaf()
    conv = SheafConv(2, 2).double()
    x = _x(S.stalk_dim, 2)
    y = conv(x, S)
    h = conv.lin(x)
    lap = S.laplacian(normalized=True, mode="renorm")
    ref = h.reshape(-1, 2) - lap @ h.reshape(-1, 2)
    assert torch.allclose(y.reshape(-1, 2), ref, atol=1e-12)


def test_attention_is_gat_normalised_over_the_closed_neighbourhood():
    # uniform attention: y = D~^{-1} (I + A_T) h, with A_T the renormalised transports and D~ = deg + 1
    S = _sheaf()
    att = SheafAttention(3, 2, stalk_dim=S.stalk_dim).double()
    x = _x(S.stalk_dim, 3)
    h = att.lin(x)
    n, dv = h.shape[:2]
    lap = S.laplacian(normalized=True, mode="renorm")
    dblock = torch.block_diag(*[lap[i * dv : (i + 1) * dv, i * dv : (i + 1) * dv] for i in range(n)])
    adj = dblock - lap  # the transports T_uv off the diagonal, zero blocks on it
    deg = torch.zeros(n, dtype=torch.float64).index_add(
        0, S.edge_index.reshape(-1), torch.ones(2 * S.num_edges, dtype=torch.float64)
    )
    w = (1 / (deg + 1)).repeat_interleave(dv)[:, None]
    ref = w * (h.reshape(-1, 2) + adj @ h.reshape(-1, 2))
    assert torch.allclose(att(x, S, uniform=True).reshape(-1, 2), ref, atol=1e-12)
    assert not torch.allclose(att(x, S), att(x, S, uniform=True), atol=1e-6)
    # the constant sheaf on a graph where all transports are equal: learned attention is a convex combination
    ring = torch.tensor([[0, 1, 2, 3], [1, 2, 3, 0]])
    C = Sheaf.constant(ring, 4, dtype=torch.float64)
    att1 = SheafAttention(3, 2, stalk_dim=1).double()
    xc = torch.ones(4, 1, 3, dtype=torch.float64)  # equal features: every node's output is h scaled by
    t = 1 / 3  # the common transport 1 / 3 (renormalised degree 2 + 1) for neighbours and 1 for itself
    y = att1(xc, C)
    hc = att1.lin(xc)
    assert torch.allclose(y, hc * (1 / 3 + 2 / 3 * t), atol=1e-12)  # softmax of equal scores: 1/3 each


@pytest.mark.parametrize("layer", ["conv", "attention", "diffusion"])
def test_sheaf_layers_are_permutation_equivariant(layer):
    torch.manual_seed(0)
    S = _sheaf()
    d = S.stalk_dim
    mod = {
        "conv": SheafConv(3, 3),
        "attention": SheafAttention(3, 3, d, heads=2),
        "diffusion": SheafDiffusion(3, d),
    }
    m = mod[layer].double()
    if layer == "diffusion":
        m.eps.data.normal_()
        m.w1.data.normal_()
    T = GraphSignalType(N)
    errs = assert_equivariant(lambda inp: m(inp[0], inp[1]), T, T, x=(_x(d, 3), S))
    assert len(errs) >= 10  # identity, 2 generators and 8 sampled permutations of S_6


@pytest.mark.parametrize("kind", ["diag", "orth"])
def test_nsd_step_is_permutation_equivariant(kind):
    torch.manual_seed(1)
    maps = LearnedRestrictionMaps(3, 3, kind).double()
    step = SheafDiffusion(3, 3).double()

    def fn(inp):
        x, ei = inp
        und = ei[:, ei[0] < ei[1]]
        return step(x, maps(x, und))

    ei = torch.cat([EDGES, EDGES.flip(0)], 1)
    T = GraphSignalType(N)
    assert_equivariant(fn, T, T, x=(_x(3, 3), ei))
    if kind == "orth":
        F = maps(_x(3, 3), EDGES).maps
        eye = torch.eye(3, dtype=torch.float64)
        assert torch.allclose(F.transpose(-1, -2) @ F, eye.expand_as(F), atol=1e-10)


def test_equivariance_check_can_fail():
    S = _sheaf()
    conv = SheafConv(3, 3).double()
    pos = torch.arange(N, dtype=torch.float64)[:, None, None]
    T = GraphSignalType(N)
    with pytest.raises(EquivarianceError):
        assert_equivariant(lambda inp: conv(inp[0] + pos, inp[1]), T, T, x=(_x(S.stalk_dim, 3), S))


def test_layer_input_errors():
    S = _sheaf()
    with pytest.raises(ValueError, match=r"stalk features must have shape \(N, Dv, C\) = \(6, 3, 4\)"):
        SheafConv(4, 2)(torch.randn(6, 2, 4), S)
    with pytest.raises(ValueError, match="layer built for stalk_dim 2"):
        SheafAttention(4, 2, stalk_dim=2)(torch.randn(6, 3, 4), S)
    with pytest.raises(ValueError, match=r"not symmetric: edge \(0, 1\) has no reverse"):
        from sheaf_homology import reverse_edge_ids

        reverse_edge_ids(torch.tensor([[0], [1]]), 2)


def test_empty_stalk_node_gets_no_sheaf_message():
    # path 0-1-2 as a 1-complex: leaves have empty local homology stalks (documented convention)
    S = local_homology_sheaf(clique_complex(np.array([[0, 1], [1, 2]]), 3, 1), dtype=torch.float64)
    assert S.vertex_dims.tolist() == [0, 1, 0]
    conv = SheafConv(2, 2).double()
    x = torch.randn(3, 1, 2, dtype=torch.float64)
    y = conv(x, S)
    assert torch.allclose(y[[0, 2]], conv.lin(x[[0, 2]]), atol=1e-12)
