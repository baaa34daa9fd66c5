"""Cheap training changes for the encoders, tested on the encoder's half of the problem alone.

``python -m cryo_equi.experiments._ablation --out DIR [--variants ...] [--encoders ...] [--seeds ...] --threads 1``

Each unit trains one encoder of ``reproduce --quick`` (24 px, 768 particles) against the true map held fixed, as
``cryo-equi diagnose`` does (no volume to learn, no global rotation to align), with one change to the training
settings, and records the median pose error after every epoch. ``base`` is diagnose's own setting, so its numbers
are those of ``results/diagnose`` (same data, same seeds).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from equi_runs import RunError, RunFolder, add_run_options, apply_threads, check_choices, check_unique, cli_main

from .._names import ENCODERS

#: name -> (changes to the training settings of ``reproduce --quick``, what it tests). A variant's definition never
#: changes (a unit is named after its variant); a new idea gets a new name.
VARIANTS: dict[str, tuple[dict[str, float], str]] = {
    "base": ({}, "reproduce --quick: band limit 4 + 1 per epoch (Nyquist 12 at epoch 8), lr 5e-3"),
    "slow_marching": ({"kmax_step": 0.25}, "band limit 4 + 0.25 per epoch (7.75 at epoch 16): a smoother landscape"),
    "full_band": ({"kmax_start": 12.0}, "no frequency marching: the whole band (Nyquist 12) from the first step"),
    "lr_high": ({"lr": 1.5e-2}, "lr 1.5e-2 (3x)"),
}


def variant_settings(name: str, quick_settings: Any) -> Any:
    """The ``reproduce --quick`` settings with variant ``name``'s changes."""
    changes, _ = VARIANTS[name]
    return replace(quick_settings, train=replace(quick_settings.train, **changes))


def run_ablation(
    run: RunFolder, variants: Sequence[str], encoders: Sequence[str], seeds: Sequence[int], epochs: int, progress: bool
) -> dict:
    import numpy as np
    import torch

    from .. import __version__
    from .._decoder import GridVolume
    from ._diagnose import Diagnose, DiagnoseSettings, _amortized_unit
    from ._reproduce import make_data
    from ._settings import settings_for
    from ._train import prepare

    base = settings_for(quick=True)
    run.total_units = len(variants) * len(encoders) * len(seeds)
    sim, gt = make_data(base, run.out)
    prep = prepare(sim, gt, sim.particles.optics, base.data.ctf)
    prep.images = torch.as_tensor(sim.images, dtype=torch.float32)  # the true map renders raw images
    volume = GridVolume.from_map(torch.as_tensor(gt))
    per_seed: dict[str, dict[int, float]] = {}
    curves: dict[str, list[list[float]]] = {}
    for var in variants:
        d = Diagnose(variant_settings(var, base), DiagnoseSettings(amortized_epochs=epochs))
        for enc in encoders:
            for seed in seeds:
                unit = run.unit(var, enc, f"seed{seed}")
                if not unit.done:
                    t0 = time.perf_counter()
                    unit.save(_amortized_unit(enc, seed, d, prep, volume, progress), seconds=time.perf_counter() - t0)
                r = unit.load()
                h = r["median_deg_per_epoch"]
                per_seed.setdefault(f"median_deg.{var}.{enc}", {})[seed] = r["median_deg"]
                per_seed.setdefault(f"median_deg_half.{var}.{enc}", {})[seed] = h[len(h) // 2 - 1]
                curves.setdefault(f"{var}.{enc}", []).append(h)
    metrics: dict[str, Any] = {"epochs": float(epochs)}
    for key, hs in curves.items():
        metrics[f"median_deg_curve.{key}"] = [float(v) for v in np.mean(hs, axis=0)]
    _plot(run.out, curves)
    return run.write_metrics(metrics, per_seed=per_seed, seeds=seeds, version=__version__)


def _plot(out: Path, curves: dict[str, list[list[float]]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6, 4))
    for key, hs in curves.items():
        m = np.mean(hs, axis=0)
        ax.plot(np.arange(1, len(m) + 1), m, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("median pose error (deg)")
    ax.set_title("encoders against the true map (24 px)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = out / "ablation.tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(out / "ablation.png")


def _parser() -> argparse.ArgumentParser:
    from equi_runs import make_parser, positive_int

    p = make_parser("python -m cryo_equi.experiments._ablation", __doc__ or "")
    add_run_options(p, seeds=[0], threads=None, device=False)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), metavar="NAME", help=f"{' '.join(VARIANTS)}")
    p.add_argument("--encoders", nargs="+", default=["d4"], choices=ENCODERS, metavar="NAME", help="(default: d4)")
    p.add_argument("--epochs", type=positive_int, default=16, metavar="N", help="epochs per unit (default: 16)")
    return p


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    check_choices(args.variants, list(VARIANTS), "--variants")
    check_unique(args.variants, "--variants")
    check_unique(args.encoders, "--encoders")
    check_unique(args.seeds, "--seeds")
    seeds = args.seeds or [0]
    from ._settings import settings_for

    config = {"run": settings_for(quick=True).config(), "epochs": args.epochs}
    with RunFolder(args.out, package="cryo-equi", module_file=__file__, config=config, fresh=args.fresh) as run:
        from .._density import default_structure

        try:
            default_structure()
        except FileNotFoundError as e:
            raise RunError(str(e)) from None
        apply_threads(args.threads)
        run.device = "cpu"
        doc = run_ablation(run, args.variants, args.encoders, seeds, args.epochs, not args.no_progress)
    for k, v in doc["metrics"].items():
        if k.startswith("median_deg."):
            print(f"{k:40s} {v:6.1f} deg")
    print(f"wrote {args.out / 'metrics.json'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return cli_main(_run, None if argv is None else list(argv), prog="python -m cryo_equi.experiments._ablation")


if __name__ == "__main__":
    raise SystemExit(main())
