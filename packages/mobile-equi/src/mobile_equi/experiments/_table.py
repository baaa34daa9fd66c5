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
    out += _tune_table(doc, models) + _int8_table(doc, models)
    out += ["", "| claim | metric | ours | verdict | note |", "|---|---|---|---|---|"]
    for c in doc["headline"]:
        note = c["note"].replace("|", "\\|")
        out.append(f"| {c['claim']} | `{c['metric']}` | {c['ours']:.4g} | {c['verdict']} | {note} |")
    return "\n".join(out)


def _lr_ep(tag: str) -> tuple[float, int]:
    """``"lr3e-03_ep6"`` -> ``(0.003, 6)``."""
    lr, ep = tag.split("_")
    return float(lr[2:]), int(ep[2:])


def _tune_table(doc: dict, models: list[str]) -> list[str]:
    m = doc["metrics"]
    tuned = [n for n in models if f"tune_lr.{n}" in m]
    if not tuned:
        return []
    tried = sorted({k.split(".", 2)[2] for k in m if k.startswith("tune_val_acc.")}, key=_lr_ep)
    out = [
        "",
        "Search (seed 0, validation split of the training set; validation accuracy %; chosen setting in bold):",
        "",
        "| model | " + " | ".join(c.replace("_", " ") for c in tried) + " | chosen lr | chosen epochs |",
        "|---|" + "---|" * (len(tried) + 2),
    ]
    for n in tuned:
        chosen = f"lr{m[f'tune_lr.{n}']:.0e}_ep{m[f'tune_epochs.{n}']}"
        cells = []
        for c in tried:
            v = m.get(f"tune_val_acc.{n}.{c}")
            cell = "-" if v is None else f"{v:.1f}"
            cells.append(f"**{cell}**" if c == chosen else cell)
        out.append(f"| {n} | " + " | ".join(cells) + f" | {m[f'tune_lr.{n}']:g} | {m[f'tune_epochs.{n}']} |")
    return out


def _int8_table(doc: dict, models: list[str]) -> list[str]:
    m = doc["metrics"]
    rows = [n for n in models if f"size_kb_ratio.{n}.tflite_int8" in m]
    if not rows:
        return []
    out = [
        "",
        "Full-integer int8 TFLite vs float32 TFLite (goals: size <= 0.3x, latency <= 0.6x, accuracy within 1 point):",
        "",
        "| model | size ratio | latency ratio | accuracy fp32 -> int8 | goals met |",
        "|---|---|---|---|---|",
    ]
    for n in rows:
        size_r, lat_r = m[f"size_kb_ratio.{n}.tflite_int8"], m.get(f"latency_ms_ratio.{n}.tflite_int8")
        drop = m[f"acc_drop.{n}.tflite_int8"]
        ok = [size_r <= 0.3, lat_r is not None and lat_r <= 0.6, drop <= 1.0]
        met = ", ".join(w for w, o in zip(("size", "latency", "accuracy"), ok, strict=True) if o) or "none"
        lat = "-" if lat_r is None else f"{lat_r:.2f}x"
        out.append(
            f"| {n} | {size_r:.2f}x | {lat} | {m[f'acc.{n}.tflite_fp32']:.1f} -> {m[f'acc.{n}.tflite_int8']:.1f} "
            f"({-drop:+.1f}) | {met} ({sum(ok)}/3) |"
        )
    return out


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
