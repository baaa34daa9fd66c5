"""Figures of the reproduction: QM9 MAE per kernel, rotated-MNIST test error per kernel."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from equi_runs import save_figure


def _bars(ax, names: Sequence[str], values: Sequence[Sequence[float]], ylabel: str, title: str) -> None:
    means = [np.mean(v) for v in values]
    stds = [np.std(v, ddof=1) if len(v) > 1 else 0.0 for v in values]
    ax.bar(range(len(names)), means, yerr=stds, color="tab:blue", alpha=0.8, capsize=4)
    for i, v in enumerate(values):
        ax.plot([i] * len(v), v, "k.", ms=4)
    ax.set_xticks(range(len(names)), names, rotation=20)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)


def plot_all(
    out: Path, per_seed: dict, targets: Sequence[str], qm9_models: Sequence[str], mnist_models: Sequence[str]
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for t in targets:
        names = [m for m in qm9_models if f"qm9_mae.{t}.{m}" in per_seed] + ["mean_predictor"]
        vals = [list(per_seed[f"qm9_mae.{t}.{m}"].values()) for m in names]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        _bars(ax, names, vals, f"test MAE ({t})", f"QM9 {t}: kernel ablation (dots: seeds)")
        fig.tight_layout()
        save_figure(fig, out / f"qm9_{t}_mae.png")
    if mnist_models:
        names = [m for m in mnist_models if f"mnist_rot_error.{m}" in per_seed]
        fig, ax = plt.subplots(figsize=(4, 3.5))
        _bars(
            ax,
            names,
            [list(per_seed[f"mnist_rot_error.{m}"].values()) for m in names],
            "test error (%)",
            "rotated MNIST, C8",
        )
        fig.tight_layout()
        save_figure(fig, out / "mnist_rot_error.png")


def plot_extra(out: Path, per_seed: dict, cfg, suites: Sequence[str]) -> None:
    """Figures of the ablation, N-body and shape suites (those that ran)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if "ablation" in suites:
        for t in cfg.ablation.targets:
            names = [
                m
                for m in ("analytic", "implicit", "implicit_bond", "implicit_atom", "mean_predictor")
                if f"ablation_mae.{t}.{m}" in per_seed
            ]
            fig, ax = plt.subplots(figsize=(6, 3.5))
            _bars(
                ax,
                names,
                [list(per_seed[f"ablation_mae.{t}.{m}"].values()) for m in names],
                f"test MAE ({t})",
                f"QM9 {t} kernel ablation, {cfg.ablation.n_train} molecules (dots: seeds)",
            )
            fig.tight_layout()
            save_figure(fig, out / f"ablation_{t}_mae.png")
    if "nbody" in suites:
        names = [m for m in ("implicit", "analytic", "mlp", "linear") if f"nbody_mse.{m}" in per_seed]
        fig, ax = plt.subplots(figsize=(5, 3.5))
        _bars(
            ax,
            names,
            [list(per_seed[f"nbody_mse.{m}"].values()) for m in names],
            "test position MSE",
            "charged N-body, 5 particles, 1000 steps",
        )
        fig.tight_layout()
        save_figure(fig, out / "nbody_mse.png")
    if "shapes" in suites:
        groups = [g for g in cfg.shapes.groups if f"shapes_acc.{g}.implicit" in per_seed]
        fig, ax = plt.subplots(figsize=(1.2 * len(groups) + 2.5, 3.5))
        bars = (
            ("analytic", "tab:gray"),
            ("implicit", "tab:blue"),
            ("implicit_bn", "tab:cyan"),
            ("features", "tab:olive"),
        )
        bars = tuple(b for b in bars if any(f"shapes_acc.{g}.{b[0]}" in per_seed for g in groups))
        for k, (model, color) in enumerate(bars):
            vals = [list(per_seed.get(f"shapes_acc.{g}.{model}", {}).values()) or [np.nan] for g in groups]
            xs = np.arange(len(groups)) + (k - (len(bars) - 1) / 2) * 0.8 / len(bars)
            label = {"analytic": "standard basis", "implicit_bn": "implicit + BN", "features": "invariant features"}
            ax.bar(xs, [np.mean(v) for v in vals], width=0.75 / len(bars), color=color, label=label.get(model, model))
            for x, v in zip(xs, vals, strict=True):
                ax.plot([x] * len(v), v, "k.", ms=4)
        ax.set_xticks(range(len(groups)), groups)
        ax.set_ylabel("test accuracy (%)")
        ax.set_title("procedural shapes transformed by G (dots: seeds)", fontsize=10)
        ax.legend(fontsize=8)
        fig.tight_layout()
        save_figure(fig, out / "shapes_accuracy.png")
