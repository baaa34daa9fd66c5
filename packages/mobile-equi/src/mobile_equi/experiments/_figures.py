"""Figures of ``reproduce``: accuracy per model and format; size and latency per model and format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from equi_runs import save_figure


def _bars(ax: Any, doc: dict, models: list[str], formats: tuple[str, ...], metric: str) -> None:
    m = doc["metrics"]
    w = 0.8 / max(len(formats), 1)
    for j, f in enumerate(formats):
        vals = [m.get(f"{metric}.{name}.{f}", np.nan) for name in models]
        ax.bar(np.arange(len(models)) + j * w, vals, w, label=f)
    ax.set_xticks(np.arange(len(models)) + 0.4 - w / 2, models)
    ax.set_ylabel(metric)


def plot_accuracy(doc: dict, models: list[str], formats: tuple[str, ...], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    _bars(ax, doc, models, formats, "acc")
    ax.set_ylabel("test accuracy (%)")
    lo = np.nanmin([v for k, v in doc["metrics"].items() if k.startswith("acc.")] or [0])
    ax.set_ylim(max(0, lo - 10), 100)
    ax.legend(fontsize=7, ncol=3)
    ax.set_title("accuracy of every model in every deployed format")
    save_figure(fig, path)
    plt.close(fig)


def plot_deploy(doc: dict, models: list[str], formats: tuple[str, ...], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    _bars(axes[0], doc, models, formats, "size_kb")
    axes[0].set_ylabel("file size (KiB)")
    _bars(axes[1], doc, models, formats, "latency_ms")
    axes[1].set_ylabel("latency, batch 1, 1 thread (ms)")
    axes[1].set_yscale("log")
    axes[0].set_yscale("log")
    axes[1].legend(fontsize=7, ncol=2)
    save_figure(fig, path)
    plt.close(fig)
