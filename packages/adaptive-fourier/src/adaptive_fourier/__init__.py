"""adaptive-fourier: adaptive group sampling for Fourier nonlinearities.

After Inal & Cesa, *Adaptive Sampling for Continuous Group Equivariant Neural Networks* (GRaM @ ICML 2024, PMLR
251:394-419, arXiv 2409.08741). The library: Fourier spaces on SO(2), O(2), SO(3) and the sphere, the fixed-grid
Fourier nonlinearity (the baseline), the adaptive nonlinearity ``(1/N) A(x)^T sigma(A(x) f^)`` with its equivariant
generators and downsampling, a Clebsch-Gordan (TFN-style) point convolution, and the orthogonality diagnostics. The
experiments (rotated MNIST, procedural point clouds, the OFF loader, reproduce and bench) are in
:mod:`adaptive_fourier.experiments`.
"""

from __future__ import annotations

from equi_runs import lazy_exports

__version__ = "0.3.0"

_WHERE = {
    "FourierSpace": "_space",
    "GRIDS": "_space",
    "FourierPointwise": "_fixed",
    "FourierELU": "_fixed",
    "PlainFourierPointwise": "_fixed",
    "BACKPROJECTIONS": "_fixed",
    "AdaptiveFourierPointwise": "_adaptive",
    "ADAPTIVE_BACKPROJECTIONS": "_adaptive",
    "normalise_rows": "_adaptive",
    "orthogonalise_rows": "_adaptive",
    "AdaptiveConv": "_generators",
    "AdaptiveMLP": "_generators",
    "SamplingDownsample": "_generators",
    "DOWNSAMPLING": "_generators",
    "BlockLinear": "_linear",
    "TFNConv": "_tfn",
    "edge_features": "_tfn",
    "CanonicalConv": "_canonical",
    "CanonicalMLP": "_canonical",
    "FiberType": "_types",
    "PointCloudType": "_types",
    "point_matrix": "_types",
    "eps1": "_diagnostics",
    "eps2": "_diagnostics",
}

__all__ = sorted(_WHERE)

# PEP 562: the names (and torch) load on first use, so that the command line checks its arguments first
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
