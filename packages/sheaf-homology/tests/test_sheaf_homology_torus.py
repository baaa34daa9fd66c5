"""The third complex task (0.2.2): pinched tori, whose pinch vertices are double-cone apexes."""

import numpy as np
import pytest
import torch
from sheaf_homology import local_homology_dims, local_homology_sheaf
from sheaf_homology._data import _necklace, pinched_tori


def test_a_necklace_is_a_closed_surface_except_at_the_pinches():
    t, pos, lab, n = _necklace(np.random.default_rng(0), 5, (2, 4), (3, 4))
    assert pos.shape == (n, 3) and lab.sum() == 5 and len(np.unique(t, axis=0)) == len(t)
    e = np.sort(np.concatenate([t[:, [0, 1]], t[:, [1, 2]], t[:, [0, 2]]]), axis=1)
    _, per_edge = np.unique(e, axis=0, return_counts=True)
    assert (per_edge == 2).all()  # every edge in exactly two triangles: no boundary anywhere
    # Euler characteristic of a torus pinched at b meridians (b spheres in a cycle, glued at b points): b * 2 - b
    v, ed = n, len(per_edge)
    assert v - ed + len(t) == 5


def test_pinch_vertices_have_h1_and_h2_squared_and_degree_matching():
    d = pinched_tori((2, 1, 2), seed=7)
    assert d.complex is not None and d.labelled is not None and d.groups is not None
    b = local_homology_dims(d.complex, 0)
    lab, y = d.labelled.numpy(), d.y.numpy()
    pinch = y == 1
    assert pinch.sum() >= 5 * 6
    # link of a pinch: two disjoint circles, so H_1 = R (reduced H_0) and H_2 = R^2; a manifold vertex: H_2 = R
    assert (b[pinch] == [0, 1, 2]).all()
    assert (b[~pinch] == [0, 0, 1]).all()
    stalks = local_homology_sheaf(d.complex, max_stalk_dim=3).vertex_dims.numpy()
    assert (stalks[pinch] == 3).all() and (stalks[~pinch] == 1).all()
    deg = torch.bincount(d.edge_index[0], minlength=d.num_nodes).numpy()
    assert set(np.unique(deg[pinch])) <= {6, 7, 8}
    g = d.groups.numpy()
    for lo, hi in ((0, 2), (2, 3), (3, 5)):
        part = lab & (g >= lo) & (g < hi)
        assert (part & pinch).any()  # every split has labelled pinch vertices
        for k in np.unique(deg[part]):
            at = part & (deg == k)
            assert (y[at] == 1).sum() == (y[at] == 0).sum()  # degree alone is at chance


def test_pinched_tori_are_seeded_and_bad_settings_are_refused():
    a, b = pinched_tori((1, 1, 1), seed=3), pinched_tori((1, 1, 1), seed=3)
    assert torch.equal(a.pos, b.pos) and torch.equal(a.edge_index, b.edge_index) and torch.equal(a.labelled, b.labelled)
    with pytest.raises(ValueError, match="beads"):
        _necklace(np.random.default_rng(0), 2, (2, 4), (3, 4))
    with pytest.raises(ValueError, match="ring sizes"):
        _necklace(np.random.default_rng(0), 4, (2, 4), (2, 3))


def test_torus_task_builds_and_is_recorded(tmp_path):
    from sheaf_homology._cli import build_parser, run_config
    from sheaf_homology._config import ComplexConfig, ExperimentConfig, HeteroConfig, StratifiedConfig
    from sheaf_homology._experiments import _Graphs

    graphs = _Graphs(ExperimentConfig(), StratifiedConfig(), HeteroConfig(), ComplexConfig(splits=(1, 1, 1)))
    gs, masks, cfg, extras = graphs.get("torus", 0)
    assert cfg.train.balanced and extras["labelled_test"] == int(masks[2].sum()) > 0
    args = build_parser().parse_args(["reproduce", "--quick", "--tasks", "torus", "--out", str(tmp_path)])
    assert run_config(args)["torus"] == {"beads": [6, 8, 10], "rings": [2, 4], "ring_sizes": [3, 4]}
    assert "torus" not in run_config(build_parser().parse_args(["reproduce", "--quick", "--out", str(tmp_path)]))


def test_a_single_cone_apex_is_a_manifold_point_and_a_double_cone_apex_is_not():
    from sheaf_homology import SimplicialComplex

    # the cone over a 5-cycle (a fan) is a disc: its apex has H_2 = R like any interior vertex, so local
    # homology cannot see a (geometric) cone point; two cones sharing the apex (the pinch of a pinched torus) can
    fan = [[0, 1 + i, 1 + (i + 1) % 5] for i in range(5)]
    double = fan + [[0, 6 + i, 6 + (i + 1) % 5] for i in range(5)]
    assert (local_homology_dims(SimplicialComplex.from_simplices(fan, 6), 0)[0] == [0, 0, 1]).all()
    assert (local_homology_dims(SimplicialComplex.from_simplices(double, 11), 0)[0] == [0, 1, 2]).all()
