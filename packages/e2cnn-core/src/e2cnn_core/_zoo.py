"""Model zoo: the paper's MNIST model for any planar group (with restriction), a Fourier-nonlinearity model
for SO(2)/O(2), and an equivariant wide ResNet for CIFAR-sized images.

Every model maps a trivial input field type (grey or RGB channels) to class logits that are invariant under the
model's symmetry group; on the pixel grid this is exact for multiples of 90 degrees and the axis flips contained in
that group. Each model declares ``in_type`` and ``out_type`` (logits as trivial fields of the group the whole model is
equivariant to, so a restricted model declares the subgroup) and exports to plain PyTorch with ``export()``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from equi_groups import regular, trivial
from torch import nn

from ._architecture import MNIST_CHANNELS, MNIST_KERNELS, n_fields, parse_model_name
from ._batchnorm import IIDBatchNorm2d, InnerBatchNorm
from ._containers import SequentialModule
from ._field_type import FieldType
from ._fourier_pointwise import FourierELU
from ._group_pooling import GroupPooling, NormPool
from ._gspace import GSpace2D, flip_rot2d, rot2d
from ._module import EquivariantModule
from ._pointwise import ELU
from ._pooling import PointwiseAvgPool2d, PointwiseMaxPool2d
from ._r2conv import R2Conv
from ._restriction import RestrictionModule


class _Head(nn.Sequential):
    def __init__(self, c_in: int, n_classes: int, hidden: Sequence[int] = (64, 32)) -> None:
        layers: list[nn.Module] = [nn.Flatten()]
        for h in hidden:
            layers += [nn.Linear(c_in, h), nn.BatchNorm1d(h), nn.ELU()]
            c_in = h
        layers.append(nn.Linear(c_in, n_classes))
        super().__init__(*layers)


def plain_classifier(features: nn.Module, head: nn.Sequential) -> nn.Sequential:
    """``features``, global average pooling (``nn.AdaptiveAvgPool2d(1)`` + ``nn.Flatten``) and a copy of the
    MLP ``head`` as one ``nn.Sequential`` of built-in modules."""
    import copy

    layers = [copy.deepcopy(m) for m in head if not isinstance(m, nn.Flatten)]
    return nn.Sequential(features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), *layers).eval()


def check_sizes(width: float, n_classes: int, in_channels: int) -> None:
    """``ValueError`` naming the value unless ``width`` is a positive finite number and the counts are >= 1."""
    if isinstance(width, bool) or not isinstance(width, int | float) or not math.isfinite(width) or width <= 0:
        raise ValueError(f"width must be a positive number, got {width!r}")
    for label, v in (("n_classes", n_classes), ("in_channels", in_channels)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{label} must be a positive integer, got {v!r}")


class _InvariantClassifier(EquivariantModule):
    """Equivariant ``features`` (ending in trivial fields), global average pooling and a plain MLP
    ``head``."""

    features: SequentialModule
    head: nn.Module

    def _finish(
        self, features: SequentialModule, gspace: GSpace2D, n_classes: int, hidden: Sequence[int]
    ) -> None:
        self.features = features
        self.head = _Head(features.out_type.size, n_classes, hidden)
        # inputs are trivial fields; a restricted model is equivariant to its last (smallest) group only
        self.in_type = FieldType(gspace, [trivial(gspace.group)] * features.in_type.size)
        self.out_type = FieldType(gspace, [trivial(gspace.group)] * n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(self.in_type.check(x))
        return self.head(x.mean(dim=(-2, -1)))

    def export(self) -> nn.Sequential:
        """The same classifier as a ``nn.Sequential`` of ``torch.nn`` built-ins (``Conv2d``, ``BatchNorm2d``,
        ``ELU``, pooling, ``Unflatten``/``MaxPool3d`` or ``LPPool3d`` for the invariant pooling, ``Linear``...):
        it holds no class of this package, so ``torch.export``, TorchScript and ONNX accept it and its pickle
        loads with torch alone."""
        return plain_classifier(self.features.export(), self.head)


class MNISTModel(_InvariantClassifier):
    """The MNIST model of Weiler & Cesa (2019): six steerable convolutions on regular fields, any group.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019, Sec. 3.1 and appendix. Each layer
    is ``R2Conv -> InnerBatchNorm -> ELU`` on regular fields of ``G``; 3x3 max pooling with stride 2 follows
    layers 2 and 4; group pooling (max over each field) makes the last features invariant; global average
    pooling and a three-layer MLP (with batch norm and ELU) give the logits. A restricted model ``G|kH`` uses
    ``G`` up to layer ``k - 1`` and ``H`` from layer ``k`` on (``RestrictionModule`` then regular fields of
    ``H``), e.g. D16|5C16. ``G = C1`` is a conventional CNN. With odd input sizes (29 for MNIST) all pooling
    windows are placed symmetrically, so the logits are exactly invariant to the 90-degree rotations and axis
    flips in the model's symmetry group.

    Args:
        name: ``"C8"``, ``"D16"``, ``"D16|5C16"``, ... (see :func:`parse_model_name`).
        n_classes: number of logits.
        width: multiplies the paper's channel counts (fields = ``round(c * width / sqrt(|G|))``).
        channels: conventional channel counts of the six layers.
        in_channels: trivial input channels (1 for grey images).

    Shapes:
        ``x: (B, in_channels, H, W) -> (B, n_classes)``.

    Examples:
        >>> model = MNISTModel("C4", width=0.25)
        >>> tuple(model(torch.randn(2, 1, 29, 29)).shape)
        (2, 10)
    """

    def __init__(
        self,
        name: str,
        n_classes: int = 10,
        width: float = 1.0,
        channels: Sequence[int] = MNIST_CHANNELS,
        in_channels: int = 1,
    ) -> None:
        super().__init__()
        check_sizes(width, n_classes, in_channels)
        if len(channels) != 6:
            raise ValueError(f"the MNIST model has 6 layers, got {len(channels)} channel counts")
        group, layer, sub = parse_model_name(name)
        self.name = name
        gspace = GSpace2D(group)
        t = FieldType(gspace, [trivial(group)] * in_channels)
        modules: list[EquivariantModule] = []
        for i, (c, (k, p)) in enumerate(zip(channels, MNIST_KERNELS, strict=True), start=1):
            if layer == i:
                restrict = RestrictionModule(t, sub)
                modules.append(restrict)
                t, gspace = restrict.out_type, GSpace2D(sub)
            out = FieldType(gspace, [regular(gspace.group)] * n_fields(c, gspace.group.order(), width))
            modules += [R2Conv(t, out, k, padding=p, bias=False), InnerBatchNorm(out), ELU(out, inplace=True)]
            t = out
            if i in (2, 4):
                modules.append(PointwiseMaxPool2d(t, 3, stride=2, padding=1))
        modules.append(GroupPooling(t))
        self._finish(SequentialModule(*modules), gspace, n_classes, (64, 32))


class FourierModel(_InvariantClassifier):
    """The MNIST model for SO(2) or O(2) with band-limited regular fields and Fourier ELU nonlinearities.

    Weiler & Cesa, NeurIPS 2019, Sec. 2.6 ("Fourier-based" / quotient nonlinearities) and escnn's FourierELU:
    fields carry ``band_limited_regular(G, L)`` (frequencies ``<= L``); the nonlinearity samples each field on
    ``N`` rotations (O(2): ``N`` rotations and ``N`` reflections), applies ELU and projects back. Batch norm
    is IID (``IIDBatchNorm2d``), pooling is 3x3 average pooling with stride 2 (linear, hence equivariant for
    any field), and the invariant features are the norms of the last fields (``NormPool``). Equivariance is
    exact for the grid elements and approximate (sampling) for other angles.

    Args:
        name: ``"SO2"`` or ``"O2"``.
        n_classes: number of logits.
        width: multiplies the channel counts (fields = ``round(c * width / sqrt(field dim))``).
        max_frequency: band limit ``L`` (3 in the paper's and the bench's settings).
        N: rotations sampled by the Fourier nonlinearity.

    Shapes:
        ``x: (B, in_channels, H, W) -> (B, n_classes)``.
    """

    def __init__(
        self,
        name: str,
        n_classes: int = 10,
        width: float = 1.0,
        max_frequency: int = 3,
        N: int = 16,
        channels: Sequence[int] = MNIST_CHANNELS,
        in_channels: int = 1,
    ) -> None:
        super().__init__()
        check_sizes(width, n_classes, in_channels)
        if name not in ("SO2", "O2"):
            raise ValueError(f"FourierModel is for 'SO2' or 'O2', got {name!r}")
        self.name = name
        gspace = rot2d(-1) if name == "SO2" else flip_rot2d(-1)
        t = FieldType(gspace, [trivial(gspace.group)] * in_channels)
        modules: list[EquivariantModule] = []
        for i, (c, (k, p)) in enumerate(zip(channels, MNIST_KERNELS, strict=True), start=1):
            probe = FourierELU(gspace, 1, max_frequency, N=N)
            act = FourierELU(gspace, n_fields(c, probe.in_type.size, width), max_frequency, N=N, inplace=True)
            modules += [R2Conv(t, act.in_type, k, padding=p, bias=False), IIDBatchNorm2d(act.in_type), act]
            t = act.out_type
            if i in (2, 4):
                modules.append(PointwiseAvgPool2d(t, 3, stride=2, padding=1))
        modules.append(NormPool(t))
        self._finish(SequentialModule(*modules), gspace, n_classes, (64, 32))


def build_model(
    name: str, n_classes: int = 10, width: float = 1.0, in_channels: int = 1
) -> _InvariantClassifier:
    """A zoo classifier by name: ``"SO2"``/``"O2"`` give :class:`FourierModel`, anything else
    :class:`MNISTModel`.

    Raises:
        ValueError: for an unknown name, a width that is not a positive finite number, or ``n_classes`` /
            ``in_channels`` below 1.
    """
    if name in ("SO2", "O2"):
        return FourierModel(name, n_classes, width, in_channels=in_channels)
    return MNISTModel(name, n_classes, width, in_channels=in_channels)
