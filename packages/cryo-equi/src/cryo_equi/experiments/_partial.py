"""What an unfinished ``reproduce`` run has measured so far: every unit's median pose error per epoch, read from its
result (finished units) or its last epoch checkpoint (unfinished units), compared at the epoch all units reached.

Usage: ``python -m cryo_equi.experiments._partial RUN_DIR --out DIR`` writes ``DIR/partial.json`` (atomic) and prints
a Markdown table. Nothing is trained; checkpoints are read with ``weights_only=True``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from equi_runs import mean_std, read_json

from ._table import NAMES

_UNIT = re.compile(r"^(?P<enc>cnn|cnn_symloss|d4)-seed(?P<seed>\d+)$")


def unit_histories(run_dir: Path) -> dict[str, dict[int, dict[str, Any]]]:
    """encoder -> seed -> ``{"history": [...], "finished": bool}`` for every unit folder of ``run_dir``."""
    from equi_runs import load_torch

    out: dict[str, dict[int, dict[str, Any]]] = {}
    for d in sorted((run_dir / "units").glob("*")):
        m = _UNIT.match(d.name)
        if m is None:
            continue
        if (d / "result.json").exists():
            hist = read_json(d / "result.json", what="unit result")["result"]["median_deg_per_epoch"]
            finished = True
        elif (d / "checkpoint.pt").exists():
            hist = [float(v) for v in load_torch(d / "checkpoint.pt")["history"]]
            finished = False
        else:
            continue
        out.setdefault(m["enc"], {})[int(m["seed"])] = {"history": [float(v) for v in hist], "finished": finished}
    return out


def partial(run_dir: Path) -> dict[str, Any]:
    """The partial comparison document (config of the run, the common epoch, per-encoder numbers)."""
    rec = read_json(run_dir / "run.json", what="run record")
    units = unit_histories(run_dir)
    if not units:
        raise SystemExit(f"{run_dir} has no unit with a finished epoch")
    common = min(len(u["history"]) for by_seed in units.values() for u in by_seed.values())
    doc: dict[str, Any] = {"run": str(run_dir), "config": rec["config"], "common_epoch": common, "encoders": {}}
    for enc, by_seed in units.items():
        at = {s: u["history"][common - 1] for s, u in sorted(by_seed.items())}
        m, sd = mean_std(at.values())
        doc["encoders"][enc] = {
            "median_deg_at_common_epoch": at,
            "mean": m,
            "std": sd,
            "epochs_reached": {s: len(u["history"]) for s, u in sorted(by_seed.items())},
            "finished": {s: u["finished"] for s, u in sorted(by_seed.items())},
            "history": {s: u["history"] for s, u in sorted(by_seed.items())},
        }
    return doc


def table(doc: dict[str, Any]) -> str:
    k = doc["common_epoch"]
    out = [
        f"| encoder | median pose error after {k} epochs (deg, mean +- std) | per seed | epochs reached per seed |",
        "|---|---|---|---|",
    ]
    for enc in NAMES:
        e = doc["encoders"].get(enc)
        if e is None:
            continue
        std = "" if e["std"] is None else f" +- {e['std']:.1f}"
        seeds = ", ".join(f"{s}: {v:.1f}" for s, v in e["median_deg_at_common_epoch"].items())
        reached = ", ".join(f"{s}: {v}" for s, v in e["epochs_reached"].items())
        out.append(f"| {NAMES[enc]} | {e['mean']:.1f}{std} | {seeds} | {reached} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    from equi_runs import write_json_atomic

    p = argparse.ArgumentParser(prog="python -m cryo_equi.experiments._partial", description=__doc__)
    p.add_argument("run_dir", type=Path)
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="write DIR/partial.json")
    args = p.parse_args(argv)
    doc = partial(args.run_dir)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        write_json_atomic(doc, args.out / "partial.json")
    print(table(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
