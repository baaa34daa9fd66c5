"""Markdown tables for the README, generated from committed ``metrics.json`` / ``bench.json`` files.

Usage: ``python -m mobile_equi.experiments._table results/quick/metrics.json [results/bench/bench.json]``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from equi_runs import mean_std, read_json, validate_metrics

from ._settings import FORMATS


def _cell(doc: dict, key: str, digits: int) -> str:
    vals = doc["per_seed"].get(key)
    if vals:
        m, s = mean_std(vals.values())
        return f"{m:.{digits}f}" + (f" +- {s:.{digits}f}" if s is not None else "")
    v = doc["metrics"].get(key)
    return "-" if v is None else f"{v:.{digits}f}" if isinstance(v, float) else f"{v:,}"


def _g(doc: dict, key: str) -> str:
    v = doc["metrics"].get(key)
    return "-" if v is None else f"{v:.2g}"


def run_tables(path: Path) -> str:
    doc = read_json(path)
    validate_metrics(doc)
    prov = doc["provenance"]
    models = sorted({k.split(".")[1] for k in doc["metrics"] if k.startswith("acc.")}, key=lambda n: (n[:4], n))
    cmd = shlex.join(doc["command"])
    out = [
        f"`{cmd}` (seeds {doc['seeds']}; {prov['cpu']}, {prov['torch_threads']} torch thread(s); "
        f"{doc['wall_seconds'] / 60:.1f} min wall; commit {str(prov.get('git_commit'))[:10]}). "
        "Accuracy in %, mean +- sample std over seeds where there are several.",
        "",
        "| model | params | MACs | format | accuracy | AUC | size (KiB) | latency (ms) | D4 invariance error |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in models:
        for i, f in enumerate(FORMATS):
            if f"acc.{name}.{f}" not in doc["metrics"]:
                continue
            first = i == 0
            out.append(
                f"| {name if first else ''} | {_cell(doc, f'params.{name}', 0) if first else ''} | "
                f"{_cell(doc, f'macs.{name}', 0) if first else ''} | {f} | {_cell(doc, f'acc.{name}.{f}', 1)} | "
                f"{_cell(doc, f'auc.{name}.{f}', 4)} | {_cell(doc, f'size_kb.{name}.{f}', 0)} | "
                f"{_cell(doc, f'latency_ms.{name}.{f}', 3)} | {_g(doc, f'invariance_error.{name}.{f}')} |"
            )
    quant = [n for n in models if f"quant_invariance_error.{n}.per_field" in doc["metrics"]]
    if quant:
        out += [
            "",
            "Simulated symmetric int8 (weights and activations), by how scales are shared:",
            "",
            "| model | scheme | accuracy | D4 invariance error |",
            "|---|---|---|---|",
        ]
        for n in quant:
            for sch in ("per_tensor", "per_channel", "per_field"):
                out.append(
                    f"| {n} | {sch} | {_cell(doc, f'quant_acc.{n}.{sch}', 1)} | "
                    f"{_g(doc, f'quant_invariance_error.{n}.{sch}')} |"
                )
    out += ["", "| claim | metric | ours | verdict | note |", "|---|---|---|---|---|"]
    for c in doc["headline"]:
        note = c["note"].replace("|", "\\|")
        out.append(f"| {c['claim']} | `{c['metric']}` | {c['ours']:.4g} | {c['verdict']} | {note} |")
    return "\n".join(out)


def bench_table(path: Path) -> str:
    b = read_json(path)
    out = [
        f"`mobile-equi bench` ({b['size']} px RGB, width {b['width']}, untrained weights, batch 1, 1 thread, median "
        f"of {b['runs']} runs; {b['provenance']['cpu']})",
        "",
        "| model | params | MACs | format | size (KiB) | latency (ms) |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("d4", "base"):
        for i, f in enumerate(FORMATS):
            if f"size_kb.{name}.{f}" not in b:
                continue
            params = f"{b['params.' + name]:,}" if i == 0 else ""
            macs = f"{b['macs.' + name]:,}" if i == 0 else ""
            out.append(
                f"| {name if i == 0 else ''} | {params} | {macs} | {f} | {b[f'size_kb.{name}.{f}']:.0f} | "
                f"{b[f'latency_ms.{name}.{f}']:.2f} |"
            )
    return "\n".join(out)


def main(argv: list[str]) -> None:
    for p in map(Path, argv):
        print(bench_table(p) if p.name == "bench.json" else run_tables(p))
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
