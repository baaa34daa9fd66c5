import pytest
import torch
from sheaf_homology import edge_homophily, heterophilic_graph, random_split, stratified_clouds


def test_random_split_is_a_seeded_partition():
    a = random_split(100, 3)
    b = random_split(100, 3)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=False))
    assert [int(m.sum()) for m in a] == [60, 20, 20]
    assert int(sum(m.int() for m in a).max()) == 1
    with pytest.raises(ValueError, match="sum to 1"):
        random_split(10, 0, (0.5, 0.2, 0.2))


def test_heterophilic_generator_controls_homophily():
    lo = heterophilic_graph(400, 4, 0.1, 6, 8, 1.0, seed=0)
    hi = heterophilic_graph(400, 4, 0.9, 6, 8, 1.0, seed=0)
    assert edge_homophily(lo) < 0.2 < 0.8 < edge_homophily(hi)
    again = heterophilic_graph(400, 4, 0.1, 6, 8, 1.0, seed=0)
    assert torch.equal(lo.edge_index, again.edge_index) and torch.equal(lo.x, again.x)  # seeded


def test_stratified_clouds_labels_and_invariant_features():
    d = stratified_clouds(2, 100, 6, 0.01, 0.15, seed=0)
    assert d.x.shape == (200, 2) and d.pos is not None and d.groups is not None
    assert 0.05 < float(d.y.float().mean()) < 0.3  # singular band |t| < 0.15 of t ~ U[-1, 1]
    s, t = d.edge_index
    assert bool((d.groups[s] == d.groups[t]).all())  # clouds are disconnected pieces


def test_cora_loads_from_graphdatascience():
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    from sheaf_homology import load_cora

    d = load_cora()
    assert d.x.shape == (2708, 1433) and d.num_classes == 7
    assert d.edge_index.shape[1] == 2 * 5278  # 5429 citations, 5278 distinct undirected pairs


def test_stratified_alpha_complex_sees_the_planes():
    """Alpha complex (dim <= 2) of noiseless planes: 1-skeleton = graph; many plane vertices have H_2 = R."""
    from sheaf_homology import local_homology_dims

    d = stratified_clouds(1, 200, 8, 0.0, 0.15, seed=1, complex="alpha", scale=2.0)
    K = d.complex
    assert K is not None and K.dim == 2
    und = d.edge_index[:, d.edge_index[0] < d.edge_index[1]]
    assert und.shape[1] == len(K.edges)
    assert {tuple(e) for e in und.T.tolist()} == {tuple(e) for e in K.edges.tolist()}
    h2 = local_homology_dims(K, 0)[:, 2]
    assert float((h2[d.y.numpy() == 0] == 1).mean()) > 0.3  # disk-like vertices on one plane
    knn = stratified_clouds(1, 200, 8, 0.0, 0.15, seed=1, complex="knn")
    assert knn.complex is None
    with pytest.raises(ValueError, match="alpha"):
        stratified_clouds(1, 50, 8, 0.0, 0.15, seed=1, complex="rips")
