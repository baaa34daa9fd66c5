"""Markdown tables for the README, generated from committed ``metrics.json`` (and ``bench.json``) files.

Usage: ``python -m adaptive_fourier.experiments._table results/quick/metrics.json [results/bench/bench.json]``;
``... _table --compact A/metrics.json B/metrics.json ...``: one 2D table over several runs (the N-dependence study);
``... _table --readme README.md`` (in the package folder): refresh the README's generated blocks.
"""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from equi_runs import mean_std, read_json, validate_metrics

from .._names import KINDS

__all__ = ["bench_table", "compact_table", "fill_readme", "tables"]

COLS = {
    "2d": [("test error", "test_error", 3), ("model equiv. error", "equiv_error", 2),
           ("max layer equiv. error", "layer_equiv_error", 2), ("90-degree error", "rot90_error", 2),
           ("eps1", "eps1.2d", 2), ("eps2", "eps2.2d", 2), ("degenerate", "degenerate.2d", 2),
           ("train s", "train_seconds.2d", 0), ("peak MiB", "peak_mib.2d", 0)],
    "o2": [("test error", "test_error.o2", 3), ("model equiv. error", "equiv_error.o2", 2),
           ("max layer equiv. error", "layer_equiv_error.o2", 2), ("90-degree/flip error", "rot90_error.o2", 2),
           ("eps1", "eps1.o2", 2), ("eps2", "eps2.o2", 2), ("degenerate", "degenerate.o2", 2),
           ("train s", "train_seconds.o2", 0), ("peak MiB", "peak_mib.o2", 0)],
    "3d": [("accuracy", "acc.so3", 3), ("model equiv. error", "equiv_error.so3", 2),
           ("max layer equiv. error", "layer_equiv_error.so3", 2), ("eps1", "eps1.so3", 2),
           ("eps2", "eps2.so3", 2), ("degenerate", "degenerate.so3", 2), ("train s", "train_seconds.so3", 0),
           ("peak MiB", "peak_mib.so3", 0)],
}


def _ns_of(doc: dict, prefix: str) -> list[int]:
    """The N of every ``prefix.<kind>.N<n>`` per-seed key (kinds have no dots)."""
    pat = re.compile(rf"^{re.escape(prefix)}\.[a-z_]+\.N(\d+)$")
    return sorted({int(m.group(1)) for k in doc["per_seed"] if (m := pat.match(k))})


def _fmt(doc: dict, key: str, digits: int) -> str:
    vals = doc["per_seed"].get(key)
    if not vals:
        return "-"
    m, s = mean_std(vals.values())
    f = (lambda v: f"{v:.{digits}g}") if digits == 2 else (lambda v: f"{v:.{digits}f}")
    return f"{f(m)} +- {f(s)} ({len(vals)})" if s is not None else f"{f(m)} (1)"


def tables(path: Path) -> str:
    doc = read_json(path)
    validate_metrics(doc)
    prov, m = doc["provenance"], doc["metrics"]
    state = "" if doc.get("complete", True) else "; **incomplete: stopped for time**"
    out = [f"`{shlex.join(doc['command'])}` (seeds {doc['seeds']}; {prov['cpu']}, {prov['torch_threads']} torch "
           f"thread(s); {doc['wall_seconds'] / 60:.1f} min wall over all resumed pieces; commit "
           f"{str(prov.get('git_commit'))[:10]}{state})", ""]
    for task, title in (("2d", "2D: rotated MNIST, SO(2) CNN"), ("o2", "2D: rotated MNIST, O(2) CNN"),
                        ("3d", "3D: SO(3)-rotated procedural point clouds")):
        ns = m.get(f"ns.{task}") or _ns_of(doc, COLS[task][0][1])  # a partial run has no derived metrics
        if not ns:
            continue
        if task == "3d":  # which model: runs made before 0.3.0 have no conv in their config
            t3 = doc["config"]["task3d"]
            conv = t3.get("conv", "isotropic")
            title += (f" ({'Clebsch-Gordan (TFN-style)' if conv == 'tfn' else 'isotropic'} point convolution, "
                      f"{t3['points']} points, {t3['n_train']} train shapes per class, {t3['epochs']} epochs)")
        out += [f"**{title}**", "", "| kind | N | " + " | ".join(c[0] for c in COLS[task]) + " |",
                "|---|---|" + "---|" * len(COLS[task])]
        for kind in KINDS:
            for n in ns:
                if f"{COLS[task][0][1]}.{kind}.N{n}" not in doc["per_seed"]:
                    continue
                cells = [_fmt(doc, f"{key}.{kind}.N{n}", d) for _, key, d in COLS[task]]
                out.append(f"| {kind} | {n} | " + " | ".join(cells) + " |")
        out.append("")
    if not doc["headline"]:
        return "\n".join(out)
    out += ["| claim | metric | paper | ours | verdict |", "|---|---|---|---|---|"]
    for c in doc["headline"]:
        paper = "not available" if c["paper"] is None else c["paper"]
        out.append(f"| {c['claim'].replace('|', '/')} | `{c['metric']}` | {paper} | {c['ours']:.3g} | "
                   f"{c['verdict']} |")
    return "\n".join(out)


def _settings(doc: dict) -> str:
    t = doc["config"]["task2d"]
    argv = doc["command"]
    extra = [a for a in ("--generator", "--rows", "--epochs", "--seeds") if a in argv]
    def values(a: str) -> str:  # every value of an option (``--seeds 0 1 2``)
        rest = argv[argv.index(a) + 1:]
        end = next((i for i, v in enumerate(rest) if v.startswith("--")), len(rest))
        return " ".join(rest[:end])

    opts = " ".join(f"{a} {values(a)}" for a in extra)
    return (f"{t['n_train']} digits, {t['epochs']} ep., {t.get('generator', 'image')} generator, "
            f"{t.get('rows', 'normalise')} rows, {t['downsample']}" + (f" (`{opts}`)" if opts else ""))


def compact_table(paths: list[Path]) -> str:
    """SO(2) rows (test error, degenerate fraction, eps1, eps2) of several runs, one line per run, kind and N."""
    out = ["| run | settings | kind | N | test error | degenerate | eps1 | eps2 |", "|---|---|---|---|---|---|---|---|"]
    for path in paths:
        doc = read_json(path)
        validate_metrics(doc)
        ns = doc["metrics"].get("ns.2d") or _ns_of(doc, "test_error")
        for kind in KINDS:
            for n in ns:
                if f"test_error.{kind}.N{n}" not in doc["per_seed"]:
                    continue
                cells = [_fmt(doc, f"{key}.{kind}.N{n}", d) for key, d in
                         (("test_error", 3), ("degenerate.2d", 2), ("eps1.2d", 2), ("eps2.2d", 2))]
                out.append(f"| `{path.parent.name}` | {_settings(doc)} | {kind} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def bench_table(path: Path) -> str:
    res = read_json(path, what="bench file")
    def mib(r: dict, key: str, digits: int) -> str:
        return f"{r[key] / 2**20:.{digits}f}" if key in r else "-"

    def ms(r: dict, key: str) -> str:
        return f"{r[key]:.2f}" if key in r else "-"

    out = [f"`adaptive-fourier bench` ({res['provenance']['cpu']}, {res['threads']} torch thread(s), median of "
           f"{res['repeats']}); layer: forward + backward, ms; saved: bytes autograd saves for backward; peak: "
           "process peak memory above the baseline (a forked child's peak resident set)", "",
           "| layer | N | fixed ms | adaptive ms | adaptive / fixed | e2cnn-core ms | escnn ms | fixed saved MiB | "
           "adaptive saved MiB | fixed peak MiB | adaptive peak MiB |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, rows in res["layers"].items():
        for n in res["ns"]:
            r = rows[f"N{n}"]
            out.append(f"| {name} | {n} | {r['fixed_ms']:.2f} | {r['adaptive_ms']:.2f} | "
                       f"{r['adaptive_over_fixed_time']:.2f} | {ms(r, 'e2cnn_core_ms')} | {ms(r, 'escnn_ms')} | "
                       f"{mib(r, 'fixed_saved_bytes', 2)} | {mib(r, 'adaptive_saved_bytes', 2)} | "
                       f"{mib(r, 'fixed_peak_bytes', 1)} | {mib(r, 'adaptive_peak_bytes', 1)} |")
    out += ["", "| model | N | fixed inference ms | adaptive inference ms | ratio | fixed train step ms | "
            "adaptive train step ms | fixed saved MiB | adaptive saved MiB | fixed peak MiB | adaptive peak MiB | "
            "params fixed / adaptive |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for task, rows in res["models"].items():
        for n in res["ns"]:
            r = rows[f"N{n}"]
            out.append(f"| {task} | {n} | {r['fixed_inference_ms']:.1f} | {r['adaptive_inference_ms']:.1f} | "
                       f"{r['adaptive_over_fixed_inference']:.2f} | {r['fixed_train_step_ms']:.1f} | "
                       f"{r['adaptive_train_step_ms']:.1f} | {mib(r, 'fixed_saved_bytes', 1)} | "
                       f"{mib(r, 'adaptive_saved_bytes', 1)} | {mib(r, 'fixed_peak_bytes', 1)} | "
                       f"{mib(r, 'adaptive_peak_bytes', 1)} | {r['fixed_params']} / {r['adaptive_params']} |")
    return "\n".join(out)


def _blocks(results: Path) -> dict[str, Callable[[], str]]:
    """README marker name -> table maker, for every committed run that exists."""
    out: dict[str, Callable[[], str]] = {}
    study = [results / "quick/metrics.json", *sorted((results / "nstudy").glob("*/metrics.json")),
             results / "quick-down-index/metrics.json"]
    out["nstudy"] = lambda: compact_table([p for p in study if p.exists()])
    if (results / "quick/metrics.json").exists():
        out["quick"] = lambda: tables(results / "quick/metrics.json")
    for name in ("so2", "o2", "3d", "3d-tfn", "3d-iso32", "so2-down-avg", "so2-down-conv"):
        p = results / "full" / name / "metrics.json"
        if p.exists():
            out[f"full-{name}"] = lambda p=p: tables(p)
    for name, run in (("normpool", "quick-normpool"),):
        if (results / run / "metrics.json").exists():
            out[name] = lambda run=run: tables(results / run / "metrics.json")
    for name in ("bench", "bench-peak"):
        if (results / name / "bench.json").exists():
            out[name] = lambda name=name: bench_table(results / name / "bench.json")
    return out


def fill_readme(readme: Path, results: Path) -> list[str]:
    """Replace each ``<!-- name -->`` block (up to ``<!-- /name -->``, if present) of ``readme`` by its generated
    table; return the names filled."""
    text = readme.read_text()
    done = []
    for name, make in _blocks(results).items():
        pat = re.compile(rf"<!-- {re.escape(name)} -->(?:.*?<!-- /{re.escape(name)} -->)?", re.S)
        if pat.search(text):
            table = make()
            text = pat.sub(lambda m, table=table, name=name: f"<!-- {name} -->\n{table}\n<!-- /{name} -->", text,
                           count=1)
            done.append(name)
    readme.write_text(text)
    return done


if __name__ == "__main__":
    if sys.argv[1:2] == ["--readme"]:
        path = Path(sys.argv[2])
        print("filled:", ", ".join(fill_readme(path, path.parent / "results")))
        sys.exit(0)
    if sys.argv[1:2] == ["--compact"]:
        print(compact_table([Path(a) for a in sys.argv[2:]]))
        sys.exit(0)
    for p in map(Path, sys.argv[1:]):
        print(bench_table(p) if p.name == "bench.json" else tables(p))
        print()
