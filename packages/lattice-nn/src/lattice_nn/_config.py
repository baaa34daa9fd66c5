"""Settings of the reducer, its training and the ``reproduce`` run: frozen dataclasses, standard library only.

The command line reads them before torch is imported (``lattice_nn._cli``), so a bad value or a changed setting
in an existing ``--out`` is refused at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: the lattice families known to :func:`lattice_nn.generate`
KINDS = ("gaussian", "qary", "mimo")
#: kinds of score network: the B_n-equivariant Gram network and the two ablations
VARIANTS = ("equivariant", "no_bn", "no_gram", "classical")
#: the ablated networks ``reproduce`` trains per dimension
ABLATIONS = ("no_bn", "no_gram")
#: deterministic baselines of ``reproduce`` (fpylll LLL / BKZ-10, pairwise size reduction, the input itself)
BASELINE_NAMES = ("input", "lll", "bkz", "sizered")
#: seed of the held-out evaluation lattices (never used in training or validation)
EVAL_SEED = 10**7


@dataclass(frozen=True)
class ReducerConfig:
    """Configuration of :class:`LatticeReducer`.

    Args:
        variant: ``"equivariant"`` (B_n-equivariant network on the Gram matrix), ``"no_bn"`` (MLP on the
            flattened Gram matrix), ``"no_gram"`` (graph network on coordinates) or ``"classical"``
            (no network:
            every coefficient rounded to the nearest integer, the classical move skeleton).
        n: dimension, needed by the ``no_bn`` and ``no_gram`` ablations (fixed-size inputs).
        hidden: network width. layers: message-passing layers.
        gain: network logits lie in ``(-gain, gain)``.
        prior: slope of the classical prior logit ``prior * (frac(|x|) - 1/2)`` (rounding up iff it is > 0).
        order_prior: weight of ``-log ||b_i||`` in the pivot score (shortest first when the network is zero).
        learn_rounding: also learn the up/down rounding bits (off by default: in our runs it made the held-out
            defect worse; only the pivot order is learned then).
        sweeps: passes over all pivots (the budget; a batch stops early at a fixed point).
        max_step: multipliers are clipped to ``[-max_step, max_step]``.
        zero_init: start the network's output layer at zero, i.e. from the classical skeleton.
    """

    variant: str = "equivariant"
    n: int | None = None
    hidden: int = 32
    layers: int = 2
    gain: float = 8.0
    prior: float = 8.0
    order_prior: float = 8.0
    learn_rounding: bool = False
    sweeps: int = 6
    max_step: float = 2.0**20
    zero_init: bool = True

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        if self.variant in ("no_bn", "no_gram") and self.n is None:
            raise ValueError(f"variant {self.variant!r} needs the dimension n")
        if self.sweeps < 1:
            raise ValueError(f"sweeps must be >= 1, got {self.sweeps}")


@dataclass(frozen=True)
class TrainConfig:
    """Configuration of :func:`train`.

    Args:
        dims: dimensions to train on (one is drawn per step). kinds: lattice families (mixed in each batch).
        steps: optimiser steps. batch: bases per step. lr: Adam learning rate. sweeps: reducer sweeps in
        training (the budget the policy is trained for). seed: seeds the data, the sampling and the
        initialisation.
        log_every: progress / validation interval. val_count: validation bases per family and dimension.
    """

    dims: tuple[int, ...] = (4, 8)
    kinds: tuple[str, ...] = KINDS
    steps: int = 300
    batch: int = 48
    lr: float = 3e-3
    sweeps: int = 1
    seed: int = 0
    log_every: int = field(default=10)
    val_count: int = 32


#: how :func:`lattice_nn.train_factors` gets a gradient through the integer choices
FACTOR_METHODS = ("reinforce", "straight_through")


@dataclass(frozen=True)
class FactorConfig:
    """Configuration of :class:`FactorReducer` (the network that outputs the unimodular factors).

    Args:
        network: use the B_n-equivariant Gram network; ``False`` is the greedy rule (no learning).
        hidden: network width. layers: message-passing layers. gain: network outputs lie in ``(-gain, gain)``.
        gain_prior: weight of the candidate's gain (drop of log length) in its score.
        prior: slope of the rounding prior ``prior * (frac|x| - 1/2)`` (nearest integer when the network is 0).
        temperature: softmax / sigmoid temperature of the sampled (REINFORCE) and relaxed (straight-through)
            choices.
        max_moves_per_dim: default budget of factors per call, times ``n`` (a basis stops at its fixed point).
        max_step: real coefficients are clipped to ``[-max_step, max_step]`` before rounding.
        zero_init: start the output layers at zero, i.e. from the greedy rule.
    """

    network: bool = True
    hidden: int = 16
    layers: int = 2
    gain: float = 4.0
    gain_prior: float = 8.0
    prior: float = 8.0
    temperature: float = 1.0
    max_moves_per_dim: int = 40
    max_step: float = 2.0**20
    zero_init: bool = True

    def __post_init__(self) -> None:
        if self.max_moves_per_dim < 1:
            raise ValueError(f"max_moves_per_dim must be >= 1, got {self.max_moves_per_dim}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")


@dataclass(frozen=True)
class FactorTrainConfig:
    """Configuration of :func:`train_factors`.

    Args:
        method: ``"reinforce"`` (sampled factors, self-critical baseline) or ``"straight_through"``.
        kinds: lattice families trained (and validated) on; q-ary lattices are left out by default, so they
            are a family the model never sees.
        dims, steps, batch, lr, seed, log_every, val_count: as in :class:`TrainConfig`.
        moves_per_dim: the budget of factors trained for, times ``n``.
    """

    method: str = "reinforce"
    dims: tuple[int, ...] = (4, 8)
    kinds: tuple[str, ...] = ("gaussian", "mimo")
    steps: int = 100
    batch: int = 48
    lr: float = 1e-3
    moves_per_dim: int = 2
    seed: int = 0
    log_every: int = 10
    val_count: int = 16

    def __post_init__(self) -> None:
        if self.method not in FACTOR_METHODS:
            raise ValueError(f"method must be one of {FACTOR_METHODS}, got {self.method!r}")


@dataclass(frozen=True)
class ReproduceConfig:
    """What ``reproduce`` runs; every field except ``seeds`` is a setting its units depend on.

    ``quick``: n in {4, 8}, 150 pivot / 100 factor training steps, 50 bases per family, no ablations.
    ``smoke``: n = 4, tiny (seconds; for
    the resume test). ``equivariance_samples``: bases per family for the B_n / O(n) checks.

    Examples:
        >>> ReproduceConfig.quick().dims
        (4, 8)
        >>> sorted(ReproduceConfig().run_config())[:3]
        ['ablation_batch', 'ablation_steps', 'ablations']
    """

    dims: tuple[int, ...] = (4, 8, 12, 16)
    seeds: tuple[int, ...] = (0, 1, 2)
    eval_per_kind: int = 100
    train_steps: int = 300
    train_batch: int = 48
    train_sweeps: int = 1
    ablation_steps: int = 150
    ablation_batch: int = 48
    ablations: bool = True
    budgets: tuple[int, ...] = (1, 2, 3)
    equivariance_samples: int = 3
    baselines: tuple[str, ...] = BASELINE_NAMES
    factor_steps: int = 200
    factor_batch: int = 48
    factor_moves_per_dim: int = 2
    factor_methods: tuple[str, ...] = FACTOR_METHODS

    @staticmethod
    def quick(seeds: tuple[int, ...] = (0,)) -> ReproduceConfig:
        return ReproduceConfig(
            dims=(4, 8), seeds=seeds, eval_per_kind=50, train_steps=150, ablations=False, factor_steps=100
        )

    @staticmethod
    def smoke(seeds: tuple[int, ...] = (0, 1, 2)) -> ReproduceConfig:
        return ReproduceConfig(
            dims=(4,),
            seeds=seeds,
            eval_per_kind=20,
            train_steps=12,
            train_batch=24,
            budgets=(1, 2),
            equivariance_samples=1,
            ablations=False,
            factor_steps=4,
            factor_batch=12,
        )

    def train_config(self, seed: int) -> TrainConfig:
        """Training settings of the main model of ``seed``."""
        return TrainConfig(
            dims=self.dims, steps=self.train_steps, batch=self.train_batch, sweeps=self.train_sweeps, seed=seed
        )

    def factor_train_config(self, method: str, seed: int) -> FactorTrainConfig:
        """Training settings of the factor model (``method``: reinforce or straight_through) of ``seed``."""
        return FactorTrainConfig(
            method=method,
            dims=self.dims,
            steps=self.factor_steps,
            batch=self.factor_batch,
            moves_per_dim=self.factor_moves_per_dim,
            seed=seed,
        )

    def ablation_train_config(self, n: int, seed: int) -> TrainConfig:
        """Training settings of an ablated network (trained at one dimension ``n``)."""
        return TrainConfig(
            dims=(n,), steps=self.ablation_steps, batch=self.ablation_batch, sweeps=self.train_sweeps, seed=seed
        )

    def run_config(self) -> dict[str, Any]:
        """The settings every unit depends on (not the seeds, a grid axis): this config, the reducer's and the
        training defaults, the evaluation seed and the families."""
        cfg = asdict(self)
        del cfg["seeds"]
        train = asdict(TrainConfig())
        return {
            **cfg,
            "reducer": asdict(ReducerConfig()),
            "factor": asdict(FactorConfig()),
            "factor_train": {k: v for k, v in asdict(FactorTrainConfig()).items() if k in ("kinds", "lr", "val_count")},
            "train": {k: train[k] for k in ("kinds", "lr", "log_every", "val_count")},
            "eval_seed": EVAL_SEED,
            "kinds": list(KINDS),
        }


#: ``bench``: dimensions, batch of bases per dimension, LLL bases timed per dimension, data seed
BENCH_DIMS = (8, 16, 32)
BENCH_BATCH = {8: 2048, 16: 1024, 32: 256}
LLL_COUNT = {8: 400, 16: 200, 32: 40}
BENCH_SEED = 7


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes (identifies the checkpoint a bench was run with)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def bench_config(repeats: int, checkpoint: Path | None, threads: int | None) -> dict[str, Any]:
    """The settings every bench unit depends on (torch-free: the CLI checks it before importing torch)."""
    return {
        "repeats": repeats,
        "threads": threads,
        "checkpoint_sha256": file_sha256(checkpoint) if checkpoint is not None else None,
        "batch": {str(k): v for k, v in BENCH_BATCH.items()},
        "lll_count": {str(k): v for k, v in LLL_COUNT.items()},
        "seed": BENCH_SEED,
        "lll_delta": 0.99,
        "reducer": asdict(ReducerConfig()),
        "factor": asdict(FactorConfig()),
    }


#: ``grid``: lattice dimensions, time-frequency correlations (rho_freq = rho_time), grid size, grid seed
GRID_DIMS = (8, 16)
GRID_RHOS = (0.9, 0.99, 0.999)
GRID_SHAPE = (16, 16)
GRID_SEED = 11


def grid_config(repeats: int, checkpoint: Path | None, threads: int | None) -> dict[str, Any]:
    """The settings every ``grid`` unit depends on (torch-free)."""
    return {
        "dims": list(GRID_DIMS),
        "rhos": list(GRID_RHOS),
        "shape": list(GRID_SHAPE),
        "seed": GRID_SEED,
        "repeats": repeats,
        "threads": threads,
        "checkpoint_sha256": file_sha256(checkpoint) if checkpoint is not None else None,
        "factor": asdict(FactorConfig()),
        "lll_delta": 0.99,
        "modes": list(GRID_MODES),
        "policy": dict(GRID_POLICY),
    }


#: ``grid``: the joint models compared with reducing each lattice alone (0.2.2): ``grid`` the 0.2.1 hand-written
#: model (neighbours' factors copied in the common labelling), ``grid_aligned`` the same with aligned transfers
#: (per-lattice B_n equivariant), ``grid_learned`` aligned transfers and the learned scratch/warm policy
GRID_MODES = ("alone", "grid", "grid_aligned", "grid_learned")
#: how ``grid`` fits the learned policy of each dimension (``fit_grid_policy`` with the greedy rule as base;
#: training grids of seeds 1000-1005, distinct from ``GRID_SEED``; inputs: log defect / n and the aligned neighbour
#: distance; the threshold was chosen on validation grids of seeds 3 and 4)
GRID_POLICY = {
    "seeds": [1000, 1001, 1002, 1003, 1004, 1005],
    "shape": [8, 8],
    "steps": 400,
    "hidden": 4,
    "threshold": 0.15,
    "lr": 0.01,
    "features": ["log_defect_over_n", "neighbour_distance"],
}


#: ``scale``: dimensions evaluated with models trained at n <= 16, bases per family, BKZ block sizes
SCALE_DIMS = (24, 32)
SCALE_EVAL_PER_KIND = 50
SCALE_BKZ = (10, 20)


def scale_checkpoint(run_dir: Path, seed: int) -> Path:
    """Where ``reproduce`` kept seed ``seed``'s factor model in ``run_dir`` (torch-free twin of
    ``lattice_nn._experiments.model_path``)."""
    return Path(run_dir) / "units" / f"ours-seed{seed}" / f"ours_seed{seed}.pt"


def scale_config() -> dict[str, Any]:
    """The settings every ``scale`` unit depends on (each seed's unit records its checkpoint's sha256)."""
    return {
        "dims": list(SCALE_DIMS),
        "eval_per_kind": SCALE_EVAL_PER_KIND,
        "bkz": list(SCALE_BKZ),
        "budgets": [1, 2, 3],
        "eval_seed": EVAL_SEED,
        "kinds": list(KINDS),
        "factor": asdict(FactorConfig()),
    }
