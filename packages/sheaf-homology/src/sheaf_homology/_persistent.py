"""The persistent local homology sheaf of a weighted complex, differentiable in the weights.

Our reading of Cesa & Behboodi (arXiv 2311.10156), stated precisely:

1. The weights ``w`` live on the edges; a simplex enters at ``f(s) = max`` of its edge weights (Rips rule),
   vertices at 0. Each relative star complex (see ``_local_homology``) is filtered by ``f``.
2. Persistence of the filtered relative star (standard column reduction ``R = D V``) gives bars
   ``(degree, birth simplex, death simplex or none)`` and one *birth cycle* per bar (``R_j`` for a pair,
   ``V_i`` for an essential class). The birth cycles form a basis of the star's relative cycles that is
   natural
   for the filtration: this is the canonical basis of the stalk. Its signs follow the orientation of the
   simplices, which we take from a label-free vertex order (each vertex ranked by its smallest incident
   weight), so for generic weights (no ties) the sheaf does not depend on the node labels at all. Bars are
   sorted by lifetime and the longest
   ``max_stalk_dim`` kept.
3. For ``v <= e`` the chain projection of ``v``'s (unit-norm) birth cycles onto ``st e`` is a cycle of ``st
e``;
   its exact coordinates in ``e``'s birth-cycle basis form the combinatorial map ``M_{v<e}``.
4. The restriction map is ``F_{v<e} = diag(rho_e) M_{v<e} diag(rho_v)`` with ``rho = tanh(lifetime / scale)``
   (essential bars die at ``cap``, by default twice the largest weight). Lifetimes are differences of entries
   of ``w``, so gradients reach the
   weights; the pairing (which simplex kills which) is piecewise constant and is recomputed on ``refresh``.
   Zero-length bars have ``rho = 0`` and are dropped from the stalks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import gudhi
import numpy as np
import torch
from torch import Tensor

from ._complex import SimplicialComplex
from ._local_homology import RelativeStar, relative_star
from ._sheaf import Sheaf


def simplex_filtration(
    K: SimplicialComplex, edge_weights: Tensor, edge_faces: list[np.ndarray] | None = None
) -> list[Tensor]:
    """Rips-rule filtration: vertices 0, edges ``w``, higher simplices the max of their edges.

    Shapes:
        edge_weights: ``(n_1,)``; returns a list over dimensions of ``(n_k,)``.
    """
    if edge_weights.shape != (len(K.edges),):
        raise ValueError(f"edge_weights must have shape ({len(K.edges)},), got {tuple(edge_weights.shape)}")
    out = [torch.zeros(K.num_vertices, dtype=edge_weights.dtype), edge_weights]
    for k in range(2, K.dim + 1):
        faces = torch.as_tensor(edge_faces[k] if edge_faces else K.edge_faces(k))
        out.append(edge_weights[faces].amax(dim=1) if len(faces) else edge_weights.new_zeros(0))
    return out[: K.dim + 1]


def reduce_boundary(d: np.ndarray, tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """Standard persistence reduction over R: ``R = D V`` with V upper unitriangular.

    Returns:
        ``(R, V, pivots)`` where ``pivots[low] = column`` pairs a birth simplex (row) with a death (column).
    """
    r = d.astype(np.float64).copy()
    n = r.shape[1]
    v = np.eye(n)
    pivots: dict[int, int] = {}
    for j in range(n):
        while True:
            nz = np.nonzero(np.abs(r[:, j]) > tol)[0]
            if len(nz) == 0:
                r[:, j] = 0.0
                break
            low = int(nz[-1])
            if low not in pivots:
                pivots[low] = j
                break
            i = pivots[low]
            c = r[low, j] / r[low, i]
            r[:, j] -= c * r[:, i]
            v[:, j] -= c * v[:, i]
    return r, v, pivots


@dataclass(frozen=True)
class StarPersistence:
    """Persistence of one filtered relative star.

    Attributes:
        dims: ``(n,)`` degree of each star simplex in filtration order.
        gids: ``(n, 2)`` (dimension, index in K) of each star simplex in filtration order.
        bars: ``(m, 3)`` integer rows ``(degree, birth position, death position or -1)``.
        cycles: ``(n, m)`` birth cycles, unit norm, in filtration-order coordinates.
    """

    dims: np.ndarray
    gids: np.ndarray
    bars: np.ndarray
    cycles: np.ndarray


def star_persistence(
    star: RelativeStar, values: list[np.ndarray], tiebreak: list[np.ndarray] | None = None
) -> StarPersistence:
    """Persistence (bars, birth cycles) of a relative star filtered by ``values`` (per dimension, simplex).

    Simplices enter by (value, dimension, ``tiebreak`` value, label index); a label-free ``tiebreak`` (e.g.
    the
    sum of a simplex's edge weights) makes the order independent of the node labels for generic weights.
    """
    items = []
    for k, sims in enumerate(star.simplices):
        for loc, g in enumerate(sims):
            tb = float(tiebreak[k][g]) if tiebreak is not None else 0.0
            items.append((float(values[k][g]), k, tb, int(g), loc))
    items.sort()
    items = [(v, k, g, loc) for v, k, _, g, loc in items]
    n = len(items)
    pos = {(k, loc): i for i, (_, k, _, loc) in enumerate(items)}
    d = np.zeros((n, n))
    for j, (_, k, _, loc) in enumerate(items):
        if k == 0:
            continue
        col = star.boundary[k][:, loc]
        for r in np.nonzero(col)[0]:
            d[pos[(k - 1, int(r))], j] = col[r]
    r, v, pivots = reduce_boundary(d)
    dims = np.array([k for _, k, _, _ in items], dtype=np.int64)
    gids = np.array([(k, g) for _, k, g, _ in items], dtype=np.int64).reshape(-1, 2)
    deaths = set(pivots.values())
    bars, cyc = [], []
    for low, j in sorted(pivots.items()):
        bars.append((dims[low], low, j))
        cyc.append(r[:, j])
    for i in range(n):
        if i not in deaths and i not in pivots:
            bars.append((dims[i], i, -1))
            cyc.append(v[:, i])
    cycles = np.array(cyc).T.reshape(n, len(cyc))
    cycles = cycles / np.maximum(np.linalg.norm(cycles, axis=0, keepdims=True), 1e-300)
    return StarPersistence(dims, gids, np.array(bars, dtype=np.int64).reshape(-1, 3), cycles)


def link_diagram_gudhi(
    K: SimplicialComplex, values: list[np.ndarray], p: int, i: int
) -> list[tuple[int, float, float]]:
    """Persistence diagram of the relative star of the i-th p-simplex, computed by gudhi on its filtered link.

    ``H_k(K, K - st s)`` is the reduced homology ``H~_{k-p-1}`` of the link, each link simplex ``t`` entering
    at
    ``f(t * s)``; the empty simplex enters at ``f(s)`` and supplies the reduced degree -1.

    Returns:
        Bars ``(relative degree, birth, death)`` with ``death = inf`` for essential ones, zero-length bars
        omitted.
    """
    s = tuple(int(x) for x in K.simplices[p][i])
    st = gudhi.SimplexTree()
    link = []
    for k in range(p + 1, K.dim + 1):
        for g, tau in enumerate(K.simplices[k]):
            t = tuple(int(x) for x in tau)
            if set(s) <= set(t):
                lk = tuple(x for x in t if x not in s)
                link.append(lk)
                st.insert(list(lk), float(values[k][g]))
    fs = float(values[p][i])
    bars: list[tuple[int, float, float]] = []
    if not link:
        return [(p, fs, float("inf"))]
    pers = st.persistence(homology_coeff_field=11, persistence_dim_max=True)
    ess0 = sorted(b for dim, (b, dth) in pers if dim == 0 and dth == float("inf"))
    first = min(float(f) for _, f in st.get_skeleton(0))  # the earliest link vertex
    removed = False
    for dim, (b, dth) in pers:
        if dim == 0 and dth == float("inf") and not removed and b == ess0[0]:
            removed = True
            continue
        if dth - b > 0:
            bars.append((dim + p + 1, float(b), float(dth)))
    if first > fs:
        bars.append((p, fs, first))
    return sorted(bars)


class PersistentLocalHomologySheaf:
    """Builds the persistent local homology sheaf of a weighted complex, differentiably in the edge weights.

    Paper: G. Cesa, A. Behboodi, arXiv 2311.10156 (2023); the exact construction is described in this module's
    docstring (our reading: persistence-weighted restriction maps in the birth-cycle basis).

    Args:
        K: the complex (its edges carry the weights).
        weights: ``(n_1,)`` edge weights that fix the pairing (detached); call :meth:`refresh` to recompute.
        degrees: homological degrees kept (default: all).
        max_stalk_dim: number of longest bars kept per stalk (the padded stalk dimension).
        scale: lifetimes are squashed by ``tanh(lifetime / scale)``; None: the median weight of each call
            (so the sheaf does not depend on the overall scale of the weights).
        cap: death value of essential bars (default: twice the largest weight).

    Shapes:
        ``__call__(weights)``: weights ``(n_1,)`` -> :class:`Sheaf` with maps ``(n_1, 2, D, D)``.

    Examples:
        >>> import torch
        >>> from sheaf_homology import clique_complex
        >>> K = clique_complex(torch.tensor([[0, 1, 2], [1, 2, 0]]), 3)
        >>> w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> S = PersistentLocalHomologySheaf(K, w, max_stalk_dim=2)(w)
        >>> S.maps.shape
        torch.Size([3, 2, 2, 2])
    """

    def __init__(
        self,
        K: SimplicialComplex,
        weights: Tensor,
        degrees: Sequence[int] | None = None,
        max_stalk_dim: int = 3,
        scale: float | None = None,
        cap: float | None = None,
    ) -> None:
        if max_stalk_dim < 1:
            raise ValueError(f"max_stalk_dim must be >= 1, got {max_stalk_dim}")
        if scale is not None and scale <= 0:
            raise ValueError(f"scale must be > 0 or None, got {scale}")
        self.K = K
        self.degrees = set(range(K.dim + 1) if degrees is None else degrees)
        self.D = int(max_stalk_dim)
        self.scale = None if scale is None else float(scale)
        self.cap = cap
        self._faces = [np.zeros((0, 0), dtype=np.int64)] * 2 + [K.edge_faces(k) for k in range(2, K.dim + 1)]
        self._vcof = K.cofaces(0)
        self._ecof = K.cofaces(1) if K.dim >= 1 else []
        self._offsets = np.cumsum([0] + K.counts())
        self.refresh(weights)

    def refresh(self, weights: Tensor) -> None:
        """Recompute the pairing, bases and combinatorial maps from the current weights."""
        vals = [
            f.detach().cpu().double().numpy()
            for f in simplex_filtration(self.K, weights.detach(), self._faces)
        ]
        if self.cap is not None:
            cap = float(self.cap)
        else:  # an edgeless complex has no weights: any positive cap will do (no bar is kept)
            cap = 2 * float(weights.detach().max()) if weights.numel() else 1.0
        self._cap = cap
        # orient simplices by a label-free vertex order (smallest incident weight; labels only break ties)
        w1 = vals[1] if self.K.dim >= 1 else np.zeros(0)
        rank = np.full(self.K.num_vertices, np.inf)
        if len(w1):
            np.minimum.at(rank, self.K.edges[:, 0], w1)
            np.minimum.at(rank, self.K.edges[:, 1], w1)
        rank_l = rank.tolist()
        self._vstars = [relative_star(self.K, 0, c, rank_l) for c in self._vcof]
        self._estars = [relative_star(self.K, 1, c, rank_l) for c in self._ecof]

        def _keep(sp: StarPersistence) -> np.ndarray:
            life = []
            for _deg, b, d in sp.bars:
                fb = vals[sp.gids[b, 0]][sp.gids[b, 1]]
                fd = cap if d < 0 else vals[sp.gids[d, 0]][sp.gids[d, 1]]
                life.append(fd - fb)
            life_a = np.array(life)
            ok = [
                i
                for i in np.argsort(-life_a, kind="stable")
                if sp.bars[i, 0] in self.degrees and life_a[i] > 0
            ]
            return np.array(ok[: self.D], dtype=np.int64)

        w1t = torch.as_tensor(w1)
        tieb = [np.zeros(self.K.num_vertices), w1] + [
            w1t[torch.as_tensor(self._faces[k])].sum(1).numpy() for k in range(2, self.K.dim + 1)
        ]
        vp = [star_persistence(s, vals, tieb) for s in self._vstars]
        ep = [star_persistence(s, vals, tieb) for s in self._estars]
        vkeep = [_keep(s) for s in vp]
        ekeep = [_keep(s) for s in ep]
        e = len(self.K.edges)
        maps = np.zeros((e, 2, self.D, self.D))
        for ei, (a, b) in enumerate(self.K.edges):
            es, ek = ep[ei], ekeep[ei]
            if len(ek) == 0:
                continue
            epos = {(int(k), int(g)): i for i, (k, g) in enumerate(es.gids)}
            for side, w in enumerate((int(a), int(b))):
                vs, vk = vp[w], vkeep[w]
                if len(vk) == 0:
                    continue
                sel = np.array([epos.get((int(k), int(g)), -1) for k, g in vs.gids])
                proj = np.zeros((len(es.gids), len(vk)))
                rows = sel >= 0
                proj[sel[rows]] = vs.cycles[rows][:, vk]
                coef = np.linalg.lstsq(es.cycles, proj, rcond=None)[0]
                maps[ei, side, : len(ek), : len(vk)] = coef[ek]
        self._maps = torch.as_tensor(maps)
        self._vbars = self._bar_table(vp, vkeep, self.K.num_vertices)
        self._ebars = self._bar_table(ep, ekeep, e)
        self.vertex_dims = torch.as_tensor([len(k) for k in vkeep])
        self.edge_dims = torch.as_tensor([len(k) for k in ekeep])

    def _bar_table(
        self, sps: list[StarPersistence], keeps: list[np.ndarray], n: int
    ) -> tuple[Tensor, Tensor]:
        """Flat simplex ids of birth and death of every kept bar: ``(n, D)`` each, -1 = essential/absent."""
        birth = -np.ones((n, self.D), dtype=np.int64)
        death = -np.ones((n, self.D), dtype=np.int64)
        for i, (sp, keep) in enumerate(zip(sps, keeps, strict=True)):
            for slot, bar in enumerate(keep):
                _, b, d = sp.bars[bar]
                birth[i, slot] = self._offsets[sp.gids[b, 0]] + sp.gids[b, 1]
                if d >= 0:
                    death[i, slot] = self._offsets[sp.gids[d, 0]] + sp.gids[d, 1]
        return torch.as_tensor(birth), torch.as_tensor(death)

    def lifetimes(self, weights: Tensor) -> tuple[Tensor, Tensor]:
        """Differentiable bar weights ``rho = tanh(lifetime / scale)``: vertices (N, D), edges (E, D)."""
        f = torch.cat(simplex_filtration(self.K, weights, self._faces))
        empty = weights.numel() == 0
        one = weights.new_tensor(1.0)
        cap = (one if empty else 2 * weights.max()) if self.cap is None else weights.new_tensor(self.cap)
        scale = (one if empty else weights.median()) if self.scale is None else weights.new_tensor(self.scale)

        def _rho(table: tuple[Tensor, Tensor]) -> Tensor:
            birth, death = table
            fb = f[birth.clamp(min=0)]
            fd = torch.where(death >= 0, f[death.clamp(min=0)], cap)
            life = torch.relu(fd - fb)
            return torch.where(birth >= 0, torch.tanh(life / scale), torch.zeros_like(life))

        return _rho(self._vbars), _rho(self._ebars)

    def __call__(self, weights: Tensor) -> Sheaf:
        rv, re = self.lifetimes(weights)
        edges = torch.as_tensor(self.K.edges.T.copy(), dtype=torch.long).reshape(2, -1)
        m = self._maps.to(weights.dtype)
        ends = torch.stack([rv[edges[0]], rv[edges[1]]], dim=1)  # (E, 2, D)
        maps = re[:, None, :, None] * m * ends[:, :, None, :]
        return Sheaf(edges, maps, self.K.num_vertices, self.vertex_dims, self.edge_dims)
