"""``e2cnn-core train-cifar``: the equivariant wide ResNet as a drop-in CIFAR-10 classifier (Weiler & Cesa
2019, Sec. 3.3), trained on the official CIFAR-10 python pickles from a path the user gives."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from equi_runs import RunFolder

from ._data import Split, load_cifar10
from ._settings import CifarConfig, TrainConfig
from ._train import seed_everything, train_model


def _to_split(x: Any, y: Any, mean: torch.Tensor, std: torch.Tensor) -> Split:
    images = (torch.from_numpy(x).float() / 255.0 - mean) / std
    n = len(y)
    return Split(images, torch.from_numpy(y), torch.zeros(n), torch.zeros(n, dtype=torch.bool), torch.arange(n))


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
    run: RunFolder,
    seeds: Sequence[int] = (0,),
    device: str = "cpu",
    progress: bool = True,
) -> dict[str, Any]:
    """Train :class:`WideResNet` on the CIFAR-10 pickles under ``data``, one resumable unit per seed (checkpoint
    after every epoch); writes ``metrics.json`` (``test_error`` in %, per seed) into the run folder."""
    from .. import __version__
    from .._wide_resnet import WideResNet

    run.total_units = len(seeds)
    tr_x, tr_y = load_cifar10(data, train=True)
    te_x, te_y = load_cifar10(data, train=False)
    if cfg.limit is not None:
        tr_x, tr_y, te_x, te_y = tr_x[: cfg.limit], tr_y[: cfg.limit], te_x[: cfg.limit], te_y[: cfg.limit]
    mean = torch.from_numpy(tr_x).float().mean(dim=(0, 2, 3), keepdim=True)[0] / 255.0
    std = torch.from_numpy(tr_x).float().std(dim=(0, 2, 3), keepdim=True)[0] / 255.0
    train, test = _to_split(tr_x, tr_y, mean, std), _to_split(te_x, te_y, mean, std)
    tcfg = TrainConfig(epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr, decay_start=max(1, cfg.epochs // 5))
    per_seed: dict[str, dict[int, float]] = {"test_error": {}}
    params = 0
    for seed in seeds:
        unit = run.unit("wrn", f"seed{seed}")
        seed_everything(seed)
        model = WideResNet(cfg.depth, cfg.widen, cfg.groups, cfg.flip, n_classes=10, in_channels=3)
        params = sum(p.numel() for p in model.parameters())
        if not unit.done:
            result = train_model(
                model,
                train,
                test,
                tcfg,
                seed,
                checkpoint=unit.checkpoint_path,
                device=device,
                desc=f"wrn seed {seed}",
                progress=progress,
                augment=crop_flip,
            )
            unit.save({"test_error": result["test_error"], "train_loss": result["train_loss"], "seed": seed})
        per_seed["test_error"][seed] = 100.0 * unit.load()["test_error"]
    return run.write_metrics({"params": params}, per_seed=per_seed, seeds=seeds, version=__version__)
