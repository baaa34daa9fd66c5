"""Data: Cora (from the graphdatascience package), stratified point clouds, heterophilic graphs."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ._complex import SimplicialComplex, alpha_complex


@dataclass(frozen=True)
class NodeData:
    """A node-classification graph.

    Attributes:
        x: ``(N, C)`` float features; y: ``(N,)`` labels; edge_index: ``(2, 2E)`` symmetric, no self-loops;
        pos: optional ``(N, 3)`` point positions; groups: optional ``(N,)`` id of the connected piece (cloud);
        complex: optional simplicial complex whose 1-skeleton is ``edge_index`` (used instead of the clique
        complex by the local homology models).
    """

    x: Tensor
    y: Tensor
    edge_index: Tensor
    pos: Tensor | None = None
    groups: Tensor | None = None
    complex: SimplicialComplex | None = None

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
