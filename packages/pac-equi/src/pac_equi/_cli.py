"""``pac-equi`` command line: ``reproduce`` (the study), ``bound`` (a trained network's bounds), ``bench``.

Torch-free at import: every argument is checked and the run folder opened before torch or data are loaded.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from equi_runs import (
    RunError,
    RunFolder,
    add_run_options,
    check_unique,
    cli_main,
    make_parser,
    positive_float,
    positive_int,
    prepare_out,
)

from ._names import GROUPS, PROTOCOLS, QUICK_GROUPS, SMOKE_GROUPS

DESCRIPTION = """\
pac-equi: PAC-Bayesian margin bounds for equivariant networks in the Fourier (irreps) domain
(Behboodi, Cesa, Cohen, NeurIPS 2022), measured against the generalisation gap on rotated MNIST.

  pac-equi reproduce --quick --out DIR        C1 C4 C8 D4, seeds 0 1 2 (a few minutes on one core)
  pac-equi reproduce --out DIR                all nine groups, seeds 0 1 2
  pac-equi bound MODEL.pt --out DIR           both bounds, term by term, for a trained network
  pac-equi bench --out DIR                    Fourier decomposition vs a dense SVD
"""


def _parser() -> argparse.ArgumentParser:
    p = make_parser("pac-equi", DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="train one network per group and seed, measure gaps and both bounds")
    add_run_options(
        r,
        quick="groups C1 C4 C8 D4, 1000 train / 1000 test digits (a few minutes)",
        seeds=(0, 1, 2),
        threads=1,
        device=False,
    )
    r.add_argument(
        "--groups", nargs="+", choices=GROUPS, default=None, metavar="G",
        help=f"groups (default: all; with --quick: {' '.join(QUICK_GROUPS)}); choose from {' '.join(GROUPS)}",
    )
    r.add_argument(
        "--protocol", choices=PROTOCOLS, default="budget",
        help="budget: width chosen for a fixed parameter budget; width: the same width for every group",
    )
    r.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    b = sub.add_parser("bound", help="both bounds, term by term, for a network saved by reproduce")
    b.add_argument("model", type=Path, metavar="MODEL.pt", help="checkpoint: {'recipe': ..., 'state_dict': ...}")
    add_run_options(b, threads=1, device=False, fresh=False)
    b.add_argument("--delta", type=positive_float, default=None, help="confidence parameter (default: the recipe's)")
    c = sub.add_parser("bench", help="time the Fourier decomposition against a dense SVD")
    add_run_options(c, threads=1, device=False, fresh=False)
    c.add_argument("--repeats", type=positive_int, default=3, metavar="N", help="timed repeats (default: 3)")
    return p


def _need_extras() -> None:
    import importlib.util

    for mod, extra in (("mlxtend", "data"), ("matplotlib", None), ("tqdm", None)):
        if importlib.util.find_spec(mod) is None:
            hint = f"pip install 'pac-equi[{extra}]'" if extra else f"pip install {mod}"
            raise RunError(f"pac-equi reproduce needs {mod} (the real MNIST digits / plots): {hint}")


def _reproduce(args: argparse.Namespace, argv: list[str]) -> int:
    from .experiments._config import FULL, QUICK, SMOKE

    check_unique(args.seeds, "--seeds")
    check_unique(args.groups, "--groups")
    if args.smoke:
        cfg, groups, seeds = SMOKE, list(SMOKE_GROUPS), [0]
    else:
        cfg = QUICK if args.quick else FULL
        groups = list(QUICK_GROUPS if args.quick else GROUPS)
        seeds = [0, 1, 2]
    cfg = replace(cfg, protocol=args.protocol)
    groups = list(args.groups) if args.groups else groups
    seeds = list(args.seeds) if args.seeds else seeds
    if len(groups) < 2:
        raise RunError(f"--groups needs at least 2 groups to rank them, got {' '.join(groups)}")
    _need_extras()
    with RunFolder(
        args.out, package="pac-equi", module_file=__file__, config=cfg.as_dict(), fresh=args.fresh,
        argv=["pac-equi", *argv], device="cpu",
    ) as run:
        import torch

        torch.set_num_threads(args.threads)
        from .experiments._reproduce import reproduce

        doc = reproduce(run, groups=groups, seeds=seeds, config=cfg, progress=not args.no_progress)
    m = doc["metrics"]
    print(f"Kendall tau (Fourier bound vs gap) = {m['kendall_tau']:.3f}; wrote {args.out / 'metrics.json'}")
    for c in doc["headline"]:
        print(f"  [{c['verdict']}] {c['claim']}: {c['ours']:.3g}")
    return 0


def _bound(args: argparse.Namespace) -> int:
    if not args.model.is_file():
        raise RunError(f"{args.model} is not a file: pass a checkpoint written by pac-equi reproduce")
    out = prepare_out(args.out)
    import torch

    torch.set_num_threads(args.threads)
    from .experiments._report import bound_report

    text = bound_report(args.model, out, delta=args.delta)
    print(text)
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
    if args.command == "bound":
        return _bound(args)
    return _bench(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pac-equi`` command."""
    return cli_main(_run, None if argv is None else list(argv), prog="pac-equi")
