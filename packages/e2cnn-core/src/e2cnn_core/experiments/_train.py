"""A small, framework-free, seeded training loop with atomic, resumable checkpoints (equi-runs files)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from equi_runs import CorruptFileError, load_torch, save_torch_atomic
from torch import nn
from tqdm.auto import tqdm

from ._data import Split
from ._settings import TrainConfig


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (CPU and, when present, CUDA)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@torch.no_grad()
def evaluate(model: nn.Module, split: Split, batch_size: int = 250, device: str | torch.device = "cpu") -> float:
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
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: decay ** max(0, e - start + 1) if e >= start else 1.0)
    history: dict[str, Any] = {"train_loss": [], "train_error": [], "seconds": 0.0}
    first = 0
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None and ckpt.exists():
        state = load_torch(ckpt, fix=f"delete {ckpt} (the unit restarts) or rerun with --fresh")
        try:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            history, first = state["history"], state["epoch"]
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            raise CorruptFileError(
                f"checkpoint {ckpt} does not fit this model ({type(e).__name__}): delete it or rerun with --fresh"
            ) from None
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
            save_torch_atomic(
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
