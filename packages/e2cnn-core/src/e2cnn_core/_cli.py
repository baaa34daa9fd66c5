"""Command line: ``e2cnn-core reproduce``, ``bench``, ``train-cifar`` and ``export``.

Arguments are parsed and checked, and the run folder opened (a changed setting refused), before torch or any data
is imported (equi-runs conventions).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from equi_runs import (
    RunError,
    add_run_options,
    check_unique,
    cli_main,
    make_parser,
    nonnegative_int,
    positive_float,
    positive_int,
    prepare_out,
)

from ._architecture import MODEL_NAMES

PROG = "e2cnn-core"
DESCRIPTION = """\
General E(2)-equivariant steerable CNNs (Weiler & Cesa, NeurIPS 2019) in pure PyTorch.

  e2cnn-core reproduce --quick --out DIR      the MNIST-rot table at CPU scale (C1, C8, D16|5C16, minutes)
  e2cnn-core bench --out DIR                  our models vs a plain CNN vs escnn, interleaved rounds
  e2cnn-core export MODEL.pt --format onnx --out model.onnx   a deployable file of a trained model
  e2cnn-core train-cifar --data DIR --out DIR  the equivariant wide ResNet on CIFAR-10 python pickles
"""
#: ``experiments._data.DATASETS``, spelled out so that the parser needs no torch import (a test checks equality)
DATASETS = ("mnist-rot", "mnist-rot-flip", "fashion-rot", "mnist-rot-amat")
#: ``experiments._bench.BENCH_MODELS`` names (a test checks equality)
BENCH_MODEL_NAMES = ("C8", "C16", "D8", "SO2", "O2")
#: ``e2cnn_core._deploy.DEPLOY_FORMATS`` (a test checks equality)
EXPORT_FORMATS = ("pt2", "torchscript", "onnx")


def _parser() -> argparse.ArgumentParser:
    p = make_parser(PROG, DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("reproduce", help="train the MNIST-rot table (metrics.json, test_error.png)")
    add_run_options(
        r,
        quick="C1, C8, D16|5C16, one seed, 2000 train digits (a few minutes on 2 CPU cores)",
        seeds="0 1 2 (--quick: 0)",
    )
    r.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # tiny grid for tests
    r.add_argument(
        "--models",
        nargs="+",
        choices=MODEL_NAMES,
        default=None,
        metavar="NAME",
        help=f"models to train (default: all; --quick: C1 C8 D16|5C16); choose from {' '.join(MODEL_NAMES)}",
    )
    r.add_argument("--dataset", choices=DATASETS, default=None, help="default: mnist-rot (rotated real MNIST digits)")
    r.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of the original MNIST-rot .amat files (with --dataset mnist-rot-amat; without --quick the "
        "paper's split: 12,000 train / 50,000 test)",
    )
    r.add_argument("--width", type=positive_float, default=None, help="channel multiplier of the paper's model")
    r.add_argument("--epochs", type=positive_int, default=None, metavar="N", help="training epochs")

    b = sub.add_parser("bench", help="time our models, a plain CNN and escnn side by side (bench.json)")
    add_run_options(b, fresh=False)
    b.add_argument(
        "--models",
        nargs="+",
        choices=BENCH_MODEL_NAMES,
        default=None,
        metavar="NAME",
        help=f"default: all of {' '.join(BENCH_MODEL_NAMES)}",
    )
    b.add_argument("--batch", type=positive_int, default=None, metavar="N", help="default: 16 on CPU, 128 on GPU")
    b.add_argument("--size", type=positive_int, default=57, metavar="N", help="input height and width (57)")
    b.add_argument("--repeats", type=positive_int, default=10, metavar="N", help="interleaved timed rounds (10)")
    b.add_argument("--warmup", type=nonnegative_int, default=3, metavar="N", help="untimed runs first (3)")
    b.add_argument("--no-escnn", action="store_true", help="do not time escnn even when it is installed")

    c = sub.add_parser("train-cifar", help="equivariant wide ResNet on CIFAR-10 python pickles")
    c.add_argument("--data", required=True, type=Path, metavar="DIR", help="the cifar-10-batches-py folder")
    add_run_options(c, seeds="0")
    c.add_argument("--depth", type=positive_int, default=28, metavar="N", help="WRN depth (28)")
    c.add_argument("--widen", type=positive_int, default=10, metavar="N", help="WRN widening factor (10)")
    c.add_argument(
        "--groups", nargs=3, type=positive_int, default=[8, 4, 1], metavar="N", help="rotation order per stage (8 4 1)"
    )
    c.add_argument("--no-flip", action="store_true", help="cyclic instead of dihedral groups")
    c.add_argument("--epochs", type=positive_int, default=200, metavar="N", help="training epochs (200)")
    c.add_argument("--batch-size", type=positive_int, default=128, metavar="N", help="batch size (128)")
    c.add_argument("--lr", type=positive_float, default=1e-3, help="Adam learning rate (0.001)")
    c.add_argument("--limit", type=positive_int, default=None, metavar="N", help="only the first N images")

    e = sub.add_parser("export", help="write a deployable file (pt2, TorchScript, ONNX) of a trained model")
    e.add_argument(
        "checkpoint",
        type=Path,
        metavar="MODEL.pt",
        help="units/<model>-seed<k>/model.pt of a reproduce run (or an unfinished unit's checkpoint.pt)",
    )
    e.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    e.add_argument("--out", required=True, type=Path, metavar="FILE", help="the file to write")
    e.add_argument("--size", type=positive_int, default=29, metavar="N", help="input height and width (29)")
    return p


def _export(args: argparse.Namespace) -> int:
    if not args.checkpoint.is_file():
        raise RunError(f"{args.checkpoint} does not exist")
    if args.out.exists() and args.out.is_dir():
        raise RunError(f"--out {args.out} is a folder: give the file to write")
    prepare_out(args.out.parent if str(args.out.parent) else Path("."))
    import torch

    from ._deploy import save_deployable
    from .experiments._reproduce import model_from_checkpoint

    model = model_from_checkpoint(args.checkpoint)
    plain = model.export()
    example = torch.zeros(2, model.in_type.size, args.size, args.size)
    save_deployable(plain, example, args.format, args.out)
    x = torch.randn(3, model.in_type.size, args.size, args.size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model(x)
        if args.format == "pt2":
            got = torch.export.load(str(args.out)).module()(x)
        elif args.format == "torchscript":
            got = torch.jit.load(str(args.out))(x)
        else:
            got = None
    if got is not None:
        print(f"max |artefact - model| on a random batch: {float((got - expected).abs().max()):.2e}")
    print(f"wrote {args.out} ({args.format}, {model.name}, input (B, {model.in_type.size}, {args.size}, {args.size}))")
    return 0


def _reproduce(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from equi_runs import RunFolder

    from .experiments._settings import preset, run_config, with_overrides

    check_unique(args.seeds, "--seeds")
    check_unique(args.models, "--models")
    if (args.dataset == "mnist-rot-amat") != (args.data is not None):
        raise RunError("--data DIR goes with --dataset mnist-rot-amat (and that data set needs it)")
    if args.data is not None and not args.data.is_dir():
        raise RunError(f"--data {args.data} is not a folder")
    cfg = preset("smoke" if args.smoke else "quick" if args.quick else "full")
    paper_split = args.data is not None and not (args.quick or args.smoke)
    cfg = with_overrides(
        cfg,
        dataset=args.dataset,
        data_path=args.data,
        n_train=12_000 if paper_split else None,
        n_test=50_000 if paper_split else None,
        epochs=args.epochs,
        models=tuple(args.models) if args.models else None,
        seeds=tuple(args.seeds) if args.seeds else None,
        width=args.width,
    )
    with RunFolder(
        args.out,
        package=PROG,
        module_file=__file__,
        config=run_config(cfg),
        fresh=args.fresh,
        argv=[PROG, *argv],
        device=args.device,
    ) as run:
        from equi_runs import apply_threads, resolve_device

        apply_threads(args.threads)
        from .experiments._reproduce import reproduce

        doc = reproduce(cfg, run, device=resolve_device(args.device), progress=not args.no_progress)
    m = doc["metrics"]
    for name in cfg.models:
        std = m[f"test_error_std.{name}"]
        print(
            f"{name:>10}: test error {m[f'test_error.{name}']:.2f}%"
            + (f" +- {std:.2f}" if std is not None else "")
            + f" (seeds {list(cfg.seeds)})"
        )
    print(f"wrote {args.out / 'metrics.json'} ({doc['wall_seconds']:.0f} s over {len(doc['wall_pieces'])} piece(s))")
    return 0


def _bench(args: argparse.Namespace) -> int:
    check_unique(args.models, "--models")
    out = prepare_out(args.out)
    from equi_runs import apply_threads, provenance, resolve_device, write_json_atomic

    apply_threads(args.threads)
    from .experiments._bench import BENCH_MODELS, BenchConfig, run_bench

    cfg = BenchConfig(
        models=tuple(args.models) if args.models else tuple(BENCH_MODELS),
        batch=args.batch,
        size=args.size,
        repeats=args.repeats,
        warmup=args.warmup,
        device=resolve_device(args.device),
        escnn=not args.no_escnn,
    )
    result = run_bench(cfg, progress=not args.no_progress)
    result["provenance"] = provenance(PROG, __file__, cfg.device)
    write_json_atomic(result, out / "bench.json")
    keys = (
        "build_s",
        "train_ms",
        "plain_train_ms",
        "escnn_train_ms",
        "eval_ms",
        "export_ms",
        "plain_eval_ms",
        "escnn_eval_ms",
        "escnn_build_s",
    )
    print("model " + " ".join(f"{k:>14}" for k in keys))
    for name in cfg.models:
        r = result[name]
        print(f"{name:5} " + " ".join(f"{r[k]:14.3f}" if r[k] is not None else f"{'-':>14}" for k in keys))
    print(f"wrote {out / 'bench.json'}")
    return 0


def _train_cifar(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from equi_runs import RunFolder

    check_unique(args.seeds, "--seeds")
    if not args.data.is_dir():
        raise RunError(f"--data {args.data} is not a folder (expected cifar-10-batches-py)")
    seeds = args.seeds or [0]
    from .experiments._settings import CifarConfig

    cfg = CifarConfig(
        depth=args.depth,
        widen=args.widen,
        groups=tuple(args.groups),
        flip=not args.no_flip,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        limit=args.limit,
    )
    from dataclasses import asdict

    config = {**asdict(cfg), "data": str(args.data.resolve())}
    with RunFolder(
        args.out,
        package=PROG,
        module_file=__file__,
        config=config,
        fresh=args.fresh,
        argv=[PROG, *argv],
        device=args.device,
    ) as run:
        from equi_runs import apply_threads, resolve_device

        apply_threads(args.threads)
        from .experiments._cifar import train_cifar

        doc = train_cifar(cfg, args.data, run, seeds, device=resolve_device(args.device), progress=not args.no_progress)
    print(f"test error {doc['metrics']['test_error']:.2f}%; wrote {args.out / 'metrics.json'}")
    return 0


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "reproduce":
        return _reproduce(args, argv)
    if args.command == "bench":
        return _bench(args)
    if args.command == "train-cifar":
        return _train_cifar(args, argv)
    return _export(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``e2cnn-core`` command."""
    return cli_main(_run, None if argv is None else list(argv), prog=PROG)


if __name__ == "__main__":
    sys.exit(main())
