"""Full-batch training of node classifiers with model selection on validation accuracy."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._config import TrainConfig


def accuracy(logits: Tensor, y: Tensor, balanced: bool = False) -> float:
    """Accuracy, or balanced accuracy (mean recall over the classes present in ``y``)."""
    pred = logits.argmax(-1)
    if not balanced:
        return float((pred == y).float().mean())
    recalls = [float((pred[y == c] == c).float().mean()) for c in torch.unique(y)]
    return sum(recalls) / len(recalls)


def train_node_classifier(
    model: nn.Module,
    forward: Callable[[nn.Module], Tensor],
    y: Tensor,
    masks: tuple[Tensor, Tensor, Tensor],
    cfg: TrainConfig,
    on_epoch: Callable[[int], None] | None = None,
) -> dict[str, float]:
    """Train; return train/val/test scores of the epoch with the best validation score.

    Args:
        forward: ``forward(model) -> logits (N, classes)`` (closes over the graph and any sheaf).
        on_epoch: called with the epoch number before each step (e.g. to refresh a persistent sheaf).
    """
    train, val, test = masks
    weight = None
    if cfg.balanced:
        counts = torch.bincount(y[train], minlength=int(y.max()) + 1).float()
        weight = counts.sum() / counts.clamp(min=1) / len(counts)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    best = {"val": -1.0, "test": 0.0, "train": 0.0, "epoch": -1.0}
    best_state = None
    since = 0
    for epoch in range(cfg.epochs):
        if on_epoch is not None:
            on_epoch(epoch)
        model.train()
        opt.zero_grad()
        logits = forward(model)
        loss = F.cross_entropy(logits[train], y[train], weight=weight)
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            logits = forward(model)
        names = ("train", "val", "test")
        scores = {k: accuracy(logits[m], y[m], cfg.balanced) for k, m in zip(names, masks, strict=True)}
        if scores["val"] > best["val"]:
            best = {**scores, "epoch": float(epoch)}
            best_state = copy.deepcopy(model.state_dict())
            since = 0
        else:
            since += 1
            if since >= cfg.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return best
