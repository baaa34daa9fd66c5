"""``e2cnn-core reproduce``: the MNIST-rot table of Weiler & Cesa (2019) at CPU scale.

Every (model, seed) run lives in ``OUT/runs/<model>-seed<k>/``: a checkpoint written atomically after each
epoch and, once finished, ``result.json``. A rerun skips finished runs and resumes interrupted ones, so an
interrupted ``reproduce`` continues where it stopped.
"""

from __future__ import annotations

import json
import math
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .._architecture import MODEL_NAMES
from ._data import DataConfig, Split, build_dataset
from ._train import TrainConfig, evaluate, seed_everything, train_model, write_json_atomic


@dataclass(frozen=True)
class ReproduceConfig:
    """One ``reproduce`` run.

    Args:
        data: the data set (``DataConfig``; its seed fixes the split and the rotations for every model/seed).
        models: zoo model names (``"C8"``, ``"D16|5C16"``, ``"SO2"``, ...).
        seeds: training seeds (initialisation and batch order).
        width: channel multiplier of the paper's MNIST model.
        train: optimisation settings.
    """

    data: DataConfig = field(default_factory=lambda: DataConfig(n_train=2000, n_test=1000))
    models: tuple[str, ...] = MODEL_NAMES
    seeds: tuple[int, ...] = (0, 1, 2)
    width: float = 0.25
    train: TrainConfig = field(
        default_factory=lambda: TrainConfig(epochs=5, decay_start=2, batch_size=64, lr=3e-3)
    )


def preset(name: str) -> ReproduceConfig:
    """``"full"``: all models, 3 seeds; ``"quick"``: C1, C8, D16|5C16, one seed, < 5 min on 2 CPU cores;
    ``"smoke"`` (tests only): two tiny models on 200 digits."""
    if name == "full":
        return ReproduceConfig()
    if name == "quick":
        return ReproduceConfig(
            models=("C1", "C8", "D16|5C16"),
            seeds=(0,),
            width=0.25,
            data=DataConfig(n_train=2000, n_test=1000),
            train=TrainConfig(epochs=4, decay_start=2, batch_size=64, lr=3e-3),
        )
    if name == "smoke":
        return ReproduceConfig(
            models=("C1", "C4"),
            seeds=(0,),
            width=0.25,
            data=DataConfig(n_train=100, n_test=50),
            train=TrainConfig(epochs=1, batch_size=50),
        )
    raise ValueError(f"unknown preset {name!r}; expected 'full', 'quick' or 'smoke'")


def run_dir_name(model: str, seed: int) -> str:
    return f"{model.replace('|', '_')}-seed{seed}"


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


def run_one(
    cfg: ReproduceConfig,
    model_name: str,
    seed: int,
    train: Split,
    test: Split,
    out: Path,
    device: str,
    progress: bool,
) -> dict[str, Any]:
    """Train one (model, seed), resuming from its checkpoint; returns and stores its result."""
    from .._zoo import build_model

    run = out / "runs" / run_dir_name(model_name, seed)
    done = run / "result.json"
    config = json.loads(json.dumps({k: v for k, v in asdict(cfg).items() if k not in ("models", "seeds")}))
    if done.exists():
        result = json.loads(done.read_text())
        if result.get("config") != config:
            raise ValueError(
                f"{done} was trained with another configuration ({result.get('config')}); "
                f"expected {config}: use another --out"
            )
        return result
    seed_everything(seed)
    model = build_model(model_name, width=cfg.width)
    result = train_model(
        model,
        train,
        test,
        cfg.train,
        seed,
        checkpoint=run / "checkpoint.pt",
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
    result["config"] = config
    write_json_atomic(result, done)
    return result


def summarise(cfg: ReproduceConfig, results: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Flat dotted metrics: ``test_error.<model>`` (mean %, over seeds), ``test_error_std.<model>``, per seed,
    parameters, training seconds, exported-model error and the off-grid invariance error."""
    m: dict[str, Any] = {}
    for name, runs in results.items():
        errs = [100.0 * r["test_error"] for r in runs]
        m[f"test_error.{name}"] = statistics.fmean(errs)
        m[f"test_error_std.{name}"] = statistics.stdev(errs) if len(errs) > 1 else 0.0
        for r, e in zip(runs, errs, strict=True):
            m[f"test_error.{name}.seed{r['seed']}"] = e
        m[f"export_test_error.{name}"] = statistics.fmean(100.0 * r["export_test_error"] for r in runs)
        if all("export_max_abs_err" in r for r in runs):  # absent from 0.1 runs
            m[f"export_max_abs_err.{name}"] = max(r["export_max_abs_err"] for r in runs)
        m[f"seeds.{name}"] = [r["seed"] for r in runs]
        m[f"params.{name}"] = runs[0]["params"]
        m[f"train_seconds.{name}"] = statistics.fmean(r["seconds"] for r in runs)
        inv = [r["off_grid_invariance_error"] for r in runs if r["off_grid_invariance_error"] is not None]
        if inv:
            m[f"off_grid_invariance_error.{name}"] = max(inv)
    m["seeds"] = list(cfg.seeds)
    m["config"] = asdict(cfg)
    m["machine"] = {
        "platform": platform.platform(),
        "processor": platform.processor(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }
    return m


def plot_errors(metrics: dict[str, Any], models: tuple[str, ...], path: Path, title: str) -> None:
    """Bar chart of test error (mean +- std over seeds) per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    means = [metrics[f"test_error.{n}"] for n in models]
    stds = [metrics[f"test_error_std.{n}"] for n in models]
    fig, ax = plt.subplots(figsize=(max(4.5, 1.0 + 0.8 * len(models)), 3.2))
    ax.bar(range(len(models)), means, yerr=stds, capsize=3, color="tab:blue")
    ax.set_xticks(range(len(models)), models, rotation=30)
    ax.set_ylabel("test error (%)")
    ax.set_title(title, fontsize=8)
    for i, v in enumerate(means):
        ax.text(i, v, f"{v:.2f}", ha="center", va="bottom", fontsize=7)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)


def reproduce(
    cfg: ReproduceConfig, out: str | Path, device: str | None = None, progress: bool = True
) -> dict[str, Any]:
    """Train every (model, seed) of ``cfg`` on its data set, write ``metrics.json`` and ``test_error.png``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    t0 = time.perf_counter()
    train, test = build_dataset(cfg.data)
    results: dict[str, list[dict[str, Any]]] = {}
    total = len(cfg.models) * len(cfg.seeds)
    # seeds outermost: an interrupted run already has a full table for the first seeds
    for seed in cfg.seeds:
        for name in cfg.models:
            results.setdefault(name, []).append(run_one(cfg, name, seed, train, test, out, device, progress))
            done = sum(len(v) for v in results.values())
            metrics = summarise(cfg, results)
            metrics.update(
                wall_seconds=time.perf_counter() - t0, device=device, runs_done=done, runs_total=total
            )
            write_json_atomic(metrics, out / "metrics.json")
    plot_errors(
        metrics,
        cfg.models,
        out / "test_error.png",
        f"{cfg.data.dataset}: {cfg.data.n_train} train / {cfg.data.n_test} test, seeds {list(cfg.seeds)}",
    )
    return metrics


def with_overrides(cfg: ReproduceConfig, **kw: Any) -> ReproduceConfig:
    """``cfg`` with top-level fields (``models``, ``seeds``, ``width``), ``dataset``, ``data_path`` (the folder
    of the MNIST-rot ``.amat`` files), ``n_train``, ``n_test`` and ``epochs`` replaced."""
    data, train = cfg.data, cfg.train
    changes = {
        name: kw.pop(key)
        for key, name in (("dataset", "dataset"), ("data_path", "path"), ("n_train", "n_train"), ("n_test", "n_test"))
        if kw.get(key) is not None
    }
    if "path" in changes:
        changes["path"] = str(changes["path"])
    if changes:
        data = replace(data, **changes)
    if kw.get("epochs") is not None:
        train = replace(train, epochs=kw.pop("epochs"))
    top = {k: v for k, v in kw.items() if v is not None and k in ("models", "seeds", "width")}
    if "width" in top and not (
        isinstance(top["width"], float) and math.isfinite(top["width"]) and top["width"] > 0
    ):
        raise ValueError(f"width must be a positive number, got {top['width']!r}")
    return replace(cfg, data=data, train=train, **top)


def model_from_checkpoint(path: str | Path) -> nn.Module:
    """The zoo model of a ``reproduce`` checkpoint (``runs/<model>-seed<k>/checkpoint.pt``), in eval mode.

    The file is read with ``torch.load(..., weights_only=True)``; it must hold ``model`` (the state dict),
    ``model_name`` and ``width``.
    """
    from .._zoo import build_model

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    state = torch.load(path, map_location="cpu", weights_only=True)
    missing = [k for k in ("model", "model_name", "width") if not isinstance(state, dict) or k not in state]
    if missing:
        raise ValueError(f"{path} is not a reproduce checkpoint: it lacks {', '.join(missing)}")
    model = build_model(str(state["model_name"]), width=float(state["width"]))
    model.load_state_dict(state["model"])
    return model.eval()
