"""Markdown tables for the README, generated from a committed ``metrics.json``.

Usage: ``python -m learned_equivariance.experiments._table results/quick/metrics.json results/study/metrics.json
results/bench/bench.json`` (a run over several data symmetries also gets the symmetry x model matrix).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from equi_runs import mean_std, read_json, validate_metrics

MODEL_ORDER = ("cnn", "equivariant", "learned", "learned_shared", "rpp")
SYM_ORDER = ("mixed", "C1", "C4", "SO2", "O2")
SETTING_ORDER = ("learned", "learned_shared", "paper", "no_kl", "fast")


def _ours(doc: dict, key: str, digits: int = 1) -> str:
    vals = doc["per_seed"].get(key)
    if not vals:
        v = doc["metrics"][key]
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)
    m, s = mean_std(vals.values())
    return f"{m:.{digits}f} +- {s:.{digits}f} ({len(vals)})" if s is not None else f"{m:.{digits}f} (1)"


def _split(key: str) -> tuple[str, str]:
    """``test_error.cnn`` -> ``(mixed, cnn)``; ``test_error.C4.cnn`` -> ``(C4, cnn)``."""
    parts = key.split(".")
    return ("mixed", parts[1]) if len(parts) == 2 else (parts[1], parts[2])


def _order(seq: tuple, name: str) -> int:
    return seq.index(name) if name in seq else len(seq)


def tables(path: Path) -> str:
    doc = read_json(path)
    validate_metrics(doc)
    m, ps = doc["metrics"], doc["per_seed"]
    prov = doc["provenance"]
    cmd = f"`{shlex.join(doc['command']).replace(' --out ' + doc['command'][-1], ' --out DIR')}`"
    cfg = doc["config"]
    out = [
        f"{cmd}: seeds {doc['seeds']}; {100 * cfg['data']['n_train']} training images, {cfg['train']['epochs']} "
        f"epochs, {cfg['model']['group']} fields {cfg['model']['fields']}; {prov['cpu']}, {prov['torch_threads']} "
        f"torch thread(s); {doc['wall_seconds'] / 60:.1f} min wall; commit {str(prov.get('git_commit'))[:10]}",
        "",
        "| experiment | metric | paper | ours (mean +- std, seeds) | command |",
        "|---|---|---|---|---|",
    ]
    errs = sorted(
        (k for k in ps if k.startswith("test_error.")),
        key=lambda k: (_order(SYM_ORDER, _split(k)[0]), _order(MODEL_ORDER, _split(k)[1])),
    )
    for key in errs:
        sym, model = _split(key)
        out.append(f"| {sym} double MNIST, {model} | test error (%) | not available | {_ours(doc, key)} | {cmd} |")
    lik = sorted(
        {tuple(k.split(".")[1:3]) for k in ps if k.startswith("likelihood.") and k.endswith(".mass_identity")},
        key=lambda t: (_order(SYM_ORDER, t[0]), _order(SETTING_ORDER, t[1])),
    )
    for sym, name in lik:
        key = f"likelihood.{sym}.{name}"
        who = f"learned, {name} settings" if name in ("paper", "no_kl", "fast") else name
        ident = ps.get(f"{key}.identified")
        if f"{key}.tv_to_target" in ps:
            nearest = f" / {sum(ident.values()):.0f} of {len(ident)}" if ident else ""
            out.append(
                f"| {sym} data, {who} | likelihood fit (TV to uniform on {sym}) / mass at identity / seeds whose "
                f"nearest target is {sym} | not available | {_ours(doc, key + '.tv_to_target', 3)} / "
                f"{_ours(doc, key + '.mass_identity', 3)}{nearest} | {cmd} |"
            )
        else:
            out.append(
                f"| {sym} data, {who} | likelihood mass at identity (uniform {1 / m['grid_size']:.3f}) | "
                f"not available | {_ours(doc, key + '.mass_identity', 3)} | {cmd} |"
            )
    out += ["", "| claim | ours | verdict | note |", "|---|---|---|---|"]
    for c in doc["headline"]:
        out.append(f"| {c['claim']} | {c['ours']:.3g} | {c['verdict']} | {c['note']} |")
    return "\n".join(out)


def matrix(path: Path) -> str:
    """Test error (%) as a data symmetry x model matrix (mean +- std over seeds)."""
    doc = read_json(path)
    ps = doc["per_seed"]
    cells: dict[tuple[str, str], str] = {}
    for key in ps:
        if key.startswith("test_error."):
            cells[_split(key)] = _ours(doc, key)
    syms = sorted({s for s, _ in cells}, key=lambda s: _order(SYM_ORDER, s))
    models = sorted({mo for _, mo in cells}, key=lambda mo: _order(MODEL_ORDER, mo))
    out = ["| data | " + " | ".join(models) + " |", "|---" * (len(models) + 1) + "|"]
    for s in syms:
        out.append(f"| {s} | " + " | ".join(cells.get((s, mo), "") for mo in models) + " |")
    return "\n".join(out)


def bench_table(path: Path) -> str:
    """``bench.json`` as a table: seconds per training step and per exported eval forward, ratios to R2Conv."""
    doc = read_json(path)
    rows = [
        "| model | parameters | training step (s) | vs R2Conv | eval after export (s) | vs R2Conv | export max diff |",
        "|---|---|---|---|---|---|---|",
    ]
    base_t, base_e = doc["train_step_seconds.equivariant"], doc["eval_seconds_exported.equivariant"]
    for kind in ("cnn", "equivariant", "learned", "learned_shared"):
        t, e = doc[f"train_step_seconds.{kind}"], doc[f"eval_seconds_exported.{kind}"]
        n = doc.get(f"n_parameters.{kind}")
        rows.append(
            f"| {kind} | {'' if n is None else f'{n:,}'} | {t:.3f} | {t / base_t:.2f}x | {e:.3f} | {e / base_e:.2f}x | "
            f"{doc[f'export_max_abs_diff.{kind}']:.1e} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        if Path(p).name == "bench.json":
            print(bench_table(Path(p)))
        else:
            print(tables(Path(p)))
            if len({_split(k)[0] for k in read_json(p)["per_seed"] if k.startswith("test_error.")}) > 1:
                print()
                print(matrix(Path(p)))
        print()
