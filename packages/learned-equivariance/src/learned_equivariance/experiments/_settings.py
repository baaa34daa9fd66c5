"""The study's settings: full (the authors' protocol at our model size), quick and smoke."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._data import DataConfig
from ._models import ModelConfig
from ._train import TrainConfig


@dataclass(frozen=True)
class Settings:
    """Data (per class: train, validation, test; digit size), model, training; probes train ``probe_epochs``."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    probe_symmetries: tuple[str, ...] = ("C1", "C4", "SO2")

    def config(self) -> dict:
        return {
            "data": self.data.as_dict(),
            "model": self.model.as_dict(),
            "train": self.train.as_dict(),
            "probe_symmetries": list(self.probe_symmetries),
        }


#: the authors' data protocol (100/20/50 per class, 28 px digits, 50 epochs, Adam 5e-4, batch 256)
FULL = Settings(DataConfig(n_train=100, n_val=20, n_test=50, size=28), ModelConfig(), TrainConfig())
#: CPU scale: 2,000 training images of 14 px digits, 10 epochs, Adam 3e-3, batch 64
QUICK = Settings(
    DataConfig(n_train=20, n_val=5, n_test=10, size=14),
    ModelConfig(fields=(4, 6, 6, 8)),
    TrainConfig(epochs=10, batch=64, lr=3e-3),
    probe_symmetries=("C1", "SO2"),
)
#: seconds per unit, for the resume test
SMOKE = Settings(
    DataConfig(n_train=1, n_val=1, n_test=1, size=14),
    ModelConfig(fields=(1, 1, 1, 1), L=2),
    TrainConfig(epochs=1, batch=50, lr=1e-3),
    probe_symmetries=("C1",),
)
