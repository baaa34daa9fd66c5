"""The second complex task (0.2.1): discs joined to themselves at points, same stalk dimension for both classes."""

import numpy as np
import torch
from sheaf_homology import book_complexes, local_homology_dims, local_homology_sheaf
from sheaf_homology._data import pinched_books


def test_joined_vertices_have_h1_and_manifold_vertices_h2_with_degree_matching():
    d = pinched_books((2, 1, 2), spine=16, inner=30, seed=4, pinches=4, rim=10)
    assert d.complex is not None and d.labelled is not None and d.groups is not None
    b = local_homology_dims(d.complex, 0)
    lab, y = d.labelled.numpy(), d.y.numpy()
    joined = y == 1
    assert joined.sum() >= 5
    # a joined vertex: link = two disjoint arcs, so H_1 = R, H_2 = 0; a manifold vertex: H_2 = R
    assert (b[joined] == [0, 1, 0]).all()
    assert (b[lab & (y == 0)] == [0, 0, 1]).all()
    # both classes have a one-dimensional local homology stalk: its dimension alone cannot tell them apart
    stalks = local_homology_sheaf(d.complex, max_stalk_dim=3).vertex_dims.numpy()
    assert (stalks[lab] == 1).all()
    deg = torch.bincount(d.edge_index[0], minlength=d.num_nodes).numpy()
    g = d.groups.numpy()
    for lo, hi in ((0, 2), (2, 3), (3, 5)):
        part = lab & (g >= lo) & (g < hi)
        assert (part & joined).any()  # every split has joined vertices
        for k in np.unique(deg[part]):
            at = part & (deg == k)
            assert (y[at] == 1).sum() == (y[at] == 0).sum()  # degree alone is at chance


def test_the_rim_option_leaves_the_open_books_unchanged():
    a = book_complexes((1, 1, 1), spine=10, inner=20, seed=3)
    b = book_complexes((1, 1, 1), spine=10, inner=20, seed=3)
    assert torch.equal(a.pos, b.pos) and torch.equal(a.edge_index, b.edge_index)
    from sheaf_homology._data import _book

    t0, p0, l0, n0 = _book(np.random.default_rng(0), 3, 10, 20)
    t1, p1, l1, n1 = _book(np.random.default_rng(0), 3, 10, 20, rim=0)
    assert n0 == n1 and (t0 == t1).all() and (p0 == p1).all() and (l0 == l1).all()
    t2, p2, l2, n2 = _book(np.random.default_rng(0), 2, 10, 20, rim=6)
    assert n2 == n0 - 20 and (l2[10:] == -1).sum() >= 2 * 6  # rim points are free-boundary vertices


def test_pinch_task_builds_and_is_recorded(tmp_path):
    from sheaf_homology._cli import build_parser, run_config
    from sheaf_homology._config import ComplexConfig, ExperimentConfig, HeteroConfig, StratifiedConfig
    from sheaf_homology._experiments import _Graphs

    graphs = _Graphs(ExperimentConfig(), StratifiedConfig(), HeteroConfig(), ComplexConfig(splits=(1, 1, 1)))
    gs, masks, cfg, extras = graphs.get("pinch", 0)
    assert cfg.train.balanced and extras["labelled_test"] == int(masks[2].sum()) > 0
    args = build_parser().parse_args(["reproduce", "--quick", "--tasks", "pinch", "--out", str(tmp_path)])
    assert run_config(args)["pinch"] == {"pinches": 6, "rim": 12}
    assert "pinch" not in run_config(build_parser().parse_args(["reproduce", "--quick", "--out", str(tmp_path)]))
