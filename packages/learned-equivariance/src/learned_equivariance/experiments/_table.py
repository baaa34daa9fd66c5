"""Markdown tables for the README, generated from a committed ``metrics.json``.

Usage: ``python -m learned_equivariance.experiments._table results/quick/metrics.json``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from equi_runs import mean_std, read_json, validate_metrics


def _ours(doc: dict, key: str, digits: int = 1) -> str:
    vals = doc["per_seed"].get(key)
    if not vals:
        v = doc["metrics"][key]
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)
    m, s = mean_std(vals.values())
    return f"{m:.{digits}f} +- {s:.{digits}f} ({len(vals)})" if s is not None else f"{m:.{digits}f} (1)"


def tables(path: Path) -> str:
    doc = read_json(path)
    validate_metrics(doc)
    m = doc["metrics"]
    prov = doc["provenance"]
    cmd = f"`{shlex.join(doc['command']).replace(' --out ' + doc['command'][-1], ' --out DIR')}`"
    out = [
        f"{cmd}: seeds {doc['seeds']}; {prov['cpu']}, {prov['torch_threads']} torch thread(s); "
        f"{doc['wall_seconds'] / 60:.1f} min wall; commit {str(prov.get('git_commit'))[:10]}",
        "",
        "| experiment | metric | paper | ours (mean +- std, seeds) | command |",
        "|---|---|---|---|---|",
    ]
    for key in sorted(k for k in doc["per_seed"] if k.startswith("test_error.")):
        out.append(
            f"| mixed double MNIST, {key.split('.', 1)[1]} | test error (%) | not available | "
            f"{_ours(doc, key)} | {cmd} |"
        )
    probes = sorted({k.split(".")[2] for k in m if k.startswith("likelihood.") and k.count(".") == 3})
    syms = sorted({k.split(".")[1] for k in m if k.startswith("likelihood.") and k.count(".") == 3} - {"mixed"})
    for sym in syms:
        for pr in probes:
            key = f"likelihood.{sym}.{pr}"
            if f"{key}.tv_to_target" not in m:
                continue
            out.append(
                f"| {sym} data, learned, {pr} settings | likelihood fit (TV to uniform on {sym}) / mass at identity | "
                f"not available | {m[f'{key}.tv_to_target']:.3f} / {m[f'{key}.mass_identity']:.3f} (1) | {cmd} |"
            )
    for key in sorted(k for k in doc["per_seed"] if k.startswith("likelihood.mixed.")):
        out.append(
            f"| mixed data, {key.split('.')[2]} | likelihood mass at identity (uniform "
            f"{1 / m['group_order']:.3f}) | not available | {_ours(doc, key, 3)} | {cmd} |"
        )
    out += ["", "| claim | ours | verdict | note |", "|---|---|---|---|"]
    for c in doc["headline"]:
        out.append(f"| {c['claim']} | {c['ours']:.3g} | {c['verdict']} | {c['note']} |")
    return "\n".join(out)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(tables(Path(p)))
        print()
