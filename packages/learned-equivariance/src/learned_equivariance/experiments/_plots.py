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
    probe_syms: Sequence[str],
    symmetries: Sequence[str] = ("mixed",),
    probe_seeds: Sequence[int] | None = None,
) -> None:
    """``test_error.png`` (per data symmetry and model), ``likelihoods.png`` (each layer's likelihood after
    training), ``likelihood_training.png`` (the same at the first, middle and last epoch),
    ``likelihood_history.png`` (mass at the identity per epoch)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from equi_runs import save_figure

    if models:
        _bars(plt, save_figure, out, results, models, seeds, symmetries)
    first = (list(probe_seeds) if probe_seeds else list(seeds))[0]
    panels = [(f"{sym} data, {pr}", results[("probe", sym, pr, first)]) for sym in probe_syms for pr in probes]
    panels += [
        (f"{sym} data, {m}", results[("data", sym, m, seeds[0])])
        for sym in symmetries
        for m in models
        if m in ("learned", "learned_shared") and not (m == "learned" and sym in probe_syms and "paper" in probes)
    ]
    if panels:
        _likelihood_figures(plt, save_figure, out, panels)


def _bars(
    plt: object,
    save_figure: object,
    out: Path,
    results: dict,
    models: Sequence[str],
    seeds: Sequence[int],
    symmetries: Sequence[str],
) -> None:
    fig, ax = plt.subplots(figsize=(1.6 + 1.1 * len(symmetries) * max(1, len(models)) / 4, 3))
    width = 0.8 / len(models)
    for j, m in enumerate(models):
        means, stds = [], []
        for sym in symmetries:
            v = [results[("data", sym, m, sd)]["test_error"] for sd in seeds]
            means.append(np.mean(v))
            stds.append(np.std(v, ddof=1) if len(v) > 1 else 0.0)
        x = np.arange(len(symmetries)) + (j - (len(models) - 1) / 2) * width
        ax.bar(x, means, width, yerr=stds, color=f"C{j}", label=m)
    ax.set_xticks(np.arange(len(symmetries)), [f"{sym} data" for sym in symmetries])
    ax.set_ylabel("test error (%)")
    ax.set_title(f"double MNIST, mean +- std over {len(seeds)} seed(s)", fontsize=9)
    ax.legend(fontsize=6)
    fig.tight_layout()
    save_figure(fig, out / "test_error.png")
    plt.close(fig)


def _polar_grid(plt: object, n: int, cols: int) -> tuple:
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, subplot_kw={"projection": "polar"}, figsize=(2.6 * cols, 2.8 * rows))
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes


def _polar_panel(ax: object, grid: Sequence, curves: Sequence, title: str) -> None:
    for i, d in enumerate(curves):
        polar_likelihood(ax, grid, d, color=f"C{i}", label=f"layer {i + 1}")
    ax.set_title(title, fontsize=8)
    ax.set_xticklabels([])
    ax.tick_params(labelsize=6)


def _likelihood_figures(plt: object, save_figure: object, out: Path, panels: list) -> None:
    fig, axes = _polar_grid(plt, len(panels), min(4, len(panels)))
    for ax, (title, r) in zip(axes, panels, strict=False):
        _polar_panel(ax, r.get("curve_grid", r["grid"]), r.get("curves", r["densities"]), title)
    axes[0].legend(fontsize=6, loc="lower left")
    fig.suptitle(
        "learnt likelihoods after training (polar, radius: density; grey: uniform; dashed: reflections)", fontsize=9
    )
    fig.tight_layout()
    save_figure(fig, out / "likelihoods.png")
    plt.close(fig)

    # during training: the first, middle and last epoch of each panel (one row per panel)
    rows = [(t, r) for t, r in panels if r["history"].get("curves")]
    if rows:
        n_ep = len(rows[0][1]["history"]["curves"])
        epochs = sorted({0, n_ep // 2, n_ep - 1})
        fig, axes = _polar_grid(plt, len(rows) * len(epochs), len(epochs))
        for i, (title, r) in enumerate(rows):
            for j, e in enumerate(epochs):
                grid = r.get("curve_grid", r["grid"])
                _polar_panel(axes[i * len(epochs) + j], grid, r["history"]["curves"][e], f"{title}, epoch {e + 1}")
        fig.suptitle("learnt likelihoods during training (radius: density; grey: uniform)", fontsize=9)
        fig.tight_layout()
        save_figure(fig, out / "likelihood_training.png")
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3))
    for j, (title, r) in enumerate(panels):
        hist = r["history"]["densities"]
        n = len(r["grid"])
        mass = [np.mean([d[0] / sum(d) for d in layers]) for layers in hist]
        ax.plot(range(1, len(mass) + 1), mass, marker=".", color=f"C{j % 10}", label=title)
    n = len(panels[0][1]["grid"])
    ax.axhline(1 / n, color="0.6", lw=0.8, ls=":", label=f"uniform (1/{n})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("likelihood mass at the identity")
    ax.legend(fontsize=5)
    fig.tight_layout()
    save_figure(fig, out / "likelihood_history.png")
    plt.close(fig)
