"""Cost of building (persistent) local homology sheaves vs the number of simplices (``bench``)."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from equi_runs import save_figure
from tqdm import tqdm

from ._complex import clique_complex
from ._data import knn_edges, symmetrize, two_planes
from ._local_homology import local_homology_sheaf
from ._persistent import PersistentLocalHomologySheaf, link_diagram_gudhi, simplex_filtration


def _timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def _peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def bench_size(n: int, k: int = 8, repeats: int = 3, seed: int = 0, gudhi: bool = True) -> dict[str, float]:
    """Median wall time (s) and peak traced memory (MiB) per stage for one two-plane cloud of ``n`` points.

    Bounded degree: a kNN graph (k fixed) so the star sizes do not grow with n. Stages: clique complex (gudhi),
    local homology sheaf, persistent sheaf (our reduction, pairing + bases), persistent sheaf evaluation with a
    backward pass (the per-step cost in training), and, when ``gudhi``, gudhi persistence of every vertex link
    (the tests' cross-check oracle; quadratic by construction and by far the slowest stage).
    """
    rng = np.random.default_rng(seed)
    pos, _ = two_planes(n, 0.02, 0.15, rng)
    ei = symmetrize(knn_edges(pos, k), n)
    t_cx, K = _timed(lambda: clique_complex(ei, n, 2), repeats)
    e = torch.as_tensor(K.edges.T.copy()).reshape(2, -1)
    p = torch.as_tensor(pos)
    w = (p[e[0]] - p[e[1]]).norm(dim=1)
    t_lhs, _ = _timed(lambda: local_homology_sheaf(K, max_stalk_dim=3), repeats)
    t_pers, builder = _timed(lambda: PersistentLocalHomologySheaf(K, w, max_stalk_dim=3), repeats)

    def _eval() -> None:
        wg = w.clone().requires_grad_(True)
        builder(wg).maps.sum().backward()

    t_eval, _ = _timed(_eval, repeats)
    row = {
        "n": float(n),
        "simplices": float(K.num_simplices()),
        "edges": float(len(K.edges)),
        "triangles": float(K.counts()[2]) if K.dim >= 2 else 0.0,
        "seconds.complex": t_cx,
        "seconds.lhs": t_lhs,
        "seconds.persistent_build": t_pers,
        "seconds.persistent_forward_backward": t_eval,
    }
    if gudhi:
        vals = [f.numpy() for f in simplex_filtration(K, w.double())]
        row["seconds.gudhi_vertex_links"], _ = _timed(
            lambda: [link_diagram_gudhi(K, vals, 0, i) for i in range(n)], 1
        )
    row["peak_mb.lhs"] = _peak_mb(lambda: local_homology_sheaf(K, max_stalk_dim=3))
    row["peak_mb.persistent_build"] = _peak_mb(lambda: PersistentLocalHomologySheaf(K, w, max_stalk_dim=3))
    return row


def slopes(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Log-log slope of every time / memory column vs the number of simplices (``slope.<column>``)."""
    out: dict[str, float] = {}
    if len(rows) < 2:
        return out
    s = np.log([r["simplices"] for r in rows])
    for key in rows[0]:
        if key.startswith(("seconds.", "peak_mb.")):
            y = np.log([max(r[key], 1e-9) for r in rows])
            out[f"slope.{key}"] = float(np.polyfit(s, y, 1)[0])
    return out


def bench_construction(
    sizes: Sequence[int], k: int = 8, repeats: int = 3, seed: int = 0, gudhi: bool = True, progress: bool = True
) -> dict[str, object]:
    """:func:`bench_size` for every size, plus the log-log slopes (see :func:`slopes`)."""
    rows = [bench_size(n, k, repeats, seed, gudhi) for n in tqdm(sizes, desc="bench", disable=not progress)]
    return {"rows": rows, "k": k, "repeats": repeats, "seed": seed, **slopes(rows)}


def plot_bench(result: dict[str, object], path: str) -> None:
    """Log-log plot of time and memory vs number of simplices."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    assert isinstance(rows, list)
    s = [r["simplices"] for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for key in rows[0]:
        if key.startswith(("seconds.", "peak_mb.")):
            slope = result.get(f"slope.{key}")
            label = key.split(".", 1)[1] + (f" (slope {slope:.2f})" if slope is not None else "")
            ax = axes[0] if key.startswith("seconds.") else axes[1]
            ax.loglog(s, [r[key] for r in rows], "o-", label=label)
    axes[0].set(xlabel="number of simplices", ylabel="median seconds", title="construction time")
    axes[1].set(xlabel="number of simplices", ylabel="peak traced MiB", title="construction memory")
    for a in axes:
        a.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)
