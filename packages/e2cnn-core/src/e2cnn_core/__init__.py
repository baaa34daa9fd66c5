"""e2cnn-core: General E(2)-equivariant steerable CNNs (Weiler & Cesa, NeurIPS 2019) in pure PyTorch.

Feature tensors are plain ``torch.Tensor`` of shape ``(B, C, H, W)``; every module declares the field types it
maps between (``in_type``, ``out_type``) and exports to plain PyTorch with ``export()``.
"""

from ._architecture import MODEL_NAMES, parse_model_name
from ._batchnorm import GNormBatchNorm, IIDBatchNorm2d, InnerBatchNorm, NormBatchNorm
from ._bench import BenchConfig, run_bench
from ._concatenated import ConcatenatedNonLinearity
from ._containers import MultipleModule, SequentialModule
from ._data import (
    DataConfig,
    Split,
    build_dataset,
    load_cifar10,
    load_fashion_mnist,
    load_mnist_5k,
    read_idx,
    rotate,
)
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
from ._reproduce import ReproduceConfig, reproduce
from ._restriction import RestrictionModule
from ._train import TrainConfig, evaluate, train_model
from ._wide_resnet import ResidualBlock, WideResNet
from ._zoo import FourierModel, MNISTModel, build_model

__version__ = "0.1.0"

__all__ = [
    "ELU",
    "MODEL_NAMES",
    "BenchConfig",
    "ConcatenatedNonLinearity",
    "DataConfig",
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
    "ReproduceConfig",
    "ResidualBlock",
    "RestrictionModule",
    "SequentialModule",
    "Split",
    "TrainConfig",
    "WideResNet",
    "build_dataset",
    "build_model",
    "deltaorthonormal_init",
    "evaluate",
    "flip2d",
    "flip_rot2d",
    "generalized_he_init",
    "kernel_basis",
    "kernel_geometry",
    "load_cifar10",
    "load_fashion_mnist",
    "load_mnist_5k",
    "parse_model_name",
    "read_idx",
    "reproduce",
    "rot2d",
    "rotate",
    "run_bench",
    "train_model",
    "trivial2d",
]
