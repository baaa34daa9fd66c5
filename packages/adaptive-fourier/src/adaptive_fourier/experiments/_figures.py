"""Figures of a reproduce run: accuracy, equivariance error, runtime and peak memory vs N (like the paper's
Figs. 4, 8, 12 and its memory table).

``python -m adaptive_fourier.experiments._figures DIR/metrics.json`` draws them for a run folder, also one that was
stopped early (from its per-seed values).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from equi_runs import save_figure  # noqa: E402

__all__ = ["plot_all"]

PANELS = {
    "2d": (("test_error", "test error (2D, SO(2))", False),
           ("equiv_error", "model equivariance error (2D, SO(2))", True),
           ("train_seconds.2d", "training seconds (2D, SO(2))", False),
           ("peak_mib.2d", "train-step peak MiB (2D, SO(2))", False)),
    "o2": (("test_error.o2", "test error (2D, O(2))", False),
           ("equiv_error.o2", "model equivariance error (2D, O(2))", True),
           ("train_seconds.o2", "training seconds (2D, O(2))", False),
           ("peak_mib.o2", "train-step peak MiB (2D, O(2))", False)),
    "3d": (("acc.so3", "accuracy (SO(3) clouds)", False), ("equiv_error.so3", "model equivariance error (3D)", True),
           ("train_seconds.so3", "training seconds (3D)", False), ("peak_mib.so3", "train-step peak MiB (3D)", False)),
}


def plot_all(doc: dict, grid: Mapping[str, Sequence[int]], kinds: Sequence[str], out: Path) -> None:
    """``accuracy_vs_n.png``, ``equivariance_vs_n.png``, ``runtime_vs_n.png``, ``memory_vs_n.png`` (one panel per
    task; the memory figure only where peak memory was measured)."""
    m = {k: sum(v.values()) / len(v) for k, v in doc["per_seed"].items() if v}
    m.update(doc["metrics"])
    tasks = [t for t in ("2d", "o2", "3d") if grid.get(t)]
    for i, name in enumerate(("accuracy_vs_n", "equivariance_vs_n", "runtime_vs_n", "memory_vs_n")):
        if name == "memory_vs_n" and not any(k.startswith("peak_mib.") for k in m):
            continue
        fig, axes = plt.subplots(1, len(tasks), figsize=(4.5 * len(tasks), 3.4), squeeze=False)
        for ax, task in zip(axes[0], tasks, strict=True):
            key, label, log = PANELS[task][i]
            for kind in kinds:
                ns = list(grid[task])
                pts = [(n, m[f"{key}.{kind}.N{n}"]) for n in ns if f"{key}.{kind}.N{n}" in m]
                if not pts:
                    continue
                xs, ys = zip(*pts, strict=True)
                if log:
                    ys = tuple(max(y, 1e-9) for y in ys)
                ax.plot(xs, ys, "o-", label=kind)
            ax.set_xscale("log", base=2)
            if log:
                ax.set_yscale("log")
            ax.set_xlabel("N (samples)")
            ax.set_ylabel(label)
            ax.legend(fontsize=8)
        fig.tight_layout()
        save_figure(fig, out / f"{name}.png")
        plt.close(fig)


def _main(path: Path) -> None:
    import json
    import re

    from .._names import KINDS

    doc = json.loads(path.read_text())
    pat = re.compile(r"^(test_error|test_error\.o2|acc\.so3)\.([a-z_]+)\.N(\d+)$")
    task_of = {"test_error": "2d", "test_error.o2": "o2", "acc.so3": "3d"}
    grid: dict[str, set[int]] = {}
    kinds: set[str] = set()
    for k in doc["per_seed"]:
        if (hit := pat.match(k)) and hit.group(2) in KINDS:
            grid.setdefault(task_of[hit.group(1)], set()).add(int(hit.group(3)))
            kinds.add(hit.group(2))
    plot_all(doc, {t: sorted(v) for t, v in grid.items()}, [k for k in KINDS if k in kinds], path.parent)
    print(f"wrote the figures of {path.parent}")


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:]:
        _main(Path(arg))
