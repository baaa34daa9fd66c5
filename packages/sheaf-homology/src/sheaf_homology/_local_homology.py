"""The local homology sheaf of a simplicial complex (Cesa & Behboodi, arXiv 2311.10156).

For a simplex ``s`` of ``K`` the local homology is ``H_k(K, K - st s)``; excision makes it the homology of the
*relative star complex*: the chains on the simplices that contain ``s``, with the boundary that keeps only
faces
still containing ``s``. (Equivalently ``H_k(K, K - st s) = H~_{k - dim s - 1}(lk s)``.) For ``s <= t`` the
open
star of ``t`` lies in the one of ``s``, and projecting chains of ``st s`` onto ``st t`` is a chain map: it
induces
the restriction map ``F(s) -> F(t)``. We represent classes by harmonic chains (cycles orthogonal to
boundaries),
so the restriction map in orthonormal bases is ``B_t^T P_{s->t} B_s``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ._complex import SimplicialComplex
from ._sheaf import Sheaf


@dataclass(frozen=True)
class RelativeStar:
    """The relative star complex of one simplex.

    Attributes:
        simplices: per dimension k, the global indices (into ``K.simplices[k]``) of k-simplices containing s.
        boundary: per dimension k, the relative boundary ``(n_{k-1}, n_k)`` (empty for k <= dim s).
    """

    simplices: list[np.ndarray]
    boundary: list[np.ndarray]


def relative_star(
    K: SimplicialComplex, p: int, cof: list[list[int]], rank: Sequence[float] | None = None
) -> RelativeStar:
    """Relative star complex of the p-simplex whose star (per dimension) is ``cof``.

    Simplices are oriented by increasing vertex label, or by increasing ``rank[v]`` when given (a
    label-independent orientation, used by the persistent sheaf).
    """
    sims = [np.array(sorted(c), dtype=np.int64) for c in cof]
    local = [{g: i for i, g in enumerate(s.tolist())} for s in sims]
    sigma = set(K.tuples[p][sims[p][0]]) if len(sims[p]) else set()
    bnd: list[np.ndarray] = []
    for k in range(K.dim + 1):
        if k <= p:
            bnd.append(np.zeros((len(sims[k - 1]) if k > 0 else 0, len(sims[k]))))
            continue
        mat = np.zeros((len(sims[k - 1]), len(sims[k])))
        idx, loc = K._index[k - 1], local[k - 1]
        for j, g in enumerate(sims[k].tolist()):
            tau = K.tuples[k][g]
            if rank is not None:
                tau = tuple(sorted(tau, key=lambda v: (rank[v], v)))
            for a in range(k + 1):
                if tau[a] in sigma:
                    continue
                face = tuple(sorted(tau[:a] + tau[a + 1 :])) if rank is not None else tau[:a] + tau[a + 1 :]
                mat[loc[idx[face]], j] = -1.0 if a % 2 else 1.0
        bnd.append(mat)
    return RelativeStar(sims, bnd)


def _null_space(a: np.ndarray, n: int, tol: float = 1e-9) -> np.ndarray:
    if n == 0:
        return np.zeros((0, 0))
    if a.shape[0] == 0:
        return np.eye(n)
    _, s, vh = np.linalg.svd(a, full_matrices=True)
    rank = int((s > tol * max(1.0, s.max(initial=0.0))).sum())
    return vh[rank:].T.copy()


def harmonic_local_homology(star: RelativeStar, degrees: Sequence[int]) -> dict[int, np.ndarray]:
    """Orthonormal harmonic bases ``{k: (n_k, h_k)}`` of ``H_k(K, K - st s)`` for each k in ``degrees``."""
    out = {}
    top = len(star.simplices) - 1
    for k in degrees:
        if k > top:
            out[k] = np.zeros((0, 0))
            continue
        n = len(star.simplices[k])
        rows = [star.boundary[k]] if k > 0 else []
        if k + 1 <= top:
            rows.append(star.boundary[k + 1].T)
        a = np.vstack(rows) if rows else np.zeros((0, n))
        out[k] = _null_space(a, n)
    return out


def local_homology_dims(K: SimplicialComplex, p: int = 0) -> np.ndarray:
    """``(n_p, dim K + 1)``: Betti numbers of the local homology ``H_k(K, K - st s)`` of every p-simplex."""
    cof = K.cofaces(p)
    degs = list(range(K.dim + 1))
    out = np.zeros((len(cof), K.dim + 1), dtype=np.int64)
    for i, c in enumerate(cof):
        h = harmonic_local_homology(relative_star(K, p, c), degs)
        out[i] = [h[k].shape[1] for k in degs]
    return out


def local_homology_sheaf(
    K: SimplicialComplex,
    degrees: Sequence[int] | None = None,
    max_stalk_dim: int | None = None,
    dtype: torch.dtype = torch.float32,
) -> Sheaf:
    """The local homology sheaf of ``K`` restricted to its 1-skeleton (vertex and edge stalks).

    Paper: G. Cesa, A. Behboodi, "Algebraic Topological Networks via the Persistent Local Homology Sheaf",
    arXiv 2311.10156 (2023).

    ``F(s) = (+)_{k in degrees} H_k(K, K - st s)`` for vertices and edges ``s``, with harmonic orthonormal
    bases
    ordered from the highest degree down (then by singular vectors, an arbitrary but deterministic choice),
    and
    restriction maps ``F(v) -> F(e)`` induced by projecting chains of the open star of ``v`` onto the one of
    ``e``. Examples of stalks: a vertex inside a triangulated surface has ``H_2 = R``; a vertex where two
    planes
    cross has ``H_2 = R^3``; a graph vertex of degree d (1-dimensional complex) has ``H_1 = R^{d-1}``; a leaf
    vertex has the empty stalk (trivial local homology), an isolated vertex has ``H_0 = R``.

    Args:
        K: the complex.
        degrees: homological degrees to keep (default: all, ``0 .. dim K``).
        max_stalk_dim: cap on the padded stalk dimension (basis vectors beyond it are dropped, documented
            truncation); default: the largest stalk.
        dtype: dtype of the restriction maps.

    Returns:
        A :class:`Sheaf` on the edges of ``K`` with ``vertex_dims`` / ``edge_dims`` the (truncated) Betti
        sums.

    Examples:
        >>> from sheaf_homology import SimplicialComplex
        >>> fan = SimplicialComplex.from_simplices([(0, i, i % 6 + 1) for i in range(1, 7)])
        >>> S = local_homology_sheaf(fan, degrees=[2])
        >>> int(S.vertex_dims[0]), int(S.vertex_dims[1])
        (1, 0)
    """
    degs = sorted(set(range(K.dim + 1) if degrees is None else degrees), reverse=True)
    if any(k < 0 for k in degs):
        raise ValueError(f"degrees must be >= 0, got {degs}")
    n, edges = K.num_vertices, K.edges
    vstars = [relative_star(K, 0, c) for c in K.cofaces(0)]
    vbases = [harmonic_local_homology(s, degs) for s in vstars]
    estars = [relative_star(K, 1, c) for c in K.cofaces(1)] if K.dim >= 1 else []
    ebases = [harmonic_local_homology(s, [k for k in degs if k >= 1]) for s in estars]

    def _dim(b: dict[int, np.ndarray]) -> int:
        return int(sum(x.shape[1] for x in b.values()))

    vd = np.array([_dim(b) for b in vbases], dtype=np.int64)
    ed = np.array([_dim(b) for b in ebases], dtype=np.int64)
    dv = int(vd.max(initial=0)) if max_stalk_dim is None else int(max_stalk_dim)
    de = int(ed.max(initial=0)) if max_stalk_dim is None else int(max_stalk_dim)
    dv, de = max(dv, 1), max(de, 1)
    maps = np.zeros((len(edges), 2, de, dv))
    for ei, (u, v) in enumerate(edges):
        es, eb = estars[ei], ebases[ei]
        for side, w in enumerate((int(u), int(v))):
            vs, vb = vstars[w], vbases[w]
            cols = 0
            rows = 0
            full = np.zeros((_dim(eb), _dim(vb)))
            for k in degs:
                hk = vb[k].shape[1]
                if k >= 1 and k in eb:
                    pos = {int(g): i for i, g in enumerate(vs.simplices[k])}
                    sel = [pos[int(g)] for g in es.simplices[k]]
                    hek = eb[k].shape[1]
                    if hek and hk:
                        full[rows : rows + hek, cols : cols + hk] = eb[k].T @ vb[k][sel]
                    rows += eb[k].shape[1]
                cols += hk
            r, c = min(de, full.shape[0]), min(dv, full.shape[1])
            maps[ei, side, :r, :c] = full[:r, :c]
    t = torch.as_tensor
    return Sheaf(
        t(edges.T.copy(), dtype=torch.long).reshape(2, -1),
        t(maps, dtype=dtype),
        n,
        t(np.minimum(vd, dv)),
        t(np.minimum(ed, de)),
    )
