"""``implicit-kernels reproduce``: the QM9 kernel ablation and rotated MNIST, implicit vs analytic."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from equi_runs import RunFolder, claim, mean_std
from tqdm import tqdm

from ._config import Config
from ._data import UNITS

PAPER_QM9_HOMO = {"analytic": 43.0, "implicit": 37.8, "implicit_bond": 35.2, "implicit_atom": 30.6}


def _mean(per_seed: dict, key: str) -> float | None:
    v = per_seed.get(key)
    return None if not v else mean_std(v.values())[0]


def headline(metrics: dict[str, Any], per_seed: dict, qm9_models: Sequence[str], cfg: Config) -> list[dict]:
    flat = {**{k: _mean(per_seed, k) for k in per_seed}, **metrics}
    head = []
    t = cfg.qm9.targets[0]
    scale = f"{cfg.qm9.n_train} train / {cfg.qm9.n_test} test molecules, {cfg.qm9.epochs} epochs, CPU"
    a, i = flat.get(f"qm9_mae.{t}.analytic"), flat.get(f"qm9_mae.{t}.implicit")
    unit = UNITS.get(t, "meV")
    if a is not None and i is not None:
        verdict = "reproduced" if i <= a else "not reproduced"
        head.append(
            claim(
                f"The implicit O(3) kernel at least matches the analytic basis at about equal parameters: QM9 {t} MAE",
                f"qm9_mae.{t}.implicit",
                flat,
                per_seed,
                paper=PAPER_QM9_HOMO["implicit"] if t == "homo" else None,
                verdict=verdict,
                note=f"implicit {i:.3g} vs analytic {a:.3g} {unit}, mean predictor "
                f"{flat.get(f'qm9_mae.{t}.mean_predictor'):.3g} (the paper's HOMO ablation: 37.8 vs 43.0 meV, "
                f"110k molecules); {scale}",
            )
        )
    for model, prev, what in (("implicit_bond", "implicit", "bond"), ("implicit_atom", "implicit_bond", "atom")):
        b, p = flat.get(f"qm9_mae.{t}.{model}"), flat.get(f"qm9_mae.{t}.{prev}")
        if b is not None and p is not None:
            head.append(
                claim(
                    f"Adding {what} attributes to the kernel lowers QM9 {t} MAE further",
                    f"qm9_mae.{t}.{model}",
                    flat,
                    per_seed,
                    paper=PAPER_QM9_HOMO[model] if t == "homo" else None,
                    verdict="reproduced" if b < p else "not reproduced",
                    note=f"{model} {b:.3g} vs {prev} {p:.3g} {unit}; {scale}",
                )
            )
    mi, ma = flat.get("mnist_rot_error.implicit"), flat.get("mnist_rot_error.analytic")
    if mi is not None and ma is not None:
        head.append(
            claim(
                "Implicit C8 kernels at least match the analytic basis (e2cnn-core R2Conv) on rotated MNIST, error %",
                "mnist_rot_error.implicit",
                flat,
                per_seed,
                paper=None,
                verdict="reproduced" if mi <= ma else "not reproduced",
                note=f"implicit {mi:.1f}% vs analytic {ma:.1f}% at {flat.get('params.mnist.implicit')} vs "
                f"{flat.get('params.mnist.analytic')} parameters; {cfg.mnist.n_train} train / {cfg.mnist.n_test} "
                f"test real digits, {cfg.mnist.epochs} epochs",
            )
        )
    if "equivariance.point_conv_o3_float64" in flat:
        e = flat["equivariance.point_conv_o3_float64"]
        head.append(
            claim(
                "O(3) point convolution equivariance error (float64, rotations, reflections, translation)",
                "equivariance.point_conv_o3_float64",
                flat,
                paper=1.39e-06,
                verdict="reproduced" if e < 1e-6 else "not reproduced",
                note="the official notebook prints 1.39e-06 (its 3-layer O(3) model, float32); ours is exact by "
                f"construction; kernel constraint residual (float32) <= {flat['kernel_residual.max_float32']:.1e}",
            )
        )
    return head


def reproduce(
    run: RunFolder,
    cfg: Config,
    qm9_models: Sequence[str],
    mnist_models: Sequence[str],
    seeds: Sequence[int],
    progress: bool = True,
    timings: bool = True,
) -> dict:
    from .. import __version__
    from ._data import read_qm9
    from ._equivariance import measure
    from ._train import train_mnist, train_qm9

    targets = cfg.qm9.targets
    run.total_units = (len(targets) * len(qm9_models) + len(mnist_models)) * len(seeds) + 1
    per_seed: dict[str, dict[int, float]] = {}
    metrics: dict[str, Any] = {}
    unit = run.unit("equivariance")
    if not unit.done:
        unit.save(measure())
    metrics.update(unit.load())
    mols = None
    bar = tqdm(total=run.total_units - 1, desc="units", disable=not progress)
    for t in targets:
        for model in qm9_models:
            for seed in seeds:
                unit = run.unit("qm9", t, model, f"seed{seed}")
                if not unit.done:
                    if mols is None:
                        mols = read_qm9(cfg.qm9.n_read, cfg.qm9.parts)
                    t0 = time.perf_counter()
                    r = train_qm9(model, t, seed, cfg.qm9, mols, progress=progress)
                    unit.save(r, seconds=time.perf_counter() - t0)
                r = unit.load()
                per_seed.setdefault(f"qm9_mae.{t}.{model}", {})[seed] = r["mae"]
                per_seed.setdefault(f"qm9_mae.{t}.mean_predictor", {})[seed] = r["mean_predictor_mae"]
                metrics[f"params.qm9.{model}"] = r["params"]
                if timings:
                    per_seed.setdefault(f"qm9_seconds_per_step.{model}", {})[seed] = r["seconds_per_step"]
                bar.update()
    for model in mnist_models:
        for seed in seeds:
            unit = run.unit("mnist", model, f"seed{seed}")
            if not unit.done:
                t0 = time.perf_counter()
                r = train_mnist(model, seed, cfg.mnist, progress=progress)
                unit.save(r, seconds=time.perf_counter() - t0)
            r = unit.load()
            per_seed.setdefault(f"mnist_rot_error.{model}", {})[seed] = r["test_error"]
            metrics[f"params.mnist.{model}"] = r["params"]
            if timings:
                per_seed.setdefault(f"mnist_train_seconds.{model}", {})[seed] = r["train_seconds"]
            bar.update()
    bar.close()
    head = headline(metrics, per_seed, qm9_models, cfg)
    from ._figures import plot_all

    plot_all(run.out, per_seed, targets, qm9_models, mnist_models)
    return run.write_metrics(metrics, per_seed=per_seed, headline=head, seeds=list(seeds), version=__version__)
