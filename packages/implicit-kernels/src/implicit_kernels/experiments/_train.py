"""Training loops: one QM9 regression unit, one rotated-MNIST classification unit."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from ._config import MNISTConfig, QM9Config
from ._data import collate, rotated_mnist, split
from ._models import MNISTNet, QM9Net, n_params


def _cosine(opt: torch.optim.Optimizer, total: int) -> torch.optim.lr_scheduler.LRScheduler:
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(s, total) / total)))


def train_qm9(model: str, target: str, seed: int, cfg: QM9Config, mols: list, progress: bool = False) -> dict[str, Any]:
    """Train ``model`` on the seeded split of ``mols``; test MAE in the target's unit (meV for energies)."""
    idx_train, _, idx_test = split(len(mols), (cfg.n_train, 0, cfg.n_test), seed)
    train = [mols[i] for i in idx_train]
    test = [mols[i] for i in idx_test]
    y = torch.tensor([m.y[target] for m in train])
    mean, std = float(y.mean()), float(y.std())
    torch.manual_seed(seed)
    net = QM9Net(
        model,
        layers=cfg.layers,
        scalars=cfg.scalars,
        vectors=cfg.vectors,
        tensors=cfg.tensors,
        cutoff=cfg.cutoff,
        channels=cfg.channels,
        rings=cfg.rings,
    )
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    steps = cfg.epochs * int(np.ceil(len(train) / cfg.batch))
    sched = _cosine(opt, steps)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    bar = tqdm(total=steps, desc=f"qm9 {target} {model} seed {seed}", disable=not progress, leave=False)
    for _ in range(cfg.epochs):
        order = rng.permutation(len(train))
        for b in range(0, len(train), cfg.batch):
            g = collate([train[i] for i in order[b : b + cfg.batch]], target, cfg.cutoff)
            pred = net(g.x, g.pos, g.edge_index, g.bonds, g.batch, len(g.y))
            loss = F.l1_loss(pred, (g.y - mean) / std)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.update()
    bar.close()
    seconds = time.perf_counter() - t0
    net.eval()
    errs = []
    with torch.no_grad():
        for b in range(0, len(test), 64):
            g = collate(test[b : b + 64], target, cfg.cutoff)
            pred = net(g.x, g.pos, g.edge_index, g.bonds, g.batch, len(g.y)) * std + mean
            errs.append((pred - g.y).abs())
    mae = float(torch.cat(errs).mean())
    mean_mae = float(torch.tensor([abs(m.y[target] - mean) for m in test]).mean())
    return {
        "mae": mae,
        "mean_predictor_mae": mean_mae,
        "params": n_params(net),
        "train_seconds": seconds,
        "seconds_per_step": seconds / steps,
    }


def train_mnist(model: str, seed: int, cfg: MNISTConfig, progress: bool = False) -> dict[str, Any]:
    """Train ``model`` on seeded rotated MNIST; test error in %."""
    xtr, ytr, xte, yte = rotated_mnist(cfg.n_train, cfg.n_test, seed)
    torch.manual_seed(seed)
    net = MNISTNet(
        model,
        widths=cfg.widths,
        channels=cfg.channels,
        layers=cfg.layers,
        sigma=cfg.sigma,
        radial=cfg.radial,
        wide=cfg.wide,
    )
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    steps = cfg.epochs * int(np.ceil(len(xtr) / cfg.batch))
    sched = _cosine(opt, steps)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    bar = tqdm(total=steps, desc=f"mnist {model} seed {seed}", disable=not progress, leave=False)
    for _ in range(cfg.epochs):
        perm = torch.randperm(len(xtr), generator=gen)
        for b in range(0, len(xtr), cfg.batch):
            i = perm[b : b + cfg.batch]
            loss = F.cross_entropy(net(xtr[i]), ytr[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.update()
    bar.close()
    seconds = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(xte[b : b + 100]).argmax(1) for b in range(0, len(xte), 100)])
    return {"test_error": float((pred != yte).float().mean() * 100), "params": n_params(net), "train_seconds": seconds}
