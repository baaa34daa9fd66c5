"""Figures of a reproduce run: FSC curves, central slices and projections, pose-error histograms and curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from equi_runs import save_figure

from ._settings import Settings


def plot_all(
    out: Path, results: dict[str, dict[int, dict]], gt: np.ndarray, maps: dict[str, np.ndarray], s: Settings
) -> None:
    """Write ``fsc.png``, ``maps.png`` and ``pose_error.png`` (histogram and per-epoch curves) into ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d, px = s.data.box, s.data.pixel_size
    colors = {"cnn": "tab:blue", "cnn_symloss": "tab:orange", "d4": "tab:green"}

    fig, ax = plt.subplots(figsize=(6, 4))
    for enc, by_seed in results.items():
        for i, r in enumerate(by_seed.values()):
            f = np.asarray(r["fsc"])
            freq = np.arange(len(f)) / (d * px)
            ax.plot(freq, f, color=colors.get(enc), alpha=0.7, label=enc if i == 0 else None)
    for thr in (0.143, 0.5):
        ax.axhline(thr, color="grey", lw=0.8, ls="--")
    ax.set(xlabel="spatial frequency (1/A)", ylabel="FSC vs ground truth", ylim=(-0.2, 1.05), title="FSC (each seed)")
    ax.legend()
    save_figure(fig, out / "fsc.png")
    plt.close(fig)

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    bins = np.linspace(0, 180, 37)
    for enc, by_seed in results.items():
        errs = np.concatenate([np.asarray(r["pose_errors_deg"]) for r in by_seed.values()])
        ax[0].hist(errs, bins=bins, histtype="step", color=colors.get(enc), label=enc, density=True)
        for i, r in enumerate(by_seed.values()):
            h = r["median_deg_per_epoch"]
            ax[1].plot(range(1, len(h) + 1), h, color=colors.get(enc), alpha=0.7, label=enc if i == 0 else None)
    ax[0].set(xlabel="pose error after alignment (deg)", ylabel="density", title="pose errors (all seeds)")
    ax[1].axhline(s.train.converge_deg, color="grey", lw=0.8, ls="--")
    ax[1].set(xlabel="epoch", ylabel="median pose error (deg)", title="convergence (each seed)")
    ax[0].legend()
    ax[1].legend()
    save_figure(fig, out / "pose_error.png")
    plt.close(fig)

    rows: list[tuple[str, np.ndarray]] = [("ground truth", gt), *maps.items()]
    fig, axes = plt.subplots(len(rows), 6, figsize=(12, 2 * len(rows)), squeeze=False)
    c = d // 2
    for i, (name, vol) in enumerate(rows):
        panels: list[tuple[str, Any]] = [
            ("slice z", vol[c]),
            ("slice y", vol[:, c]),
            ("slice x", vol[:, :, c]),
            ("proj z", vol.sum(0)),
            ("proj y", vol.sum(1)),
            ("proj x", vol.sum(2)),
        ]
        for j, (title, img) in enumerate(panels):
            axes[i, j].imshow(img, cmap="gray", origin="lower")
            axes[i, j].set_xticks([])
            axes[i, j].set_yticks([])
            if i == 0:
                axes[i, j].set_title(title)
        axes[i, 0].set_ylabel(name)
    fig.suptitle("maps aligned to the ground truth (first seed)")
    save_figure(fig, out / "maps.png")
    plt.close(fig)


def plot_diagnose(
    out: Path, results: dict[str, dict[int, dict]], known: dict, amortized: dict[str, dict[int, dict]], d: Any
) -> None:
    """``diagnose.png``: pose refinement through the true map (errors, median per step), the known-pose FSC, and
    the amortized encoders trained against the true map (median error per epoch)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    box, px = d.run.data.box, d.run.data.pixel_size
    colors = {"near": "tab:green", "random": "tab:red"}
    labels = {"near": f"start {d.refine.perturb_deg:g} deg off", "random": "random start"}
    fig, ax = plt.subplots(1, 4, figsize=(20, 4))
    bins = np.linspace(0, 180, 37)
    enc_colors = {"cnn": "tab:blue", "cnn_symloss": "tab:orange", "d4": "tab:green"}
    for enc, by_seed in amortized.items():
        for i, r in enumerate(by_seed.values()):
            h = r["median_deg_per_epoch"]
            ax[3].plot(range(1, len(h) + 1), h, color=enc_colors.get(enc), label=enc if i == 0 else None)
    ax[3].axhline(d.run.train.converge_deg, color="grey", lw=0.8, ls="--")
    ax[3].set(xlabel="epoch", ylabel="median pose error (deg)", title="encoders trained against the true map")
    for kind, by_seed in results.items():
        errs = np.concatenate([np.asarray(r["errors_deg"]) for r in by_seed.values()])
        ax[0].hist(errs, bins=bins, histtype="step", color=colors[kind], label=labels[kind])
        for i, r in enumerate(by_seed.values()):
            h = r["median_every_10_steps"]
            ax[1].plot(np.arange(len(h)) * 10, h, color=colors[kind], label=labels[kind] if i == 0 else None)
    ax[0].axvline(d.refine.reached_deg, color="grey", lw=0.8, ls="--")
    ax[0].set(xlabel="final pose error (deg)", ylabel="particles", title="per-image refinement through the true map")
    ax[1].set(xlabel="Adam step", ylabel="median pose error (deg)", yscale="log", title="refinement (each seed)")
    f = np.asarray(known["fsc"])
    ax[2].plot(np.arange(len(f)) / (box * px), f, color="tab:blue", label="decoder trained with the true poses")
    for thr in (0.143, 0.5):
        ax[2].axhline(thr, color="grey", lw=0.8, ls="--")
    ax[2].set(xlabel="spatial frequency (1/A)", ylabel="FSC vs ground truth", ylim=(-0.2, 1.05), title="known poses")
    for a in ax:
        a.legend()
    save_figure(fig, out / "diagnose.png")
    plt.close(fig)
