"""e2cnn-core: General E(2)-equivariant steerable CNNs (Weiler & Cesa, NeurIPS 2019) in pure PyTorch.

Feature tensors are plain ``torch.Tensor`` of shape ``(B, C, H, W)``; every module declares the field types it
maps between (``in_type``, ``out_type``) and exports to plain PyTorch with ``export()``.

This namespace is the library, in the paper's order: gspaces and field types (Sec. 2.1-2.2), kernel bases
(Sec. 2.3-2.5), equivariant modules (convolutions, nonlinearities, normalisation, pooling; Sec. 2.6), the
model zoo (Sec. 3) and deployable exports. The experiments (data sets, training loop, ``reproduce``,
``bench``, CIFAR) live in :mod:`e2cnn_core.experiments`, which the ``e2cnn-core`` command uses.
"""

from __future__ import annotations

from equi_runs import lazy_exports

__version__ = "0.2.0"

__all__ = [
    "DEPLOY_FORMATS",
    "ELU",
    "MODEL_NAMES",
    "ConcatenatedNonLinearity",
    "EquivariantModule",
    "FieldDropout",
    "FieldNorm",
    "FieldType",
    "FourierELU",
    "FourierModel",
    "FourierPointwise",
    "GNormBatchNorm",
    "GSpace2D",
    "GatedNonLinearity",
    "GroupPooling",
    "IIDBatchNorm2d",
    "InnerBatchNorm",
    "KernelGeometry",
    "LeakyReLU",
    "MNISTModel",
    "MultipleModule",
    "NormBatchNorm",
    "NormNonLinearity",
    "NormPool",
    "PointwiseAdaptiveAvgPool2d",
    "PointwiseAdaptiveMaxPool2d",
    "PointwiseAvgPool2d",
    "PointwiseAvgPoolAntialiased2d",
    "PointwiseDropout",
    "PointwiseMaxPool2d",
    "PointwiseMaxPoolAntialiased2d",
    "PointwiseNonLinearity",
    "R2Conv",
    "R2ConvTransposed",
    "R2Upsampling",
    "ReLU",
    "ResidualBlock",
    "RestrictionModule",
    "SequentialModule",
    "WideResNet",
    "build_model",
    "deltaorthonormal_init",
    "flip2d",
    "flip_rot2d",
    "generalized_he_init",
    "kernel_basis",
    "kernel_geometry",
    "parse_model_name",
    "rot2d",
    "save_deployable",
    "trivial2d",
]

# PEP 562: the names (and torch) load on first use, so that the command line checks its arguments first
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(__all__, "_api"))
