"""0.2: the controls in the same architecture, the canonical-graph convention, the degree-matched complex task."""

from dataclasses import replace

import numpy as np
import pytest
import torch
from equi_groups.testing import assert_equivariant
from sheaf_homology import (
    ExperimentConfig,
    GraphSignalType,
    ModelConfig,
    NodeData,
    Sheaf,
    book_complexes,
    build_model,
    canonical_graph,
    clique_complex,
    control_sheaves,
    local_homology_dims,
    local_homology_sheaf,
    prepare,
)

N = 7
UND = torch.tensor([[0, 0, 1, 2, 3, 4, 4, 5, 1, 2], [1, 2, 2, 3, 4, 5, 6, 6, 3, 4]])
EI = torch.cat([UND, UND.flip(0)], 1)
CFG = ModelConfig(hidden=4, layers=2, dropout=0.0)


def _lhs(dtype=torch.float64):
    # the 1-dimensional complex of the graph: a vertex of degree d has H_1 = R^{d-1} (rich stalks)
    lhs = local_homology_sheaf(clique_complex(UND, N, 1), max_stalk_dim=2, dtype=dtype)
    return Sheaf.constant(lhs.edge_index, N, dtype=dtype).direct_sum(lhs)


def _x(seed=0):
    return torch.randn(N, 5, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_controls_differ_from_lhs_only_in_the_local_homology_block():
    S = _lhs()
    c = control_sheaves(S, seed=3)
    for name in ("const", "rand"):
        T = c[name]
        assert torch.equal(T.edge_index, S.edge_index) and T.maps.shape == S.maps.shape
        assert torch.equal(T.maps[:, :, 0, 0], S.maps[:, :, 0, 0])  # the constant block R is untouched
        assert float(T.maps[:, :, 0, 1:].abs().max()) == 0 and float(T.maps[:, :, 1:, 0].abs().max()) == 0
    assert float(c["const"].maps[:, :, 1:, 1:].abs().max()) == 0
    assert torch.equal(c["const"].vertex_dims, torch.ones(N, dtype=torch.long))
    assert torch.equal(c["rand"].vertex_dims, S.vertex_dims) and torch.equal(c["rand"].edge_dims, S.edge_dims)
    # different seeds, different maps; same seed, same maps
    assert not torch.equal(control_sheaves(S, seed=4)["rand"].maps, c["rand"].maps)
    assert torch.equal(control_sheaves(S, seed=3)["rand"].maps, c["rand"].maps)


def test_random_sheaf_maps_are_partial_isometries_of_the_right_size():
    S = _lhs()
    R = Sheaf(S.edge_index, S.maps[:, :, 1:, 1:], N, S.vertex_dims - 1, S.edge_dims - 1).random_orthogonal_like(0)
    checked = 0
    for e in range(R.num_edges):
        de = int(R.edge_dims[e])
        for side in range(2):
            dv = int(R.vertex_dims[int(R.edge_index[side, e])])
            m = R.maps[e, side]
            assert float(m[de:].abs().sum()) == 0 and float(m[:, dv:].abs().sum()) == 0
            b = m[:de, :dv]
            if de and dv:
                g = b.T @ b if de >= dv else b @ b.T
                torch.testing.assert_close(g, torch.eye(min(de, dv), dtype=g.dtype), atol=1e-6, rtol=0)
                checked += 1
    assert checked > 0


def test_const_control_equals_lhs_model_with_the_local_homology_block_zeroed():
    # same network, same weights: the control is exactly "lhs without local homology"
    torch.manual_seed(0)
    m = build_model("lhs", 5, 3, CFG, lhs_dim=2).double()
    S = _lhs()
    zero = Sheaf(
        S.edge_index, S.maps.clone(), N, torch.ones(N, dtype=torch.long), torch.ones(S.num_edges, dtype=torch.long)
    )
    zero.maps[:, :, 1:, :] = 0
    zero.maps[:, :, :, 1:] = 0
    a = m(_x(), EI, sheaf=control_sheaves(S, 0)["const"])
    torch.testing.assert_close(a, m(_x(), EI, sheaf=zero))
    assert not torch.allclose(a, m(_x(), EI, sheaf=S))


@pytest.mark.parametrize("name", ["const", "rand"])
def test_control_models_are_permutation_equivariant_given_the_sheaf(name):
    torch.manual_seed(0)
    S = control_sheaves(_lhs(), 0)[name]
    m = build_model(name, 5, 3, CFG, lhs_dim=2).double()
    T = GraphSignalType(N)
    assert_equivariant(lambda inp: m(inp[0], inp[1], sheaf=inp[2]), T, T, x=(_x(), EI, S))


@pytest.mark.parametrize("name", ["betti", "degree"])
def test_local_baselines_are_permutation_equivariant(name):
    torch.manual_seed(0)
    m = build_model(name, 5, 3, CFG, lhs_dim=2, local_features=3).double().eval()
    loc = torch.randn(N, 3, dtype=torch.float64)
    T = GraphSignalType(N)
    out = m(_x(), EI, local=loc)
    perm = torch.randperm(N)
    torch.testing.assert_close(m(_x()[perm], EI, local=loc[perm]), out[perm])
    assert T is not None
    with pytest.raises(ValueError, match="local="):
        m(_x(), EI)


def test_canonical_graph_convention():
    clean = canonical_graph(UND, N)
    messy = torch.cat([UND, UND[:, :3], UND.flip(0)[:, 2:5], torch.tensor([[2, 5], [2, 5]])], 1)
    assert torch.equal(canonical_graph(messy, N), clean)  # duplicates merged, self-loops dropped, reverses added
    assert canonical_graph(torch.zeros(2, 0, dtype=torch.long), 3).shape == (2, 0)
    with pytest.raises(ValueError, match=r"ids in \[0, 7\)"):
        canonical_graph(torch.tensor([[0], [7]]), N)
    with pytest.raises(ValueError, match="integer"):
        canonical_graph(torch.tensor([[0.0], [1.0]]), N)
    with pytest.raises(ValueError, match=r"shape \(2, E\)"):
        canonical_graph(torch.tensor([0, 1, 2]), N)


def _node_data(ei, n=N):
    g = torch.Generator().manual_seed(1)
    return NodeData(torch.randn(n, 5, generator=g), torch.randint(0, 3, (n,), generator=g), ei)


@pytest.mark.parametrize("name", ["gcn", "gat", "nsd", "lhs", "const", "rand", "lhs_persistent"])
def test_duplicate_edges_and_self_loops_do_not_change_any_model_after_prepare(name):
    messy = torch.cat([EI, EI[:, :4], torch.tensor([[3, 6], [3, 6]])], 1)
    cfg = ExperimentConfig(model=ModelConfig(hidden=4, dropout=0.0), lhs_dim=2)
    outs = []
    for ei in (EI, messy):
        gs = prepare(_node_data(ei), cfg)
        torch.manual_seed(0)
        m = build_model(name, 5, 3, cfg.model, 2).eval()
        outs.append(m(gs.data.x, gs.data.edge_index, sheaf=gs.sheaf_for(name), persistent=gs.persistent))
    torch.testing.assert_close(outs[0], outs[1])


def test_prepare_accepts_a_graph_without_edges_and_isolated_nodes():
    cfg = ExperimentConfig(model=ModelConfig(hidden=4), lhs_dim=2)
    gs = prepare(_node_data(torch.zeros(2, 0, dtype=torch.long), 4), cfg)
    assert gs.lhs.num_edges == 0
    for name in ("gcn", "lhs", "const", "rand", "lhs_persistent", "betti", "degree"):
        local = gs.local.get(name)
        m = build_model(name, 5, 3, cfg.model, 2, local_features=1 if local is None else local.shape[1])
        if local is not None:
            out = m(gs.data.x, gs.data.edge_index, local=local)
        else:
            out = m(gs.data.x, gs.data.edge_index, sheaf=gs.sheaf_for(name), persistent=gs.persistent)
        assert out.shape == (4, 3) and torch.isfinite(out).all()
    # isolated node: H_0 = R, its Betti row says so
    assert local_homology_dims(clique_complex(torch.zeros(2, 0, dtype=torch.long), 2), 0).tolist() == [[1], [1]]


def test_book_complexes_strata_local_homology_and_degree_matching():
    d = book_complexes((2, 1, 2), spine=12, inner=25, seed=5, pages=(2, 3, 4))
    assert d.complex is not None and d.labelled is not None and d.groups is not None
    b = local_homology_dims(d.complex, 0)
    lab = d.labelled.numpy()
    y = d.y.numpy()
    # singular (spine of >= 3 pages): dim H_2 = pages - 1 >= 2; manifold interior: H_2 = R
    assert (b[lab & (y == 1), 2] >= 2).all() and (b[lab & (y == 0), 2] == 1).all()
    deg = torch.bincount(d.edge_index[0], minlength=d.num_nodes).numpy()
    for lo, hi in ((0, 2), (2, 3), (3, 5)):
        part = lab & (d.groups.numpy() >= lo) & (d.groups.numpy() < hi)
        for k in np.unique(deg[part]):
            at = part & (deg == k)
            assert (y[at] == 1).sum() == (y[at] == 0).sum()  # degree alone is at chance
    assert lab.sum() > 0 and set(np.unique(y[lab])) <= {0, 1}


def test_search_draws_the_same_candidates_for_every_model_and_picks_on_validation():
    from sheaf_homology._experiments import SEARCH_SPACE, run_searched, search_configs

    cfg = ExperimentConfig(model=ModelConfig(hidden=4), lhs_dim=2)
    a, b = search_configs(cfg, 4, seed=1), search_configs(cfg, 4, seed=1)
    assert a == b and len(a) == 4 and a != search_configs(cfg, 4, seed=2)
    assert all(c.train.lr in SEARCH_SPACE["lr"] and c.model.hidden in SEARCH_SPACE["hidden"] for c in a)
    gs = prepare(_node_data(EI), replace(cfg, train=replace(cfg.train, epochs=3, patience=3)))
    masks = (torch.arange(N) < 3, (torch.arange(N) >= 3) & (torch.arange(N) < 5), torch.arange(N) >= 5)
    short = replace(cfg, train=replace(cfg.train, epochs=3, patience=3))
    r = run_searched("gcn", gs, masks, short, seed=0, n=2)
    assert r["search.choice"] in (0.0, 1.0) and "test" in r
