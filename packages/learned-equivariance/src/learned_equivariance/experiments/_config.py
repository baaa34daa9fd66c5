"""The study's settings as frozen dataclasses (torch-free: the command line builds them before importing torch):
full (the authors' protocol at our model size), quick and smoke."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path


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
    """Group ``C<N>``, ``D<N>``, ``SO2`` or ``O2`` of the steerable models; fields per layer (the last: invariant
    features per half image); likelihood band limit ``L``; band limit of SO(2)/O(2) fields and the rotations of
    their Fourier-ELU grid."""

    group: str = "C8"
    fields: tuple[int, ...] = (4, 6, 6, 64)
    L: int = 4
    field_band: int = 3
    fourier_grid: int = 16

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
    """Data, model, training, the data symmetries of the likelihood probes, and the model used on data with
    reflections (``flip_model``, e.g. O(2) fields instead of SO(2); ``None``: ``model`` everywhere)."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    probe_symmetries: tuple[str, ...] = ("C1", "C4", "SO2")
    flip_model: ModelConfig | None = None

    def model_for(self, symmetry: str) -> ModelConfig:
        """The model configuration for data of ``symmetry`` (``flip_model`` for D_N / O(2) data)."""
        if self.flip_model is not None and symmetry[0] in "DO":
            return self.flip_model
        return self.model

    def config(self) -> dict:
        """What every unit depends on (the run's settings hash). The probe symmetries are a grid axis, like the
        models and seeds, not a setting of any unit: they are left out, so a run can be resumed with more."""
        return {
            "data": self.data.as_dict(),
            "model": self.model.as_dict(),
            "train": self.train.as_dict(),
            "flip_model": None if self.flip_model is None else self.flip_model.as_dict(),
        }


def migrate_run_folder(out: str | Path, config: dict) -> bool:
    """Bring a run folder of 0.2.0 (whose settings hash included ``probe_symmetries``) to the current hash.

    Only when the recorded settings equal ``config`` once ``probe_symmetries`` is dropped: the run record and every
    unit made under the old hash are rewritten (atomically) to the new hash; no trained result changes. Returns
    whether the folder was migrated; any other folder is left alone (``RunFolder`` then judges it as usual).
    """
    from equi_runs import config_hash, read_json, write_json_atomic

    record = Path(out) / "run.json"
    if not record.is_file():
        return False
    rec = read_json(record, what="run record", fix="rerun with --fresh to start over, or choose another --out")
    old = rec.get("config") if isinstance(rec, dict) else None
    if not isinstance(old, dict) or "probe_symmetries" not in old:
        return False
    rest = {k: v for k, v in old.items() if k != "probe_symmetries"}
    new_hash = config_hash(config)
    if config_hash(rest) != new_hash or rec.get("config_sha256") != config_hash(old):
        return False
    old_hash = rec["config_sha256"]
    for path in sorted((Path(out) / "units").glob("*/result.json")):
        unit = read_json(path, what="unit result", fix=f"delete {path.parent} (that unit is recomputed)")
        if isinstance(unit, dict) and unit.get("config_sha256") == old_hash:
            write_json_atomic({**unit, "config_sha256": new_hash}, path)
    write_json_atomic({**rec, "config": rest, "config_sha256": new_hash}, record)
    return True


#: SO(2) fields [4, 6, 6] (band limit 3: 28, 42, 42 channels) and 64 invariant features per half image
SO2_MODEL = ModelConfig(group="SO2", fields=(4, 6, 6, 64))
#: O(2) fields of the same channel count (band limit 3: 14 channels per field)
O2_MODEL = ModelConfig(group="O2", fields=(2, 3, 3, 64))
#: the authors' data protocol (100/20/50 per class, 28 px digits, 50 epochs, Adam 5e-4, batch 256)
FULL = Settings(DataConfig(n_train=100, n_val=20, n_test=50, size=28), SO2_MODEL, TrainConfig(), flip_model=O2_MODEL)
#: CPU scale, 3 seeds in about 4 CPU minutes: 1,000 training images of 14 px digits, 10 epochs of batch 32 (313
#: steps, as 0.2.0's 2,000 images x 10 epochs of batch 64), Adam 3e-3: the study's settings, so the quick run is the
#: study's mixed-data part (6 epochs left every model near 80% error: 0.2.1's first quick run)
QUICK = Settings(
    DataConfig(n_train=10, n_val=5, n_test=10, size=14),
    SO2_MODEL,
    TrainConfig(epochs=10, batch=32, lr=3e-3),
    probe_symmetries=("C1", "C4", "SO2"),
    flip_model=O2_MODEL,
)
#: the study (``--study``): every data symmetry x model x seed; 1,000 training images, the quick run's 313 steps
STUDY = Settings(
    DataConfig(n_train=10, n_val=5, n_test=10, size=14),
    SO2_MODEL,
    TrainConfig(epochs=10, batch=32, lr=3e-3),
    probe_symmetries=("C1", "C4", "SO2"),
    flip_model=O2_MODEL,
)
#: seconds per unit, for the resume test
SMOKE = Settings(
    DataConfig(n_train=1, n_val=1, n_test=1, size=14),
    ModelConfig(group="SO2", fields=(1, 1, 1, 2), L=2, field_band=1, fourier_grid=4),
    TrainConfig(epochs=1, batch=50, lr=1e-3),
    probe_symmetries=("C1",),
)
