"""``adaptive-fourier reproduce``: the grid task x kind x N x seed, metrics with headline claims, figures."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from equi_runs import RunFolder, claim, mean_std
from tqdm import tqdm

from .. import __version__
from ._config import Config
from ._figures import plot_all
from ._train import run_unit

__all__ = ["reproduce", "summary"]

#: unit result key -> metric prefix per task
KEYS = {
    "2d": {"test_error": "test_error", "equiv_error": "equiv_error", "layer_max": "layer_equiv_error",
           "rot90_error": "rot90_error", "eps1": "eps1.2d", "eps2": "eps2.2d", "degenerate": "degenerate.2d",
           "train_seconds": "train_seconds.2d", "infer_ms_per_sample": "infer_ms.2d", "params": "params.2d",
           "peak_mib": "peak_mib.2d"},
    "o2": {"test_error": "test_error.o2", "equiv_error": "equiv_error.o2", "layer_max": "layer_equiv_error.o2",
           "rot90_error": "rot90_error.o2", "eps1": "eps1.o2", "eps2": "eps2.o2", "degenerate": "degenerate.o2",
           "train_seconds": "train_seconds.o2", "infer_ms_per_sample": "infer_ms.o2", "params": "params.o2",
           "peak_mib": "peak_mib.o2"},
    "3d": {"accuracy": "acc.so3", "equiv_error": "equiv_error.so3", "layer_max": "layer_equiv_error.so3",
           "eps1": "eps1.so3", "eps2": "eps2.so3", "degenerate": "degenerate.so3",
           "train_seconds": "train_seconds.so3", "infer_ms_per_sample": "infer_ms.so3", "params": "params.so3",
           "peak_mib": "peak_mib.so3"},
}
PAPER_3D_ACC = 0.885  # Fig. 4, Adaptive MLP at N = 1 (read off the figure, 0.883-0.890)
PAPER_FIXED_EQUIV_N1 = 0.22  # Fig. 8, Base-Fourier at N = 1
PAPER_ADAPTIVE_EQUIV = 0.0  # Fig. 8: "Adaptive: 0"


def _per_seed(results: Mapping[tuple, dict]) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for (task, kind, n, seed), r in results.items():
        r = {**r, "layer_max": max(r["layer_equiv_error"])}
        for key, prefix in KEYS[task].items():
            if key in r:
                out.setdefault(f"{prefix}.{kind}.N{n}", {})[seed] = float(r[key])
    return out


def summary(grid: Mapping[str, Sequence[int]], kinds: Sequence[str], seeds: Sequence[int],
            per_seed: Mapping[str, Mapping[int, float]], config: Config | None = None) -> tuple[dict, list[dict]]:
    """Flat metrics (means over seeds plus derived keys) and the headline claims of a finished grid (``config``:
    names the 3D model in the notes)."""
    mean = {k: mean_std(v.values())[0] for k, v in per_seed.items()}
    metrics: dict = {f"ns.{t}": list(ns) for t, ns in grid.items()}
    both = {"fixed", "adaptive"} <= set(kinds)
    head: list[dict] = []
    for task, err_key, better in (("2d", "test_error", min), ("o2", "test_error.o2", min), ("3d", "acc.so3", max)):
        ns = list(grid.get(task, ()))
        if not ns:
            continue
        eq = {"2d": "equiv_error", "o2": "equiv_error.o2", "3d": "equiv_error.so3"}[task]
        what = {"2d": "2D", "o2": "2D O(2)", "3d": "SO(3)"}[task]
        for kind in kinds:
            vals = [mean[f"{err_key}.{kind}.N{n}"] for n in ns]
            best = better(vals)
            tol = 0.02
            ok = [n for n, v in zip(ns, vals, strict=True) if (v <= best + tol if better is min else v >= best - tol)]
            metrics[f"n_within_2pts_of_best.{task}.{kind}"] = min(ok)
            metrics[f"{eq}.{kind}.max"] = max(mean[f"{eq}.{kind}.N{n}"] for n in ns)
        if not both or len(ns) < 2:
            continue
        lo, hi = ns[0], ns[-1]
        a1, f1, fh = (mean[f"{err_key}.adaptive.N{lo}"], mean[f"{err_key}.fixed.N{lo}"],
                      mean[f"{err_key}.fixed.N{hi}"])
        if task != "3d":
            verdict = "reproduced" if a1 <= fh + 0.02 else "partly" if a1 < f1 else "not reproduced"
            head.append(claim(
                f"Adaptive sampling with N = {lo} is as accurate as the fixed grid with N = {hi} ({what}, "
                "rotated MNIST test error)", f"{err_key}.adaptive.N{lo}", mean, per_seed, paper=None, verdict=verdict,
                note=f"test error adaptive N={lo} {a1:.3f} vs fixed N={lo} {f1:.3f} and N={hi} {fh:.3f} "
                     "(within 0.02 counts as reproduced); the paper has no 2D experiment; SO(2) CNN, mnist-rot "
                     "from 5,000 real digits, CPU scale"))
        else:
            verdict = "reproduced" if a1 >= fh - 0.02 else "partly" if a1 > f1 else "not reproduced"
            model = ""
            if config is not None:
                t3 = config.task3d
                conv = "Clebsch-Gordan (TFN-style)" if t3.conv == "tfn" else "isotropic"
                model = f"; {conv} point convolution, {t3.points} points per cloud"
            head.append(claim(
                f"Adaptive MLP with N = {lo} is as accurate as the fixed grid with N = {hi} (SO(3) point clouds)",
                f"{err_key}.adaptive.N{lo}", mean, per_seed, paper=PAPER_3D_ACC, verdict=verdict,
                note=f"accuracy adaptive N={lo} {a1:.3f} vs fixed N={lo} {f1:.3f} and N={hi} {fh:.3f}; ours on "
                     "procedural shapes (10 classes), the paper's on ModelNet10 (fixed 0.644 at N=1, 0.884 at "
                     f"N=64): the data differ, compare the gaps, not the numbers{model}"))
        adapt = metrics[f"{eq}.adaptive.max"]
        fixed = [mean[f"{eq}.fixed.N{n}"] for n in ns]
        head.append(claim(
            f"The adaptive layer is exactly equivariant for every N ({what} model, random "
            f"{'rotations' if task != 'o2' else 'rotations and reflections'}; largest error over N)",
            f"{eq}.adaptive.max", metrics, paper=PAPER_ADAPTIVE_EQUIV if task == "3d" else None,
            verdict="reproduced" if adapt < 1e-5 else "not reproduced",
            note=f"float32; fixed grid: {', '.join(f'N={n} {v:.2g}' for n, v in zip(ns, fixed, strict=True))}"
                 + (" (2D: nonlinearities conjugated by a random group element, see README)" if task != "3d" else
                    " (the clouds themselves rotated: exact)")))
        if task == "3d":
            falls = fixed[-1] < 0.5 * fixed[0]
            head.append(claim(
                "The fixed grid's equivariance error shrinks as N grows (SO(3) model, N = "
                f"{lo} -> {hi})", f"{eq}.fixed.N{lo}", mean, per_seed, paper=PAPER_FIXED_EQUIV_N1,
                verdict="reproduced" if falls else "not reproduced",
                note=f"{fixed[0]:.3g} at N={lo} -> {fixed[-1]:.3g} at N={hi} (the paper: 0.22 at N=1 -> 0.08 at "
                     "N=64, ModelNet10)"))
    return metrics, head


def reproduce(run: RunFolder, *, grid: Mapping[str, Sequence[int]], kinds: Sequence[str], seeds: Sequence[int],
              config: Config, progress: bool = True, peak_memory: bool = True) -> dict:
    """Run every unit in ``run``, write metrics.json and the figures; return the document (``peak_memory``: see
    :func:`~adaptive_fourier.experiments._train.run_unit`)."""
    units = [(t, k, n, s) for s in seeds for t, ns in grid.items() for n in ns for k in kinds]
    run.total_units = len(units)
    results: dict[tuple, dict] = {}
    bar = tqdm(total=len(units), desc="units", disable=not progress)
    for key in units:
        task, kind, n, seed = key
        unit = run.unit(task, kind, f"N{n}", f"seed{seed}")
        if not unit.done:
            res = run_unit(task, kind, n, seed, config, progress=progress, peak_memory=peak_memory)
            unit.save(res, seconds=res["train_seconds"])
        results[key] = unit.load()
        bar.update(1)
        if len(results) < len(units):
            run.write_metrics({}, per_seed=_per_seed(results), seeds=list(seeds), version=__version__,
                              complete=False)
    bar.close()
    per_seed = _per_seed(results)
    metrics, head = summary(grid, kinds, seeds, per_seed, config)
    doc = run.write_metrics(metrics, per_seed=per_seed, headline=head, seeds=list(seeds), version=__version__)
    plot_all(doc, grid, kinds, run.out)
    return doc


def _finite(v: float) -> bool:
    return isinstance(v, float) and math.isfinite(v)
