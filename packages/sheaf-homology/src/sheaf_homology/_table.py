"""Markdown tables for the README, generated from committed ``metrics.json`` files.

Usage: ``python -m sheaf_homology._table results/quick/metrics.json [more metrics.json ...]``: per file, the
command line and machine, one row per task with every model's accuracy (mean +- sample std over seeds, %),
and the headline claims with their verdicts. ``--merge A B ...``: one accuracy table over the seeds of several
runs with the same settings (disjoint seeds, checked), e.g. a run continued with more seeds in another folder.
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


def merged_table(paths: list[Path]) -> str:
    """One accuracy table over the per-seed values of several runs with identical settings and disjoint seeds."""
    docs = [read_json(p) for p in paths]
    for d in docs:
        validate_metrics(d)
    if any(d["config"] != docs[0]["config"] for d in docs[1:]):
        raise ValueError("--merge needs runs with identical settings (config)")
    seeds = [s for d in docs for s in d["seeds"]]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"--merge needs disjoint seeds, got {seeds}")
    per_seed: dict[str, dict[str, float]] = {}
    for d in docs:
        for k, v in d["per_seed"].items():
            per_seed.setdefault(k, {}).update(v)
    merged = {"per_seed": per_seed}
    keys = [k for k in per_seed if k.startswith("acc.")]
    tasks = list(dict.fromkeys(k.split(".")[1] for k in keys))
    models = [m for m in ORDER if any(k.endswith(f".{m}") for k in keys)]
    out = ["Merged runs (seeds " + str(sorted(seeds)) + "):", ""]
    for d in docs:
        prov = d["provenance"]
        out.append(
            f"- `{shlex.join(d['command'])}` (seeds {d['seeds']}; {d['wall_seconds'] / 60:.1f} min wall; commit "
            f"{str(prov.get('git_commit'))[:10]}{' dirty' if prov.get('git_dirty') else ''})"
        )
    out += ["", "| task | " + " | ".join(f"`{m}`" for m in models) + " |", "|---|" + "---|" * len(models)]
    for t in tasks:
        out.append(f"| {t} | " + " | ".join(_cell(merged, f"acc.{t}.{m}") for m in models) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--merge"]:
        print(merged_table([Path(p) for p in sys.argv[2:]]))
    else:
        for p in sys.argv[1:]:
            print(tables(Path(p)))
            print()
