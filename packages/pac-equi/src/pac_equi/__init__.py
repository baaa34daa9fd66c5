"""pac-equi: PAC-Bayesian generalisation bounds for equivariant networks in the Fourier domain.

After Behboodi, Cesa, Cohen, *A PAC-Bayesian Generalization Bound for Equivariant Networks* (NeurIPS 2022).
"""

from ._fourier import FourierBlock, LayerDecomposition, endomorphism_basis, fourier_decompose

__version__ = "0.1.0"

__all__ = ["FourierBlock", "LayerDecomposition", "endomorphism_basis", "fourier_decompose"]
