"""e2cnn-core: General E(2)-equivariant steerable CNNs (Weiler & Cesa, NeurIPS 2019) in pure PyTorch.

Feature tensors are plain ``torch.Tensor`` of shape ``(B, C, H, W)``; every module declares the field types it
maps between (``in_type``, ``out_type``) and exports to plain PyTorch with ``export()``.

This namespace is the library, in the paper's order: gspaces and field types (Sec. 2.1-2.2), kernel bases
(Sec. 2.3-2.5), equivariant modules (convolutions, nonlinearities, normalisation, pooling; Sec. 2.6), the
model zoo (Sec. 3) and deployable exports. The experiments (data sets, training loop, ``reproduce``,
``bench``, CIFAR) live in :mod:`e2cnn_core.experiments`, which the ``e2cnn-core`` command uses.
"""

from ._architecture import MODEL_NAMES, parse_model_name
from ._batchnorm import GNormBatchNorm, IIDBatchNorm2d, InnerBatchNorm, NormBatchNorm
from ._concatenated import ConcatenatedNonLinearity
from ._containers import MultipleModule, SequentialModule
from ._deploy import DEPLOY_FORMATS, save_deployable
from ._dropout import FieldDropout, PointwiseDropout
from ._field_norm import FieldNorm
from ._field_type import FieldType
from ._fourier_pointwise import FourierELU, FourierPointwise
from ._gated import GatedNonLinearity
from ._group_pooling import GroupPooling, NormPool
from ._gspace import GSpace2D, flip2d, flip_rot2d, rot2d, trivial2d
from ._init import deltaorthonormal_init, generalized_he_init
from ._kernel_basis import kernel_basis
from ._module import EquivariantModule
from ._norm_nonlinearity import NormNonLinearity
from ._pointwise import ELU, LeakyReLU, PointwiseNonLinearity, ReLU
from ._pooling import (
    PointwiseAdaptiveAvgPool2d,
    PointwiseAdaptiveMaxPool2d,
    PointwiseAvgPool2d,
    PointwiseAvgPoolAntialiased2d,
    PointwiseMaxPool2d,
    PointwiseMaxPoolAntialiased2d,
)
from ._r2conv import R2Conv
from ._r2conv_transposed import R2ConvTransposed
from ._r2upsampling import R2Upsampling
from ._radial import KernelGeometry, kernel_geometry
from ._restriction import RestrictionModule
from ._wide_resnet import ResidualBlock, WideResNet
from ._zoo import FourierModel, MNISTModel, build_model

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
