"""Figures of ``reproduce``: gap and bounds vs |G|, the term breakdown, the bound-gap correlation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from equi_runs import mean_std, save_figure  # noqa: E402

from .._names import group_order  # noqa: E402

__all__ = ["plot_correlation", "plot_gap_and_bounds", "plot_terms"]


def _ms(doc: dict, key: str) -> tuple[float, float]:
    m, s = mean_std(doc["per_seed"][key].values())
    return m, (s or 0.0)


def plot_gap_and_bounds(doc: dict, groups: Sequence[str], path: Path, protocol: str = "budget") -> Path:
    """Left: measured 0-1 gap vs |G|; right: log10 of both bounds vs |G| (mean +- sample std over seeds)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    x = [group_order(g) for g in groups]
    for ax, keys, ylabel in (
        (a, [("gap", "test - train error"), ("margin_gap", "margin-loss gap")], "generalisation gap"),
        (b, [("log10_bound_fourier", "Fourier bound (ours)"), ("log10_bound_naive", "naive NBS18")], "log10 bound"),
    ):
        for key, label in keys:
            ms = [_ms(doc, f"{key}.{g}") for g in groups]
            ax.errorbar(x, [m for m, _ in ms], yerr=[s for _, s in ms], marker="o", capsize=3, ls="", label=label)
            for xi, g, (m, _) in zip(x, groups, ms, strict=True):
                ax.annotate(g, (xi, m), textcoords="offset points", xytext=(4, 4), fontsize=8)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("|G|")
        ax.set_ylabel(ylabel)
        ax.legend(fontsize=8)
    seeds = doc["seeds"]
    setting = "fixed parameter budget" if protocol == "budget" else "fixed width"
    fig.suptitle(f"rotated MNIST, {setting}, seeds {seeds} (mean +- sample std)")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_terms(doc: dict, groups: Sequence[str], path: Path) -> Path:
    """log10 of each factor of the KL term, Fourier vs naive, per group."""
    terms = [("width_term", "M ln(4D)"), ("ratio_sum", "sum P_l/||W_l||^2"), ("spectral_product_sq", "prod ||W_l||^2")]
    fig, axes = plt.subplots(1, len(terms), figsize=(12, 3.6))
    xs = range(len(groups))
    for ax, (t, label) in zip(axes, terms, strict=True):
        for off, kind in ((-0.2, "fourier"), (0.2, "naive")):
            vals = [math.log10(_ms(doc, f"{t}_{kind}.{g}")[0]) for g in groups]
            ax.bar([i + off for i in xs], vals, width=0.4, label=kind)
        ax.set_xticks(list(xs), list(groups))
        ax.set_title(f"log10 {label}")
        ax.legend(fontsize=8, loc="lower right")
    fig.suptitle("KL term = 16 e^4 B^2 L^2 x M ln(4D) x prod ||W_l||_2^2 x sum P_l / ||W_l||_2^2 / gamma^2")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_correlation(doc: dict, groups: Sequence[str], path: Path) -> Path:
    """Measured gap vs log10 bound (one point per group and seed), Kendall tau of the means in the title."""
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    for kind, marker in (("fourier", "o"), ("naive", "s")):
        for g in groups:
            gaps = doc["per_seed"][f"gap.{g}"]
            bnds = doc["per_seed"][f"log10_bound_{kind}.{g}"]
            ax.scatter([bnds[s] for s in gaps], list(gaps.values()), marker=marker, s=18,
                       label=f"{kind} {g}" if kind == "fourier" else None, alpha=0.8)
    m = doc["metrics"]
    ax.set_xlabel("log10 bound (circles: Fourier, squares: naive)")
    ax.set_ylabel("test - train error")
    ax.set_title(f"Kendall tau: Fourier {m.get('kendall_tau', float('nan')):.2f}, "
                 f"naive {m.get('kendall_tau_naive', float('nan')):.2f}", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)
