"""The equivariant MobileNetV2 (Mohamed, Cesa, Cohen & Welling, arXiv 2004.09691) on e2cnn-core."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from e2cnn_core import EquivariantModule, FieldType, InnerBatchNorm, R2Conv, SequentialModule, flip_rot2d, rot2d
from e2cnn_core import GSpace2D as _GSpace2D
from equi_groups import regular, trivial
from torch import nn

from ._plain import TORCHVISION_SETTING, FieldMax, InvertedResidual, PlainMobileNet
from ._relu6 import ReLU6

GROUPS: tuple[str, ...] = ("C4", "C8", "D4", "D8")


def gspace_for(group: str) -> _GSpace2D:
    """The gspace of a group name: ``C4``/``C8`` rotations, ``D4``/``D8`` rotations and the left-right mirror.

    Examples:
        >>> gspace_for("D4").group.order(), gspace_for("C8").group.order()
        (8, 8)
    """
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; expected one of {', '.join(GROUPS)}")
    n = int(group[1:])
    return rot2d(n) if group[0] == "C" else flip_rot2d(n)


def _regular(gs: _GSpace2D, n: int) -> FieldType:
    return FieldType(gs, [regular(gs.group)] * n)


def _conv_bn_act(t_in: FieldType, t_out: FieldType, k: int, stride: int = 1, groups: int = 1, act: bool = True):
    layers: list[EquivariantModule] = [
        R2Conv(t_in, t_out, k, padding=(k - 1) // 2, stride=stride, groups=groups, bias=False),
        InnerBatchNorm(t_out),
    ]
    if act:
        layers.append(ReLU6(t_out))
    return SequentialModule(*layers)


class EquivariantInvertedResidual(EquivariantModule):
    """MobileNetV2's inverted residual block on regular fields.

    Mohamed et al., arXiv 2004.09691 (after Sandler et al. 2018): a 1x1 ``R2Conv`` expands ``F_in`` regular
    fields to ``t * F_in`` (skipped when ``t = 1``), a 3x3 ``R2Conv`` with ``groups = t * F_in`` maps every
    regular field to itself (the equivariant "depthwise" convolution: each field's ``|G|`` channels mix, fields
    do not), a 1x1 ``R2Conv`` projects to ``F_out`` fields with no nonlinearity; ``InnerBatchNorm`` after each
    convolution, ``ReLU6`` after the first two. The input is added when ``stride = 1`` and ``F_in = F_out``.

    Args:
        in_type: ``F_in`` regular fields.
        out_type: ``F_out`` regular fields of the same gspace.
        stride: of the 3x3 convolution.
        expand: expansion factor ``t``.

    Shapes:
        ``x: (B, F_in |G|, H, W) -> (B, F_out |G|, H', W')``, ``H' = (H - 1) // stride + 1``.
    """

    def __init__(self, in_type: FieldType, out_type: FieldType, stride: int, expand: int) -> None:
        super().__init__()
        gs = in_type.gspace
        hidden = _regular(gs, len(in_type) * expand)
        layers: list[EquivariantModule] = []
        if expand != 1:
            layers += list(_conv_bn_act(in_type, hidden, 1).layers)
        layers += list(_conv_bn_act(hidden, hidden, 3, stride, groups=len(hidden)).layers)
        layers += list(_conv_bn_act(hidden, out_type, 1, act=False).layers)
        self.conv = SequentialModule(*layers)
        self.use_res = stride == 1 and in_type == out_type
        self.in_type, self.out_type = in_type, out_type

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res else self.conv(x)

    def export(self) -> InvertedResidual:
        return InvertedResidual(self.conv.export(), self.use_res).eval()


class EquivariantMobileNetV2(EquivariantModule):
    """The equivariant MobileNetV2 of Mohamed, Cesa, Cohen & Welling (arXiv 2004.09691), invariant logits.

    Mohamed, Cesa, Cohen & Welling, *A Data and Compute Efficient Design for Limited-Resources Deep Learning*,
    arXiv 2004.09691 (equivariant MobileNetV2 for PCam). torchvision's MobileNetV2 layout (stride-2 3x3 stem,
    inverted residual blocks ``(t, c, n, s)``, 1x1 last convolution) with every feature map made of regular fields
    of ``G``: a layer of ``c`` channels in the plain network has ``round(c * width / |G|)`` regular fields, i.e.
    about the same number of channels (so about the same MACs; the 1x1 convolutions have ``|G|`` times fewer
    parameters, the per-field 3x3 convolutions ``|G|`` times more MACs than depthwise ones). The image is ``C``
    trivial fields; after the last convolution, global average pooling and the max over each regular field
    (group pooling) give invariant features for ``Dropout -> Linear``.

    The logits are *exactly* invariant to the group's 90-degree rotations and flips when every stride-2 layer
    sees an odd input size (e.g. 33 -> 17 -> 9 -> 5 -> 3, or 97 for PCam's 96-pixel patches padded by one), so
    that the sampled grid is symmetric; other elements (45 degrees) are approximate on a pixel grid.

    Args:
        group: ``C4``, ``C8``, ``D4`` (default) or ``D8``.
        n_classes: logits.
        width: width multiplier.
        in_channels: image channels.
        setting: rows ``(t, c, n, s)`` as torchvision.
        stem: channels of the stem convolution (before ``width``).
        last: channels of the last 1x1 convolution (scaled by ``width`` only when ``width > 1``).
        dropout: before the linear classifier.

    Shapes:
        ``x: (B, in_channels, H, W) -> (B, n_classes)``.

    Examples:
        >>> m = EquivariantMobileNetV2("D4", n_classes=2, width=0.5, setting=[(1, 16, 1, 1), (6, 24, 1, 2)], last=64)
        >>> tuple(m(torch.randn(2, 3, 17, 17)).shape)
        (2, 2)
        >>> type(m.eval().export()).__name__
        'PlainMobileNet'
    """

    def __init__(
        self,
        group: str = "D4",
        n_classes: int = 2,
        width: float = 1.0,
        in_channels: int = 3,
        setting: Sequence[Sequence[int]] = TORCHVISION_SETTING,
        stem: int = 32,
        last: int = 1280,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        if width <= 0:
            raise ValueError(f"width must be positive, got {width}")
        gs = gspace_for(group)
        self.group = group
        order = gs.group.order()

        def fields(c: float) -> int:
            return max(1, round(c / order))

        self.in_type = FieldType(gs, [trivial(gs.group)] * in_channels)
        t = _regular(gs, fields(stem * width))
        layers: list[EquivariantModule] = [_conv_bn_act(self.in_type, t, 3, 2)]
        for row in setting:
            exp, ch, n, s = (int(v) for v in row)
            t_out = _regular(gs, fields(ch * width))
            for i in range(n):
                layers.append(EquivariantInvertedResidual(t, t_out, s if i == 0 else 1, exp))
                t = t_out
        t_last = _regular(gs, fields(last * max(1.0, width)))
        layers.append(_conv_bn_act(t, t_last, 1))
        self.features = SequentialModule(*layers)
        self.order = order
        self.pool = FieldMax(order)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(len(t_last), n_classes))
        nn.init.normal_(self.classifier[1].weight, 0, 0.01)
        nn.init.zeros_(self.classifier[1].bias)
        self.out_type = FieldType(gs, [trivial(gs.group)] * n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(self.in_type.check(x)).mean(dim=(2, 3))
        return self.classifier(self.pool(x))

    def export(self) -> PlainMobileNet:
        """The same classifier (in eval mode) as a :class:`PlainMobileNet` of ``torch.nn`` built-ins and the two
        small torch-only blocks ``InvertedResidual``/``FieldMax``."""
        import copy

        return PlainMobileNet(self.features.export(), FieldMax(self.order), copy.deepcopy(self.classifier)).eval()
