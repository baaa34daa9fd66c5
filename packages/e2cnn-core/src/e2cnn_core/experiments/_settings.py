"""The settings of the experiments as frozen dataclasses (standard library only: the command line builds and checks
them before torch or any data is imported)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .._architecture import MODEL_NAMES

#: the data sets :func:`e2cnn_core.experiments.build_dataset` builds
DATASETS = ("mnist-rot", "mnist-rot-flip", "fashion-rot", "mnist-rot-amat")


@dataclass(frozen=True)
class DataConfig:
    """How a rotated data set is built.

    Args:
        dataset: ``"mnist-rot"`` (random rotations), ``"mnist-rot-flip"`` (random rotations and, with
            probability 1/2, a reflection), ``"fashion-rot"`` (Fashion-MNIST, random rotations) or
            ``"mnist-rot-amat"`` (the original MNIST-rot files under ``path``, already rotated: the first
            ``n_train`` of the 12,000 train+validation digits and the first ``n_test`` of the 50,000 test
            digits, in file order).
        n_train: training images (stratified: the same number per class; for ``mnist-rot-amat`` the first
            ``n_train``, up to 12,000).
        n_test: test images (stratified; ``mnist-rot-amat``: the first ``n_test``, up to 50,000).
        size: side of the square images after padding (odd, >= 29).
        seed: seeds the split and the rotation angles.
        path: the folder holding the ``.amat`` files (``mnist-rot-amat`` only).
    """

    dataset: str = "mnist-rot"
    n_train: int = 4000
    n_test: int = 1000
    size: int = 29
    seed: int = 0
    path: str | None = None

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise ValueError(f"dataset must be one of {DATASETS}, got {self.dataset!r}")
        if (self.dataset == "mnist-rot-amat") != (self.path is not None):
            raise ValueError(
                f"path is the folder of the .amat files and goes with dataset 'mnist-rot-amat' only; "
                f"got dataset={self.dataset!r}, path={self.path!r}"
            )
        if self.size < 28 or self.size % 2 == 0:
            raise ValueError(f"size must be odd and >= 29, got {self.size}")
        for name in ("n_train", "n_test"):
            n = getattr(self, name)
            if n <= 0 or n % 10:
                raise ValueError(f"{name} must be a positive multiple of 10 (stratified over 10 classes), got {n}")


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


@dataclass(frozen=True)
class ReproduceConfig:
    """One ``reproduce`` run.

    Args:
        data: the data set (``DataConfig``; its seed fixes the split and the rotations for every model/seed).
        models: zoo model names (``"C8"``, ``"D16|5C16"``, ``"SO2"``, ...).
        seeds: training seeds (initialisation and batch order).
        width: channel multiplier of the paper's MNIST model.
        train: optimisation settings.
    """

    data: DataConfig = field(default_factory=lambda: DataConfig(n_train=2000, n_test=1000))
    models: tuple[str, ...] = MODEL_NAMES
    seeds: tuple[int, ...] = (0, 1, 2)
    width: float = 0.25
    train: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=5, decay_start=2, batch_size=64, lr=3e-3))


def preset(name: str) -> ReproduceConfig:
    """``"full"``: all models, 3 seeds; ``"quick"``: C1, C8, D16|5C16, one seed, < 5 min on 2 CPU cores;
    ``"smoke"`` (tests only): two tiny models, two seeds, 100 training digits."""
    if name == "full":
        return ReproduceConfig()
    if name == "quick":
        return ReproduceConfig(
            models=("C1", "C8", "D16|5C16"),
            seeds=(0,),
            width=0.25,
            data=DataConfig(n_train=2000, n_test=1000),
            train=TrainConfig(epochs=4, decay_start=2, batch_size=64, lr=3e-3),
        )
    if name == "smoke":
        return ReproduceConfig(
            models=("C1", "C4"),
            seeds=(0, 1),
            width=0.25,
            data=DataConfig(n_train=100, n_test=50),
            train=TrainConfig(epochs=1, batch_size=50),
        )
    raise ValueError(f"unknown preset {name!r}; expected 'full', 'quick' or 'smoke'")


def with_overrides(cfg: ReproduceConfig, **kw: Any) -> ReproduceConfig:
    """``cfg`` with top-level fields (``models``, ``seeds``, ``width``), ``dataset``, ``data_path`` (the folder
    of the MNIST-rot ``.amat`` files), ``n_train``, ``n_test`` and ``epochs`` replaced."""
    data, train = cfg.data, cfg.train
    changes = {
        name: kw.pop(key)
        for key, name in (("dataset", "dataset"), ("data_path", "path"), ("n_train", "n_train"), ("n_test", "n_test"))
        if kw.get(key) is not None
    }
    if "path" in changes:
        changes["path"] = str(changes["path"])
    if changes:
        data = replace(data, **changes)
    if kw.get("epochs") is not None:
        train = replace(train, epochs=kw.pop("epochs"))
    top = {k: v for k, v in kw.items() if v is not None and k in ("models", "seeds", "width")}
    if "width" in top and not (isinstance(top["width"], float) and math.isfinite(top["width"]) and top["width"] > 0):
        raise ValueError(f"width must be a positive number, got {top['width']!r}")
    return replace(cfg, data=data, train=train, **top)


def run_config(cfg: ReproduceConfig) -> dict[str, Any]:
    """What every (model, seed) unit of a ``reproduce`` run depends on: ``cfg`` without its grid axes (models,
    seeds), so that a rerun may add models or seeds to a run folder but not change a setting."""
    return {k: v for k, v in asdict(cfg).items() if k not in ("models", "seeds")}


@dataclass(frozen=True)
class CifarConfig:
    """Wide-ResNet training on CIFAR-10.

    Args:
        depth, widen: WRN-depth-widen.
        groups: rotation order per stage; ``flip``: dihedral groups ((8, 4, 1) + flip: the paper's D8D4D1).
        epochs, batch_size, lr: Adam settings (decay 0.8 per epoch after a fifth of the epochs).
        limit: use only the first ``limit`` train and test images (smoke runs).

    The seeds (initialisation, batch order, augmentation) are the run's grid axis, not a setting.
    """

    depth: int = 28
    widen: int = 10
    groups: tuple[int, int, int] = (8, 4, 1)
    flip: bool = True
    epochs: int = 200
    batch_size: int = 128
    lr: float = 1e-3
    limit: int | None = None
