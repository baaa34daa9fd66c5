"""lattice-nn: neural lattice reduction (Marchetti, Cesa, Pratik, Behboodi, arXiv 2311.08170).

A B_n-equivariant, O(n)-invariant (Gram matrix) reducer whose output is an exactly unimodular integer matrix,
its self-supervised log-orthogonality-defect loss, seeded lattice generators and fpylll baselines.
"""

from ._baselines import (
    BASELINES,
    bkz_transform,
    identity_transform,
    lll_transform,
    pairwise_reduction_transform,
)
from ._defect import log_defect, log_defect_from_gram
from ._lattices import KINDS, gaussian_bases, generate, mimo_bases, qary_bases
from ._nets import CoordinateGraphNet, FlatMLPNet, GramGraphNet, gram_features
from ._reducer import LatticeReducer, ReducerConfig, Reduction, plackett_luce_log_prob
from ._train import TrainConfig, train, validation_loss
from ._types import AmbientRotation, BasisRows, Conjugation, Invariant
from ._unimodular import integer_det, integer_inverse, is_unimodular
from ._validate import check_basis

__version__ = "0.1.0"

__all__ = [
    "BASELINES",
    "KINDS",
    "AmbientRotation",
    "BasisRows",
    "Conjugation",
    "CoordinateGraphNet",
    "FlatMLPNet",
    "GramGraphNet",
    "Invariant",
    "LatticeReducer",
    "ReducerConfig",
    "Reduction",
    "TrainConfig",
    "bkz_transform",
    "check_basis",
    "gaussian_bases",
    "generate",
    "gram_features",
    "identity_transform",
    "integer_det",
    "integer_inverse",
    "is_unimodular",
    "lll_transform",
    "log_defect",
    "log_defect_from_gram",
    "mimo_bases",
    "pairwise_reduction_transform",
    "plackett_luce_log_prob",
    "qary_bases",
    "train",
    "validation_loss",
]
