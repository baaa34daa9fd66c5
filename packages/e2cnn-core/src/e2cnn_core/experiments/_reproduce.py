"""``e2cnn-core reproduce``: the MNIST-rot table of Weiler & Cesa (2019) at CPU scale.

The run is a grid of (model, seed) units in an equi-runs folder: each unit checkpoints after every epoch
(``units/<model>-seed<k>/checkpoint.pt``), and once finished stores ``result.json`` and the trained weights
(``model.pt``, for ``e2cnn-core export``). A rerun skips finished units and resumes interrupted ones.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch
from equi_runs import RunError, RunFolder, Unit, claim, load_torch, mean_std, save_figure, save_torch_atomic
from torch import nn

from ._data import Split, build_dataset
from ._settings import ReproduceConfig
from ._train import evaluate, seed_everything, train_model

#: Weiler & Cesa (2019): D16|5C16 on MNIST-rot, test error in % (paperswithcode; PAPERS.md section 1)
PAPER_D16_5C16 = 0.682


def _off_grid_invariance(model: torch.nn.Module, test: Split, n: int = 64) -> float | None:
    """Largest relative change of the logits under the model's group elements that are not grid-exact
    (e.g. 45 degrees), on ``n`` test images; ``None`` for groups whose elements are all grid-exact."""
    from equi_groups.testing import equivariance_errors

    in_type, out_type = model.in_type, model.out_type
    gspace = in_type.gspace
    elements = [g for g in in_type.group.testing_elements() if not gspace.is_grid_exact(g)]
    if not elements:
        return None
    errors = equivariance_errors(model, in_type, out_type, x=test.images[:n], elements=elements)
    return max(errors.values())


def run_unit(
    cfg: ReproduceConfig,
    model_name: str,
    seed: int,
    train: Split,
    test: Split,
    unit: Unit,
    device: str,
    progress: bool,
) -> dict[str, Any]:
    """Train one (model, seed), resuming from the unit's checkpoint; returns its result (not yet saved)."""
    from .._zoo import build_model

    seed_everything(seed)
    model = build_model(model_name, width=cfg.width)
    result = train_model(
        model,
        train,
        test,
        cfg.train,
        seed,
        checkpoint=unit.checkpoint_path,
        device=device,
        desc=f"{model_name} seed {seed}",
        progress=progress,
        checkpoint_extra={"model_name": model_name, "width": cfg.width},
    )
    model.eval()
    t0 = time.perf_counter()
    exported = model.export().eval()
    result["export_test_error"] = evaluate(exported, test, cfg.train.eval_batch_size, device)
    result["export_s"] = time.perf_counter() - t0
    with torch.no_grad():
        batch = test.images[: cfg.train.eval_batch_size].to(device)
        result["export_max_abs_err"] = float((exported(batch) - model(batch)).abs().max())
    result["off_grid_invariance_error"] = _off_grid_invariance(model.cpu(), test)
    result["params"] = sum(p.numel() for p in model.parameters())
    result["model"] = model_name
    save_torch_atomic(
        {"model": model.state_dict(), "model_name": model_name, "width": cfg.width}, unit.dir / "model.pt"
    )
    return result


def summarise(results: dict[str, dict[int, dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, dict[int, float]]]:
    """Flat metrics and per-seed values: ``test_error.<model>`` (mean %, its per-seed values in ``per_seed``),
    ``test_error_std.<model>`` (sample std, ddof=1; None for one seed), ``test_error.<model>.seed<k>``,
    exported-model error, parameters, training seconds and the off-grid invariance error."""
    m: dict[str, Any] = {}
    per_seed: dict[str, dict[int, float]] = {}
    for name, by_seed in results.items():
        errs = {s: 100.0 * r["test_error"] for s, r in by_seed.items()}
        per_seed[f"test_error.{name}"] = errs
        per_seed[f"export_test_error.{name}"] = {s: 100.0 * r["export_test_error"] for s, r in by_seed.items()}
        m[f"test_error_std.{name}"] = mean_std(errs.values())[1]
        for s, e in errs.items():
            m[f"test_error.{name}.seed{s}"] = e
        m[f"export_max_abs_err.{name}"] = max(r["export_max_abs_err"] for r in by_seed.values())
        m[f"seeds.{name}"] = sorted(by_seed)
        m[f"params.{name}"] = next(iter(by_seed.values()))["params"]
        m[f"train_seconds.{name}"] = mean_std(r["seconds"] for r in by_seed.values())[0]
        inv = [r["off_grid_invariance_error"] for r in by_seed.values() if r["off_grid_invariance_error"] is not None]
        if inv:
            m[f"off_grid_invariance_error.{name}"] = max(inv)
    if results:
        m["export_max_abs_err.max"] = max(m[f"export_max_abs_err.{n}"] for n in results)
    return m, per_seed


def headline(mean: dict[str, Any], per_seed: dict[str, dict[int, float]], cfg: ReproduceConfig) -> list[dict]:
    """The paper's claims that this run measures, with verdicts from the numbers."""
    scale = (
        f"{cfg.data.dataset}, {cfg.data.n_train} train / {cfg.data.n_test} test digits, width {cfg.width}, "
        f"{cfg.train.epochs} epochs (the paper: 12k/50k, full width, far longer training)"
    )
    out = []
    equi = [n for n in cfg.models if n != "C1" and f"test_error.{n}" in mean]
    if "C1" in cfg.models and equi:
        best = min(equi, key=lambda n: mean[f"test_error.{n}"])
        c1, b = mean["test_error.C1"], mean[f"test_error.{best}"]
        out.append(
            claim(
                "Equivariant steerable CNNs beat the conventional CNN (C1) on rotated MNIST",
                f"test_error.{best}",
                mean,
                per_seed,
                paper=None,
                verdict="reproduced" if b < c1 else "not reproduced",
                note=f"best equivariant {best} {b:.2f}% vs C1 {c1:.2f}% test error (the paper's MNIST-rot table is "
                f"not available offline, only its best entry); {scale}",
            )
        )
    if "D16|5C16" in cfg.models:
        v = mean["test_error.D16|5C16"]
        out.append(
            claim(
                "D16|5C16 (D16 restricted to C16 at layer 5) reaches 0.682% test error on MNIST-rot",
                "test_error.D16|5C16",
                mean,
                per_seed,
                paper=PAPER_D16_5C16,
                verdict="reproduced" if v <= PAPER_D16_5C16 + 0.1 else "not reproduced",
                note=f"{v:.2f}% at CPU scale: {scale}",
            )
        )
    if "export_max_abs_err.max" in mean:
        worst = mean["export_max_abs_err.max"]
        models = [n for n in cfg.models if f"export_max_abs_err.{n}" in mean]
        out.append(
            claim(
                "export() gives a plain PyTorch model with the same outputs (our deployment claim)",
                "export_max_abs_err.max",
                mean,
                paper=None,
                verdict="reproduced" if worst < 1e-5 else "not reproduced",
                note=f"largest |exported - model| logit difference over {', '.join(models)} on test images",
            )
        )
    return out


def plot_errors(metrics: dict[str, Any], models: tuple[str, ...], path: Path, title: str) -> None:
    """Bar chart of test error (mean +- std over seeds) per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    means = [metrics[f"test_error.{n}"] for n in models]
    stds = [metrics[f"test_error_std.{n}"] or 0.0 for n in models]
    fig, ax = plt.subplots(figsize=(max(4.5, 1.0 + 0.8 * len(models)), 3.2))
    ax.bar(range(len(models)), means, yerr=stds, capsize=3, color="tab:blue")
    ax.set_xticks(range(len(models)), models, rotation=30)
    ax.set_ylabel("test error (%)")
    ax.set_title(title, fontsize=8)
    for i, v in enumerate(means):
        ax.text(i, v, f"{v:.2f}", ha="center", va="bottom", fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)


def reproduce(cfg: ReproduceConfig, run: RunFolder, device: str = "cpu", progress: bool = True) -> dict[str, Any]:
    """Train every (model, seed) unit of ``cfg`` not yet finished in ``run``; write ``metrics.json`` (after each
    unit, then complete) and ``test_error.png``. Returns the metrics document."""
    from .. import __version__

    run.total_units = len(cfg.models) * len(cfg.seeds)
    train = test = None
    results: dict[str, dict[int, dict[str, Any]]] = {}

    def write(complete: bool) -> dict[str, Any]:
        metrics, per_seed = summarise(results)
        mean = {**{k: mean_std(v.values())[0] for k, v in per_seed.items()}, **metrics}
        head = headline(mean, per_seed, cfg) if complete else []
        seeds = sorted({s for by in results.values() for s in by})
        return run.write_metrics(
            metrics, per_seed=per_seed, headline=head, seeds=seeds, version=__version__, complete=complete
        )

    # seeds outermost: an interrupted run already has a full table for the first seeds
    for seed in cfg.seeds:
        for name in cfg.models:
            unit = run.unit(name, f"seed{seed}")
            if not unit.done:
                if train is None:
                    train, test = build_dataset(cfg.data)
                unit.save(run_unit(cfg, name, seed, train, test, unit, device, progress))
            results.setdefault(name, {})[seed] = unit.load()
            write(complete=False)
    doc = write(complete=True)
    plot_errors(
        doc["metrics"],
        cfg.models,
        run.out / "test_error.png",
        f"{cfg.data.dataset}: {cfg.data.n_train} train / {cfg.data.n_test} test, seeds {list(cfg.seeds)}",
    )
    return doc


def model_from_checkpoint(path: str | Path) -> nn.Module:
    """The zoo model of a ``reproduce`` model file (``units/<model>-seed<k>/model.pt``, or an unfinished unit's
    ``checkpoint.pt``), in eval mode.

    The file is read with ``torch.load(..., weights_only=True)``; it must hold ``model`` (the state dict),
    ``model_name`` and ``width``.
    """
    from .._zoo import build_model

    path = Path(path)
    state = load_torch(path, what="model file", fix="give the model.pt of a finished reproduce unit")
    missing = [k for k in ("model", "model_name", "width") if not isinstance(state, dict) or k not in state]
    if missing:
        raise RunError(f"{path} is not a reproduce model file: it lacks {', '.join(missing)}")
    model = build_model(str(state["model_name"]), width=float(state["width"]))
    model.load_state_dict(state["model"])
    return model.eval()
