"""``equi-groups`` command line: ``reproduce`` (numerical check of every identity) and ``bench`` (timings)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from equi_runs import (
    RunError,
    RunFolder,
    add_run_options,
    check_unique,
    claim,
    cli_main,
    make_parser,
    positive_int,
    prepare_out,
    write_json_atomic,
)

DESCRIPTION = """\
equi-groups: groups, representations and Fourier analysis, checked numerically.

  equi-groups reproduce --quick --out DIR   every identity on every group in float64 (seeded samples)
  equi-groups bench --out DIR               decomposition and Wigner-D timings, escnn and e3nn side by side
                                            when installed
"""
TOLERANCE = 1e-9  # float64 identities that hold exactly: round-off only


def _parser() -> argparse.ArgumentParser:
    p = make_parser("equi-groups", DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="check every identity numerically, write metrics.json and a figure")
    quick = "2D groups C4 C8 C16 D4 SO2 O2 (D8, D16 left out) and every 3D group"
    add_run_options(r, quick=quick, seeds=(0, 1, 2), device=False)
    b = sub.add_parser("bench", help="time decompositions and Fourier bases (escnn side by side if installed)")
    add_run_options(b, device=False, fresh=False)
    b.add_argument("--repeats", type=positive_int, default=5, metavar="N", help="timed repeats (default: 5)")
    return p


def reproduce(out: Path, quick: bool, seeds: Sequence[int], fresh: bool = False, progress: bool = True) -> dict:
    """Check every identity on every group for every seed (one unit per group and seed); write metrics.json.

    ``max_error.<identity>.<group>`` is the largest error over the seeds (not a mean)."""
    try:
        import matplotlib  # noqa: F401
        from tqdm import tqdm
    except ImportError as e:
        raise RunError(
            f"equi-groups reproduce needs the 'plots' extra ({e.name} is missing): pip install 'equi-groups[plots]'"
        ) from None

    from . import __version__
    from ._identities import GROUPS, check_identities, plot_fourier_error
    from ._identities3d import GROUPS_3D, check_identities_3d

    groups = (GROUPS[:4] + GROUPS[6:] if quick else GROUPS) + GROUPS_3D
    config = {"identities": "equi-groups 2D and 3D identity sets", "quick": quick}
    with RunFolder(out, package="equi-groups", module_file=__file__, config=config, fresh=fresh) as run:
        run.total_units = len(groups) * len(seeds)
        metrics: dict[str, float] = {}
        for group in tqdm(groups, desc="groups", disable=not progress):
            for seed in seeds:
                unit = run.unit(str(group), f"seed{seed}")
                if not unit.done:
                    unit.save((check_identities_3d if group in GROUPS_3D else check_identities)(group, seed))
                for name, err in unit.load().items():
                    key = f"max_error.{name}.{group}"
                    metrics[key] = max(err, metrics.get(key, 0.0))
        metrics["max_error.all"] = max(metrics.values())
        plot_fourier_error(run.out / "fourier_lstsq_error.png")
        head = [
            claim(
                "Every group identity (homomorphism, orthogonality, decomposition, Clebsch-Gordan, restriction, "
                "Fourier inversion, Plancherel; spherical harmonics in 3D) holds to round-off in float64, "
                "2D and 3D groups",
                "max_error.all",
                metrics,
                paper="exact (round-off)",
                verdict="reproduced" if metrics["max_error.all"] < TOLERANCE else "not reproduced",
                note=f"largest error over {len(groups)} groups and seeds {list(seeds)}; threshold {TOLERANCE:g}",
            )
        ]
        return run.write_metrics(metrics, headline=head, seeds=seeds, version=__version__)


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "reproduce":
        check_unique(args.seeds, "--seeds")
        seeds = args.seeds or [0, 1, 2]
        doc = reproduce(args.out, args.quick, seeds, fresh=args.fresh, progress=not args.no_progress)
        worst = doc["metrics"]["max_error.all"]
        print(f"largest identity error over all groups: {worst:.2e} (float64); wrote {args.out / 'metrics.json'}")
        return 0 if worst < TOLERANCE else 1
    out = prepare_out(args.out)
    from equi_runs import provenance

    from ._bench import bench
    from ._bench3d import bench_3d

    res = bench(args.repeats)
    res.update({f"3d.{k}": v for k, v in bench_3d(rounds=min(args.repeats, 3)).items()})
    res["provenance"] = provenance("equi-groups", __file__)
    write_json_atomic(res, out / "bench.json")
    for k, v in res.items():
        if k != "provenance":
            print(f"{k:45s} {v:.3f}" if isinstance(v, float) else f"{k:45s} {v}")
    print(f"wrote {out / 'bench.json'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``equi-groups`` command."""
    return cli_main(_run, None if argv is None else list(argv), prog="equi-groups")
