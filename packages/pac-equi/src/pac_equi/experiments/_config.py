"""The settings of the study as frozen dataclasses (torch-free: the command line builds them before importing torch)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["FULL", "QUICK", "SMOKE", "PolarConfig", "StudyConfig", "TrainConfig", "budget_width", "count_parameters"]


def count_parameters(group_order: int, width: int, polar_dim: int, n_classes: int = 10) -> int:
    """Learned parameters of a PolarNet: ``polar_dim c + c^2 |G| + n_classes c`` (its intertwiner spaces)."""
    return polar_dim * width + width * width * group_order + n_classes * width


def budget_width(group_order: int, budget: int, polar_dim: int, n_classes: int = 10) -> int:
    """The largest width ``c`` whose network has at most ``budget`` parameters (at least 1)."""
    c = 1
    while count_parameters(group_order, c + 1, polar_dim, n_classes) <= budget:
        c += 1
    return c


@dataclass(frozen=True)
class PolarConfig:
    """Polar sampling of a square image.

    Args:
        n_radii: number of radii, ``r_i = r_max (i + 1) / n_radii``.
        n_angles: number of angles (a multiple of 32, so that every group of the study acts freely).
        r_max: the largest radius in pixels.
    """

    n_radii: int = 12
    n_angles: int = 32
    r_max: float = 13.0

    def __post_init__(self) -> None:
        if self.n_angles % 32 or self.n_angles <= 0:
            raise ValueError(f"n_angles must be a positive multiple of 32, got {self.n_angles}")
        if self.n_radii < 1 or not self.r_max > 0:
            raise ValueError(f"need n_radii >= 1 and r_max > 0, got {self.n_radii}, {self.r_max}")

    @property
    def dim(self) -> int:
        return self.n_radii * self.n_angles


@dataclass(frozen=True)
class TrainConfig:
    """Train until ``L_hat_gamma <= quantile`` (at most ``quantile`` of the training points have margin ``<=
    gamma``), checked after every epoch, or ``max_epochs``.

    Args:
        gamma: the target margin (fixed before training: the bound is stated at this ``gamma``).
        quantile: the allowed training margin loss at ``gamma``.
        lr: Adam learning rate.
        batch_size: minibatch size.
        max_epochs: give up after this many epochs (the unit records ``reached = False``).
    """

    gamma: float = 2.0
    quantile: float = 0.1
    lr: float = 3e-3
    batch_size: int = 100
    max_epochs: int = 200


@dataclass(frozen=True)
class StudyConfig:
    """Every setting a unit depends on (not the grid axes: groups and seeds).

    Args:
        n_train, n_test: rotated-MNIST sizes (stratified, disjoint, from the 5,000 real digits).
        protocol: ``"budget"`` (width chosen per group for at most ``budget`` parameters) or ``"width"``
            (``width`` regular fields for every group).
        budget: parameter budget of the ``budget`` protocol.
        width: regular fields per hidden layer of the ``width`` protocol.
        delta: confidence of the bounds.
        train: the training protocol.
        polar: the polar sampling.
    """

    n_train: int = 1000
    n_test: int = 1000
    protocol: str = "budget"
    budget: int = 12000
    width: int = 8
    delta: float = 0.05
    train: TrainConfig = field(default_factory=TrainConfig)
    polar: PolarConfig = field(default_factory=PolarConfig)

    def as_dict(self) -> dict:
        return asdict(self)

    def width_for(self, group_order: int) -> int:
        if self.protocol == "width":
            return self.width
        return budget_width(group_order, self.budget, self.polar.dim)


QUICK = StudyConfig(n_train=1000, n_test=1000, budget=12000, train=TrainConfig(max_epochs=150))
FULL = StudyConfig(n_train=2000, n_test=2000, budget=12000, train=TrainConfig(max_epochs=200))
SMOKE = StudyConfig(n_train=300, n_test=300, budget=4000, train=TrainConfig(max_epochs=40, gamma=1.0))
