"""``e2cnn-core train-cifar``: the equivariant wide ResNet as a drop-in CIFAR-10 classifier (Weiler & Cesa
2019, Sec. 3.3), trained on the official CIFAR-10 python pickles from a path the user gives."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ._data import Split, load_cifar10
from ._train import TrainConfig, seed_everything, train_model, write_json_atomic


@dataclass(frozen=True)
class CifarConfig:
    """Wide-ResNet training on CIFAR-10.

    Args:
        depth, widen: WRN-depth-widen.
        groups: rotation order per stage; ``flip``: dihedral groups ((8, 4, 1) + flip: the paper's D8D4D1).
        epochs, batch_size, lr: Adam settings (decay 0.8 per epoch after a fifth of the epochs).
        limit: use only the first ``limit`` train and test images (smoke runs).
        seed: initialisation, batch order and augmentation.
    """

    depth: int = 28
    widen: int = 10
    groups: tuple[int, int, int] = (8, 4, 1)
    flip: bool = True
    epochs: int = 200
    batch_size: int = 128
    lr: float = 1e-3
    limit: int | None = None
    seed: int = 0


def _to_split(x: Any, y: Any, mean: torch.Tensor, std: torch.Tensor) -> Split:
    images = (torch.from_numpy(x).float() / 255.0 - mean) / std
    n = len(y)
    return Split(
        images, torch.from_numpy(y), torch.zeros(n), torch.zeros(n, dtype=torch.bool), torch.arange(n)
    )


def crop_flip(x: torch.Tensor, gen: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Standard CIFAR augmentation: random horizontal flip and random ``pad``-pixel translation (zero
    padding)."""
    b, _, h, w = x.shape
    flip = torch.rand(b, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    padded = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
    return torch.stack([padded[i, :, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(b)])


def train_cifar(
    cfg: CifarConfig,
    data: str | os.PathLike,
    out: str | os.PathLike,
    device: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Train :class:`WideResNet` on CIFAR-10 pickles under ``data``; writes ``metrics.json`` into ``out``."""
    from .._wide_resnet import WideResNet

    out = Path(out)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    tr_x, tr_y = load_cifar10(data, train=True)
    te_x, te_y = load_cifar10(data, train=False)
    if cfg.limit is not None:
        tr_x, tr_y, te_x, te_y = tr_x[: cfg.limit], tr_y[: cfg.limit], te_x[: cfg.limit], te_y[: cfg.limit]
    mean = torch.from_numpy(tr_x).float().mean(dim=(0, 2, 3), keepdim=True)[0] / 255.0
    std = torch.from_numpy(tr_x).float().std(dim=(0, 2, 3), keepdim=True)[0] / 255.0
    train, test = _to_split(tr_x, tr_y, mean, std), _to_split(te_x, te_y, mean, std)
    seed_everything(cfg.seed)
    model = WideResNet(cfg.depth, cfg.widen, cfg.groups, cfg.flip, n_classes=10, in_channels=3)
    tcfg = TrainConfig(
        epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, decay_start=max(1, cfg.epochs // 5)
    )
    result = train_model(
        model,
        train,
        test,
        tcfg,
        cfg.seed,
        checkpoint=out / "checkpoint.pt",
        device=device,
        desc="wrn",
        progress=progress,
        augment=crop_flip,
    )
    metrics = {
        "test_error": result["test_error"],
        "train_loss": result["train_loss"],
        "seed": cfg.seed,
        "config": asdict(cfg),
        "params": sum(p.numel() for p in model.parameters()),
        "device": device,
    }
    write_json_atomic(metrics, out / "metrics.json")
    return metrics
