"""``learned-equivariance reproduce``: CNN, steerable, learned-degree and RPP on mixed-symmetry double MNIST, and
the controlled likelihood experiment (learned model on data of known symmetry, paper settings vs variants)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from equi_runs import RunFolder, claim, mean_std

from ._config import PROBE_SETTINGS, Settings


def _layer_stats(res: dict, group: str, symmetry: str) -> dict[str, float]:
    """Mean over layers of :func:`likelihood_stats`."""
    from ._train import likelihood_stats, subgroup_mask

    grid = [tuple(e) for e in res["grid"]]
    mask = subgroup_mask(group, symmetry, grid)
    per = [likelihood_stats(np.asarray(d), mask) for d in res["densities"]]
    return {k: float(np.mean([p[k] for p in per])) for k in per[0]}


def _compact(res: dict) -> dict:
    """What a unit stores (histories are small: a few numbers per epoch)."""
    return res


def headline(
    m: dict, per_seed: dict, models: Sequence[str], probes: Sequence[str], syms: Sequence[str], scale: str
) -> list:
    out = []
    if {"cnn", "equivariant", "learned"} <= set(models):
        ours, cnn, eq = m["test_error.learned"], m["test_error.cnn"], m["test_error.equivariant"]
        best = min(cnn, eq)
        verdict = "reproduced" if ours <= best else "partly" if ours <= max(cnn, eq) else "not reproduced"
        out.append(
            claim(
                "On mixed-symmetry double MNIST the learned-degree CNN is at least as good as the better of the CNN "
                "and the fully equivariant CNN (test error, %)",
                "test_error.learned",
                m,
                per_seed,
                paper=None,
                verdict=verdict,
                note=f"learned {ours:.1f} vs CNN {cnn:.1f}, C8-equivariant {eq:.1f}"
                + (
                    f", shared likelihood {m['test_error.learned_shared']:.1f}"
                    if "test_error.learned_shared" in m
                    else ""
                )
                + f"; {scale}; the paper's table is not available offline",
            )
        )
    if {"learned", "rpp"} <= set(models):
        ours, rpp = m["test_error.learned"], m["test_error.rpp"]
        out.append(
            claim(
                "On mixed-symmetry double MNIST the learned-degree CNN is at least as good as RPP (test error, %)",
                "test_error.learned",
                m,
                per_seed,
                paper=None,
                verdict="reproduced" if ours <= rpp else "not reproduced",
                note=f"learned {ours:.1f} vs RPP {rpp:.1f}; {scale}",
            )
        )
    if "paper" in probes and {"C1", "SO2"} <= set(syms):
        c1, so2 = m["likelihood.C1.paper.tv_to_target"], m["likelihood.SO2.paper.tv_to_target"]
        good = c1 < 0.5 and so2 < 0.2
        fast_good = (
            "fast" in probes
            and m["likelihood.C1.fast.tv_to_target"] < 0.5
            and m["likelihood.SO2.fast.tv_to_target"] < 0.2
        )
        verdict = "reproduced" if good else "partly" if fast_good else "not reproduced"
        fast = (
            f"; with a 20x likelihood learning rate: C1 {m['likelihood.C1.fast.tv_to_target']:.2f} (identity mass "
            f"{m['likelihood.C1.fast.mass_identity']:.3f}), SO2 {m['likelihood.SO2.fast.tv_to_target']:.2f}"
            if "fast" in probes
            else ""
        )
        if "no_kl" in probes:
            fast += (
                f"; without the KL terms: C1 {m['likelihood.C1.no_kl.tv_to_target']:.2f} (identity mass "
                f"{m['likelihood.C1.no_kl.mass_identity']:.3f}), SO2 {m['likelihood.SO2.no_kl.tv_to_target']:.2f}"
            )
        if "C4" in syms:
            fast += (
                f"; C4 data (paper settings): likelihood mass on C4 {m['likelihood.C4.paper.mass_target']:.3f} "
                f"(uniform 0.5), distance {m['likelihood.C4.paper.tv_to_target']:.2f}"
            )
        out.append(
            claim(
                "The learnt likelihoods reflect the data's degree of equivariance (likelihood-fit distance: total "
                "variation to the uniform distribution on the data's symmetry group, mean over layers and data sets; "
                "0 = exact)",
                "likelihood_fit",
                m,
                per_seed,
                paper=None,
                verdict=verdict,
                note=f"paper settings: C1 data {c1:.2f} (identity mass {m['likelihood.C1.paper.mass_identity']:.3f}, "
                f"uniform {1 / m['group_order']:.3f}), SO2 data {so2:.2f}{fast}; Adam moves a coefficient by at most "
                f"~lr per step: {m['adam_bound.paper']:.2f} in logit units over the run (paper settings); {scale}",
            )
        )
    return out


def reproduce(
    run: RunFolder,
    s: Settings,
    models: Sequence[str],
    seeds: Sequence[int],
    probes: Sequence[str],
    *,
    progress: bool = True,
    figures: bool = True,
    timings: bool = True,
) -> dict:
    """Run the grid (mixed data: model x seed; probes: symmetry x setting, first seed) and write metrics."""
    from dataclasses import replace

    from tqdm import tqdm

    from .. import __version__
    from ._data import load_digits
    from ._models import gspace_of
    from ._train import train_unit

    syms = list(s.probe_symmetries) if probes else []
    units = [("mixed", m, seed) for m in models for seed in seeds]
    units += [("probe", sym, pr) for sym in syms for pr in probes]
    run.total_units = len(units)
    digits = load_digits()
    per_seed: dict[str, dict[int, float]] = {}
    metrics: dict[str, Any] = {}
    results: dict[tuple, dict] = {}
    bar = tqdm(total=len(units) * s.train.epochs, disable=not progress, desc="epochs")
    for u in units:
        unit = run.unit(*u[:2], (f"seed{u[2]}" if u[0] == "mixed" else u[2]))
        if not unit.done:
            t0 = time.perf_counter()
            if u[0] == "mixed":
                res, _ = train_unit(
                    u[1], replace(s.data, symmetry="mixed"), s.model, s.train, u[2], digits=digits, progress=bar.update
                )
            else:
                opts = dict(PROBE_SETTINGS[u[2]])
                factor = opts.pop("lik_lr_factor", 1.0)
                res, _ = train_unit(
                    "learned",
                    replace(s.data, symmetry=u[1]),
                    s.model,
                    replace(s.train, **opts),
                    seeds[0],
                    factor,
                    digits=digits,
                    progress=bar.update,
                )
            unit.save(_compact(res), seconds=time.perf_counter() - t0)
        else:
            bar.update(s.train.epochs)
        r = unit.load()
        results[u] = r
        if u[0] == "mixed":
            per_seed.setdefault(f"test_error.{u[1]}", {})[u[2]] = r["test_error"]
            if timings:
                per_seed.setdefault(f"seconds_per_epoch.{u[1]}", {})[u[2]] = r["seconds_per_epoch"]
            if "densities" in r:
                st = _layer_stats(r, s.model.group, "C1")
                per_seed.setdefault(f"likelihood.mixed.{u[1]}.mass_identity", {})[u[2]] = st["mass_identity"]
        else:
            for k, v in _layer_stats(r, s.model.group, u[1]).items():
                metrics[f"likelihood.{u[1]}.{u[2]}.{k}"] = v
    bar.close()
    group_order = gspace_of(s.model.group).group.order()
    metrics["group_order"] = group_order
    steps = s.train.epochs * -(-100 * s.data.n_train // s.train.batch)
    for pr in probes:
        factor = PROBE_SETTINGS[pr].get("lik_lr_factor", 1.0)
        metrics[f"adam_bound.{pr}"] = (s.train.lik_lr or s.train.lr) * factor * steps
        fits = [metrics[f"likelihood.{sym}.{pr}.tv_to_target"] for sym in syms]
        metrics["likelihood_fit" if pr == "paper" else f"likelihood_fit.{pr}"] = float(np.mean(fits))
    flat = {**{k: mean_std(v.values())[0] for k, v in per_seed.items()}, **metrics}
    scale = (
        f"{100 * s.data.n_train} train images ({s.data.size} px digits), {s.train.epochs} epochs, "
        f"{s.model.group} regular fields {list(s.model.fields)}, {len(seeds)} seeds, CPU"
    )
    head = headline(flat, per_seed, models, probes, syms, scale)
    if figures:
        from ._plots import plot_all

        plot_all(run.out, results, s, models, seeds, probes, syms)
    return run.write_metrics(metrics, per_seed=per_seed, headline=head, seeds=list(seeds), version=__version__)
