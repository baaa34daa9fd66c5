"""Markdown tables for the README, generated from committed ``metrics.json`` files.

Usage: ``python -m lattice_nn._table results/quick/metrics.json [results/bench/metrics.json]`` (a ``reproduce``
document gives the headline, the converged, the budget and the per-family tables; a ``bench`` document the timing
table).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

from equi_runs import mean_std, read_json, validate_metrics

#: columns of the converged table, in order; those absent from a run are left out
METHODS = ("input", "sizered", "classical", "greedy", "ours", "ours_st", "pivot", "lll", "bkz")
BUDGET_METHODS = ("classical", "greedy", "ours", "ours_st", "pivot")


def _fmt(doc: dict[str, Any], key: str, digits: int = 3) -> str:
    vals = doc["per_seed"].get(key)
    if not vals:
        v = doc["metrics"].get(key)
        return "" if v is None else f"{v:.{digits}f}"
    m, s = mean_std(vals.values())
    return f"{m:.{digits}f} +- {s:.{digits}f}" if s is not None else f"{m:.{digits}f}"


def _header(doc: dict[str, Any]) -> str:
    prov = doc["provenance"]
    return (
        f"`{shlex.join(doc['command'])}` (seeds {doc['seeds']}; {prov['cpu']}, {prov['torch_threads']} torch "
        f"thread(s), torch {prov['versions'].get('torch', '?')}; {doc['wall_seconds']:.0f} s wall over "
        f"{len(doc['wall_pieces'])} piece(s); commit {str(prov.get('git_commit'))[:10]}"
        f"{', dirty' if prov.get('git_dirty') else ''})"
    )


def reproduce_tables(doc: dict[str, Any]) -> str:
    m = doc["metrics"]
    dims = doc["config"]["dims"]
    out = [_header(doc), "", "| claim | metric | paper | ours | verdict |", "|---|---|---|---|---|"]
    for c in doc["headline"]:
        paper = "-" if c["paper"] is None else c["paper"]
        text = c["claim"].replace("|", "\\|")
        ours = f"{c['ours']:.3g}" if abs(c["ours"]) < 1e-3 else f"{c['ours']:.3f}"
        out.append(f"| {text} | `{c['metric']}` | {paper} | {ours} | {c['verdict']} |")
    methods = [k for k in METHODS if f"log_defect.{k}.n{dims[0]}" in m]
    out += ["", "Converged (mean log defect, held-out bases; lower is better):", ""]
    out += ["| n | " + " | ".join(methods) + " | ours / LLL |", "|---" * (len(methods) + 2) + "|"]
    for n in dims:
        cells = [_fmt(doc, f"log_defect.{k}.n{n}") for k in methods]
        ratio = m[f"log_defect.ours.n{n}"] / m[f"log_defect.lll.n{n}"]
        out.append(f"| {n} | " + " | ".join(cells) + f" | {ratio:.3f} |")
    budgets = doc["config"]["budgets"]
    bm = [k for k in BUDGET_METHODS if f"log_defect_budget.{k}.s{budgets[0]}.n{dims[0]}" in m]
    out += ["", "At equal budgets of factors (2n per classical sweep; mean log defect):", ""]
    out += [
        "| n | factors | " + " | ".join(bm) + " | ours vs classical | ours vs greedy |",
        "|---" * (len(bm) + 4) + "|",
    ]
    for n in dims:
        for s in budgets:
            cells = [_fmt(doc, f"log_defect_budget.{k}.s{s}.n{n}") for k in bm]
            c, g, o = (m[f"log_defect_budget.{k}.s{s}.n{n}"] for k in ("classical", "greedy", "ours"))
            out.append(f"| {n} | {2 * n * s} | " + " | ".join(cells) + f" | {(o - c) / c:+.1%} | {(o - g) / g:+.2%} |")
    fam = [k for k in ("greedy", "ours", "ours_st", "pivot", "lll") if f"log_defect.{k}.n{dims[0]}" in m]
    out += ["", "Per family, converged (q-ary: never seen in training by the factor model):", ""]
    out += ["| n | family | " + " | ".join(fam) + " |", "|---" * (len(fam) + 2) + "|"]
    for n in dims:
        for kind in doc["config"]["kinds"]:
            cells = [_fmt(doc, f"log_defect.{k}.{kind}.n{n}") for k in fam]
            out.append(f"| {n} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def bench_table(doc: dict[str, Any]) -> str:
    m = doc["metrics"]
    dims = sorted(int(k.rsplit(".n", 1)[1]) for k in m if k.startswith("ms_per_basis.lll."))
    names = [
        k for k in ("ours", "ours_budget2", "greedy", "classical", "ours_gpu") if f"ms_per_basis.{k}.n{dims[0]}" in m
    ]
    out = [_header(doc), "", "ms per basis (mean log defect of the batch):", ""]
    out += ["| n | " + " | ".join(names) + " | fpylll LLL | LLL / ours | 1-min load |", "|---" * (len(names) + 4) + "|"]
    for n in dims:
        cells = [f"{m[f'ms_per_basis.{k}.n{n}']:.3g} ({m[f'log_defect.{k}.n{n}']:.2f})" for k in names]
        la = m.get(f"load_average.n{n}")
        out.append(
            f"| {n} | " + " | ".join(cells) + f" | {m[f'ms_per_basis.lll.n{n}']:.3g} | "
            f"{m[f'speedup.ours_over_lll.n{n}']:.3f} | {'' if la is None else f'{la:.1f}'} |"
        )
    return "\n".join(out)


def bench_cpu_table(doc: dict[str, Any]) -> str:
    m = doc["metrics"]
    dims = sorted(int(k.rsplit(".n", 1)[1]) for k in m if k.startswith("cpu_ms_per_basis.lll."))
    if not dims:
        return ""
    names = [k for k in ("ours", "ours_budget2", "greedy", "classical") if f"cpu_ms_per_basis.{k}.n{dims[0]}" in m]
    out = ["CPU (process) ms per basis, 1 thread (robust to other jobs on the machine):", ""]
    out += [
        "| n | " + " | ".join(names) + " | fpylll LLL | LLL / ours | LLL / greedy |",
        "|---" * (len(names) + 4) + "|",
    ]
    for n in dims:
        cells = [f"{m[f'cpu_ms_per_basis.{k}.n{n}']:.3g}" for k in names]
        out.append(
            f"| {n} | " + " | ".join(cells) + f" | {m[f'cpu_ms_per_basis.lll.n{n}']:.3g} | "
            f"{m[f'cpu_speedup.ours_over_lll.n{n}']:.3f} | {m[f'cpu_speedup.greedy_over_lll.n{n}']:.3f} |"
        )
    return "\n".join(out)


def _headline_table(doc: dict[str, Any]) -> list[str]:
    out = ["| claim | metric | paper | ours | verdict |", "|---|---|---|---|---|"]
    for c in doc["headline"]:
        paper = "-" if c["paper"] is None else c["paper"]
        ours = f"{c['ours']:.3f}" + (f" +- {c['std']:.3f}" if c.get("std") is not None else "")
        text = c["claim"].replace("|", "\\|")
        out.append(f"| {text} | `{c['metric']}` | {paper} | {ours} | {c['verdict']} |")
    return out


def _num(v: Any, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def grid_table(doc: dict[str, Any]) -> str:
    m = doc["metrics"]
    cfg = doc["config"]
    if "modes" not in cfg:
        return grid_table_021(doc)
    dims = sorted({int(k.rsplit(".n", 1)[1]) for k in m if k.startswith("log_defect.input.")})
    out = [_header(doc), "", *_headline_table(doc), ""]
    out += [
        "Mean log defect, factors and CPU ms per lattice: alone = one batched call on all lattices, hand = the 0.2.1 "
        "hand-written GridReducer, aligned = the same with aligned transfers, learned = aligned transfers and the "
        "learned policy; time x = CPU time joint / alone:",
        "",
        "| n | rho | input | base | defect alone | hand | aligned | learned | factors alone | hand | learned | "
        "CPU ms alone | hand | aligned | learned | time x hand | time x learned |",
        "|---" * 17 + "|",
    ]
    for n in dims:
        for rho in cfg["rhos"]:
            t = f"rho{rho:g}.n{n}"
            for k in ("ours", "greedy", "lll"):
                d = [m[f"log_defect.{mode}_{k}.{t}"] for mode in cfg["modes"]]
                f = [m.get(f"factors_per_lattice.{mode}_{k}.{t}") for mode in ("alone", "grid", "grid_learned")]
                c = [m[f"cpu_ms_per_lattice.{mode}_{k}.{t}"] for mode in cfg["modes"]]
                out.append(
                    f"| {n} | {rho:g} | {m[f'log_defect.input.{t}']:.2f} | {k} | "
                    + " | ".join(f"{v:.3f}" for v in d)
                    + " | "
                    + " | ".join(_num(v, ".1f") for v in f)
                    + " | "
                    + " | ".join(f"{v:.3g}" for v in c)
                    + f" | {m[f'time_ratio.grid_over_alone.{k}.{t}']:.2f} | "
                    f"{m[f'time_ratio.grid_learned_over_alone.{k}.{t}']:.2f} |"
                )
    out += [
        "",
        "Reduced from scratch (hand-written anchors / learned policy, anchors included) and waves (hand / learned): "
        + ", ".join(
            f"n={n} rho={rho:g}: {m[f'anchors.rho{rho:g}.n{n}']:.0%} / {m[f'scratch.rho{rho:g}.n{n}']:.0%}, "
            f"{m[f'waves.rho{rho:g}.n{n}']:.0f} / {m[f'waves_learned.rho{rho:g}.n{n}']:.0f}"
            for n in dims
            for rho in cfg["rhos"]
        ),
        "",
        "Policy fit (training grids, greedy base): "
        + ", ".join(
            f"n={n}: MSE {m[f'policy_mse.n{n}']:.4f} (constant predictor {m[f'policy_mse_constant.n{n}']:.4f}), "
            f"warm/scratch agreement {m[f'policy_decision_agreement.n{n}']:.0%}"
            for n in dims
        ),
    ]
    return "\n".join(out)


def grid_table_021(doc: dict[str, Any]) -> str:
    """The 0.2.1 ``grid`` document (the hand-written model only)."""
    m = doc["metrics"]
    cfg = doc["config"]
    out = [_header(doc), "", *_headline_table(doc), ""]
    out += [
        "Mean log defect, factors and CPU ms per lattice (joint = GridReducer, alone = one batched call on all "
        "lattices); ratios joint / alone:",
        "",
        "| n | rho | input | method | defect alone | defect joint | factors alone | factors joint | CPU ms alone | "
        "CPU ms joint | factors x | CPU time x |",
        "|---" * 12 + "|",
    ]
    for n in cfg["dims"]:
        for rho in cfg["rhos"]:
            t = f"rho{rho:g}.n{n}"
            for k in ("ours", "greedy", "lll"):
                fa = m.get(f"factors_per_lattice.alone_{k}.{t}")
                fj = m.get(f"factors_per_lattice.grid_{k}.{t}")
                fr = m.get(f"factor_ratio.grid_over_alone.{k}.{t}")
                out.append(
                    f"| {n} | {rho:g} | {m[f'log_defect.input.{t}']:.2f} | {k} | "
                    f"{m[f'log_defect.alone_{k}.{t}']:.3f} | {m[f'log_defect.grid_{k}.{t}']:.3f} | "
                    f"{'-' if fa is None else f'{fa:.1f}'} | {'-' if fj is None else f'{fj:.1f}'} | "
                    f"{m[f'cpu_ms_per_lattice.alone_{k}.{t}']:.3g} | {m[f'cpu_ms_per_lattice.grid_{k}.{t}']:.3g} | "
                    f"{'-' if fr is None else f'{fr:.2f}'} | {m[f'time_ratio.grid_over_alone.{k}.{t}']:.2f} |"
                )
    out += [
        "",
        "Anchors (reduced from scratch) and waves: "
        + ", ".join(
            f"n={n} rho={rho:g}: {m[f'anchors.rho{rho:g}.n{n}']:.1%} / {m[f'waves.rho{rho:g}.n{n}']:.0f}"
            for n in cfg["dims"]
            for rho in cfg["rhos"]
        ),
    ]
    return "\n".join(out)


def scale_table(doc: dict[str, Any]) -> str:
    m = doc["metrics"]
    dims = doc["config"]["dims"]
    out = [_header(doc), "", *_headline_table(doc), ""]
    methods = ["input", "sizered", "classical", "greedy", "ours", "lll", "bkz", "bkz20"]
    out += ["Converged (mean log defect; models trained at n <= 16):", ""]
    out += ["| n | " + " | ".join(methods) + " | ours / LLL |", "|---" * (len(methods) + 2) + "|"]
    for n in dims:
        out.append(
            f"| {n} | "
            + " | ".join(_fmt(doc, f"log_defect.{k}.n{n}") for k in methods)
            + f" | {m[f'ratio.ours_over_lll.n{n}']:.3f} |"
        )
    out += ["", "Per family (q-ary: never seen in training):", ""]
    fam = ["greedy", "ours", "lll", "bkz", "bkz20"]
    out += ["| n | family | " + " | ".join(fam) + " |", "|---" * (len(fam) + 2) + "|"]
    for n in dims:
        for kind in doc["config"]["kinds"]:
            out.append(f"| {n} | {kind} | " + " | ".join(_fmt(doc, f"log_defect.{k}.{kind}.n{n}") for k in fam) + " |")
    out += ["", "At equal budgets of factors (2n per classical sweep):", ""]
    out += ["| n | factors | classical | greedy | ours | ours vs classical | ours vs greedy |", "|---" * 7 + "|"]
    for n in dims:
        for s in doc["config"]["budgets"]:
            c, g, o = (m[f"log_defect_budget.{k}.s{s}.n{n}"] for k in ("classical", "greedy", "ours"))
            out.append(
                f"| {n} | {2 * n * s} | {c:.3f} | {g:.3f} | {_fmt(doc, f'log_defect_budget.ours.s{s}.n{n}')} | "
                f"{(o - c) / c:+.1%} | {(o - g) / g:+.2%} |"
            )
    small = sorted(int(k.rsplit(".n", 1)[1]) for k in m if k.startswith("log_defect.bkz20.n"))
    small = [n for n in small if n not in dims]
    if small:
        out += [
            "",
            "BKZ-20 at the trained dimensions (the full run's held-out bases, 100 per family): "
            + ", ".join(f"n={n}: {m[f'log_defect.bkz20.n{n}']:.3f}" for n in small),
        ]
    return "\n".join(out)


def tables(path: Path) -> str:
    doc = read_json(path)
    validate_metrics(doc)
    cmd = doc["command"]
    if "bench" in cmd:
        return bench_table(doc) + "\n\n" + bench_cpu_table(doc)
    if "grid" in cmd:
        return grid_table(doc)
    if "scale" in cmd:
        return scale_table(doc)
    return reproduce_tables(doc)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(tables(Path(p)))
        print()
