"""Presets of ``reproduce``: data, architecture, training and deployment settings (frozen, recorded in the run)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace


@dataclass(frozen=True)
class TrainConfig:
    """Training settings shared by every model of a run (fair comparison: same epochs, lr, batch, augmentation).

    ``augment``: random 90-degree rotations and flips of the training images (the D4 augmentation that gives a
    plain network the symmetry from data; off by default, so that the symmetry comes from the architecture).
    ``bn_recal``: after training, recompute every batch-norm layer's running statistics as exact averages over
    the training set (train-mode forward passes, no gradient). With few steps and a large learning rate the
    running averages lag the weights, and the eval-mode network can be far worse than the trained one.
    """

    epochs: int = 8
    batch: int = 64
    lr: float = 3e-3
    weight_decay: float = 4e-5
    augment: bool = False
    bn_recal: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


MODELS: tuple[str, ...] = ("d4", "c8", "c4", "d8", "base_macs", "base_params")
FORMATS: tuple[str, ...] = ("torch_fp32", "tflite_fp32", "tflite_dynamic", "tflite_int8", "onnx_fp32", "onnx_int8")


@dataclass(frozen=True)
class Settings:
    """Everything a unit depends on (the models and seeds are the run's grid, not settings)."""

    dataset: str = "nuclei"
    size: int = 33
    n_train: int = 2000
    n_test: int = 600
    data_seed: int = 0
    width: float = 1.0
    stem: int = 16
    setting: tuple[tuple[int, int, int, int], ...] = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 2, 2), (6, 64, 2, 2))
    last: int = 256
    train: TrainConfig = field(default_factory=TrainConfig)
    formats: tuple[str, ...] = FORMATS
    n_calibration: int = 128
    n_invariance: int = 64
    latency_runs: int = 100
    tune: bool = False
    tune_lrs: tuple[float, ...] = (3e-3, 1e-2, 3e-2)
    tune_epochs: tuple[int, ...] = (6, 12)
    val_frac: float = 0.2

    def config(self) -> dict:
        return asdict(self)


TUNE_DOC = """\
``tune``: a per-model search, the same budget for every model, on a validation split (``val_frac`` of the
training set, seeded by ``data_seed``; the test set is not touched): first every learning rate of
``tune_lrs`` for ``tune_epochs[0]`` epochs, then the best one for each longer budget of ``tune_epochs[1:]``;
the (lr, epochs) of highest validation accuracy (ties: the earlier) is used to train the seeds on the whole
training set. Batch-norm statistics are recomputed after training (``bn_recal``) in tuned runs."""


def settings_for(quick: bool, smoke: bool, dataset: str = "nuclei", tune: bool = False) -> Settings:
    """The preset: ``smoke`` (seconds, for the resume test), ``quick`` (minutes) or full; ``dataset``
    ``nuclei-hard`` has its own size (400 training patches, 600 test patches); ``tune``: see ``TUNE_DOC``."""
    s = _preset(quick, smoke, dataset)
    if dataset == "nuclei-hard" and not smoke:
        s = replace(s, n_train=400, n_test=600)
    if tune:
        s = replace(s, tune=True, train=replace(s.train, bn_recal=True))
        if smoke:
            s = replace(s, tune_lrs=(1e-3, 1e-2), tune_epochs=(1, 2))
    return s


def _preset(quick: bool, smoke: bool, dataset: str) -> Settings:
    if smoke:
        return Settings(
            dataset=dataset,
            n_train=96,
            n_test=64,
            setting=((1, 16, 1, 1), (6, 24, 1, 2)),
            last=64,
            train=TrainConfig(epochs=1, batch=32),
            formats=("torch_fp32", "onnx_fp32"),
            n_calibration=8,
            n_invariance=8,
            latency_runs=5,
        )
    if quick:
        return Settings(dataset=dataset, n_train=1200, n_test=400, train=TrainConfig(epochs=6))
    return Settings(dataset=dataset)
