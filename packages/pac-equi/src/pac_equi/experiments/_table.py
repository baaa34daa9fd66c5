"""Markdown tables for the README, generated from committed ``metrics.json`` files.

Usage: ``python -m pac_equi.experiments._table results/quick/metrics.json [results/full/metrics.json]``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from equi_runs import mean_std, read_json, validate_metrics


def _fmt(doc: dict, key: str, digits: int = 3) -> str:
    vals = doc["per_seed"].get(key)
    if not vals:
        v = doc["metrics"][key]
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)
    m, s = mean_std(vals.values())
    return f"{m:.{digits}f} +- {s:.{digits}f} ({len(vals)})" if s is not None else f"{m:.{digits}f} (1)"


def _reached(doc: dict, g: str) -> str:
    vals = doc["per_seed"].get(f"reached_margin.{g}", {})
    return f"{sum(v > 0 for v in vals.values())} of {len(vals)}" if vals else "-"


def tables(path: Path) -> str:
    doc = read_json(path)
    validate_metrics(doc)
    cmd = shlex.join(doc["command"])
    prov = doc["provenance"]
    groups = doc["metrics"]["groups"]
    out = [
        f"`{cmd}` (seeds {doc['seeds']}; {prov['cpu']}, {prov['torch_threads']} torch thread(s); "
        f"{doc['wall_seconds'] / 60:.1f} min wall over all resumed pieces; commit {str(prov.get('git_commit'))[:10]})",
        "",
        "| group | width c | params | reached margin | train error | test error | gap | log10 Fourier bound "
        "| log10 naive bound |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for g in groups:
        out.append(
            f"| {g} | {doc['metrics'][f'width.{g}']:.0f} | {doc['metrics'][f'params.{g}']:.0f} | "
            f"{_reached(doc, g)} | "
            f"{_fmt(doc, f'train_error.{g}')} | {_fmt(doc, f'test_error.{g}')} | {_fmt(doc, f'gap.{g}')} | "
            f"{_fmt(doc, f'log10_bound_fourier.{g}', 2)} | {_fmt(doc, f'log10_bound_naive.{g}', 2)} |"
        )
    out += ["", "| claim | metric | paper | ours | verdict |", "|---|---|---|---|---|"]
    for c in doc["headline"]:
        paper = c["paper"] if not isinstance(c["paper"], str) else f"\"{c['paper'][:60]}...\""
        text = c["claim"].replace("|", "\\|")
        out.append(f"| {text} | `{c['metric']}` | {paper} | {c['ours']:.3f} | {c['verdict']} |")
    return "\n".join(out)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(tables(Path(p)))
        print()
