"""e2cnn-core: General E(2)-equivariant steerable CNNs (Weiler & Cesa, NeurIPS 2019) in pure PyTorch.

Feature tensors are plain ``torch.Tensor`` of shape ``(B, C, H, W)``; every module declares the field types it
maps between (``in_type``, ``out_type``) and exports to plain PyTorch with ``export()``.
"""

from ._field_type import FieldType
from ._gspace import GSpace2D, flip2d, flip_rot2d, rot2d, trivial2d
from ._module import EquivariantModule
from ._batchnorm import GNormBatchNorm, IIDBatchNorm2d, InnerBatchNorm, NormBatchNorm
from ._concatenated import ConcatenatedNonLinearity
from ._containers import MultipleModule, SequentialModule
from ._dropout import FieldDropout, PointwiseDropout
from ._field_norm import FieldNorm
from ._fourier_pointwise import FourierELU, FourierPointwise
from ._gated import GatedNonLinearity
from ._group_pooling import GroupPooling, NormPool
from ._pooling import (
    PointwiseAdaptiveAvgPool2d,
    PointwiseAdaptiveMaxPool2d,
    PointwiseAvgPool2d,
    PointwiseAvgPoolAntialiased2d,
    PointwiseMaxPool2d,
    PointwiseMaxPoolAntialiased2d,
)
from ._norm_nonlinearity import NormNonLinearity
from ._pointwise import ELU, LeakyReLU, PointwiseNonLinearity, ReLU
from ._init import deltaorthonormal_init, generalized_he_init
from ._kernel_basis import kernel_basis
from ._r2conv import R2Conv
from ._r2conv_transposed import R2ConvTransposed
from ._r2upsampling import R2Upsampling
from ._radial import KernelGeometry, kernel_geometry
from ._restriction import RestrictionModule

__version__ = "0.1.0"

__all__ = [
    "KernelGeometry",
    "R2Conv",
    "R2ConvTransposed",
    "R2Upsampling",
    "deltaorthonormal_init",
    "generalized_he_init",
    "kernel_basis",
    "kernel_geometry",
    "ConcatenatedNonLinearity",
    "ELU",
    "FieldDropout",
    "FieldNorm",
    "FourierELU",
    "FourierPointwise",
    "GNormBatchNorm",
    "GatedNonLinearity",
    "GroupPooling",
    "MultipleModule",
    "NormPool",
    "PointwiseAdaptiveAvgPool2d",
    "PointwiseDropout",
    "PointwiseAdaptiveMaxPool2d",
    "PointwiseAvgPool2d",
    "PointwiseAvgPoolAntialiased2d",
    "PointwiseMaxPool2d",
    "PointwiseMaxPoolAntialiased2d",
    "IIDBatchNorm2d",
    "InnerBatchNorm",
    "NormBatchNorm",
    "NormNonLinearity",
    "LeakyReLU",
    "PointwiseNonLinearity",
    "ReLU",
    "RestrictionModule",
    "SequentialModule",
    "EquivariantModule",
    "FieldType",
    "GSpace2D",
    "flip2d",
    "flip_rot2d",
    "rot2d",
    "trivial2d",
]
