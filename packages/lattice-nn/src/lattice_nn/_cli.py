"""Command line: ``lattice-nn reproduce [--quick] --out DIR [--seeds ...]`` and
``lattice-nn bench --out DIR``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lattice-nn", description="Neural lattice reduction (arXiv 2311.08170)")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "reproduce", help="train, evaluate vs LLL/BKZ/size reduction, write metrics.json + PNGs"
    )
    r.add_argument(
        "--quick", action="store_true", help="n in {4, 8}, one seed, no ablations (< 5 min on 2 CPUs)"
    )
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--seeds", type=int, nargs="+", default=None)
    b = sub.add_parser("bench", help="time per basis: ours (batched) vs fpylll LLL, writes bench.json")
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--repeats", type=int, default=5)
    b.add_argument("--checkpoint", type=Path, default=None, help="state dict from reproduce (ours_seed0.pt)")
    b.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from ._experiments import ReproduceConfig, bench, reproduce

    if args.command == "reproduce":
        seeds = tuple(args.seeds) if args.seeds else None
        if args.quick:
            cfg = ReproduceConfig.quick(seeds or (0,))
        else:
            cfg = ReproduceConfig(seeds=seeds) if seeds else ReproduceConfig()
        metrics = reproduce(args.out, cfg)
        keys = [k for k in sorted(metrics) if k.startswith("log_defect.") and k.count(".") == 2]
    else:
        metrics = bench(args.out, repeats=args.repeats, checkpoint=args.checkpoint, threads=args.threads)
        keys = [k for k in sorted(metrics) if k.startswith(("ms_per_basis", "speedup"))]
    print(json.dumps({k: metrics[k] for k in keys}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
