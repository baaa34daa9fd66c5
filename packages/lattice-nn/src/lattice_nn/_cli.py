"""Command line: ``lattice-nn reproduce --out DIR [--quick] [--seeds N ...]`` and ``lattice-nn bench --out DIR``.

Torch-free at import: the arguments are parsed and checked and the run folder is opened (a file as ``--out``, an
unwritable folder or other settings in an existing folder are refused) before torch or any data is imported.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from equi_runs import (
    RunFolder,
    add_run_options,
    apply_threads,
    check_unique,
    cli_main,
    make_parser,
    positive_int,
)

from ._config import ReproduceConfig, bench_config, grid_config, scale_checkpoint, scale_config

PROG = "lattice-nn"
DESCRIPTION = """\
Neural lattice reduction (Marchetti, Cesa, Pratik, Behboodi, arXiv 2311.08170).

reproduce: train the factor network (outputs the unimodular factors; REINFORCE and straight-through, one unit
per seed each) and the 0.1 pivot-order network, evaluate them against LLL, BKZ-10, size reduction, the
network-free greedy factor rule and the classical skeleton (one unit per dimension), train the pivot ablations
(one unit per variant, dimension and seed); writes metrics.json and PNG figures in --out. A rerun of the same
command resumes.
bench: time per basis, the factor model batched vs fpylll LLL (one unit per dimension).
grid: the convolutional extension, a 16 x 16 grid of correlated MIMO lattices reduced jointly (hand-written,
aligned and learned joint models; the learned policy is fitted first, one unit per dimension) vs one by one
(the factor model, the greedy rule and LLL as base reducers; one unit per dimension and correlation).
scale: the factor models of a reproduce folder at n = 24, 32 vs LLL, BKZ-10, BKZ-20 (one unit per dimension and
seed)."""


def _parser() -> argparse.ArgumentParser:
    p = make_parser(PROG, DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "reproduce",
        help="train, evaluate vs LLL/BKZ/size reduction, write metrics.json and PNGs",
        description="Train and evaluate; finished units are kept in --out and a rerun resumes.",
    )
    add_run_options(
        r,
        quick="n in {4, 8}, 100 factor / 150 pivot training steps, 50 bases per family, no ablations (2-5 min)",
        seeds="0 1 2 (--quick: 0)",
        threads=1,
        device=False,
    )
    r.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    b = sub.add_parser(
        "bench",
        help="time per basis: ours (batched) vs fpylll LLL, writes metrics.json",
        description="Time per basis, ours batched vs fpylll LLL, at n = 8, 16, 32 (Gaussian bases).",
    )
    add_run_options(b, threads=None, device=False)
    b.add_argument("--repeats", type=positive_int, default=5, metavar="N", help="timed repeats (median; default 5)")
    b.add_argument(
        "--checkpoint",
        type=_existing_file,
        default=None,
        metavar="FILE",
        help="factor-model state from reproduce (DIR/units/ours-seed0/ours_seed0.pt; read with weights_only=True)",
    )
    g = sub.add_parser(
        "grid",
        help="joint reduction of a grid of correlated MIMO lattices vs one by one, writes metrics.json",
        description="A 16 x 16 grid of correlated MIMO lattices (n = 8, 16; rho 0.9, 0.99, 0.999) reduced jointly "
        "(GridReducer) and one by one, with the factor model, the greedy rule and LLL.",
    )
    add_run_options(g, threads=1, device=False)
    g.add_argument("--repeats", type=positive_int, default=1, metavar="N", help="timed repeats (median; default 1)")
    g.add_argument(
        "--checkpoint",
        type=_existing_file,
        default=None,
        metavar="FILE",
        help="factor-model state from reproduce (DIR/units/ours-seed0/ours_seed0.pt; read with weights_only=True)",
    )
    s = sub.add_parser(
        "scale",
        help="the factor models of a reproduce folder at n = 24, 32 vs LLL, BKZ-10/20, writes metrics.json",
        description="Evaluate the factor models trained by a reproduce run (n <= 16) at n = 24 and 32.",
    )
    add_run_options(s, seeds="0 1 2", threads=1, device=False)
    s.add_argument(
        "--models",
        type=_existing_dir,
        required=True,
        metavar="DIR",
        help="a finished reproduce folder (its units/ours-seed<k>/ours_seed<k>.pt are read with weights_only=True)",
    )
    return p


def _existing_dir(text: str) -> object:
    from pathlib import Path

    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder")
    return path


def _existing_file(text: str) -> object:
    from pathlib import Path

    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file")
    return path


def _reproduce_config(args: argparse.Namespace) -> ReproduceConfig:
    seeds = tuple(args.seeds) if args.seeds else None
    if args.smoke:
        return ReproduceConfig.smoke(seeds or (0, 1, 2))
    if args.quick:
        return ReproduceConfig.quick(seeds or (0,))
    return ReproduceConfig(seeds=seeds or (0, 1, 2))


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    check_unique(args.seeds if args.command in ("reproduce", "scale") else None, "--seeds")
    full_argv = [PROG, *argv]
    progress = not args.no_progress
    if args.command == "reproduce":
        cfg = _reproduce_config(args)
        with RunFolder(
            args.out,
            package="lattice-nn",
            module_file=__file__,
            config=cfg.run_config(),
            fresh=args.fresh,
            argv=full_argv,
            device="cpu",
        ) as run:
            apply_threads(args.threads)
            from ._experiments import reproduce

            doc = reproduce(run, cfg, progress=progress)
        metrics = doc["metrics"]
        keys = [k for k in sorted(metrics) if k.startswith("log_defect.") and k.count(".") == 2]
    elif args.command == "grid":
        with RunFolder(
            args.out,
            package="lattice-nn",
            module_file=__file__,
            config=grid_config(args.repeats, args.checkpoint, args.threads),
            fresh=args.fresh,
            argv=full_argv,
            device="cpu",
        ) as run:
            apply_threads(args.threads)
            from ._extend import grid_experiment

            doc = grid_experiment(run, repeats=args.repeats, progress=progress, checkpoint=args.checkpoint)
        metrics = doc["metrics"]
        keys = [k for k in sorted(metrics) if k.startswith(("time_ratio", "factor_ratio", "defect_ratio"))]
    elif args.command == "scale":
        seeds = tuple(args.seeds) if args.seeds else (0, 1, 2)
        paths = [scale_checkpoint(args.models, s) for s in seeds]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            from equi_runs import RunError

            raise RunError(f"--models {args.models} has no factor model {missing[0]} (run reproduce there first)")
        with RunFolder(
            args.out,
            package="lattice-nn",
            module_file=__file__,
            config=scale_config(),
            fresh=args.fresh,
            argv=full_argv,
            device="cpu",
        ) as run:
            apply_threads(args.threads)
            from ._extend import scale

            doc = scale(run, args.models, seeds, progress=progress)
        metrics = doc["metrics"]
        keys = [k for k in sorted(metrics) if k.startswith(("ratio.", "log_defect.")) and k.count(".") == 2]
    else:
        config = bench_config(args.repeats, args.checkpoint, args.threads)
        with RunFolder(
            args.out,
            package="lattice-nn",
            module_file=__file__,
            config=config,
            fresh=args.fresh,
            argv=full_argv,
            device="cpu",
        ) as run:
            apply_threads(args.threads)
            from ._experiments import bench

            doc = bench(run, repeats=args.repeats, progress=progress, checkpoint=args.checkpoint)
        metrics = doc["metrics"]
        keys = [k for k in sorted(metrics) if k.startswith(("ms_per_basis", "speedup"))]
    print(json.dumps({k: metrics[k] for k in keys}, indent=1))
    print(f"wrote {run.out / 'metrics.json'} ({run.skipped} of {run.total_units} units from earlier runs)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lattice-nn`` command; returns the exit status."""
    return cli_main(_run, None if argv is None else list(argv), prog=PROG)


__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
