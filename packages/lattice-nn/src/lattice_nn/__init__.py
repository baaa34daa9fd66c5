"""lattice-nn: neural lattice reduction (Marchetti, Cesa, Pratik, Behboodi, arXiv 2311.08170).

``FactorReducer`` (the paper's model): a B_n-equivariant, O(n)- and scale-invariant network on the Gram matrix that
outputs the unimodular factors (extended Gauss moves) one at a time; with the network at zero it is the greedy rule.
``LatticeReducer``: the 0.1 model, a hand-written move skeleton whose pivot order a network learns (kept as an
ablation; ``variant="classical"`` is the skeleton alone). Both return exactly unimodular int64 matrices.
``GridReducer``: the convolutional extension, joint reduction of a grid of correlated lattices (``mimo_grid``) by
warm starts from neighbours' factors; ``GridPolicy`` (0.2.2) is its learned part, a 3 x 3 convolutional
network over per-lattice invariants that decides which lattices to reduce from scratch. Also the self-supervised
log-orthogonality-defect loss, seeded lattice generators and fpylll baselines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from equi_runs import lazy_exports

# The public names are loaded on first use (PEP 562), so that ``lattice_nn._cli`` can parse and check its
# arguments before torch is imported.
_WHERE = {
    "BASELINES": "_baselines",
    "bkz_transform": "_baselines",
    "identity_transform": "_baselines",
    "lll_transform": "_baselines",
    "pairwise_reduction_transform": "_baselines",
    "FactorConfig": "_config",
    "FactorTrainConfig": "_config",
    "log_defect": "_defect",
    "log_defect_from_gram": "_defect",
    "FactorReducer": "_factors",
    "FactorReduction": "_factors",
    "factor_validation_loss": "_factors",
    "train_factors": "_factors",
    "GridReducer": "_grid",
    "GridReduction": "_grid",
    "mimo_grid": "_grid",
    "GridPolicy": "_gridnet",
    "align": "_gridnet",
    "fit_grid_policy": "_gridnet",
    "lattice_invariants": "_gridnet",
    "neighbour_distance": "_gridnet",
    "transfer": "_gridnet",
    "warm_savings": "_gridnet",
    "KINDS": "_lattices",
    "gaussian_bases": "_lattices",
    "generate": "_lattices",
    "mimo_bases": "_lattices",
    "qary_bases": "_lattices",
    "CoordinateGraphNet": "_nets",
    "FlatMLPNet": "_nets",
    "GramGraphNet": "_nets",
    "gram_features": "_nets",
    "LatticeReducer": "_reducer",
    "ReducerConfig": "_reducer",
    "Reduction": "_reducer",
    "plackett_luce_log_prob": "_reducer",
    "TrainConfig": "_train",
    "train": "_train",
    "validation_loss": "_train",
    "AmbientRotation": "_types",
    "BasisRows": "_types",
    "Conjugation": "_types",
    "Invariant": "_types",
    "integer_det": "_unimodular",
    "integer_inverse": "_unimodular",
    "is_unimodular": "_unimodular",
    "check_basis": "_validate",
}

if TYPE_CHECKING:
    from ._baselines import (
        BASELINES,
        bkz_transform,
        identity_transform,
        lll_transform,
        pairwise_reduction_transform,
    )
    from ._config import FactorConfig, FactorTrainConfig
    from ._defect import log_defect, log_defect_from_gram
    from ._factors import FactorReducer, FactorReduction, factor_validation_loss, train_factors
    from ._grid import GridReducer, GridReduction, mimo_grid
    from ._gridnet import (
        GridPolicy,
        align,
        fit_grid_policy,
        lattice_invariants,
        neighbour_distance,
        transfer,
        warm_savings,
    )
    from ._lattices import KINDS, gaussian_bases, generate, mimo_bases, qary_bases
    from ._nets import CoordinateGraphNet, FlatMLPNet, GramGraphNet, gram_features
    from ._reducer import LatticeReducer, ReducerConfig, Reduction, plackett_luce_log_prob
    from ._train import TrainConfig, train, validation_loss
    from ._types import AmbientRotation, BasisRows, Conjugation, Invariant
    from ._unimodular import integer_det, integer_inverse, is_unimodular
    from ._validate import check_basis


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)


__version__ = "0.2.2"

__all__ = [
    "BASELINES",
    "KINDS",
    "AmbientRotation",
    "BasisRows",
    "Conjugation",
    "CoordinateGraphNet",
    "FactorConfig",
    "FactorReducer",
    "FactorReduction",
    "FactorTrainConfig",
    "FlatMLPNet",
    "GramGraphNet",
    "GridPolicy",
    "GridReducer",
    "GridReduction",
    "Invariant",
    "LatticeReducer",
    "ReducerConfig",
    "Reduction",
    "TrainConfig",
    "align",
    "bkz_transform",
    "check_basis",
    "factor_validation_loss",
    "fit_grid_policy",
    "gaussian_bases",
    "generate",
    "gram_features",
    "identity_transform",
    "integer_det",
    "integer_inverse",
    "is_unimodular",
    "lattice_invariants",
    "lll_transform",
    "mimo_grid",
    "neighbour_distance",
    "log_defect",
    "log_defect_from_gram",
    "mimo_bases",
    "pairwise_reduction_transform",
    "plackett_luce_log_prob",
    "qary_bases",
    "train",
    "train_factors",
    "transfer",
    "validation_loss",
    "warm_savings",
]
