"""``learned-equivariance`` command line: ``reproduce`` (the study) and ``bench``.

Torch-free at import: every argument is checked and the run folder opened before torch or data are loaded.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from equi_runs import (
    RunError,
    RunFolder,
    add_run_options,
    check_unique,
    cli_main,
    make_parser,
    nonnegative_int,
    positive_int,
    prepare_out,
)

from ._names import MODELS, PROBE_SYMMETRIES, PROBES, QUICK_MODELS, STUDY_SYMMETRIES, SYMMETRIES

DESCRIPTION = """\
learned-equivariance: learning the degree of equivariance of steerable CNNs with a likelihood over the group
(Veefkind & Cesa, ICML 2024), on double MNIST built from real MNIST digits.

  learned-equivariance reproduce --quick --out DIR   mixed data: cnn, SO(2)-equivariant, learned (layer-wise,
                                                      shared), rpp x 3 seeds; likelihood probes on C1 / C4 / SO2
                                                      data, paper settings (a few minutes)
  learned-equivariance reproduce --study --out DIR   data symmetries C1 C4 SO2 O2 mixed x the five models x 3
                                                      seeds, probes over seeds (about 20 CPU minutes)
  learned-equivariance reproduce --out DIR           the authors' data protocol (100 train images per class,
                                                      50 epochs; hours on a CPU)
  learned-equivariance bench --out DIR               training-step cost vs e2cnn-core's R2Conv, eval after export
"""


def _parser() -> argparse.ArgumentParser:
    p = make_parser("learned-equivariance", DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="train the models on mixed-symmetry double MNIST and probe the likelihoods")
    add_run_options(
        r,
        quick="1,000 training images of 14 px digits, 10 epochs, the five models, 3 seeds (a few minutes)",
        seeds=(0, 1, 2),
        threads=1,
        device=False,
    )
    r.add_argument(
        "--models",
        nargs="*",
        choices=MODELS,
        default=None,
        metavar="M",
        help=f"models (default: all; with --quick: {' '.join(QUICK_MODELS)}); choose from {' '.join(MODELS)}",
    )
    r.add_argument(
        "--probes",
        nargs="*",
        choices=PROBES,
        default=None,
        metavar="P",
        help="settings of the controlled likelihood experiment (default: paper fast; with --quick: paper; "
        f"none: skip it); choose from {' '.join(PROBES)}",
    )
    r.add_argument(
        "--probe-symmetries",
        nargs="+",
        choices=PROBE_SYMMETRIES,
        default=None,
        metavar="S",
        help=f"data symmetries of the probes (default: C1 C4 SO2); choose from {' '.join(PROBE_SYMMETRIES)}",
    )
    r.add_argument(
        "--symmetries",
        nargs="+",
        choices=SYMMETRIES,
        default=None,
        metavar="S",
        help=f"data symmetries the models train on (default: mixed; with --study: {' '.join(STUDY_SYMMETRIES)}); "
        f"choose from {' '.join(SYMMETRIES)}",
    )
    r.add_argument(
        "--probe-seeds",
        nargs="+",
        type=nonnegative_int,
        default=None,
        metavar="N",
        help="seeds of the probes (default: the first of --seeds; with --study: all of them)",
    )
    r.add_argument(
        "--study",
        action="store_true",
        help="the per-symmetry study: 1,000 training images, 10 epochs, every data symmetry, model and seed, "
        "probes (fast settings) over seeds",
    )
    r.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    b = sub.add_parser(
        "bench", help="time a training step of the learnable basis vs the fixed one, and eval after export"
    )
    add_run_options(b, threads=1, device=False, fresh=False)
    b.add_argument("--batch", type=positive_int, default=64, metavar="N", help="batch size (default: 64)")
    b.add_argument("--size", type=positive_int, default=28, metavar="PX", help="digit size in pixels (default: 28)")
    b.add_argument("--repeats", type=positive_int, default=5, metavar="N", help="timed repeats (default: 5)")
    return p


def _need_extras() -> None:
    import importlib.util

    for mod, extra in (("mlxtend", "data"), ("matplotlib", None), ("tqdm", None)):
        if importlib.util.find_spec(mod) is None:
            hint = f"pip install 'learned-equivariance[{extra}]'" if extra else f"pip install {mod}"
            raise RunError(f"learned-equivariance reproduce needs {mod} (the real MNIST digits / plots): {hint}")


def _reproduce(args: argparse.Namespace, argv: list[str]) -> int:
    check_unique(args.seeds, "--seeds")
    check_unique(args.models, "--models")
    check_unique(args.probes, "--probes")
    check_unique(args.probe_symmetries, "--probe-symmetries")
    check_unique(args.symmetries, "--symmetries")
    check_unique(args.probe_seeds, "--probe-seeds")
    if args.study and args.quick:
        raise RunError("--study and --quick are two different runs: give one")
    from .experiments._config import FULL, QUICK, SMOKE, STUDY, migrate_run_folder

    symmetries: list[str] = ["mixed"]
    probe_seeds: list[int] | None = None
    if args.smoke:
        s, models, seeds, probes = SMOKE, ["cnn", "learned", "rpp"], [0], ["paper"]
    elif args.study:
        s, models, seeds, probes = STUDY, list(MODELS), [0, 1, 2], ["paper", "fast"]
        symmetries, probe_seeds = list(STUDY_SYMMETRIES), [0, 1, 2]
    else:
        s = QUICK if args.quick else FULL
        models = list(QUICK_MODELS if args.quick else MODELS)
        seeds, probes = [0, 1, 2], ["paper"] if args.quick else ["paper", "fast"]
    symmetries = list(args.symmetries) if args.symmetries else symmetries
    probe_seeds = list(args.probe_seeds) if args.probe_seeds else probe_seeds
    models = list(args.models) if args.models is not None else models
    if args.probe_symmetries:
        from dataclasses import replace

        s = replace(s, probe_symmetries=tuple(args.probe_symmetries))
    seeds = list(args.seeds) if args.seeds else seeds
    probes = list(args.probes) if args.probes is not None else probes
    if not models and not probes:
        raise RunError("nothing to run: give --models or --probes")
    _need_extras()
    if not args.fresh and migrate_run_folder(args.out, s.config()):
        print(f"{args.out}: settings hash of 0.2.0 updated (probe symmetries are no longer part of it)")
    with RunFolder(
        args.out,
        package="learned-equivariance",
        module_file=__file__,
        config=s.config(),
        fresh=args.fresh,
        argv=["learned-equivariance", *argv],
        device="cpu",
    ) as run:
        import torch

        torch.set_num_threads(args.threads)
        from .experiments._reproduce import reproduce

        doc = reproduce(
            run,
            s,
            models,
            seeds,
            probes,
            symmetries=symmetries,
            probe_seeds=probe_seeds,
            progress=not args.no_progress,
            timings=not args.smoke,
        )
    print(f"wrote {args.out / 'metrics.json'}")
    for c in doc["headline"]:
        print(f"  [{c['verdict']}] {c['claim']}: {c['ours']:.3g}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    out = prepare_out(args.out)
    import torch

    torch.set_num_threads(args.threads)
    from equi_runs import write_json_atomic

    from .experiments._bench import bench

    res = bench(args.batch, args.size, args.repeats)
    write_json_atomic(res, out / "bench.json")
    for k, v in res.items():
        if k != "provenance":
            print(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}")
    return 0


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "reproduce":
        return _reproduce(args, argv)
    return _bench(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``learned-equivariance`` command."""
    return cli_main(_run, None if argv is None else list(argv), prog="learned-equivariance")
