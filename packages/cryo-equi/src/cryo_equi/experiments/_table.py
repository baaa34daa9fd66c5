"""Markdown tables for the README, generated from committed ``metrics.json`` files.

Usage: ``python -m cryo_equi.experiments._table results/quick/metrics.json [results/diagnose/metrics.json ...]``
(a ``reproduce`` run gives the results and claims tables, a ``diagnose`` run the sanity-check table, an
``experiments._ablation`` run the table of training variants).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

from equi_runs import mean_std, read_json, validate_metrics

NAMES = {"cnn": "CNN encoder", "cnn_symloss": "CNN encoder + symmetric loss", "d4": "D4 encoder"}
ROWS = [  # (metric prefix, label, paper column, digits)
    ("pose_error_deg.median", "median pose error (deg)", "better for D4 (no number)", 1),
    ("fsc_resolution_0143", "FSC 0.143 resolution (A)", "better for D4 (no number)", 1),
    ("fsc_resolution_05", "FSC 0.5 resolution (A)", "not available", 1),
    ("converged_fraction", "fraction of seeds converged (< {thr:g} deg)", "D4 more often (no number)", 1),
    ("seconds_per_epoch", "seconds per epoch (1 thread, shared CPU)", "D4 more efficient (no number)", 1),
]


def _cell(doc: dict[str, Any], key: str, digits: int) -> str:
    vals = doc["per_seed"].get(key)
    if not vals:
        v = doc["metrics"].get(key)
        return "-" if v is None else f"{v:.{digits}f}"
    m, s = mean_std(vals.values())
    seeds = " ".join(vals)
    return f"{m:.{digits}f} +- {s:.{digits}f} (seeds {seeds})" if s is not None else f"{m:.{digits}f} (seed {seeds})"


def _command(doc: dict[str, Any]) -> str:
    cmd = [c for c in doc["command"] if c not in ("--fresh", "--no-progress")]
    return f"`{shlex.join(cmd)}`"


def reproduce_tables(doc: dict[str, Any]) -> str:
    encs = [e for e in NAMES if any(k.endswith(f".{e}") for k in doc["per_seed"])]
    thr = doc["metrics"].get("converge_threshold_deg", 20.0)
    cmd = _command(doc)
    out = ["| experiment | metric | paper | ours (mean +- std, seeds) | command |", "|---|---|---|---|---|"]
    for prefix, label, paper, digits in ROWS:
        for enc in encs:
            if f"{prefix}.{enc}" in doc["per_seed"]:
                cell = _cell(doc, f"{prefix}.{enc}", digits)
                out.append(f"| {NAMES[enc]} | {label.format(thr=thr)} | {paper} | {cell} | {cmd} |")
    rnd = doc["metrics"].get("pose_error_deg.median.random")
    if rnd is not None:
        out.append(f"| random poses (reference) | median pose error (deg) | - | {rnd:.1f} | {cmd} |")
    out += ["", "| claim | verdict | note |", "|---|---|---|"]
    for c in doc["headline"]:
        out.append(f"| {c['claim']} | {c['verdict']} | {c['note']} |")
    return "\n".join(out)


def diagnose_table(doc: dict[str, Any]) -> str:
    m = doc["metrics"]
    cmd = _command(doc)
    thr, conv = m["reached_threshold_deg"], m["converge_threshold_deg"]
    rows = [
        (
            "per-image refinement through the true map, start 25 deg off",
            "median final error (deg)",
            _cell(doc, "refine_near.median_deg", 1),
        ),
        ("", f"fraction of particles below {thr:g} deg", _cell(doc, "refine_near.reached_fraction", 3)),
        (
            "per-image refinement through the true map, random start",
            "median final error (deg)",
            _cell(doc, "refine_random.median_deg", 1),
        ),
        ("", f"fraction of particles below {thr:g} deg", _cell(doc, "refine_random.reached_fraction", 3)),
        (
            "",
            "fraction of failed starts whose final loss is above the loss at the true pose (local minima)",
            _cell(doc, "refine_random.failed_above_truth_fraction", 3),
        ),
    ]
    for enc, name in NAMES.items():
        if f"amortized.median_deg.{enc}" in doc["per_seed"]:
            rows.append(
                (
                    f"{name} trained against the true map (held fixed)",
                    "median pose error (deg)",
                    _cell(doc, f"amortized.median_deg.{enc}", 1),
                )
            )
            rows.append(
                (
                    "",
                    f"fraction of seeds converged (< {conv:g} deg)",
                    _cell(doc, f"amortized.converged_fraction.{enc}", 2),
                )
            )
    rows += [
        (
            "decoder trained with the true poses",
            f"FSC 0.143 resolution (A; Nyquist {m['nyquist_A']:g})",
            f"{m['known_poses.fsc_resolution_0143']:.1f}",
        ),
        ("", "FSC 0.5 resolution (A)", f"{m['known_poses.fsc_resolution_05']:.1f}"),
    ]
    out = [f"{cmd}:", "", "| check | metric | ours (mean +- std, seeds) |", "|---|---|---|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(out)


def ablation_table(doc: dict[str, Any]) -> str:
    from ._ablation import VARIANTS

    epochs = int(doc["metrics"]["epochs"])
    out = [
        f"{_command(doc)}:",
        "",
        f"| variant | what changes | median pose error after {epochs // 2} epochs (deg) | after {epochs} epochs "
        "(deg) |",
        "|---|---|---|---|",
    ]
    for key in doc["per_seed"]:
        if not key.startswith("median_deg."):
            continue
        _, var, enc = key.split(".")
        what = VARIANTS[var][1] if var in VARIANTS else "-"
        half = _cell(doc, f"median_deg_half.{var}.{enc}", 1)
        out.append(f"| {var} ({NAMES[enc]}) | {what} | {half} | {_cell(doc, key, 1)} |")
    return "\n".join(out)


def tables(path: Path) -> str:
    doc = read_json(path)
    validate_metrics(doc)
    if "refine_near.median_deg" in doc["metrics"]:
        return diagnose_table(doc)
    if any(k.startswith("median_deg_curve.") for k in doc["metrics"]):
        return ablation_table(doc)
    return reproduce_tables(doc)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(tables(Path(p)))
        print()
