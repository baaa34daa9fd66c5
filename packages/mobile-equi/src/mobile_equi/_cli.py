"""``mobile-equi`` command line: ``reproduce`` and ``bench`` (torch-free until the arguments are checked)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from equi_runs import (
    RunError,
    RunFolder,
    add_run_options,
    apply_threads,
    check_unique,
    cli_main,
    make_parser,
    positive_int,
    prepare_out,
)

MODELS = ("d4", "c8", "c4", "d8", "base_macs", "base_params")
DATASETS = ("nuclei", "nuclei-hard", "mnist-rot", "pcam")

DESCRIPTION = """\
mobile-equi: an equivariant, quantised MobileNetV2 for on-device medical imaging (Mohamed, Cesa, Cohen, Welling,
arXiv 2004.09691): train, export to TFLite (float32, dynamic int8, full int8) and ONNX, measure.

  mobile-equi reproduce --quick --out DIR        d4 vs plain MobileNetV2s (equal MACs, equal params), one seed
  mobile-equi reproduce --out DIR                d4, c8 and both baselines, seeds 0 1 2
  mobile-equi reproduce --dataset pcam --data FOLDER --out DIR   PCam's HDF5 files
  mobile-equi reproduce --dataset mnist-rot --tune --out DIR      per-model lr/epoch search, then seeds 0 1 2
  mobile-equi bench --out DIR                    latency and size of full-width models, float32 vs int8

The data and the device side need extras: pip install 'mobile-equi[data,deploy]'.
"""


def _parser() -> argparse.ArgumentParser:
    p = make_parser("mobile-equi", DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="train, deploy in every format, write metrics.json and figures")
    add_run_options(
        r,
        quick="d4 and the two plain baselines, 1,200 nucleus patches of 33 px, 6 epochs, seed 0: "
        "about 5 minutes on one idle CPU core",
        seeds="0 1 2 (--quick: 0)",
        threads=1,
        device=False,
    )
    r.add_argument(
        "--models",
        nargs="+",
        choices=MODELS,
        default=None,
        metavar="NAME",
        help="models (default: d4 c8 base_macs base_params; --quick: d4 base_macs base_params)",
    )
    r.add_argument("--dataset", choices=DATASETS, default="nuclei", help="data set (default: nuclei)")
    r.add_argument("--data", type=Path, default=None, metavar="FOLDER", help="PCam's .h5 folder (--dataset pcam)")
    r.add_argument("--epochs", type=positive_int, default=None, metavar="N", help="training epochs (preset)")
    r.add_argument(
        "--tune",
        action="store_true",
        help="per-model learning-rate and epoch search on a validation split (same budget for every model), "
        "then train the seeds at each model's chosen setting; batch-norm statistics recomputed after training",
    )
    r.add_argument("--n-train", type=positive_int, default=None, metavar="N", help="training examples (preset)")
    r.add_argument("--n-test", type=positive_int, default=None, metavar="N", help="test examples (preset)")
    r.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)

    b = sub.add_parser("bench", help="latency and file size: equivariant vs plain, float32 vs int8 (TFLite, ONNX)")
    add_run_options(b, fresh=False, threads=1, device=False)
    b.add_argument("--size", type=positive_int, default=97, metavar="PX", help="image size (default: 97, PCam + 1)")
    b.add_argument("--width", type=float, default=1.0, help="width multiplier (default: 1.0)")
    b.add_argument("--runs", type=positive_int, default=100, metavar="N", help="timed runs (default: 100)")
    return p


def _reproduce(args: argparse.Namespace) -> int:
    check_unique(args.seeds, "--seeds")
    check_unique(args.models, "--models")
    if args.dataset == "pcam":
        if args.data is None:
            raise RunError("--dataset pcam needs --data FOLDER holding camelyonpatch_level_2_split_*_{x,y}.h5")
        if not args.data.is_dir():
            raise RunError(f"--data {args.data} is not a folder")
    elif args.data is not None:
        raise RunError(f"--data is only for --dataset pcam, not {args.dataset}")
    if args.tune and args.epochs is not None:
        raise RunError("--tune chooses the epochs of each model: leave out --epochs")
    import dataclasses

    from .experiments._settings import settings_for

    s = settings_for(args.quick, args.smoke, args.dataset, args.tune)
    for opt in ("n_train", "n_test"):
        if getattr(args, opt) is not None:
            s = dataclasses.replace(s, **{opt: getattr(args, opt)})
    if args.dataset == "mnist-rot" and s.n_train + s.n_test > 5000:
        raise RunError(f"{s.n_train} training + {s.n_test} test digits asked: mnist-rot has 5,000 digits")
    if args.dataset == "pcam":
        s = dataclasses.replace(s, size=97)
    elif args.dataset == "mnist-rot":
        s = dataclasses.replace(s, size=33)  # 28 px digits padded to 33: odd at every stride-2 layer
    if args.epochs is not None:
        s = dataclasses.replace(s, train=dataclasses.replace(s.train, epochs=args.epochs))
    models = args.models or (
        ["d4", "base_macs", "base_params"] if (args.quick or args.smoke) else ["d4", "c8", "base_macs", "base_params"]
    )
    seeds = args.seeds or ([0] if (args.quick or args.smoke) else [0, 1, 2])
    with RunFolder(args.out, package="mobile-equi", module_file=__file__, config=s.config(), fresh=args.fresh) as run:
        apply_threads(args.threads)
        from .experiments._reproduce import reproduce

        try:
            doc = reproduce(
                run,
                s,
                models,
                seeds,
                progress=not args.no_progress,
                figures=not args.smoke,
                data_path=None if args.data is None else str(args.data),
            )
        except (FileNotFoundError, ValueError) as e:
            raise RunError(str(e)) from None
    m = doc["metrics"]
    for name in models:
        row = "  ".join(f"{f} {m[f'acc.{name}.{f}']:.1f}%" for f in s.formats if f"acc.{name}.{f}" in m)
        print(f"{name:12s} {row}")
    print(f"wrote {args.out / 'metrics.json'}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.width <= 0:
        raise RunError(f"--width must be positive, got {args.width}")
    if args.size % 2 == 0:
        raise RunError(f"--size {args.size} is even: use an odd size (exact D4 invariance on the grid)")
    out = prepare_out(args.out)
    apply_threads(args.threads)
    from equi_runs import write_json_atomic

    from .experiments._bench import bench

    res = bench(args.size, args.width, args.runs, out, progress=not args.no_progress)
    write_json_atomic(res, out / "bench.json")
    for k, v in res.items():
        if k != "provenance":
            print(f"{k:45s} {v:.4g}" if isinstance(v, float) else f"{k:45s} {v}")
    print(f"wrote {out / 'bench.json'}")
    return 0


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "reproduce":
        return _reproduce(args)
    return _bench(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mobile-equi`` command."""
    return cli_main(_run, None if argv is None else list(argv), prog="mobile-equi")
