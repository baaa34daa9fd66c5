"""Command line: ``e2cnn-core reproduce``, ``bench``, ``train-cifar`` and ``export``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    from ._architecture import MODEL_NAMES
    from .experiments._data import DATASETS

    p = argparse.ArgumentParser(prog="e2cnn-core", description="General E(2)-equivariant steerable CNNs")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("reproduce", help="train the MNIST-rot table (metrics.json, test_error.png)")
    r.add_argument("--out", required=True, type=Path, help="output folder (resumes runs found there)")
    r.add_argument("--quick", action="store_true", help="C1, C8, D16|5C16, one seed: < 5 min on 2 CPU cores")
    r.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # tiny configuration for tests
    r.add_argument("--dataset", choices=DATASETS, default=None)
    r.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder of the original MNIST-rot .amat files (with --dataset mnist-rot-amat; without --quick the "
        "paper's split: 12,000 train / 50,000 test)",
    )
    r.add_argument("--models", nargs="+", default=None, help=f"subset of {' '.join(MODEL_NAMES)}")
    r.add_argument("--seeds", nargs="+", type=int, default=None)
    r.add_argument("--width", type=float, default=None, help="channel multiplier of the paper's model")
    r.add_argument("--epochs", type=int, default=None)
    r.add_argument("--device", default=None)
    r.add_argument("--threads", type=int, default=None, help="torch CPU threads (1 suits a busy machine)")
    r.add_argument("--no-progress", action="store_true")

    b = sub.add_parser("bench", help="time our models, a plain CNN and escnn side by side (bench.json)")
    b.add_argument("--out", required=True, type=Path)
    b.add_argument("--models", nargs="+", default=None)
    b.add_argument("--batch", type=int, default=None, help="default: 16 on CPU, 128 on GPU")
    b.add_argument("--size", type=int, default=57)
    b.add_argument("--repeats", type=int, default=10)
    b.add_argument("--warmup", type=int, default=3)
    b.add_argument("--device", default=None)
    b.add_argument("--no-escnn", action="store_true")
    b.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    b.add_argument("--no-progress", action="store_true")

    c = sub.add_parser("train-cifar", help="equivariant wide ResNet on CIFAR-10 python pickles")
    c.add_argument("--data", required=True, type=Path, help="the cifar-10-batches-py folder")
    c.add_argument("--out", required=True, type=Path)
    c.add_argument("--depth", type=int, default=28)
    c.add_argument("--widen", type=int, default=10)
    c.add_argument("--groups", nargs=3, type=int, default=[8, 4, 1], help="rotation order per stage")
    c.add_argument("--no-flip", action="store_true", help="cyclic instead of dihedral groups")
    c.add_argument("--epochs", type=int, default=200)
    c.add_argument("--batch-size", type=int, default=128)
    c.add_argument("--lr", type=float, default=1e-3)
    c.add_argument("--limit", type=int, default=None, help="use only the first N train/test images")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--device", default=None)
    c.add_argument("--no-progress", action="store_true")

    e = sub.add_parser("export", help="write a deployable file (pt2, TorchScript, ONNX) of a reproduce checkpoint")
    e.add_argument("checkpoint", type=Path, help="runs/<model>-seed<k>/checkpoint.pt of a reproduce run")
    e.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    e.add_argument("--out", required=True, type=Path, help="the file to write")
    e.add_argument("--size", type=int, default=29, help="input height and width (29 for MNIST-rot)")
    return p


#: ``e2cnn_core._deploy.DEPLOY_FORMATS``, spelled out so that the parser needs no torch import
EXPORT_FORMATS = ("pt2", "torchscript", "onnx")


def _export(args: argparse.Namespace) -> int:
    if args.size < 1:
        raise SystemExit(f"e2cnn-core export: --size must be positive, got {args.size}")
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


def _reproduce(args: argparse.Namespace) -> int:
    from .experiments._reproduce import preset, reproduce, with_overrides

    if (args.dataset == "mnist-rot-amat") != (args.data is not None):
        raise SystemExit("e2cnn-core reproduce: --data PATH goes with --dataset mnist-rot-amat (and it needs one)")
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
    metrics = reproduce(cfg, args.out, device=args.device, progress=not args.no_progress)
    for name in cfg.models:
        print(
            f"{name:>10}: test error {metrics[f'test_error.{name}']:.2f}% "
            f"+- {metrics[f'test_error_std.{name}']:.2f} (seeds {list(cfg.seeds)})"
        )
    print(f"wrote {args.out / 'metrics.json'} in {metrics['wall_seconds']:.0f} s")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from .experiments._bench import BENCH_MODELS, BenchConfig, run_bench
    from .experiments._train import write_json_atomic

    cfg = BenchConfig(
        models=tuple(args.models) if args.models else tuple(BENCH_MODELS),
        batch=args.batch,
        size=args.size,
        repeats=args.repeats,
        warmup=args.warmup,
        device=args.device,
        escnn=not args.no_escnn,
    )
    result = run_bench(cfg, progress=not args.no_progress)
    args.out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(result, args.out / "bench.json")
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
    print(json.dumps(result["meta"], default=str))
    print("model " + " ".join(f"{k:>14}" for k in keys))
    for name in cfg.models:
        r = result[name]
        print(f"{name:5} " + " ".join(f"{r[k]:14.3f}" if r[k] is not None else f"{'-':>14}" for k in keys))
    print(f"wrote {args.out / 'bench.json'}")
    return 0


def _train_cifar(args: argparse.Namespace) -> int:
    from .experiments._cifar import CifarConfig, train_cifar

    cfg = CifarConfig(
        depth=args.depth,
        widen=args.widen,
        groups=tuple(args.groups),
        flip=not args.no_flip,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        limit=args.limit,
        seed=args.seed,
    )
    metrics = train_cifar(cfg, args.data, args.out, device=args.device, progress=not args.no_progress)
    print(f"test error {100 * metrics['test_error']:.2f}%; wrote {args.out / 'metrics.json'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``e2cnn-core`` command."""
    args = _parser().parse_args(argv)
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    handler = {"reproduce": _reproduce, "bench": _bench, "train-cifar": _train_cifar, "export": _export}[
        args.command
    ]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
