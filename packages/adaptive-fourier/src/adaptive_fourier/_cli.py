"""``adaptive-fourier`` command line: ``reproduce`` (the study) and ``bench`` (layer and model timings).

Torch-free at import: every argument is checked and the run folder opened before torch or data are loaded.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace

from equi_runs import (
    RunError,
    RunFolder,
    add_run_options,
    check_unique,
    cli_main,
    make_parser,
    positive_int,
    prepare_out,
)

from ._names import (
    CONVS,
    DEFAULT_KINDS,
    DOWNSAMPLING,
    FULL_NS,
    FULL_TASKS,
    GENERATORS,
    KINDS,
    NS,
    QUICK_NS,
    QUICK_TASKS,
    ROWS,
    SMOKE_NS,
    TASKS,
)

DESCRIPTION = """\
adaptive-fourier: adaptive group sampling for Fourier nonlinearities (Inal & Cesa, GRaM @ ICML 2024): fixed-grid
against adaptive sampling matrices, on rotated MNIST (SO(2) CNN) and SO(3)-rotated procedural point clouds.

  adaptive-fourier reproduce --quick --out DIR    N = 1 4 16 64 (2D) and 1 4 16 (3D), seed 0 (a few minutes)
  adaptive-fourier reproduce --out DIR            SO(2), O(2): N = 1 2 4 8 16 32 64; 3D: 1 4 16 64; seeds 0 1 2
  adaptive-fourier bench --out DIR                time and memory per layer and per model vs N
"""


def _parser() -> argparse.ArgumentParser:
    p = make_parser("adaptive-fourier", DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="train fixed-grid and adaptive models for every N, measure them")
    add_run_options(r, quick="small data, N = 1 4 16 64 (2D) and 1 4 16 (3D), seed 0 (a few minutes on one core)",
                    seeds="0 1 2 (--quick: 0)", threads=1, device=False)
    r.add_argument("--tasks", nargs="+", choices=TASKS, default=None, metavar="T",
                   help=f"tasks (default: {' '.join(QUICK_TASKS)} with --quick, else {' '.join(FULL_TASKS)}); choose "
                   f"from {' '.join(TASKS)} (2d: SO(2) CNN, o2: O(2) CNN, 3d: SO(3) point clouds)")
    r.add_argument("--ns", nargs="+", type=positive_int, default=None, metavar="N",
                   help="numbers of samples N for every task (default: the run's list)")
    r.add_argument("--kinds", nargs="+", choices=KINDS, default=None, metavar="K",
                   help=f"nonlinearities (default: {' '.join(DEFAULT_KINDS)}); choose from {' '.join(KINDS)} "
                   "(adaptive_normpool: the paper's Adaptive Norm + Pooling, 2D only; ours: adaptive_ridge, a "
                   "per-point ridge solve instead of A^T / N; adaptive_perlayer, one generator per layer; "
                   "adaptive_canonical, a fixed grid turned into a predicted frame)")
    r.add_argument("--downsample", choices=DOWNSAMPLING, default=None,
                   help="how the 2D model brings A to coarser grids (default: avg)")
    r.add_argument("--generator", choices=GENERATORS, default=None,
                   help="what the 2D Adaptive Conv reads (default: image, the paper's; features: the first block's "
                   "convolution output, a larger receptive field; ours)")
    r.add_argument("--rows", choices=ROWS, default=None,
                   help="2D adaptive rows: normalise (default) or orth (orthogonalised per pixel; ours)")
    r.add_argument("--conv", choices=CONVS, default=None,
                   help="the 3D model's point convolution: tfn (Clebsch-Gordan products, default) or isotropic "
                   "(radial kernels only, the 0.1/0.2 model)")
    r.add_argument("--epochs", type=positive_int, default=None, metavar="E",
                   help="training epochs of every task (default: the run's)")
    r.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    b = sub.add_parser("bench", help="time and activation memory per layer and per model, fixed vs adaptive, vs N")
    add_run_options(b, threads=1, device=False, fresh=False)
    b.add_argument("--repeats", type=positive_int, default=5, metavar="N", help="timed repeats (default: 5)")
    b.add_argument("--ns", nargs="+", type=positive_int, default=None, metavar="N",
                   help=f"numbers of samples (default: {' '.join(map(str, NS))})")
    return p


def _need_extras() -> None:
    import importlib.util

    for mod, extra in (("mlxtend", "data"), ("matplotlib", None), ("tqdm", None)):
        if importlib.util.find_spec(mod) is None:
            hint = f"pip install 'adaptive-fourier[{extra}]'" if extra else f"pip install {mod}"
            raise RunError(f"adaptive-fourier reproduce needs {mod} (the real MNIST digits / plots): {hint}")


def _reproduce(args: argparse.Namespace, argv: list[str]) -> int:
    from .experiments._config import FULL, QUICK, SMOKE

    check_unique(args.seeds, "--seeds")
    check_unique(args.tasks, "--tasks")
    check_unique(args.ns, "--ns")
    check_unique(args.kinds, "--kinds")
    if args.smoke:
        cfg, base, seeds, default_tasks = SMOKE, SMOKE_NS, [0], QUICK_TASKS
    elif args.quick:
        cfg, base, seeds, default_tasks = QUICK, QUICK_NS, [0], QUICK_TASKS
    else:
        cfg, base, seeds, default_tasks = FULL, FULL_NS, [0, 1, 2], FULL_TASKS
    tasks = [t for t in TASKS if t in (args.tasks or default_tasks)]
    if args.kinds and "adaptive_normpool" in args.kinds and "3d" in tasks:
        raise RunError("--kinds adaptive_normpool is a 2D model: use it with --tasks 2d and/or o2")
    changes = {k: v for k, v in (("downsample", args.downsample), ("generator", args.generator),
                                 ("rows", args.rows), ("epochs", args.epochs)) if v is not None}
    if changes:
        cfg = replace(cfg, task2d=replace(cfg.task2d, **changes))
    changes3 = {k: v for k, v in (("epochs", args.epochs), ("conv", args.conv)) if v is not None}
    if changes3:
        cfg = replace(cfg, task3d=replace(cfg.task3d, **changes3))
    grid = {t: sorted(args.ns) if args.ns else list(base[t]) for t in tasks}
    seeds = list(args.seeds) if args.seeds else seeds
    kinds = [k for k in KINDS if k in (args.kinds or DEFAULT_KINDS)]
    if "2d" in tasks or "o2" in tasks:
        _need_extras()
    with RunFolder(args.out, package="adaptive-fourier", module_file=__file__, config=cfg.as_dict(),
                   fresh=args.fresh, argv=["adaptive-fourier", *argv], device="cpu") as run:
        import torch

        torch.set_num_threads(args.threads)
        from .experiments._reproduce import reproduce

        doc = reproduce(run, grid=grid, kinds=kinds, seeds=seeds, config=cfg, progress=not args.no_progress,
                        peak_memory=not args.smoke)  # the smoke grid's reruns must give identical metrics
    print(f"wrote {args.out / 'metrics.json'}")
    for c in doc["headline"]:
        print(f"  [{c['verdict']}] {c['claim']}: {c['ours']:.3g}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    check_unique(args.ns, "--ns")
    out = prepare_out(args.out)
    import torch

    torch.set_num_threads(args.threads)
    from .experiments._bench import bench

    bench(out, ns=sorted(args.ns) if args.ns else list(NS), repeats=args.repeats, progress=not args.no_progress)
    return 0


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "reproduce":
        return _reproduce(args, argv)
    return _bench(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``adaptive-fourier`` command."""
    return cli_main(_run, None if argv is None else list(argv), prog="adaptive-fourier")
