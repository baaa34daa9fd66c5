import numpy as np
import pytest
import torch
from sheaf_homology import SimplicialComplex, alpha_complex, clique_complex, rips_complex


def test_clique_complex_counts_triangle_plus_isolated():
    K = clique_complex(np.array([[0, 1, 2, 2], [1, 2, 0, 2]]), 4, max_dim=2)  # self-loop 2-2 dropped
    assert K.counts() == [4, 3, 1]
    assert K.index((2, 0, 1)) == 0


def test_clique_complex_truncation_and_k4():
    e = torch.tensor([[0, 0, 0, 1, 1, 2], [1, 2, 3, 2, 3, 3]])
    assert clique_complex(e, 4, 3).counts() == [4, 6, 4, 1]
    assert clique_complex(e, 4, 1).counts() == [4, 6]


def test_bad_edge_index_messages():
    with pytest.raises(ValueError, match=r"shape \(2, E\)"):
        clique_complex(np.zeros((3, 2), dtype=int), 3)
    with pytest.raises(ValueError, match=r"expected ids in \[0, 3\)"):
        clique_complex(np.array([[0], [5]]), 3)
    with pytest.raises(ValueError, match="integer"):
        clique_complex(np.array([[0.0], [1.0]]), 3)


def test_not_simplicial_is_rejected():
    with pytest.raises(ValueError, match=r"face \(0, 2\) of simplex \(0, 1, 2\) is missing"):
        SimplicialComplex.from_simplices([(0, 1, 2), (0, 1), (1, 2)], close=False)
    with pytest.raises(ValueError, match="repeats a vertex"):
        SimplicialComplex.from_simplices([(0, 0, 1)])


def test_rips_and_alpha_from_gudhi():
    pts = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    R = rips_complex(pts, 1.5, 2)
    assert R.counts() == [4, 3, 1]
    assert R.filtration is not None and np.isclose(R.filtration[1].max(), np.sqrt(2))
    A = alpha_complex(pts, 1.0)
    assert A.counts()[:2] == [4, 3]
    with pytest.raises(ValueError, match="duplicates"):
        alpha_complex(np.zeros((3, 2)), 1.0)


def test_alpha_complex_max_dim_drops_tetrahedra():
    pts = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert alpha_complex(pts, 10.0).counts() == [4, 6, 4, 1]
    assert alpha_complex(pts, 10.0, max_dim=2).counts() == [4, 6, 4]
    with pytest.raises(ValueError, match="max_dim"):
        alpha_complex(pts, 10.0, max_dim=-1)
