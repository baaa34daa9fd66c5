"""Training and evaluation: the same seeded loop (Adam, cosine learning rate, same augmentation) for every model."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._data import Split
from ._settings import TrainConfig


def _d4(x: torch.Tensor, k: int, flip: bool) -> torch.Tensor:
    x = torch.rot90(x, k, dims=(2, 3))
    return torch.flip(x, dims=(3,)) if flip else x


def train_model(
    model: nn.Module,
    data: Split,
    cfg: TrainConfig,
    seed: int,
    progress: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` on ``data`` with Adam and a cosine schedule; returns the mean loss of every epoch.

    The batch order (and augmentation) comes from ``seed`` alone, so two models trained with the same seed
    see the same batches in the same order.
    """
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * math.ceil(len(data) / cfg.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    x_all, y_all = torch.from_numpy(data.x), torch.from_numpy(data.y)
    losses = []
    for epoch in range(cfg.epochs):
        model.train()
        perm = torch.randperm(len(data), generator=g)
        total, n = 0.0, 0
        for i in range(0, len(data), cfg.batch):
            idx = perm[i : i + cfg.batch]
            x, y = x_all[idx], y_all[idx]
            if cfg.augment:
                k = int(torch.randint(0, 4, (1,), generator=g))
                flip = bool(torch.randint(0, 2, (1,), generator=g))
                x = _d4(x, k, flip)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
            n += len(idx)
        losses.append(total / n)
        if progress is not None:
            progress(epoch, losses[-1])
    if cfg.bn_recal:
        recalibrate_bn(model, x_all, cfg.batch)
    model.eval()
    return losses


def _bn_layers(model: nn.Module) -> list[nn.Module]:
    names = ("running_mean", "running_var", "num_batches_tracked", "momentum")
    return [m for m in model.modules() if all(hasattr(m, a) for a in names) and m.running_mean is not None]


def recalibrate_bn(model: nn.Module, x: torch.Tensor, batch: int) -> None:
    """Replace the running statistics of every batch norm (torch's and e2cnn-core's) by their exact average
    over ``x`` (train-mode forward passes without gradient, batch ``batch``); the weights do not change."""
    layers = _bn_layers(model)
    saved = [m.momentum for m in layers]
    for m in layers:
        m.running_mean.zero_()
        m.running_var.fill_(1.0)
        m.num_batches_tracked.zero_()
        m.momentum = None  # cumulative average
    model.train()
    with torch.no_grad():
        for i in range(0, len(x), batch):
            model(x[i : i + batch])
    for m, mom in zip(layers, saved, strict=True):
        m.momentum = mom
    model.eval()


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve of binary ``labels`` ranked by ``scores`` (Mann-Whitney U, ties count half).

    Examples:
        >>> roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
        0.75
    """
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels)
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("roc_auc needs both classes")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    allv = np.concatenate([pos, neg])[order]
    ranks = np.empty(len(allv))
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[i : j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty(len(allv))
    r[order] = ranks
    u = r[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def predict(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray, batch: int = 128) -> np.ndarray:
    """Logits of ``fn`` (NCHW float32 -> logits) on ``x`` in batches."""
    return np.concatenate([np.asarray(fn(x[i : i + batch]), np.float64) for i in range(0, len(x), batch)])


def evaluate(fn: Callable[[np.ndarray], np.ndarray], data: Split) -> dict[str, float | None]:
    """Accuracy (%) and, for two classes, ROC AUC of a classifier given as ``fn(x) -> logits`` (numpy)."""
    logits = predict(fn, data.x)
    acc = float((logits.argmax(1) == data.y).mean() * 100)
    auc = roc_auc(logits[:, 1] - logits[:, 0], data.y) if logits.shape[1] == 2 else None
    return {"acc": acc, "auc": auc}


def torch_fn(model: nn.Module) -> Callable[[np.ndarray], np.ndarray]:
    """``model`` (eval mode) as a numpy function."""
    model.eval()

    def fn(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy()

    return fn


D4_ELEMENTS: tuple[tuple[int, bool], ...] = tuple((k, f) for f in (False, True) for k in range(4))


def d4_transform(x: np.ndarray, k: int, flip: bool) -> np.ndarray:
    """Rotate NCHW images by ``k`` quarter turns, then mirror left-right if ``flip`` (exact on the grid)."""
    y = np.rot90(x, k, axes=(2, 3))
    return np.ascontiguousarray(y[..., ::-1] if flip else y)


def invariance_error(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> float:
    """Largest change of the logits under the 8 elements of D4, relative to the largest logit:
    ``max_g max |f(g x) - f(x)| / max |f(x)|`` over the images ``x`` (NCHW)."""
    ref = predict(fn, x)
    scale = max(float(np.abs(ref).max()), 1e-12)
    err = 0.0
    for k, flip in D4_ELEMENTS[1:]:
        err = max(err, float(np.abs(predict(fn, d4_transform(x, k, flip)) - ref).max()))
    return err / scale
