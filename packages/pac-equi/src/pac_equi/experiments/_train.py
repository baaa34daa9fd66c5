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


class _Adam:
    """Adam (Kingma & Ba 2015) with torch.optim.Adam's default betas and eps, written out: constructing a
    ``torch.optim`` optimiser imports torch._dynamo, which costs ~15 s per process on machines that cannot cache
    bytecode, longer than a whole smoke run."""

    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999)) -> None:
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, 1e-8, 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        b1, b2 = self.betas
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            if p.grad is None:
                continue
            m.mul_(b1).add_(p.grad, alpha=1 - b1)
            v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
            denom = (v / (1 - b2**self.t)).sqrt_().add_(self.eps)
            p.addcdiv_(m, denom, value=-self.lr / (1 - b1**self.t))


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
    opt = _Adam(list(net.parameters()), lr=cfg.lr)
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
            opt.zero_grad()
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
