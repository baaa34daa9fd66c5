"""pac-equi: PAC-Bayesian generalisation bounds for equivariant networks in the Fourier domain.

After Behboodi, Cesa, Cohen, *A PAC-Bayesian Generalization Bound for Equivariant Networks* (NeurIPS 2022). The
library: the Fourier (irreps) decomposition of equivariant linear maps, the two margin bounds with every term
exposed, margins and Kendall's tau. The study (data, network, training, command line) is in
:mod:`pac_equi.experiments`.
"""

from ._bounds import (
    BoundReport,
    LayerTerms,
    block_tail_bound,
    fourier_layer_terms,
    naive_layer_terms,
    pac_bayes_margin_bound,
    perturbation_bound,
    spectral_tail_bound,
)
from ._conv import decompose_conv_filter, grid_subgroup, offset_representation
from ._fourier import (
    FourierBlock,
    LayerDecomposition,
    decompose_in_irrep_basis,
    decomposed_sum,
    endomorphism_basis,
    fourier_decompose,
)
from ._margins import kendall_tau, margin_loss, margins

__version__ = "0.1.0"

__all__ = [
    "BoundReport",
    "FourierBlock",
    "LayerDecomposition",
    "LayerTerms",
    "block_tail_bound",
    "decompose_conv_filter",
    "decompose_in_irrep_basis",
    "decomposed_sum",
    "endomorphism_basis",
    "fourier_decompose",
    "fourier_layer_terms",
    "grid_subgroup",
    "kendall_tau",
    "margin_loss",
    "margins",
    "naive_layer_terms",
    "offset_representation",
    "pac_bayes_margin_bound",
    "perturbation_bound",
    "spectral_tail_bound",
]
