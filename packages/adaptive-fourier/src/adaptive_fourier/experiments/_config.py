"""Settings of the study as frozen dataclasses (torch-free: the command line builds them before importing torch)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["FULL", "QUICK", "SMOKE", "Config", "Task2D", "Task3D"]


@dataclass(frozen=True)
class Task2D:
    """Rotated MNIST with an SO(2)-steerable CNN (three conv + Fourier nonlinearity blocks, invariant head).

    Args:
        n_train, n_test: digits (stratified, disjoint, from the 5,000 real MNIST digits, randomly rotated).
        max_frequency: band limit ``L`` of the features (``F = 2L + 1``).
        channels: fields per block.
        epochs, batch_size, lr: Adam training.
        downsample: how ``A`` follows the features to the coarser grids (``index``, ``conv``, ``avg``).
        grid: the fixed grid's kind.
        group: ``so2`` or ``o2`` (rotations and reflections; the command line's task ``o2`` sets it).
        generator: what the adaptive generator reads: ``image`` (the paper's Adaptive Conv on the input, stride 2)
            or ``features`` (ours: the first block's normalised, pooled convolution output, a receptive field of
            17 instead of 5 pixels: fewer degenerate rows).
        rows: ``normalise`` (:func:`~adaptive_fourier.normalise_rows`) or ``orth`` (then
            :func:`~adaptive_fourier.orthogonalise_rows` in every nonlinearity; ours).
        o2_channels: fields per block of the O(2) model (its fields have ``F = 4L + 2`` coefficients, twice
            SO(2)'s: fewer fields keep its cost near the SO(2) model's).
    """

    n_train: int = 1000
    n_test: int = 500
    max_frequency: int = 2
    channels: tuple[int, ...] = (6, 8, 8)
    epochs: int = 4
    batch_size: int = 32
    lr: float = 3e-3
    downsample: str = "avg"
    grid: str = "regular"
    group: str = "so2"
    generator: str = "image"
    rows: str = "normalise"
    o2_channels: tuple[int, ...] = (4, 6, 6)


@dataclass(frozen=True)
class Task3D:
    """SO(3)-rotated procedural point clouds with a small point convolution and the sphere Fourier nonlinearity.

    Args:
        n_train, n_test: shapes per class.
        points: points per shape.
        max_frequency: band limit ``L`` on the sphere (``F = (L + 1)^2``; the paper: 3, F = 16).
        channels: fields per layer.
        blocks: nonlinearity + point-convolution blocks.
        epochs, batch_size, lr: Adam training.
        grid: the fixed grid's kind.
        conv: the point convolution: ``tfn`` (Clebsch-Gordan products, :class:`~adaptive_fourier.TFNConv`; the
            default since 0.3.0) or ``isotropic`` (radial kernels only, the 0.1/0.2 model; results made before 0.3.0
            have no ``conv`` in their config and used it).
    """

    n_train: int = 24
    n_test: int = 12
    points: int = 48
    max_frequency: int = 3
    channels: int = 6
    blocks: int = 2
    epochs: int = 12
    batch_size: int = 16
    lr: float = 5e-3
    grid: str = "thomson"
    conv: str = "tfn"


@dataclass(frozen=True)
class Config:
    """Every setting a unit depends on (the grid axes, kinds, N and seeds, are not in it)."""

    task2d: Task2D = field(default_factory=Task2D)
    task3d: Task3D = field(default_factory=Task3D)
    equiv_rotations: int = 4

    def as_dict(self) -> dict:
        return asdict(self)


#: 0.3.0: 32 points per cloud instead of 48 in both runs (the Clebsch-Gordan convolution costs about 10x the
#: isotropic one per edge, and a cloud has P^2 edges); the 0.1/0.2 runs used 48 points and the isotropic convolution
QUICK = Config(task3d=Task3D(points=32))
#: the full sweep, shrunk to fit a shared CPU (seeds kept, data and epochs cut): index downsampling (the paper's
#: first method; avg and conv at N = 1, 16 with --downsample), the quick run's 3D settings
FULL = Config(task2d=Task2D(n_train=800, n_test=400, epochs=3, downsample="index"), task3d=Task3D(points=32))
SMOKE = Config(task2d=Task2D(n_train=100, n_test=50, epochs=1, channels=(2, 2, 2), o2_channels=(1, 1, 1)),
               task3d=Task3D(n_train=3, n_test=2, points=16, epochs=1, channels=2))
