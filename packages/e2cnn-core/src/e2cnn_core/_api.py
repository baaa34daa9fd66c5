"""Every public name of :mod:`e2cnn_core`, imported eagerly (torch included); ``e2cnn_core`` loads this module on
the first access to one of its names, so that the command line can check its arguments before torch loads."""

# ruff: noqa: F401  (re-exports: e2cnn_core.__all__ lists them)

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
