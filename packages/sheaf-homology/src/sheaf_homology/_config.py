"""Settings of the models, training and experiments: frozen dataclasses, torch-free (the command line builds them
and records them before torch is imported)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters shared by all node classifiers.

    Args:
        hidden: channels per stalk coordinate (sheaf models) or hidden width (GCN/GAT: ``hidden *
        stalk_dim``).
        stalk_dim: padded stalk dimension of learned sheaves (NSD).
        layers: number of propagation layers.
        dropout: dropout on hidden features.
        input_dropout: dropout on the input features.
        heads: attention heads of GAT (sheaf attention uses one head: its messages are D x D maps per edge).
        embed_dim: dimension of the embedding whose distances weight the persistent sheaf.
        mask_padding: for fixed / persistent sheaves, zero the padded stalk coordinates (features live in
            ``F(v) = R^{d_v}``), so the read-out sees each node's local homology dimension.
    """

    hidden: int = 16
    stalk_dim: int = 3
    layers: int = 2
    dropout: float = 0.5
    input_dropout: float = 0.0
    heads: int = 4
    embed_dim: int = 8
    mask_padding: bool = False


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser settings.

    Args:
        epochs: maximum epochs; patience: stop after this many epochs without a better validation score;
        lr, weight_decay: Adam; balanced: class-weighted loss and balanced accuracy (mean per-class recall).
    """

    epochs: int = 200
    patience: int = 50
    lr: float = 0.01
    weight_decay: float = 5e-4
    balanced: bool = False


@dataclass(frozen=True)
class ExperimentConfig:
    """The model and training settings every unit of a ``reproduce`` run depends on (recorded in metrics.json).

    The grid's axes (tasks, models, seeds) are not part of it: a rerun may add models or seeds to a run folder.

    Args:
        model: :class:`ModelConfig`; train: :class:`TrainConfig`.
        clique_dim: dimension of the clique complexes; lhs_dim: local homology coordinates per stalk.
        persistent_refresh: epochs between recomputations of the persistent pairing (0: never).
    """

    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    clique_dim: int = 2
    lhs_dim: int = 3
    persistent_refresh: int = 50


@dataclass(frozen=True)
class StratifiedConfig:
    """Two-planes task: clouds per seed (train/val/test), points, kNN k, noise, singular band half-width.

    ``complex``/``scale``: see :func:`stratified_clouds` (alpha complex at ``scale`` x the median
    nearest-neighbour distance, or ``"knn"`` with its clique complex); every model uses the same graph.
    """

    clouds: tuple[int, int, int] = (6, 2, 4)
    points: int = 300
    k: int = 8
    noise: float = 0.02
    band: float = 0.15
    complex: str = "alpha"
    scale: float = 2.0


CLOUD_SWEEP: tuple[tuple[int, float], ...] = ((100, 0.02), (200, 0.02), (400, 0.02), (200, 0.05), (200, 0.1))
"""The point-cloud sweep (task ``clouds``): ``(points per cloud, noise)`` of the two-plane clouds, otherwise as
the stratified task. Density along one axis (100 / 200 / 400 points on the same planes, noise 0.02), noise along
the other (0.02 / 0.05 / 0.1 at 200 points; the median nearest-neighbour distance at 200 points is about 0.1).
A module constant rather than a field of :class:`StratifiedConfig`, so that the settings recorded by earlier run
folders stay valid; a run that includes the sweep records it."""


PINCHES: int = 6
"""Joined points per complex of the ``pinch`` task (:func:`pinched_books`; fewer where the rim is short)."""

PINCH_RIM: int = 12
"""Rim (free-boundary) points per page of the ``pinch`` task's discs."""

TORUS_BEADS: tuple[int, ...] = (6, 8, 10)
"""Pinches (= spheres in the closed chain) per complex of the ``torus`` task (:func:`pinched_tori`, 0.2.2),
drawn per complex. Module constants like the pinch task's, recorded only by runs that include the task."""

TORUS_RINGS: tuple[int, int] = (2, 4)
"""Fewest and most rings per sphere of the ``torus`` task."""

TORUS_RING_SIZES: tuple[int, ...] = (3, 4)
"""Vertices per ring of the ``torus`` task (a pinch vertex's degree is the sum of its two adjacent rings')."""


@dataclass(frozen=True)
class ComplexConfig:
    """Degree-matched complex task (see ``book_complexes``): complexes per split (train / validation / test),
    spine points and inner points per page, page counts drawn per book."""

    splits: tuple[int, int, int] = (6, 3, 6)
    spine: int = 24
    inner: int = 40
    pages: tuple[int, ...] = (2, 3, 3, 4)


@dataclass(frozen=True)
class HeteroConfig:
    """Synthetic heterophilic graphs (see ``heterophilic_graph``)."""

    nodes: int = 1000
    classes: int = 5
    homophily: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 0.9)
    degree: int = 6
    feat_dim: int = 16
    feat_noise: float = 3.0
