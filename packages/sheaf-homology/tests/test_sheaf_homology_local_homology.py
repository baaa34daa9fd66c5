import numpy as np
import torch
from sheaf_homology import SimplicialComplex, clique_complex, local_homology_dims, local_homology_sheaf

FAN = [(0, i, i % 6 + 1) for i in range(1, 7)]  # a triangulated disk around vertex 0
CROSS = [(0, 1, 2), (0, 2, 3), (0, 3, 4), (0, 4, 1), (0, 5, 2), (0, 2, 6), (0, 6, 4), (0, 4, 5)]  # two planes


def test_disk_interior_and_boundary():
    K = SimplicialComplex.from_simplices(FAN)
    h = local_homology_dims(K, 0)
    assert h[0].tolist() == [0, 0, 1]  # manifold point: H_2 = R
    assert (h[1:] == 0).all()  # boundary points: trivial local homology
    he = local_homology_dims(K, 1)
    inner = [K.index((0, i)) for i in range(1, 7)]
    assert (he[inner, 2] == 1).all() and he[:, 2].sum() == 6


def test_two_planes_branching_point_and_book_edge():
    K = SimplicialComplex.from_simplices(CROSS)
    assert local_homology_dims(K, 0)[0].tolist() == [0, 0, 3]  # link: two squares sharing 2 points, b1 = 3
    he = local_homology_dims(K, 1)
    assert he[K.index((0, 2)), 2] == 3  # four pages meet along (0, 2)
    assert he[K.index((0, 1)), 2] == 1


def test_graph_stalks_and_restriction_maps_by_hand():
    # star graph: centre 1 of degree 4, leaves 0, 2, 3, 4, isolated 5
    K = clique_complex(np.array([[0, 1, 1, 1], [1, 2, 3, 4]]), 6, 2)
    S = local_homology_sheaf(K)
    assert S.vertex_dims.tolist() == [0, 3, 0, 0, 0, 1]
    assert S.edge_dims.tolist() == [1, 1, 1, 1]
    # the centre's stalk is {c in R^4 : sum c = 0}; projecting onto each edge then back sums to the identity
    centre = [S.maps[e, int((S.edge_index[1, e] == 1).item())] for e in range(4)]
    total = sum(m.T @ m for m in centre)
    assert torch.allclose(total[:3, :3], torch.eye(3), atol=1e-6)
    # path a - v - b: v's stalk is spanned by (e1 - e2)/sqrt2 (up to orientation), so |F| = 1/sqrt2
    P = local_homology_sheaf(clique_complex(np.array([[0, 1], [1, 2]]), 3, 1))
    assert torch.allclose(P.maps[:, :, 0, 0].abs()[P.edge_index.T == 1], torch.full((2,), 2**-0.5))


def test_laplacian_of_disk_sheaf_is_psd_and_normalised():
    K = SimplicialComplex.from_simplices(FAN)
    S = local_homology_sheaf(K, degrees=[2])
    L = S.laplacian(normalized=True, mode="block").double()
    ev = torch.linalg.eigvalsh(L)
    assert ev.min() > -1e-6 and ev.max() < 2 + 1e-6
    d = S.coboundary()
    assert torch.allclose(S.laplacian(normalized=False), d.T @ d)


def test_truncation_caps_stalks():
    K = SimplicialComplex.from_simplices(CROSS)
    S = local_homology_sheaf(K, degrees=[2], max_stalk_dim=2)
    assert S.stalk_dim == 2 and int(S.vertex_dims[0]) == 2
