"""A small, framework-free, seeded training loop with atomic, resumable checkpoints."""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from ._data import Split


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (Adam with an exponential learning-rate decay, as in Weiler & Cesa's MNIST runs).

    Args:
        epochs: passes over the training split.
        batch_size: training batch size.
        lr: initial Adam learning rate.
        lr_decay: the learning rate is multiplied by this after every epoch from ``decay_start`` on.
        decay_start: first epoch (0-based) after which the decay applies.
        weight_decay: L2 penalty (Adam's ``weight_decay``).
        eval_batch_size: batch size for evaluation.
    """

    epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-3
    lr_decay: float = 0.8
    decay_start: int = 5
    weight_decay: float = 0.0
    eval_batch_size: int = 250


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (CPU and, when present, CUDA)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def save_atomic(obj: Any, path: str | os.PathLike) -> None:
    """``torch.save`` to ``path + ".tmp"`` then ``os.replace``: a crash never leaves a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def write_json_atomic(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` as indented JSON atomically (tmp file + ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


@torch.no_grad()
def evaluate(
    model: nn.Module, split: Split, batch_size: int = 250, device: str | torch.device = "cpu"
) -> float:
    """Classification error (fraction in [0, 1]) of ``model`` on ``split`` in eval mode."""
    was_training = model.training
    model.eval()
    wrong = 0
    for i in range(0, len(split), batch_size):
        x = split.images[i : i + batch_size].to(device)
        y = split.labels[i : i + batch_size].to(device)
        wrong += int((model(x).argmax(1) != y).sum())
    model.train(was_training)
    return wrong / len(split)


def train_model(
    model: nn.Module,
    train: Split,
    test: Split,
    config: TrainConfig,
    seed: int,
    checkpoint: str | os.PathLike | None = None,
    device: str | torch.device = "cpu",
    desc: str = "train",
    progress: bool = True,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    checkpoint_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train ``model`` on ``train`` with cross-entropy and return its history and final test error.

    The epoch order comes from a generator seeded by ``(seed, epoch)``, so a run resumed from ``checkpoint``
    (written atomically after every epoch: model, optimiser, scheduler, epoch, history) continues exactly
    where it stopped. ``augment(x, generator)``, if given, transforms each training batch (same seeded
    generator). ``checkpoint_extra`` (plain values, e.g. the model's name and width) is stored in the checkpoint
    too, so that ``e2cnn-core export`` can rebuild the model from it.

    Returns:
        A dict with ``test_error`` (float), ``train_loss`` and ``train_error`` (one float per epoch), ``seconds``
        (float), ``epochs`` and ``seed`` (ints).
    """
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    decay, start = config.lr_decay, config.decay_start
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda e: decay ** max(0, e - start + 1) if e >= start else 1.0
    )
    history: dict[str, Any] = {"train_loss": [], "train_error": [], "seconds": 0.0}
    first = 0
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None and ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=True)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        history, first = state["history"], state["epoch"]
    n = len(train)
    for epoch in range(first, config.epochs):
        t0 = time.perf_counter()
        model.train()
        gen = torch.Generator().manual_seed(seed * 100_003 + epoch)
        order = torch.randperm(n, generator=gen)
        total, wrong = 0.0, 0
        bar = tqdm(
            range(0, n, config.batch_size),
            desc=f"{desc} epoch {epoch + 1}/{config.epochs}",
            disable=not progress,
            leave=False,
        )
        for i in bar:
            idx = order[i : i + config.batch_size]
            x, y = train.images[idx], train.labels[idx].to(device)
            x = (augment(x, gen) if augment is not None else x).to(device)
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
            wrong += int((logits.argmax(1) != y).sum())
            bar.set_postfix(loss=f"{float(loss.detach()):.3f}")
        sched.step()
        history["train_loss"].append(total / n)
        history["train_error"].append(wrong / n)
        history["seconds"] += time.perf_counter() - t0
        if ckpt is not None:
            save_atomic(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(),
                    "history": history,
                    "epoch": epoch + 1,
                    "config": asdict(config),
                    "seed": seed,
                    **(checkpoint_extra or {}),
                },
                ckpt,
            )
    test_error = evaluate(model, test, config.eval_batch_size, device)
    return {**history, "test_error": test_error, "epochs": config.epochs, "seed": seed}
