"""learned-equivariance: learning the degree of equivariance of steerable CNNs.

After Veefkind & Cesa, *A Probabilistic Approach to Learning the Degree of Equivariance in Steerable CNNs*
(ICML 2024, arXiv 2406.03946). The library: a learnable band-limited likelihood over C_N, D_N, SO(2) or O(2)
(:class:`GroupLikelihood`) with its regularisers, the steerable convolution it relaxes
(:class:`LearnableR2Conv`, layer-wise or shared), and the residual pathway prior baseline (:class:`RPPConv`).
The study (double MNIST, models, training, figures, command line) is in :mod:`learned_equivariance.experiments`.
"""

from __future__ import annotations

from equi_runs import lazy_exports

__version__ = "0.2.1"

__all__ = [
    "GroupLikelihood",
    "LearnableR2Conv",
    "RPPConv",
    "alignment_loss",
    "fourier_features",
    "harmonic_action",
    "kl_divergence",
    "likelihood_regularisers",
    "scalar_harmonics",
]

# PEP 562: the names (and torch) load on first use, so that the command line checks its arguments first
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "GroupLikelihood": "_likelihood",
        "alignment_loss": "_likelihood",
        "fourier_features": "_likelihood",
        "kl_divergence": "_likelihood",
        "likelihood_regularisers": "_likelihood",
        "LearnableR2Conv": "_learnable_conv",
        "harmonic_action": "_learnable_conv",
        "scalar_harmonics": "_learnable_conv",
        "RPPConv": "_rpp",
    },
)
