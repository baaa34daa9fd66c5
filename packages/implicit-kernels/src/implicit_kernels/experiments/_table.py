"""The README's results table, generated from a committed ``metrics.json``.

Usage: ``python -m implicit_kernels.experiments._table results/quick/metrics.json``.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from equi_runs import mean_std, read_json, validate_metrics

from ._data import UNITS
from ._reproduce import PAPER_QM9_HOMO


def _fmt(doc: dict, key: str, digits: int = 3) -> str:
    vals = doc["per_seed"].get(key)
    if not vals:
        v = doc["metrics"].get(key)
        return "-" if v is None else (f"{v:.{digits}g}" if isinstance(v, float) else str(v))
    m, s = mean_std(vals.values())
    seeds = " ".join(str(k) for k in vals)
    return f"{m:.{digits}g} +- {s:.2g} ({seeds})" if s is not None else f"{m:.{digits}g} ({seeds})"


def tables(path: Path) -> str:
    doc = read_json(path)
    validate_metrics(doc)
    argv = list(doc["command"][1:])
    if "--out" in argv:
        argv[argv.index("--out") + 1] = "DIR"
    cmd = shlex.join(["implicit-kernels", *argv])
    prov, m = doc["provenance"], doc["metrics"]
    out = [
        f"`{cmd}` ({prov['cpu']}, {prov['torch_threads']} torch thread(s); {doc['wall_seconds'] / 60:.1f} min wall; "
        f"commit {str(prov.get('git_commit'))[:10]})",
        "",
        "| experiment | metric | paper | ours (mean +- std, seeds) | params | command |",
        "|---|---|---|---|---|---|",
    ]
    for key_prefix, cfg_key in (("qm9", "qm9"), ("ablation", "ablation")):
        if cfg_key not in doc["config"]:
            continue
        for t in doc["config"][cfg_key]["targets"]:
            unit = UNITS.get(t, "meV")
            for model in ("analytic", "implicit", "implicit_bond", "implicit_atom", "mlp", "mean_predictor"):
                key = f"{key_prefix}_mae.{t}.{model}"
                if key not in doc["per_seed"]:
                    continue
                paper = PAPER_QM9_HOMO.get(model, "not available") if t == "homo" else "not available"
                params = m.get(f"params.{key_prefix}.{model}", "-")
                n = doc["config"][cfg_key]["n_train"]
                out.append(
                    f"| QM9 {t} ({n} molecules), {model} kernel | test MAE ({unit}) | {paper} | {_fmt(doc, key)} | "
                    f"{params} | `{cmd}` |"
                )
    for model in ("implicit", "analytic", "analytic_wide"):
        key = f"mnist_rot_error.{model}"
        if key in doc["per_seed"]:
            out.append(
                f"| rotated MNIST C8, {model} | test error (%) | not available | {_fmt(doc, key)} | "
                f"{m.get(f'params.mnist.{model}', '-')} | `{cmd}` |"
            )
    for model in ("implicit", "analytic", "mlp", "linear"):
        key = f"nbody_mse.{model}"
        if key in doc["per_seed"]:
            what = "constant velocity (no learning)" if model == "linear" else f"{model} kernel"
            out.append(
                f"| charged N-body, {what} | position MSE | not available | {_fmt(doc, key)} | "
                f"{m.get(f'params.nbody.{model}', '-')} | `{cmd}` |"
            )
    if "shapes" in doc["config"]:
        for g in doc["config"]["shapes"]["groups"]:
            for model in ("analytic", "implicit", "features"):
                key = f"shapes_acc.{g}.{model}"
                name = {"analytic": "standard basis", "features": "invariant features (no network)"}.get(model, model)
                if key in doc["per_seed"]:
                    out.append(
                        f"| shapes under {g}, {name} | test accuracy (%) | "
                        f"not available (ModelNet-40 only) | {_fmt(doc, key)} | "
                        f"{m.get(f'params.shapes.{g}.{model}', '-')} | `{cmd}` |"
                    )
    out.append(
        f"| O(3) point conv, float64 | equivariance error | 1.39e-06 (official, float32) | "
        f"{m['equivariance.point_conv_o3_float64']:.1e} | - | `{cmd}` |"
    )
    out.append(
        f"| C4/D4 grid conv, float64 | equivariance error | not available | "
        f"{m['equivariance.grid_c4_d4_float64']:.1e} | - | `{cmd}` |"
    )
    out.append(
        f"| implicit kernel, float32 | constraint residual (C8, D4, SO2, SO3, O3) | not available | "
        f"{m['kernel_residual.max_float32']:.1e} | - | `{cmd}` |"
    )
    out += ["", "| claim | paper | ours | verdict | note |", "|---|---|---|---|---|"]
    for c in doc["headline"]:
        paper = "not available" if c["paper"] is None else c["paper"]
        out.append(f"| {c['claim']} | {paper} | {c['ours']:.4g} | {c['verdict']} | {c['note']} |")
    return "\n".join(out)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        print(tables(Path(p)))
