"""Markdown tables for the README, generated from committed ``metrics.json`` files.

Usage: ``python -m sheaf_homology._table results/quick/metrics.json [more metrics.json ...]``: per file, the
command line and machine, one row per task with every model's accuracy (mean +- sample std over seeds, %),
and the headline claims with their verdicts.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from equi_runs import mean_std, read_json, validate_metrics

ORDER = (
    "gcn",
    "gat",
    "nsd",
    "nsd_orth",
    "nsd_gen",
    "const",
    "rand",
    "lhs",
    "lhs_att",
    "lhs_persistent",
    "betti",
    "degree",
)


def _cell(doc: dict, key: str) -> str:
    vals = doc["per_seed"].get(key)
    if not vals:
        return "-"
    m, s = mean_std(vals.values())
    return f"{100 * m:.1f} +- {100 * s:.1f}" if s is not None else f"{100 * m:.1f}"


def tables(path: Path) -> str:
    """The markdown of one run: provenance line, accuracy table, headline claims."""
    doc = read_json(path)
    validate_metrics(doc)
    prov = doc["provenance"]
    keys = [k for k in doc["per_seed"] if k.startswith("acc.")]
    tasks = list(dict.fromkeys(k.split(".")[1] for k in keys))
    models = [m for m in ORDER if any(k.endswith(f".{m}") for k in keys)]
    out = [
        f"`{shlex.join(doc['command'])}` (seeds {doc['seeds']}; {prov.get('cpu')}, {prov.get('torch_threads')} "
        f"torch thread(s); {doc['wall_seconds'] / 60:.1f} min wall over all resumed pieces; commit "
        f"{str(prov.get('git_commit'))[:10]}{' dirty' if prov.get('git_dirty') else ''})",
        "",
        "| task | " + " | ".join(f"`{m}`" for m in models) + " |",
        "|---|" + "---|" * len(models),
    ]
    for t in tasks:
        out.append(f"| {t} | " + " | ".join(_cell(doc, f"acc.{t}.{m}") for m in models) + " |")
    out += ["", "| claim | metric | ours (%) | verdict | note |", "|---|---|---|---|---|"]
    for c in doc["headline"]:
        ours = "-" if c.get("ours") is None else f"{100 * c['ours']:.1f}"
        text = c["claim"].replace("|", "\\|")
        out.append(f"| {text} | `{c['metric']}` | {ours} | {c['verdict']} | {c.get('note', '')} |")
    return "\n".join(out)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(tables(Path(p)))
        print()
