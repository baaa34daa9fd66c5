"""Data: Cora (from the graphdatascience package), stratified point clouds, heterophilic graphs."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ._complex import SimplicialComplex, alpha_complex
from ._config import TORUS_BEADS, TORUS_RING_SIZES, TORUS_RINGS


@dataclass(frozen=True)
class NodeData:
    """A node-classification graph.

    Attributes:
        x: ``(N, C)`` float features; y: ``(N,)`` labels; edge_index: ``(2, 2E)`` symmetric, no self-loops;
        pos: optional ``(N, 3)`` point positions; groups: optional ``(N,)`` id of the connected piece (cloud);
        complex: optional simplicial complex whose 1-skeleton is ``edge_index`` (used instead of the clique
        complex by the local homology models); labelled: optional ``(N,)`` bool, the nodes whose label counts
        (the others are in the graph but in no train / validation / test mask).
    """

    x: Tensor
    y: Tensor
    edge_index: Tensor
    pos: Tensor | None = None
    groups: Tensor | None = None
    complex: SimplicialComplex | None = None
    labelled: Tensor | None = None

    @property
    def num_nodes(self) -> int:
        return int(self.x.shape[0])

    @property
    def num_classes(self) -> int:
        return int(self.y.max()) + 1


def symmetrize(edges: np.ndarray, num_nodes: int) -> Tensor:
    """Both directions of every undirected edge, self-loops and duplicates removed: ``(2, 2E)``."""
    e = np.asarray(edges, dtype=np.int64).reshape(2, -1)
    e = e[:, e[0] != e[1]]
    e = np.unique(np.sort(e, axis=0), axis=1)
    return torch.as_tensor(np.concatenate([e, e[::-1]], axis=1).copy())


def canonical_graph(edge_index: object, num_nodes: int) -> Tensor:
    """The graph every model of an experiment sees: ``(2, 2E)`` symmetric, no self-loops, no duplicates.

    Convention for imperfect input graphs (documented, tested): self-loops are dropped (every layer adds its
    own self term), duplicate edges are merged (a graph, not a multigraph: without this GCN / GAT / NSD
    would weight a doubled edge twice while the complex-based sheaf models would not), a directed edge gets
    its reverse, isolated nodes are kept (no messages; their local homology is ``H_0 = R``). Raises
    ``ValueError`` for a wrong shape, non-integer ids or ids outside ``[0, num_nodes)``.
    """
    e = np.asarray(edge_index.cpu() if hasattr(edge_index, "cpu") else edge_index)  # type: ignore[union-attr]
    if e.ndim != 2 or e.shape[0] != 2:
        raise ValueError(f"edge_index must have shape (2, E), got {tuple(e.shape)}")
    if e.size and not np.issubdtype(e.dtype, np.integer):
        raise ValueError(f"edge_index must hold integer node ids, got dtype {e.dtype}")
    if e.size and (e.min() < 0 or e.max() >= num_nodes):
        raise ValueError(f"edge_index holds node ids in [{e.min()}, {e.max()}], expected ids in [0, {num_nodes})")
    return symmetrize(e.astype(np.int64), num_nodes)


def cora_dir() -> Path:
    """Folder of the Cora files shipped inside ``graphdatascience`` (found without importing the package)."""
    spec = importlib.util.find_spec("graphdatascience")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "Cora comes from the graphdatascience package: install sheaf-homology[data] "
            "(graphdatascience, pyarrow, pandas)"
        )
    return Path(spec.origin).parent / "resources" / "cora"


def load_cora() -> NodeData:
    """Cora (McCallum et al. 2000; Sen et al. 2008): 2708 papers, 1433 binary word features, 7 subjects.

    Read from ``graphdatascience/resources/cora/cora_{nodes,rels}.parquet.gzip`` with pandas/pyarrow. Features
    are
    row-normalised (sum 1), as is usual for Cora; citations become undirected edges.
    """
    import pandas as pd

    d = cora_dir()
    nodes = pd.read_parquet(d / "cora_nodes.parquet.gzip")
    rels = pd.read_parquet(d / "cora_rels.parquet.gzip")
    ids = {int(v): i for i, v in enumerate(nodes["nodeId"].to_numpy())}
    x = np.stack(nodes["features"].to_numpy()).astype(np.float32)
    x = x / np.maximum(x.sum(1, keepdims=True), 1.0)
    y = nodes["subject"].to_numpy().astype(np.int64)
    src = np.array([ids[int(v)] for v in rels["sourceNodeId"]])
    dst = np.array([ids[int(v)] for v in rels["targetNodeId"]])
    ei = symmetrize(np.stack([src, dst]), len(ids))
    return NodeData(torch.as_tensor(x), torch.as_tensor(y), ei)


def random_split(
    n: int, seed: int, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)
) -> tuple[Tensor, ...]:
    """Boolean train/val/test masks of a seeded random split (60/20/20 by default)."""
    if abs(sum(fractions) - 1) > 1e-9 or min(fractions) < 0:
        raise ValueError(f"fractions must be >= 0 and sum to 1, got {fractions}")
    perm = torch.as_tensor(np.random.default_rng(seed).permutation(n))
    a, b = int(fractions[0] * n), int((fractions[0] + fractions[1]) * n)
    masks = []
    for lo, hi in ((0, a), (a, b), (b, n)):
        m = torch.zeros(n, dtype=torch.bool)
        m[perm[lo:hi]] = True
        masks.append(m)
    return tuple(masks)


def knn_edges(points: np.ndarray, k: int) -> np.ndarray:
    """Symmetrised k-nearest-neighbour graph of a point cloud: undirected ``(2, E)`` pairs."""
    from scipy.spatial import cKDTree

    _, nbr = cKDTree(points).query(points, k=k + 1)
    src = np.repeat(np.arange(len(points)), k)
    return np.stack([src, nbr[:, 1:].reshape(-1)])


def two_planes(n: int, noise: float, band: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points on two planes crossing in a line (a stratified space), randomly rotated.

    Half the points on each plane ``{(s, t cos a, t sin a)}`` with ``a`` uniform in [50, 90] degrees, ``(s,
    t)``
    uniform in ``[-1, 1]^2``; Gaussian noise of std ``noise``; label 1 (singular stratum) if ``|t| < band``.

    Returns:
        ``pos (n, 3)``, ``labels (n,)``.
    """
    a = np.deg2rad(rng.uniform(50, 90))
    s, t = rng.uniform(-1, 1, size=(2, n))
    which = np.arange(n) % 2
    ang = np.where(which == 0, 0.0, a)
    pos = np.stack([s, t * np.cos(ang), t * np.sin(ang)], axis=1)
    pos += noise * rng.normal(size=pos.shape)
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    pos = pos @ (q * np.sign(np.diag(r)))
    return pos, (np.abs(t) < band).astype(np.int64)


def stratified_clouds(
    num_clouds: int,
    points: int,
    k: int,
    noise: float,
    band: float,
    seed: int,
    complex: str = "alpha",
    scale: float = 2.0,
) -> NodeData:
    """Disjoint union of ``num_clouds`` two-plane clouds with their complexes; rigid-motion invariant inputs.

    ``complex="alpha"``: per cloud, the alpha complex truncated to dimension 2 at radius ``scale * h`` (``h``
    the median nearest-neighbour distance of the cloud), i.e. a complex at a fixed scale relative to the
    sampling density that approximates the two planes; the graph is its 1-skeleton. ``complex="knn"``: the
    symmetrised k-nearest-neighbour graph (the local homology models then use its clique complex, whose links
    mostly track the sampling density).

    Features ``[1, degree / mean degree]`` (no coordinates, so only the local shape can tell the classes
    apart); ``pos`` keeps the coordinates (used for the distance filtration of the persistent sheaf);
    ``groups`` the cloud; ``complex`` the union of the alpha complexes (``None`` for ``"knn"``).
    """
    from scipy.spatial import cKDTree

    if complex not in ("alpha", "knn"):
        raise ValueError(f"complex must be 'alpha' or 'knn', got {complex!r}")
    rng = np.random.default_rng(seed)
    ys, es, ps, gs = [], [], [], []
    sims: list[list[np.ndarray]] = [[], [], []]
    off = 0
    for c in range(num_clouds):
        pos, lab = two_planes(points, noise, band, rng)
        if complex == "knn":
            es.append(knn_edges(pos, k) + off)
        else:
            h = float(np.median(cKDTree(pos).query(pos, k=2)[0][:, 1]))
            K = alpha_complex(pos, (scale * h) ** 2, max_dim=2)
            for d in range(3):
                sims[d].append((K.simplices[d] if d <= K.dim else np.zeros((0, d + 1), np.int64)) + off)
            es.append(K.edges.T + off)
        ps.append(pos)
        ys.append(lab)
        gs.append(np.full(points, c))
        off += points
    ei = symmetrize(np.concatenate(es, axis=1), off)
    deg = torch.bincount(ei[0], minlength=off).float()
    x = torch.stack([torch.ones(off), deg / deg.mean()], dim=1)
    K_all = None
    if complex == "alpha":
        arrs = [np.concatenate(a).astype(np.int64) for a in sims]
        arrs = [a[np.lexsort(a.T[::-1])] if len(a) else a for a in arrs]
        K_all = SimplicialComplex(arrs, off)
    return NodeData(
        x,
        torch.as_tensor(np.concatenate(ys)),
        ei,
        torch.as_tensor(np.concatenate(ps), dtype=torch.float32),
        torch.as_tensor(np.concatenate(gs)),
        K_all,
    )


def heterophilic_graph(
    n: int, classes: int, homophily: float, degree: int, feat_dim: int, feat_noise: float, seed: int
) -> NodeData:
    """Synthetic graph with controlled edge homophily (documented generator).

    Each node gets a label uniformly at random; then ``n * degree / 2`` edges are drawn: a random endpoint
    ``u``,
    and with probability ``homophily`` a random node of the same class, otherwise a random node of the class
    ``(y_u + 1) mod classes`` (a fixed "partner" class, so heterophily is structured and learnable).
    Features: a random class mean in ``R^feat_dim`` plus Gaussian noise of std ``feat_noise``.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=n)
    by = [np.nonzero(y == c)[0] for c in range(classes)]
    m = n * degree // 2
    u = rng.integers(0, n, size=m)
    same = rng.random(m) < homophily
    tgt_class = np.where(same, y[u], (y[u] + 1) % classes)
    v = np.array([rng.choice(by[c]) for c in tgt_class])
    means = rng.normal(size=(classes, feat_dim))
    x = means[y] + feat_noise * rng.normal(size=(n, feat_dim))
    return NodeData(
        torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y), symmetrize(np.stack([u, v]), n)
    )


def edge_homophily(data: NodeData) -> float:
    """Fraction of edges joining nodes of the same class."""
    s, d = data.edge_index
    return float((data.y[s] == data.y[d]).float().mean())


def _book(rng: np.random.Generator, pages: int, spine: int, inner: int, rim: int = 0) -> tuple[np.ndarray, ...]:
    """One open book: ``pages`` triangulated half-discs glued along a common boundary path (the spine).

    Each page is the Delaunay triangulation of the ``spine`` points on the convex curve
    ``x = (y - 1/2)^2, y in [0, 1]`` (ends at y = 0 and 1) and ``inner`` uniform points to its right; the
    spine points are hull vertices and consecutive ones hull edges of every page, so the pages share exactly
    the spine path. Labels: spine vertices (ends excluded) are singular (1) when ``pages >= 3``, manifold
    (0) when ``pages == 2`` (two pages make a disc); vertices off every hull are manifold (0); the other hull
    vertices (free boundary, spine ends) are unlabelled (-1). Positions: page ``j`` is turned by ``2 pi j /
    pages`` about the spine, the page coordinate ``x - (y - 1/2)^2`` as radius. ``rim > 0`` (0.2.1, used by
    :func:`pinched_books`) adds ``rim`` points per page on the convex rim ``x = 1 + 0.2 (1/4 - (y - 1/2)^2)``,
    ``y`` in [0.1, 0.9] (free-boundary vertices; ``inner`` then counts them too); ``rim = 0`` draws exactly as
    before.

    Returns:
        triangles ``(T, 3)``, positions ``(n, 3)``, labels ``(n,)``, n.
    """
    from scipy.spatial import Delaunay

    ys = np.sort(rng.uniform(0, 1, spine))
    ys[0], ys[-1] = 0.0, 1.0
    cx = (ys - 0.5) ** 2
    pts = [np.stack([np.zeros(spine), ys, np.zeros(spine)], 1)]
    inside = (np.arange(spine) > 0) & (np.arange(spine) < spine - 1)
    labels = [np.where(inside, 1 if pages >= 3 else 0, -1)]
    tris = []
    off = spine
    for j in range(pages):
        yi = rng.uniform(0.02, 0.98, inner - rim)
        cu = (yi - 0.5) ** 2
        xi = cu + 0.02 + rng.uniform(0, 1, inner - rim) * (0.98 - cu)
        if rim:
            yr = np.sort(rng.uniform(0.1, 0.9, rim))
            yi = np.concatenate([yi, yr])
            xi = np.concatenate([xi, 1 + 0.2 * (0.25 - (yr - 0.5) ** 2)])
            cu = (yi - 0.5) ** 2
        tri = Delaunay(np.concatenate([np.stack([cx, ys], 1), np.stack([xi, yi], 1)]))
        ids = np.concatenate([np.arange(spine), off + np.arange(inner)])
        tris.append(ids[tri.simplices])
        hull = np.zeros(spine + inner, dtype=bool)
        hull[np.unique(tri.convex_hull)] = True
        if not hull[:spine].all():
            raise RuntimeError("a spine point is not a hull vertex of its page")  # cannot happen: convex curve
        th = 2 * np.pi * j / pages
        r = xi - cu
        pts.append(np.stack([r * np.cos(th), yi, r * np.sin(th)], 1))
        labels.append(np.where(hull[spine:], -1, 0))
        off += inner
    return np.concatenate(tris), np.concatenate(pts), np.concatenate(labels), np.int64(off)


def degree_matched(
    y: np.ndarray, deg: np.ndarray, rng: np.random.Generator, classes: tuple[int, ...] = (0, 1)
) -> np.ndarray:
    """Boolean mask of a subset of the labelled nodes (``y >= 0``) with the same number of nodes of each of
    ``classes`` at every degree (a random subset of the larger class is kept), so degree alone predicts
    nothing; a degree where some class is absent keeps no node."""
    keep = np.zeros(len(y), dtype=bool)
    for d in np.unique(deg):
        groups = [np.nonzero((deg == d) & (y == c))[0] for c in classes]
        k = min(len(g) for g in groups)
        for g in groups:
            keep[rng.choice(g, size=k, replace=False)] = True
    return keep


def _assemble_complexes(parts: list[tuple], splits: tuple[int, ...], rng: np.random.Generator) -> NodeData:
    """One ``NodeData`` from complexes built side by side: ``parts`` holds one ``(triangles, pos, labels, n)`` per
    complex in its own vertex numbering (complex ``c`` is group ``c``); features (1, normalised degree), labels,
    the complex, and the degree-matched labelled vertices chosen within each split."""
    tris, ps, ys, gs, degs = [], [], [], [], []
    off = 0
    for c, (t, p, lab, n) in enumerate(parts):
        e = np.concatenate([t[:, [0, 1]], t[:, [1, 2]], t[:, [0, 2]]])
        e = np.unique(np.sort(e, axis=1), axis=0)
        degs.append(np.bincount(e.ravel(), minlength=n))
        tris.append(t + off)
        ps.append(p)
        ys.append(lab)
        gs.append(np.full(n, c))
        off += int(n)
    K = SimplicialComplex.from_simplices(np.concatenate(tris).tolist(), off)
    ei = symmetrize(K.edges.T, off)
    deg_t = torch.bincount(ei[0], minlength=off).float()
    x = torch.stack([torch.ones(off), deg_t / deg_t.mean()], dim=1)
    y, deg, group = np.concatenate(ys), np.concatenate(degs), np.concatenate(gs)
    keep = np.zeros(off, dtype=bool)
    bounds = np.cumsum((0, *splits))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        part = (group >= lo) & (group < hi)
        keep[part] = degree_matched(y[part], deg[part], rng)
    return NodeData(
        x,
        torch.as_tensor(np.maximum(y, 0)),
        ei,
        torch.as_tensor(np.concatenate(ps), dtype=torch.float32),
        torch.as_tensor(group),
        K,
        torch.as_tensor(keep),
    )


def book_complexes(
    splits: tuple[int, ...], spine: int, inner: int, seed: int, pages: tuple[int, ...] = (2, 3, 3, 4)
) -> NodeData:
    """The degree-matched complex task: disjoint open books (given simplicial complexes), classify the stratum.

    Each complex is an open book (:func:`_book`) with a page count drawn from ``pages``; a vertex on the
    spine of a book of >= 3 pages is singular (its local homology ``H_2`` has dimension ``pages - 1``), an
    interior vertex or a spine vertex of a 2-page book is manifold (``H_2 = R``). The spine spacing is chosen so
    that the degrees of the two classes overlap almost completely (retriangulation by density), and the
    labelled nodes of each split (``splits``: the number of complexes of each, e.g. train / validation /
    test; the first book of each has ``max(pages)`` pages) are then subsampled to the same number of
    singular and manifold vertices at every degree (:func:`degree_matched`): degree alone is at chance.
    Free-boundary vertices stay in the complex unlabelled. Features ``[1, degree / mean degree]``; ``pos``
    the 3D embedding (pages turned about the spine), used by the persistent sheaf; ``groups`` the complex;
    ``complex`` the union of the books.
    """
    rng = np.random.default_rng(seed)
    parts = []
    first = set(np.cumsum((0, *splits[:-1])).tolist())
    for c in range(sum(splits)):
        # the first book of every split has the most pages, so that every split has singular vertices
        k = max(pages) if c in first else int(rng.choice(pages))
        parts.append(_book(rng, k, spine, inner))
    return _assemble_complexes(parts, splits, rng)


def _pinch(t: np.ndarray, lab: np.ndarray, pos: np.ndarray, n: int, spine: int, inner: int, k: int, rng) -> tuple:
    """Join a 2-page book (a disc) to itself at ``k`` points: each point identifies a free-boundary vertex of
    page 0 with one of page 1 (both at distance > 0.25 from the spine). The chosen vertices are pairwise at
    graph distance >= 3, so no triangle collapses or doubles and every joined vertex has a link of two disjoint
    arcs (local homology ``H_1 = R``, ``H_2 = 0``). Returns triangles, positions, labels (joined vertices 1),
    number of vertices (the second vertex of each pair removed, ids compacted)."""
    e = np.concatenate([t[:, [0, 1]], t[:, [1, 2]], t[:, [0, 2]]])
    nbr: list[set[int]] = [set() for _ in range(n)]
    for a, b in e:
        nbr[a].add(int(b))
        nbr[b].add(int(a))
    r = np.hypot(pos[:, 0], pos[:, 2])
    pages = [np.arange(spine + j * inner, spine + (j + 1) * inner) for j in range(2)]
    cands = [rng.permutation(p[(lab[p] == -1) & (r[p] > 0.25)]) for p in pages]
    blocked: set[int] = set()
    chosen: list[list[int]] = [[], []]
    for j in range(2):
        for v in cands[j]:
            if len(chosen[j]) == k:
                break
            if int(v) in blocked:
                continue
            chosen[j].append(int(v))
            ball = {int(v)} | nbr[v] | {w for u in nbr[v] for w in nbr[u]}
            blocked |= ball
    m = min(len(chosen[0]), len(chosen[1]))
    keep_v, drop_v = np.array(chosen[0][:m], np.int64), np.array(chosen[1][:m], np.int64)
    relabel = np.arange(n)
    relabel[drop_v] = keep_v
    alive = np.ones(n, dtype=bool)
    alive[drop_v] = False
    compact = np.cumsum(alive) - 1
    t2 = compact[relabel[t]]
    lab2 = lab.copy()
    lab2[keep_v] = 1
    return t2, pos[alive], lab2[alive], int(alive.sum())


def pinched_books(
    splits: tuple[int, ...], spine: int, inner: int, seed: int, pinches: int = 6, rim: int = 12
) -> NodeData:
    """A second degree-matched complex task with another stratum (0.2.1): surfaces joined at points.

    Each complex is a 2-page book (a triangulated disc, :func:`_book` with ``rim`` rim points per page)
    joined to itself at up to ``pinches``
    points (:func:`_pinch`: a free-boundary vertex of one page identified with one of the other page). A joined
    vertex is singular (1): its link is two disjoint arcs, so its local homology is ``H_1 = R`` (and ``H_2 =
    0``); interior vertices and the inner spine vertices are manifold (0, ``H_2 = R``); boundary vertices are
    unlabelled. Both classes have a one-dimensional local homology stalk, so the stalk dimension alone cannot
    tell them apart (unlike the open books): the degree of the homology and the restriction maps (zero at a
    joined vertex, whose edges are boundary edges with empty stalks) can. Labelled vertices are degree-matched
    per split as in :func:`book_complexes`; features, ``pos``, ``groups``, ``complex`` likewise.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for _ in range(sum(splits)):
        t, p, lab, n = _book(rng, 2, spine, inner, rim=rim)
        parts.append(_pinch(t, lab, p, int(n), spine, inner, pinches, rng))
    return _assemble_complexes(parts, splits, rng)


def _necklace(rng: np.random.Generator, beads: int, rings: tuple[int, int], ring_sizes: tuple[int, ...]) -> tuple:
    """A torus pinched at ``beads`` meridians: a closed chain of ``beads`` triangulated spheres, each touching
    the next at one vertex (the pinch).

    Bead ``k`` is a cylinder of ``L`` rings (``L`` drawn from ``rings[0] .. rings[1]``) of ``m`` vertices each
    (``m`` drawn from ``ring_sizes``; the rings of a bead have the same size), every quad between consecutive
    rings split along a random diagonal, and both end rings coned off: its first ring to pinch vertex ``k``, its
    last to pinch vertex ``k + 1 (mod beads)``. So a pinch vertex is the apex of a double cone: its link is two
    disjoint circles (``H_1 = R``, ``H_2 = R^2``), its degree the two ring sizes (6-8 for ``m`` in {3, 4}, inside
    the range of the manifold vertices, whose link is one circle: ``H_2 = R``). Positions: on the torus of
    radii 3 and ``0.8 sin(pi t)`` (``t`` the position along the bead), so the tube closes at the pinches.

    Returns:
        triangles ``(T, 3)``, positions ``(n, 3)``, labels ``(n,)`` (pinch 1, else 0), n.
    """
    if beads < 3:
        raise ValueError(f"a pinched torus needs >= 3 beads (pinches), got {beads}")
    if min(ring_sizes) < 3 or rings[0] < 1 or rings[1] < rings[0]:
        raise ValueError(f"ring sizes must be >= 3 and 1 <= rings[0] <= rings[1], got {ring_sizes}, {rings}")
    pinch = np.arange(beads)
    phi_p = 2 * np.pi * np.arange(beads) / beads
    pts = [np.stack([3 * np.cos(phi_p), 3 * np.sin(phi_p), np.zeros(beads)], 1)]
    tris: list[list[int]] = []
    off = beads
    for k in range(beads):
        n_r, m = int(rng.integers(rings[0], rings[1] + 1)), int(rng.choice(ring_sizes))
        ring = [off + r * m + np.arange(m) for r in range(n_r)]
        for i in range(m):
            j = (i + 1) % m
            tris.append([int(pinch[k]), int(ring[0][i]), int(ring[0][j])])
            tris.append([int(pinch[(k + 1) % beads]), int(ring[-1][i]), int(ring[-1][j])])
            for r in range(n_r - 1):
                a0, a1, b0, b1 = ring[r][i], ring[r][j], ring[r + 1][i], ring[r + 1][j]
                if rng.random() < 0.5:
                    tris += [[int(a0), int(a1), int(b1)], [int(a0), int(b1), int(b0)]]
                else:
                    tris += [[int(a0), int(a1), int(b0)], [int(a1), int(b1), int(b0)]]
        t = (np.arange(n_r) + 1) / (n_r + 1)
        phi = 2 * np.pi * (k + t) / beads
        rho = 0.8 * np.sin(np.pi * t)
        th0 = rng.uniform(0, 2 * np.pi)
        for r in range(n_r):
            th = th0 + 2 * np.pi * np.arange(m) / m + (np.pi / m) * (r % 2)
            rad = 3 + rho[r] * np.cos(th)
            pts.append(np.stack([rad * np.cos(phi[r]), rad * np.sin(phi[r]), rho[r] * np.sin(th)], 1))
        off += n_r * m
    labels = np.zeros(off, dtype=np.int64)
    labels[:beads] = 1
    tri = np.sort(np.asarray(tris, dtype=np.int64), axis=1)
    return tri, np.concatenate(pts), labels, off


def pinched_tori(
    splits: tuple[int, ...],
    seed: int,
    beads: tuple[int, ...] = TORUS_BEADS,
    rings: tuple[int, int] = TORUS_RINGS,
    ring_sizes: tuple[int, ...] = TORUS_RING_SIZES,
) -> NodeData:
    """A third degree-matched complex task (0.2.2): pinched tori, whose pinch points are double-cone apexes.

    Each complex is a torus pinched at ``b`` meridians (``b`` drawn from ``beads``; :func:`_necklace`): a closed
    chain of triangulated spheres each touching the next at one vertex. A pinch vertex (the apex of a double
    cone, link two disjoint circles) is singular (1): ``H_1 = R``, ``H_2 = R^2``; every other vertex is a
    manifold vertex (0, ``H_2 = R``); there is no boundary. Pinch degrees (the two adjacent ring sizes, 6-8)
    lie inside the manifold degrees (random diagonals: mostly 4-8), and the labelled vertices of each split are
    degree-matched as in :func:`book_complexes`, so degree alone is at chance. Unlike the joined discs of
    :func:`pinched_books` the stalk dimensions differ (3 vs 1), as in the open books; unlike both, no vertex is
    on a boundary. Degree matching matches a vertex's own degree only: the neighbours of a pinch (ring
    vertices next to a cone apex) have mean degree 5.0, those of a manifold vertex about 5.45, a two-hop cue
    that message passing can read. Features ``[1, degree / mean degree]``; ``pos`` the torus embedding;
    ``groups`` the complex; ``complex`` the union.
    """
    rng = np.random.default_rng(seed)
    parts = [_necklace(rng, int(rng.choice(beads)), rings, ring_sizes) for _ in range(sum(splits))]
    return _assemble_complexes(parts, splits, rng)
