"""The ``reproduce`` and ``bench`` experiments behind the CLI."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ._baselines import BASELINES, to_integer_matrix
from ._defect import log_defect
from ._lattices import KINDS, generate
from ._reducer import LatticeReducer, ReducerConfig
from ._train import TrainConfig, train
from ._types import AmbientRotation, BasisRows, Conjugation, Invariant


@dataclass(frozen=True)
class ReproduceConfig:
    """What ``reproduce`` runs. ``quick``: n in {4, 8}, one seed, short training, no ablations.

    ``threads``: torch CPU threads; the per-pivot tensors are tiny, and one thread avoids OpenMP overhead (and
    the large slow-downs of spinning threads when the cores are shared). ``equivariance_samples``: bases per
    family for the B_n / O(n) checks (each check reduces every test element's transform of each basis).
    """

    dims: tuple[int, ...] = (4, 8, 12, 16)
    seeds: tuple[int, ...] = (0, 1, 2)
    eval_per_kind: int = 100
    train_steps: int = 300
    train_batch: int = 48
    train_sweeps: int = 1
    ablation_steps: int = 150
    ablation_batch: int = 48
    ablations: bool = True
    budgets: tuple[int, ...] = (1, 2, 3)
    equivariance_samples: int = 3
    threads: int = 1
    baselines: tuple[str, ...] = ("input", "lll", "bkz", "sizered")

    @staticmethod
    def quick(seeds: tuple[int, ...] = (0,)) -> ReproduceConfig:
        return ReproduceConfig(dims=(4, 8), seeds=seeds, eval_per_kind=50, train_steps=150, ablations=False)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
    os.replace(tmp, path)


def _eval_model(model: LatticeReducer, bases: np.ndarray, sweeps: int | None = None) -> np.ndarray:
    with torch.no_grad():
        out = model.reduce(torch.as_tensor(bases, dtype=torch.float64), sweeps=sweeps)
    return log_defect(out.basis.numpy())


def _equivariance(model: LatticeReducer, bases: np.ndarray) -> tuple[float, float]:
    """Worst B_n error of U and worst O(n) error of the output defect over ``bases`` (relative errors)."""
    from equi_groups.testing import equivariance_errors

    n = bases.shape[-1]

    def unimodular(b: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return model.reduce(b).unimodular[0].double()

    def defect(b: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return torch.as_tensor(log_defect(model.reduce(b).basis))

    bn, on = 0.0, 0.0
    for b in bases:
        x = torch.as_tensor(b, dtype=torch.float64)
        bn = max(bn, max(equivariance_errors(unimodular, BasisRows(n), Conjugation(n), x).values()))
        rot = AmbientRotation(n)
        on = max(on, max(equivariance_errors(defect, rot, Invariant(rot.group), x).values()))
    return bn, on


def _machine() -> str:
    threads = torch.get_num_threads()
    return f"{platform.machine()} {os.cpu_count()} CPUs, torch {torch.__version__}, threads {threads}"


def _record_equivariance(
    record: Any, name: str, model: LatticeReducer, bases: np.ndarray, kind_of: np.ndarray, samples: int
) -> None:
    """B_n / O(n) errors on generic bases (Gaussian, MIMO) and, separately, on q-ary bases.

    q-ary bases have vectors of exactly equal length (the ``q e_i`` rows), so the length term of the pivot
    score ties and only the network can break the tie; ``ties.qary`` is the fraction of such bases.
    """
    for group, kinds in (("generic", ("gaussian", "mimo")), ("qary", ("qary",))):
        idx = np.concatenate([np.nonzero(kind_of == KINDS.index(k))[0][:samples] for k in kinds])
        bn, on = _equivariance(model, bases[idx])
        record(f"equivariance_error.bn.{name}.{group}.n{bases.shape[-1]}", bn)
        record(f"invariance_error.on.{name}.{group}.n{bases.shape[-1]}", on)
    q = bases[kind_of == KINDS.index("qary")]
    lengths = np.round(np.linalg.norm(q, axis=-1), 12)
    ties = np.mean([len(np.unique(row)) < len(row) for row in lengths])
    record(f"ties.qary.n{bases.shape[-1]}", ties)


def reproduce(out: Path, config: ReproduceConfig, progress: bool = True) -> dict[str, Any]:
    """Train, evaluate against the baselines, write ``metrics.json`` and figures into ``out``.

    Runs in float64 with ``config.threads`` torch threads; both settings are restored afterwards.
    """
    dtype, threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(config.threads)
    try:
        return _reproduce(out, config, progress)
    finally:
        torch.set_default_dtype(dtype)
        torch.set_num_threads(threads)


def _reproduce(out: Path, config: ReproduceConfig, progress: bool) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    per_seed: dict[str, list[float]] = {}
    curves: dict[int, list[float]] = {}
    extra: dict[str, Any] = {}

    def record(key: str, value: float) -> None:
        per_seed.setdefault(key, []).append(float(value))

    eval_sets = {
        n: np.concatenate([generate(k, n, config.eval_per_kind, seed=10**7) for k in KINDS])
        for n in config.dims
    }
    kind_of = np.repeat(np.arange(len(KINDS)), config.eval_per_kind)
    base_scores: dict[str, dict[int, np.ndarray]] = {}
    for name in tqdm(config.baselines, desc="baselines", disable=not progress):
        base_scores[name] = {}
        for n, bases in eval_sets.items():
            fn = BASELINES[name]
            base_scores[name][n] = np.array([log_defect(fn(b).astype(float) @ b) for b in bases])
    classical = LatticeReducer(ReducerConfig(variant="classical"))
    base_scores["classical"] = {n: _eval_model(classical, b) for n, b in eval_sets.items()}
    budget_scores = {
        (s, n): _eval_model(classical, b, s).mean() for s in config.budgets for n, b in eval_sets.items()
    }

    train_cfgs = []
    for seed in tqdm(config.seeds, desc="seeds", disable=not progress):
        torch.manual_seed(seed)
        model = LatticeReducer(ReducerConfig())
        tcfg = TrainConfig(
            dims=config.dims,
            steps=config.train_steps,
            batch=config.train_batch,
            sweeps=config.train_sweeps,
            seed=seed,
        )
        train_cfgs.append(asdict(tcfg))
        curves[seed] = train(model, tcfg, progress=progress, select=True)
        for n, bases in eval_sets.items():
            scores = _eval_model(model, bases)
            record(f"log_defect.ours.n{n}", scores.mean())
            record(f"log_defect_median.ours.n{n}", np.median(scores))
            for k, kind in enumerate(KINDS):
                record(f"log_defect.ours.{kind}.n{n}", scores[kind_of == k].mean())
            for budget in config.budgets:
                record(f"log_defect_budget.ours.s{budget}.n{n}", _eval_model(model, bases, budget).mean())
            _record_equivariance(record, "ours", model, bases, kind_of, config.equivariance_samples)
            if seed == config.seeds[0]:
                torch.save(model.state_dict(), out / "ours_seed0.pt.tmp")
                os.replace(out / "ours_seed0.pt.tmp", out / "ours_seed0.pt")
        if config.ablations:
            for variant in ("no_bn", "no_gram"):
                for n, bases in eval_sets.items():
                    torch.manual_seed(seed)
                    abl = LatticeReducer(ReducerConfig(variant=variant, n=n))
                    tcfg = TrainConfig(
                        dims=(n,),
                        steps=config.ablation_steps,
                        batch=config.ablation_batch,
                        sweeps=config.train_sweeps,
                        seed=seed,
                    )
                    train(abl, tcfg, progress=progress, select=True)
                    record(f"log_defect.ablation_{variant}.n{n}", _eval_model(abl, bases).mean())
                    record(
                        f"log_defect_budget.ablation_{variant}.s{tcfg.sweeps}.n{n}",
                        _eval_model(abl, bases, tcfg.sweeps).mean(),
                    )
                    _record_equivariance(record, f"ablation_{variant}", abl, bases, kind_of, 1)

    metrics: dict[str, Any] = {}
    for key, vals in per_seed.items():
        metrics[key] = float(np.mean(vals))
        metrics[key + ".std"] = float(np.std(vals))
    for name, by_n in base_scores.items():
        for n, scores in by_n.items():
            metrics[f"log_defect.{name}.n{n}"] = float(scores.mean())
            metrics[f"log_defect_median.{name}.n{n}"] = float(np.median(scores))
            for k, kind in enumerate(KINDS):
                metrics[f"log_defect.{name}.{kind}.n{n}"] = float(scores[kind_of == k].mean())
    for (budget, n), val in budget_scores.items():
        metrics[f"log_defect_budget.classical.s{budget}.n{n}"] = float(val)
    for n in config.dims:
        metrics[f"ratio.ours_over_lll.n{n}"] = (
            metrics[f"log_defect.ours.n{n}"] / metrics[f"log_defect.lll.n{n}"]
        )
    extra.update(
        seeds=list(config.seeds),
        config=asdict(config),
        train_configs=train_cfgs,
        reducer_config=asdict(ReducerConfig()),
        eval_seed=10**7,
        kinds=list(KINDS),
        machine=_machine(),
        wall_seconds=time.perf_counter() - t0,
    )
    metrics.update(extra)
    _write_json(out / "metrics.json", metrics)
    _figures(out, metrics, curves, config)
    return metrics


def _figures(
    out: Path, metrics: dict[str, Any], curves: dict[int, list[float]], config: ReproduceConfig
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = ["input", "sizered", "classical", "ours", "lll", "bkz"]
    methods += ["ablation_no_bn", "ablation_no_gram"] if config.ablations else []
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / len(methods)
    for k, m in enumerate(methods):
        vals = [metrics.get(f"log_defect.{m}.n{n}", np.nan) for n in config.dims]
        ax.bar(np.arange(len(config.dims)) + k * width, vals, width, label=m)
    ax.set_xticks(np.arange(len(config.dims)) + 0.4 - width / 2, [f"n={n}" for n in config.dims])
    ax.set_ylabel("mean log orthogonality defect")
    ax.set_yscale("log")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out / "log_defect.png", dpi=120)
    plt.close(fig)
    fig, axes = plt.subplots(1, len(config.dims), figsize=(3.2 * len(config.dims), 3.2), squeeze=False)
    budgets = list(config.budgets)
    for ax, n in zip(axes[0], config.dims, strict=True):
        for m in ("classical", "ours"):
            vals = [metrics[f"log_defect_budget.{m}.s{s}.n{n}"] for s in budgets]
            err = [metrics.get(f"log_defect_budget.{m}.s{s}.n{n}.std", 0.0) for s in budgets]
            ax.errorbar(budgets, vals, yerr=err, marker="o", label=f"{m} (budget)")
            ax.axhline(
                metrics[f"log_defect.{m}.n{n}"],
                ls=":",
                color=ax.lines[-1].get_color(),
                label=f"{m} (converged)",
            )
        ax.axhline(metrics[f"log_defect.lll.n{n}"], color="k", ls="--", label="LLL 0.99")
        ax.set_yscale("log")
        ax.set_xticks(budgets)
        ax.set_title(f"n={n}")
        ax.set_xlabel("sweeps")
    axes[0][0].set_ylabel("mean log defect")
    axes[0][0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out / "defect_vs_sweeps.png", dpi=120)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for seed, c in curves.items():
        ax.plot(c, label=f"seed {seed}", lw=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("greedy log defect of the training batch")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "training_loss.png", dpi=120)
    plt.close(fig)


def bench(
    out: Path,
    dims: tuple[int, ...] = (8, 16, 32),
    repeats: int = 5,
    progress: bool = True,
    checkpoint: Path | None = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """Time per basis: ours batched (one ``reduce`` call per batch) vs fpylll LLL (one call per basis).

    Gaussian bases (seed 7); fpylll gets them scaled by ``2**20`` and rounded (conversion not timed). Methods:
    ``ours`` (the reducer run to its fixed point, at most ``sweeps`` = 6), ``ours_budget2`` (two sweeps, the
    regime the pivot policy is trained for), ``classical`` (the skeleton without network) and ``lll``.
    ``checkpoint``: a state dict from ``reproduce`` (``ours_seed0.pt``); without it the network is
    zero-initialised (same cost per sweep, but the number of sweeps to the fixed point may differ).
    ``threads``: torch CPU threads (default: torch's choice). Medians over ``repeats``. Writes ``bench.json``.
    """
    from fpylll import LLL

    if threads is not None:
        torch.set_num_threads(threads)
    out.mkdir(parents=True, exist_ok=True)
    model = LatticeReducer(ReducerConfig()).float().eval()  # float32 network (2x faster); moves in float64
    if checkpoint is not None:
        model.load_state_dict(torch.load(checkpoint, map_location="cpu"))
    classical = LatticeReducer(ReducerConfig(variant="classical"))
    runs = {"ours": (model, None), "ours_budget2": (model, 2), "classical": (classical, None)}
    res: dict[str, Any] = {}
    for n in tqdm(dims, desc="bench", disable=not progress):
        batch = {8: 2048, 16: 1024, 32: 256}.get(n, 256)
        bases = torch.as_tensor(generate("gaussian", n, batch, seed=7), dtype=torch.float64)
        with torch.no_grad():
            for name, (mod, sweeps) in runs.items():
                mod.reduce(bases[:8], sweeps=sweeps)
                times = []
                for _ in range(repeats):
                    t = time.perf_counter()
                    red = mod.reduce(bases, sweeps=sweeps)
                    times.append((time.perf_counter() - t) / batch)
                res[f"ms_per_basis.{name}.n{n}"] = 1e3 * float(np.median(times))
                res[f"log_defect.{name}.n{n}"] = float(log_defect(red.basis.numpy()).mean())
        count = {8: 400, 16: 200, 32: 40}.get(n, 40)
        np_bases = bases.numpy()[:count]
        times = []
        for _ in range(repeats):
            mats = [to_integer_matrix(b) for b in np_bases]
            t = time.perf_counter()
            for a in mats:
                LLL.reduction(a, delta=0.99)
            times.append((time.perf_counter() - t) / count)
        res[f"ms_per_basis.lll.n{n}"] = 1e3 * float(np.median(times))
        for name in runs:
            res[f"speedup.{name}_over_lll.n{n}"] = (
                res[f"ms_per_basis.lll.n{n}"] / res[f"ms_per_basis.{name}.n{n}"]
            )
        res[f"batch.ours.n{n}"] = batch
        res[f"count.lll.n{n}"] = count
    res.update(
        repeats=repeats,
        device="cpu",
        seed=7,
        lll_delta=0.99,
        reducer_config=asdict(ReducerConfig()),
        checkpoint=str(checkpoint) if checkpoint is not None else None,
        machine=_machine(),
    )
    _write_json(out / "bench.json", res)
    return res
