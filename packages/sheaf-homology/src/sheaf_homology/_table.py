"""Markdown tables for the README, generated from committed ``metrics.json`` files.

Usage: ``python -m sheaf_homology._table results/quick/metrics.json [more metrics.json ...]``: per file, the
command line and machine, one row per task with every model's accuracy (mean +- sample std over seeds, %),
and the headline claims with their verdicts. ``--merge A B ...``: one accuracy table over the seeds of several
runs with the same settings (disjoint seeds, checked), e.g. a run continued with more seeds in another folder.
``--legacy``: the rows of the README's table of 0.1 runs, from the 0.1-format ``results/*/metrics-0.1.json``
(:data:`LEGACY`). ``--check README.md``: exit 1 naming every table row that the committed results generate and
the README lacks (every run table, every 0.1 row and the merged tables of :data:`MERGED`); 0.2.2.
"""

from __future__ import annotations

import json
import shlex
import statistics
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
    if doc["headline"]:  # no empty claim table for a run without claims (0.2.2)
        out += ["", "| claim | metric | ours (%) | verdict | note |", "|---|---|---|---|---|"]
        out += [_claim_row(c) for c in doc["headline"]]
    return "\n".join(out)


def _claim_row(c: dict) -> str:
    ours = "-" if c.get("ours") is None else f"{100 * c['ours']:.1f}"
    text = c["claim"].replace("|", "\\|")
    return f"| {text} | `{c['metric']}` | {ours} | {c['verdict']} | {c.get('note', '')} |"


def merged_table(paths: list[Path]) -> str:
    """One accuracy table over the per-seed values of several runs with identical settings and disjoint seeds
    per metric (since 0.2.2 runs of different models may share seeds: e.g. one model's run on the same splits),
    and the headline claims over the pooled values."""
    docs = [read_json(p) for p in paths]
    for d in docs:
        validate_metrics(d)
    if any(d["config"] != docs[0]["config"] for d in docs[1:]):
        raise ValueError("--merge needs runs with identical settings (config)")
    seeds = sorted({s for d in docs for s in d["seeds"]})
    per_seed: dict[str, dict[str, float]] = {}
    for d in docs:
        for k, v in d["per_seed"].items():
            twice = set(per_seed.get(k, {})) & set(v)
            if twice:  # runs may share seeds when they train different models (0.2.2), never the same unit twice
                got = sorted(map(int, twice))
                raise ValueError(f"--merge needs disjoint seeds per metric, got seeds {got} of {k} twice")
            per_seed.setdefault(k, {}).update(v)
    merged = {"per_seed": per_seed}
    keys = [k for k in per_seed if k.startswith("acc.")]
    tasks = list(dict.fromkeys(k.split(".")[1] for k in keys))
    models = [m for m in ORDER if any(k.endswith(f".{m}") for k in keys)]
    out = ["Merged runs (seeds " + str(seeds) + "):", ""]
    for d in docs:
        prov = d["provenance"]
        out.append(
            f"- `{shlex.join(d['command'])}` (seeds {d['seeds']}; {d['wall_seconds'] / 60:.1f} min wall; commit "
            f"{str(prov.get('git_commit'))[:10]}{' dirty' if prov.get('git_dirty') else ''})"
        )
    out += ["", "| task | " + " | ".join(f"`{m}`" for m in models) + " |", "|---|" + "---|" * len(models)]
    for t in tasks:
        out.append(f"| {t} | " + " | ".join(_cell(merged, f"acc.{t}.{m}") for m in models) + " |")
    cfg = docs[0]["config"]
    if "experiment" in cfg and all(d["complete"] for d in docs):  # the claims over the pooled seeds (0.2.2)
        from equi_runs import aggregate

        from ._experiments import headline

        acc = {k: {int(s): float(v) for s, v in vals.items()} for k, vals in per_seed.items() if k.startswith("acc.")}
        epochs = int(cfg["experiment"]["train"]["epochs"])
        head = headline(aggregate(acc), acc, epochs, int(cfg.get("search", {}).get("candidates", 0)))
        if head:
            out += ["", "| claim | metric | ours (%) | verdict | note |", "|---|---|---|---|---|"]
            out += [_claim_row(c) for c in head]
    return "\n".join(out)


LEGACY: tuple[tuple[str, str, str, str, str], ...] = (
    ("full", "cora", "cora (full, 0.1 run)", "acc", "--tasks cora stratified --complex knn --seeds 0 1 2 3 4"),
    (
        "stratified_alpha",
        "stratified",
        "stratified, alpha complex (0.1 run)",
        "balanced acc",
        "--tasks stratified --seeds 0 1 2 3 4",
    ),
    (
        "full",
        "stratified",
        "stratified, kNN clique complex (0.1 run)",
        "balanced acc",
        "--tasks cora stratified --complex knn --seeds 0 1 2 3 4",
    ),
    ("hetero", "hetero_h0.1", "hetero_h10 (full, 0.1 run)", "acc", "--tasks hetero --seeds 0 1 2"),
    ("hetero", "hetero_h0.5", "hetero_h50 (full, 0.1 run)", "acc", "--tasks hetero --seeds 0 1 2"),
    ("hetero", "hetero_h0.9", "hetero_h90 (full, 0.1 run)", "acc", "--tasks hetero --seeds 0 1 2"),
)
"""The README's 0.1 rows: (results folder, task key in its ``metrics-0.1.json``, row label, metric word, the
command's arguments). The 0.1 files stored the population std; the rows recompute the sample std (ddof = 1)."""

MERGED: tuple[tuple[str, ...], ...] = (
    ("hetero_controls", "hetero_seeds234"),
    ("cora10", "cora10_s6789"),
    ("cora10", "cora10_s6789", "cora_persistent", "cora_persistent_s15", "cora_persistent_s6789"),
    ("clouds", "clouds_s34"),
    ("complex_search", "complex_search_s234"),
)
"""Runs whose merged table the README shows (0.2.2: a run continued with more seeds in another folder)."""


def legacy_rows(results: Path) -> list[str]:
    """The README rows of the 0.1 runs (:data:`LEGACY`, those whose file exists under ``results``), one per
    model, models in alphabetical order."""
    out = []
    for folder, task, label, word, args in LEGACY:
        path = results / folder / "metrics-0.1.json"
        if not path.is_file():
            continue
        doc = json.loads(path.read_text())
        prefix = f"runs.{task}."
        for key in sorted(k for k in doc if k.startswith(prefix)):
            vals = [100 * float(v) for v in doc[key]]
            seeds = doc["seeds"]
            cell = f"{statistics.mean(vals):.1f} +- {statistics.stdev(vals):.1f}"
            out.append(
                f"| {label} | {word} `{key[len(prefix) :]}` | - | {cell} ({len(seeds)} seeds: "
                f"{' '.join(map(str, seeds))}) | `sheaf-homology reproduce --out DIR {args}` |"
            )
    return out


def _rows(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith("| ") and not ln.startswith(("| task |", "| claim |"))]


def missing_rows(readme: Path, results: Path) -> list[str]:
    """The table rows generated from ``results`` (every ``*/metrics.json``, :data:`LEGACY`, :data:`MERGED`)
    that ``readme`` does not contain verbatim."""
    text = readme.read_text()
    want = [r for p in sorted(results.glob("*/metrics.json")) for r in _rows(tables(p))]
    want += legacy_rows(results)
    for group in MERGED:
        paths = [results / g / "metrics.json" for g in group]
        if all(p.is_file() for p in paths):
            want += _rows(merged_table(paths))
    return [r for r in want if r not in text]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--merge"]:
        print(merged_table([Path(p) for p in sys.argv[2:]]))
    elif sys.argv[1:2] == ["--legacy"]:
        print("\n".join(legacy_rows(Path(sys.argv[2]) if len(sys.argv) > 2 else Path("results"))))
    elif sys.argv[1:2] == ["--check"]:
        readme = Path(sys.argv[2])
        lost = missing_rows(readme, readme.parent / "results")
        for r in lost:
            print(f"not in {readme}: {r}")
        sys.exit(1 if lost else 0)
    else:
        for p in sys.argv[1:]:
            print(tables(Path(p)))
            print()
