"""Cost of building (persistent) local homology sheaves vs the number of simplices (``bench``)."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
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


def bench_construction(
    sizes: Sequence[int], k: int = 8, repeats: int = 3, seed: int = 0
) -> dict[str, object]:
    """Median wall time (s) and peak traced memory (MiB) per stage, for two-plane clouds of growing size.

    Bounded degree: kNN graphs (k fixed) so the star sizes do not grow with n. Stages: clique complex (gudhi),
    local homology sheaf, persistent sheaf (our reduction, pairing + bases), persistent sheaf evaluation with
    a
    backward pass (the per-step cost in training), and gudhi persistence of every vertex link (cross-check).
    """
    rows: list[dict[str, float]] = []
    for n in tqdm(sizes, desc="bench"):
        rng = np.random.default_rng(seed)
        pos, _ = two_planes(n, 0.02, 0.15, rng)
        ei = symmetrize(knn_edges(pos, k), n)
        t_cx, K = _timed(lambda: clique_complex(ei, n, 2), repeats)  # noqa: B023
        e = torch.as_tensor(K.edges.T.copy()).reshape(2, -1)
        p = torch.as_tensor(pos)
        w = (p[e[0]] - p[e[1]]).norm(dim=1)
        t_lhs, _ = _timed(lambda: local_homology_sheaf(K, max_stalk_dim=3), repeats)  # noqa: B023
        t_pers, builder = _timed(lambda: PersistentLocalHomologySheaf(K, w, max_stalk_dim=3), repeats)  # noqa: B023

        def _eval() -> None:
            wg = w.clone().requires_grad_(True)  # noqa: B023
            builder(wg).maps.sum().backward()  # noqa: B023

        t_eval, _ = _timed(_eval, repeats)
        vals = [f.numpy() for f in simplex_filtration(K, w.double())]
        t_gudhi, _ = _timed(lambda: [link_diagram_gudhi(K, vals, 0, i) for i in range(n)], 1)  # noqa: B023
        rows.append(
            {
                "n": float(n),
                "simplices": float(K.num_simplices()),
                "edges": float(len(K.edges)),
                "triangles": float(K.counts()[2]) if K.dim >= 2 else 0.0,
                "seconds.complex": t_cx,
                "seconds.lhs": t_lhs,
                "seconds.persistent_build": t_pers,
                "seconds.persistent_forward_backward": t_eval,
                "seconds.gudhi_vertex_links": t_gudhi,
                "peak_mb.lhs": _peak_mb(lambda: local_homology_sheaf(K, max_stalk_dim=3)),  # noqa: B023
                "peak_mb.persistent_build": _peak_mb(
                    lambda: PersistentLocalHomologySheaf(K, w, max_stalk_dim=3)  # noqa: B023
                ),
            }
        )
    out: dict[str, object] = {"rows": rows, "k": k, "repeats": repeats, "seed": seed}
    s = np.log([r["simplices"] for r in rows])
    for key in rows[0]:
        if key.startswith(("seconds.", "peak_mb.")) and len(rows) >= 2:
            y = np.log([max(r[key], 1e-9) for r in rows])
            out[f"slope.{key}"] = float(np.polyfit(s, y, 1)[0])
    return out


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
        if key.startswith("seconds."):
            slope = result.get(f"slope.{key}")
            axes[0].loglog(s, [r[key] for r in rows], "o-", label=f"{key[8:]} (slope {slope:.2f})")
        if key.startswith("peak_mb."):
            slope = result.get(f"slope.{key}")
            axes[1].loglog(s, [r[key] for r in rows], "o-", label=f"{key[8:]} (slope {slope:.2f})")
    axes[0].set(xlabel="number of simplices", ylabel="median seconds", title="construction time")
    axes[1].set(xlabel="number of simplices", ylabel="peak traced MiB", title="construction memory")
    for a in axes:
        a.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
