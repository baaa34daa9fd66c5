"""Command line: ``sheaf-homology reproduce [--quick] --out DIR`` and ``sheaf-homology bench --out DIR``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import torch


def _write_json(path: Path, obj: object) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True))
    os.replace(tmp, path)


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, no GPU used"


def _plot_accuracies(metrics: dict[str, object], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = sorted({k.split(".")[1] for k in metrics if k.startswith("acc.")})
    fig, axes = plt.subplots(1, len(tasks), figsize=(4 * len(tasks), 3.5), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        names = [k.split(".", 2)[2] for k in metrics if k.startswith(f"acc.{task}.")]
        means = [float(metrics[f"acc.{task}.{n}"]) for n in names]  # type: ignore[arg-type]
        stds = [float(metrics[f"std.{task}.{n}"]) for n in names]  # type: ignore[arg-type]
        ax.bar(names, means, yerr=stds, capsize=3)
        ax.set_title(task)
        ax.set_ylim(0, 1)
        ax.tick_params(axis="x", rotation=60, labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def reproduce(args: argparse.Namespace) -> dict[str, object]:
    from ._experiments import ExperimentConfig, HeteroConfig, StratifiedConfig, run_all
    from ._models import ModelConfig
    from ._train import TrainConfig

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.quick:
        seeds = tuple(args.seeds) if args.seeds else (0, 1)
        cfg = ExperimentConfig(
            models=("gcn", "gat", "nsd", "lhs", "lhs_persistent"),
            seeds=seeds,
            model=ModelConfig(),
            train=TrainConfig(epochs=60, patience=30),
            persistent_refresh=0,
        )
        scfg = StratifiedConfig(clouds=(4, 1, 3), points=200, complex=args.complex)
        hcfg = HeteroConfig(nodes=600, homophily=(0.1,))
    else:
        seeds = tuple(args.seeds) if args.seeds else tuple(range(10))
        cfg = ExperimentConfig(seeds=seeds, train=TrainConfig(epochs=200, patience=50))
        scfg = StratifiedConfig(clouds=(4, 1, 3), points=200, complex=args.complex)
        hcfg = HeteroConfig()
    if args.mask_padding:
        cfg = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, mask_padding=True))
    if args.lhs_dim is not None:
        cfg = dataclasses.replace(cfg, lhs_dim=args.lhs_dim)
    if args.models:
        cfg = dataclasses.replace(cfg, models=tuple(args.models.split(",")))
    tasks = tuple(args.tasks.split(",")) if args.tasks else ("cora", "stratified", "hetero")
    t = time.perf_counter()
    metrics = run_all(cfg, tasks, scfg, hcfg)
    metrics["seconds.total"] = time.perf_counter() - t
    metrics["machine"] = _machine()
    metrics["quick"] = bool(args.quick)
    metrics["threads"] = torch.get_num_threads()
    _write_json(out / "metrics.json", metrics)
    _plot_accuracies(metrics, out / "accuracy.png")
    for k in sorted(metrics):
        if k.startswith("acc."):
            print(f"{k:34s} {metrics[k]:.4f} +- {metrics['std.' + k[4:]]:.4f}")
    return metrics


def bench(args: argparse.Namespace) -> dict[str, object]:
    from ._bench import bench_construction, plot_bench

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [100, 200, 400, 800] if args.quick else [200, 400, 800, 1600, 3200]
    result = bench_construction(sizes, repeats=1 if args.quick else 2)
    flat: dict[str, object] = {k: v for k, v in result.items() if k != "rows"}
    rows = result["rows"]
    assert isinstance(rows, list)
    for r in rows:
        for k, v in r.items():
            flat[f"n{int(r['n'])}.{k}"] = v
    flat["machine"] = _machine()
    flat["sizes"] = sizes
    _write_json(out / "metrics.json", flat)
    plot_bench(result, str(out / "construction_cost.png"))
    for k in sorted(flat):
        if k.startswith("slope."):
            print(f"{k:45s} {flat[k]:.3f}")
    return flat


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sheaf-homology", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    rp = sub.add_parser("reproduce", help="run the experiments and write metrics.json + figures")
    rp.add_argument("--quick", action="store_true", help="fewer seeds/epochs/models (< 5 min on 2 CPU cores)")
    rp.add_argument("--out", required=True, help="output folder")
    rp.add_argument("--seeds", type=int, nargs="*", help="seeds (default: 0..9, quick: 0 1)")
    rp.add_argument(
        "--complex",
        default="alpha",
        choices=("alpha", "knn"),
        help="stratified task: alpha complex at 2x the nearest-neighbour scale, or kNN clique complex",
    )
    rp.add_argument(
        "--mask-padding", action="store_true", help="zero padded stalk coordinates of the lhs models"
    )
    rp.add_argument(
        "--lhs-dim", type=int, default=None, help="local homology coordinates per stalk (default 3)"
    )
    rp.add_argument("--models", default=None, help="comma list of models (default: all; quick: 5)")
    rp.add_argument("--tasks", default=None, help="comma list of cora,stratified,hetero (default: all)")
    bp = sub.add_parser("bench", help="construction / persistence cost vs number of simplices")
    bp.add_argument("--out", required=True, help="output folder")
    bp.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    for p in (rp, bp):
        p.add_argument(
            "--threads", type=int, default=1, help="torch CPU threads (default 1: fastest on a busy CPU)"
        )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.cmd == "reproduce":
        reproduce(args)
    else:
        bench(args)


if __name__ == "__main__":
    main()
