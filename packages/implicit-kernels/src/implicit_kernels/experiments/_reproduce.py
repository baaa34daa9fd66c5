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


def _std(per_seed: dict, key: str) -> str:
    v = per_seed.get(key)
    return "-" if not v or len(v) < 2 else f"{mean_std(v.values())[1]:.1f}"


def _fmt1(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


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
                f"{flat.get('params.mnist.analytic')} parameters (same fields); {cfg.mnist.n_train} train / "
                f"{cfg.mnist.n_test} test real digits, {cfg.mnist.epochs} epochs",
            )
        )
    mw = flat.get("mnist_rot_error.analytic_wide")
    if mi is not None and mw is not None:
        head.append(
            claim(
                "Implicit C8 kernels at least match R2Conv at about equal parameters (R2Conv widened) on rotated "
                "MNIST, error %",
                "mnist_rot_error.implicit",
                flat,
                per_seed,
                paper=None,
                verdict="reproduced" if mi <= mw else "not reproduced",
                note=f"implicit {mi:.1f}% vs analytic_wide {mw:.1f}% at {flat.get('params.mnist.implicit')} vs "
                f"{flat.get('params.mnist.analytic_wide')} parameters; {cfg.mnist.n_train} train / "
                f"{cfg.mnist.n_test} test real digits, {cfg.mnist.epochs} epochs",
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


SUITES = ("qm9", "mnist", "ablation", "nbody", "shapes")
ABLATION_MODELS = ("analytic", "implicit", "implicit_bond", "implicit_atom")
#: the printed ModelNet-40 deltas (implicit - standard accuracy, points) of the project page's figure
PAPER_SHAPE_DELTA = {
    "M": -0.9,
    "Inv": 0.7,
    "SO2xInv": 1.8,
    "SO2": 0.9,
    "SO2xF": 1.1,
    "SO2xM": 3.6,
    "SO3": -0.7,
    "O3": -0.2,
}


def _qm9_units(
    run: RunFolder,
    key: str,
    qcfg: Any,
    models: Sequence[str],
    seeds: Sequence[int],
    per_seed: dict,
    metrics: dict,
    bar: Any,
    progress: bool,
    timings: bool,
) -> None:
    from ._data import read_qm9
    from ._train import train_qm9

    mols = None
    for t in qcfg.targets:
        for model in models:
            for seed in seeds:
                unit = run.unit(key, t, model, f"seed{seed}")
                if not unit.done:
                    if mols is None:
                        mols = read_qm9(qcfg.n_read, qcfg.parts)
                    t0 = time.perf_counter()
                    r = train_qm9(model, t, seed, qcfg, mols, progress=progress)
                    unit.save(r, seconds=time.perf_counter() - t0)
                r = unit.load()
                per_seed.setdefault(f"{key}_mae.{t}.{model}", {})[seed] = r["mae"]
                per_seed.setdefault(f"{key}_mae.{t}.mean_predictor", {})[seed] = r["mean_predictor_mae"]
                metrics[f"params.{key}.{model}"] = r["params"]
                if timings:
                    per_seed.setdefault(f"{key}_seconds_per_step.{model}", {})[seed] = r["seconds_per_step"]
                bar.update()


def headline_extra(metrics: dict[str, Any], per_seed: dict, cfg: Config, suites: Sequence[str]) -> list[dict]:
    """Claims of the ablation, N-body and shape suites."""
    flat = {**{k: _mean(per_seed, k) for k in per_seed}, **metrics}
    head = []
    if "ablation" in suites:
        a = cfg.ablation
        scale = f"{a.n_train} train / {a.n_test} test molecules, {a.epochs} epochs, CPU"
        steps = (
            ("implicit", "analytic", "implicit kernel vs the standard basis"),
            ("implicit_bond", "implicit", "+ bond attributes"),
            ("implicit_atom", "implicit_bond", "+ atom attributes"),
        )
        for t in a.targets:
            unit = UNITS.get(t, "meV")
            for model, prev, what in steps:
                m, p = flat.get(f"ablation_mae.{t}.{model}"), flat.get(f"ablation_mae.{t}.{prev}")
                if m is None or p is None:
                    continue
                # paired by seed: lower in every seed -> reproduced; lower on average only -> partly
                a, b = per_seed.get(f"ablation_mae.{t}.{model}", {}), per_seed.get(f"ablation_mae.{t}.{prev}", {})
                diffs = [a[k] - b[k] for k in a if k in b]
                verdict = "not reproduced" if m >= p else "reproduced" if all(d < 0 for d in diffs) else "partly"
                head.append(
                    claim(
                        f"QM9 {t} ablation, {what}: lower test MAE than {prev}",
                        f"ablation_mae.{t}.{model}",
                        flat,
                        per_seed,
                        paper=PAPER_QM9_HOMO[model] if t == "homo" else None,
                        verdict=verdict,
                        note=f"{model} {m:.4g} vs {prev} {p:.4g} {unit}, per-seed differences "
                        f"{' / '.join(f'{d:+.4g}' for d in diffs)} (mean predictor "
                        f"{flat.get(f'ablation_mae.{t}.mean_predictor'):.4g}); {scale}",
                    )
                )
    if "nbody" in suites and flat.get("nbody_mse.implicit") is not None:
        i, m = flat["nbody_mse.implicit"], flat.get("nbody_mse.mlp")
        an, lin = flat.get("nbody_mse.analytic"), flat.get("nbody_mse.linear")
        n = cfg.nbody
        verdict = "n/a" if m is None else "reproduced" if i < m else "not reproduced"
        head.append(
            claim(
                "Charged N-body (5 particles, 1000 steps): the implicit O(3) point model beats a non-equivariant "
                "(MLP-kernel) model on position MSE",
                "nbody_mse.implicit",
                flat,
                per_seed,
                paper=None,
                verdict=verdict,
                note=f"implicit {i:.4g}, analytic {an if an is None else f'{an:.4g}'}, mlp "
                f"{m if m is None else f'{m:.4g}'}, constant-velocity baseline {lin:.4g}; {n.n_train} train / "
                f"{n.n_test} test simulations, {n.epochs} epochs, CPU",
            )
        )
    if "shapes" in suites:
        s = cfg.shapes
        variants = (
            ("implicit", "shapes_delta", "implicit"),
            ("implicit_bn", "shapes_delta_bn", "implicit with the paper's kernel batch norm"),
        )
        for g in s.groups:
            for model, key, what in variants:
                i, a = flat.get(f"shapes_acc.{g}.{model}"), flat.get(f"shapes_acc.{g}.analytic")
                if i is None or a is None:
                    continue
                metrics[f"{key}.{g}"] = d = i - a
                paper = PAPER_SHAPE_DELTA[g]
                # the paper's figure, per group: implicit helps (delta > 0) or is on par (delta <= 0, within a
                # point); ours "on par" allows 2 points (4 of 200 test clouds)
                helps = paper > 0
                ok = d > 0 if helps else abs(d) <= 2.0
                noise = sum(float(_std(per_seed, f"shapes_acc.{g}.{m}").replace("-", "0")) for m in (model, "analytic"))
                head.append(
                    claim(
                        f"Shapes under {g}: {what} - standard accuracy "
                        + ("(paper: implicit helps)" if helps else "(paper: on par)"),
                        f"{key}.{g}",
                        {**flat, f"{key}.{g}": d},
                        paper=paper,
                        verdict="reproduced" if ok else "not reproduced",
                        note=f"{'beyond' if abs(d) > noise else 'within'} seed noise (sum of the seed stds "
                        f"{noise:.1f}); {model} {i:.1f}% ({metrics.get(f'params.shapes.{g}.{model}')} parameters) vs "
                        f"standard (restricted SH basis) {a:.1f}% ({metrics.get(f'params.shapes.{g}.analytic')}); "
                        f"hand-written invariant features {_fmt1(flat.get(f'shapes_acc.{g}.features'))}%; procedural "
                        f"shapes (8 classes, {s.points} points, {s.n_train_per_class}/{s.n_test_per_class} per "
                        f"class), {s.epochs} epochs; paper: ModelNet-40",
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
    suites: Sequence[str] = ("qm9", "mnist"),
) -> dict:
    from .. import __version__
    from ._equivariance import measure
    from ._train import train_mnist

    n_units = 0
    if "qm9" in suites:
        n_units += len(cfg.qm9.targets) * len(qm9_models) * len(seeds)
    if "ablation" in suites:
        n_units += len(cfg.ablation.targets) * len(ABLATION_MODELS) * len(seeds)
    if "mnist" in suites:
        n_units += len(mnist_models) * len(seeds)
    if "nbody" in suites:
        n_units += len(cfg.nbody.models) * len(seeds)
    if "shapes" in suites:
        n_units += 4 * len(cfg.shapes.groups) * len(seeds)
    run.total_units = n_units + 1
    per_seed: dict[str, dict[int, float]] = {}
    metrics: dict[str, Any] = {}
    unit = run.unit("equivariance")
    if not unit.done:
        unit.save(measure())
    metrics.update(unit.load())
    bar = tqdm(total=n_units, desc="units", disable=not progress)
    if "qm9" in suites:
        _qm9_units(run, "qm9", cfg.qm9, qm9_models, seeds, per_seed, metrics, bar, progress, timings)
    if "ablation" in suites:
        _qm9_units(run, "ablation", cfg.ablation, ABLATION_MODELS, seeds, per_seed, metrics, bar, progress, timings)
    if "mnist" in suites:
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
    if "nbody" in suites:
        from ._nbody import train_nbody

        for model in cfg.nbody.models:
            for seed in seeds:
                unit = run.unit("nbody", model, f"seed{seed}")
                if not unit.done:
                    t0 = time.perf_counter()
                    r = train_nbody(model, seed, cfg.nbody, progress=progress)
                    unit.save(r, seconds=time.perf_counter() - t0)
                r = unit.load()
                per_seed.setdefault(f"nbody_mse.{model}", {})[seed] = r["mse"]
                per_seed.setdefault("nbody_mse.linear", {})[seed] = r["linear_mse"]
                metrics[f"params.nbody.{model}"] = r["params"]
                bar.update()
    if "shapes" in suites:
        from ._shape_cls import SHAPE_MODELS, train_shapes

        for g in cfg.shapes.groups:
            for model in SHAPE_MODELS:
                for seed in seeds:
                    unit = run.unit("shapes", g, model, f"seed{seed}")
                    if not unit.done:
                        t0 = time.perf_counter()
                        r = train_shapes(g, model, seed, cfg.shapes, progress=progress)
                        unit.save(r, seconds=time.perf_counter() - t0)
                    r = unit.load()
                    per_seed.setdefault(f"shapes_acc.{g}.{model}", {})[seed] = r["accuracy"]
                    metrics[f"params.shapes.{g}.{model}"] = r["params"]
                    bar.update()
    bar.close()
    head = headline(metrics, per_seed, qm9_models, cfg) + headline_extra(metrics, per_seed, cfg, suites)
    from ._figures import plot_all, plot_extra

    if "qm9" in suites or "mnist" in suites:
        plot_all(
            run.out,
            per_seed,
            cfg.qm9.targets if "qm9" in suites else (),
            qm9_models,
            mnist_models if "mnist" in suites else (),
        )
    plot_extra(run.out, per_seed, cfg, suites)
    return run.write_metrics(metrics, per_seed=per_seed, headline=head, seeds=list(seeds), version=__version__)
