"""Figures of a reproduce run: accuracy, equivariance error, runtime and peak memory vs N (like the paper's
Figs. 4, 8, 12 and its memory table)."""

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
    m = doc["metrics"]
    tasks = [t for t in ("2d", "o2", "3d") if grid.get(t)]
    for i, name in enumerate(("accuracy_vs_n", "equivariance_vs_n", "runtime_vs_n", "memory_vs_n")):
        if name == "memory_vs_n" and not any(k.startswith("peak_mib.") for k in m):
            continue
        fig, axes = plt.subplots(1, len(tasks), figsize=(4.5 * len(tasks), 3.4), squeeze=False)
        for ax, task in zip(axes[0], tasks, strict=True):
            key, label, log = PANELS[task][i]
            for kind in kinds:
                ns = list(grid[task])
                ys = [m.get(f"{key}.{kind}.N{n}") for n in ns]
                if any(y is None for y in ys):
                    continue
                if log:
                    ys = [max(y, 1e-9) for y in ys]
                ax.plot(ns, ys, "o-", label=kind)
            ax.set_xscale("log", base=2)
            if log:
                ax.set_yscale("log")
            ax.set_xlabel("N (samples)")
            ax.set_ylabel(label)
            ax.legend(fontsize=8)
        fig.tight_layout()
        save_figure(fig, out / f"{name}.png")
        plt.close(fig)
