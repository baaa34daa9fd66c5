"""The study's training protocol: cross-entropy with Adam until a fixed training margin is reached."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from .._margins import margin_loss, margins
from ._config import TrainConfig

__all__ = ["logits_of", "train_to_margin"]


def logits_of(net: nn.Module, x: torch.Tensor, batch: int = 1000) -> np.ndarray:
    """Logits of ``net`` on ``x`` in eval mode, float64 numpy ``(N, K)``."""
    net.eval()
    with torch.no_grad():
        out = torch.cat([net(x[i : i + batch]) for i in range(0, len(x), batch)])
    return out.double().numpy()


def train_to_margin(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: TrainConfig, seed: int, progress: bool = False
) -> dict:
    """Train ``net`` on ``(x, y)``; returns ``{"epochs", "reached", "loss"}`` (loss: last epoch's mean CE)."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    y_np = y.numpy()
    reached, epochs, last = False, 0, float("nan")
    bar = tqdm(range(cfg.max_epochs), desc="epochs", leave=False, disable=not progress)
    for epoch in bar:
        epochs = epoch + 1
        net.train()
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), cfg.batch_size):
            idx = perm[i : i + cfg.batch_size]
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        last = total / len(x)
        lg = margin_loss(margins(logits_of(net, x), y_np), cfg.gamma)
        bar.set_postfix(loss=f"{last:.3f}", margin_loss=f"{lg:.3f}")
        if lg <= cfg.quantile:
            reached = True
            break
    return {"epochs": epochs, "reached": reached, "loss": last}
