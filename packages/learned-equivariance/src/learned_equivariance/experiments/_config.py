"""The study's settings as frozen dataclasses (torch-free: the command line builds them before importing torch):
full (the authors' protocol at our model size), quick and smoke."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class DataConfig:
    """One double-MNIST data set: symmetry, images per class per split, digit size in pixels, seed."""

    symmetry: str = "mixed"
    n_train: int = 100
    n_val: int = 20
    n_test: int = 50
    size: int = 14
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ModelConfig:
    """Group ``C<N>``/``D<N>`` of the steerable models, fields per layer, likelihood band limit."""

    group: str = "C8"
    fields: tuple[int, ...] = (4, 6, 6, 8)
    L: int = 4

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TrainConfig:
    """Adam on everything; ``lik_lr`` for the likelihood coefficients (``None``: ``lr``); the paper's loss
    ``CE + w_align align + w_kl KL + w_kl_uniform KL_U`` (their defaults 5, 3, 3); RPP's own L2 penalty."""

    epochs: int = 50
    batch: int = 256
    lr: float = 5e-4
    lik_lr: float | None = None
    w_align: float = 5.0
    w_kl: float = 3.0
    w_kl_uniform: float = 3.0

    def as_dict(self) -> dict:
        return asdict(self)


#: the controlled-experiment settings (``--probes``): the paper's loss, no KL terms, a 20x faster likelihood
PROBE_SETTINGS: dict[str, dict[str, float]] = {
    "paper": {},
    "no_kl": {"w_kl": 0.0, "w_kl_uniform": 0.0},
    "fast": {"lik_lr_factor": 20.0},
}


@dataclass(frozen=True)
class Settings:
    """Data, model, training, and the data symmetries of the likelihood probes."""

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
