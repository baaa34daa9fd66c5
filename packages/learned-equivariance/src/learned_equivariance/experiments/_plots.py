"""Figures: test error per model; learnt likelihoods (polar; two rings for groups with reflections) after training
and during training."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._config import Settings


def polar_likelihood(ax: object, grid: Sequence[Sequence[float]], density: Sequence[float], **kw: object) -> None:
    """Plot a density on the group grid as a closed polar curve per coset (rotations: one ring; reflections:
    a second, dashed ring), with the uniform density (radius 1) as a thin circle."""
    g = np.asarray(grid, dtype=float)
    d = np.asarray(density, dtype=float)
    for c, style in ((0, "-"), (1, "--")):
        sel = g[:, 0] == c
        if not sel.any():
            continue
        order = np.argsort(g[sel, 1])
        t, r = g[sel, 1][order], d[sel][order]
        ax.plot(np.append(t, t[0]), np.append(r, r[0]), style, marker=".", **kw)
    circle = np.linspace(0, 2 * np.pi, 100)
    ax.plot(circle, np.ones_like(circle), color="0.7", lw=0.5)


def plot_all(
    out: Path,
    results: dict,
    s: Settings,
    models: Sequence[str],
    seeds: Sequence[int],
    probes: Sequence[str],
    syms: Sequence[str],
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from equi_runs import save_figure

    if models:
        _bars(plt, save_figure, out, results, models, seeds)
    _likelihood_figures(plt, save_figure, out, results, models, seeds, probes, syms)


def _bars(
    plt: object, save_figure: object, out: Path, results: dict, models: Sequence[str], seeds: Sequence[int]
) -> None:
    fig, ax = plt.subplots(figsize=(5, 3))
    means, stds = [], []
    for m in models:
        v = [results[("mixed", m, sd)]["test_error"] for sd in seeds]
        means.append(np.mean(v))
        stds.append(np.std(v, ddof=1) if len(v) > 1 else 0.0)
    ax.bar(models, means, yerr=stds, color="C0")
    ax.set_ylabel("test error (%)")
    ax.set_title("mixed-symmetry double MNIST")
    fig.tight_layout()
    save_figure(fig, out / "test_error.png")
    plt.close(fig)


def _likelihood_figures(
    plt: object,
    save_figure: object,
    out: Path,
    results: dict,
    models: Sequence[str],
    seeds: Sequence[int],
    probes: Sequence[str],
    syms: Sequence[str],
) -> None:
    panels = [(f"{sym}, {pr}", results[("probe", sym, pr)]) for sym in syms for pr in probes]
    panels += [("mixed, learned", results[("mixed", m, seeds[0])]) for m in models if m == "learned"]
    if not panels:
        return
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, subplot_kw={"projection": "polar"}, figsize=(3 * cols, 3.2 * rows))
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    for ax, (title, r) in zip(axes[: len(panels)], panels, strict=True):
        for i, d in enumerate(r["densities"]):
            polar_likelihood(ax, r["grid"], d, color=f"C{i}", label=f"layer {i + 1}")
        ax.set_title(title, fontsize=9)
        ax.set_xticklabels([])
        ax.tick_params(labelsize=6)
    axes[0].legend(fontsize=6, loc="lower left")
    fig.suptitle("learnt likelihoods after training (radius: density; grey: uniform)", fontsize=9)
    fig.tight_layout()
    save_figure(fig, out / "likelihoods.png")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    for j, (title, r) in enumerate(panels):
        hist = r["history"]["densities"]
        n = len(r["grid"])
        mass = [np.mean([d[0] / n for d in layers]) for layers in hist]
        ax.plot(range(1, len(mass) + 1), mass, marker=".", color=f"C{j}", label=title)
    ax.axhline(1 / len(panels[0][1]["grid"]), color="0.6", lw=0.8, ls=":", label="uniform")
    ax.set_xlabel("epoch")
    ax.set_ylabel("likelihood mass at the identity")
    ax.legend(fontsize=6)
    fig.tight_layout()
    save_figure(fig, out / "likelihood_history.png")
    plt.close(fig)
