import numpy as np
import pytest
import torch
from sheaf_homology import (
    PersistentLocalHomologySheaf,
    SimplicialComplex,
    link_diagram_gudhi,
    relative_star,
    rips_complex,
    simplex_filtration,
    star_persistence,
)


def _ours(K, vals, p, i, cof):
    sp = star_persistence(relative_star(K, p, cof), vals)
    out = []
    for deg, b, d in sp.bars:
        fb = vals[sp.gids[b, 0]][sp.gids[b, 1]]
        fd = np.inf if d < 0 else vals[sp.gids[d, 0]][sp.gids[d, 1]]
        if fd > fb:
            out.append((int(deg), round(float(fb), 9), round(float(fd), 9) if np.isfinite(fd) else np.inf))
    return sorted(out)


def test_star_persistence_matches_gudhi_on_links():
    rng = np.random.default_rng(0)
    K = rips_complex(rng.normal(size=(14, 2)), 1.3, 2)
    w = torch.tensor(rng.uniform(0.1, 1, size=len(K.edges)))
    vals = [f.numpy() for f in simplex_filtration(K, w)]
    for p in (0, 1):
        for i, cof in enumerate(K.cofaces(p)):
            g = [
                (d, round(b, 9), round(e, 9) if np.isfinite(e) else np.inf)
                for d, b, e in link_diagram_gudhi(K, vals, p, i)
            ]
            assert _ours(K, vals, p, i, cof) == sorted(g), (p, i)


def test_birth_cycles_are_relative_cycles():
    K = SimplicialComplex.from_simplices([(0, 1, 2), (0, 2, 3), (0, 3, 1)])
    w = torch.tensor([1.0, 2.0, 3.0, 1.5, 2.5, 0.5])
    vals = [f.numpy() for f in simplex_filtration(K, w)]
    star = relative_star(K, 0, K.cofaces(0)[0])
    sp = star_persistence(star, vals)
    n = len(sp.dims)
    d = np.zeros((n, n))
    pos = {(int(k), int(g)): j for j, (k, g) in enumerate(sp.gids)}
    for j, (k, g) in enumerate(sp.gids):
        if k > 0:
            loc = list(star.simplices[k]).index(g)
            for r in np.nonzero(star.boundary[k][:, loc])[0]:
                d[pos[(k - 1, int(star.simplices[k - 1][r]))], j] = star.boundary[k][r, loc]
    assert np.abs(d @ sp.cycles).max() < 1e-9
    # the vertex of a closed cone (a disk) has one essential H_2 class
    assert sum(1 for deg, _, dd in sp.bars if deg == 2 and dd < 0) == 1


def test_gradcheck_persistent_sheaf_laplacian():
    K = SimplicialComplex.from_simplices([(0, 1, 2), (0, 2, 3), (0, 3, 1), (1, 4)])
    w = torch.tensor([0.3, 0.5, 0.7, 0.4, 0.9, 0.6, 0.8], dtype=torch.float64)[: len(K.edges)]
    builder = PersistentLocalHomologySheaf(K, w, max_stalk_dim=2)

    def fn(x):
        return builder(x).laplacian(normalized=True, mode="renorm")[:6].sum(-1)

    x = w.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-5)
    fn(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # gradients do reach the weights


def test_persistent_sheaf_errors_and_shapes():
    K = SimplicialComplex.from_simplices([(0, 1), (1, 2)])
    w = torch.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="max_stalk_dim must be >= 1"):
        PersistentLocalHomologySheaf(K, w, max_stalk_dim=0)
    with pytest.raises(ValueError, match=r"edge_weights must have shape \(2,\)"):
        PersistentLocalHomologySheaf(K, torch.ones(3))
    S = PersistentLocalHomologySheaf(K, w, max_stalk_dim=2)(w)
    assert S.maps.shape == (2, 2, 2, 2)
    # leaves: one H_0 bar [0, w); middle vertex: H_0 bar [0, 1) and the essential H_1 class born at 2
    assert S.vertex_dims.tolist() == [1, 2, 1]
