"""Plain PyTorch MobileNetV2 (Sandler et al., CVPR 2018) and the built-in blocks every exported model is made of.

Imports torch only: the equivariant model's ``export()`` returns these classes, the Keras builder and the ONNX
exporter read them. The layout follows torchvision's ``mobilenet_v2`` (same layers, same parameter count:
3,504,872 at width 1.0 with 1,000 classes; tested), without depending on torchvision.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

# torchvision's inverted residual setting: expansion t, output channels c, repeats n, first stride s
TORCHVISION_SETTING: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to a multiple of ``divisor`` without losing more than 10% (torchvision's rule).

    Examples:
        >>> make_divisible(32 * 0.35), make_divisible(1280 * 1.0)
        (16, 1280)
    """
    min_value = divisor if min_value is None else min_value
    new = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new < 0.9 * v:
        new += divisor
    return new


def conv_bn_act(
    c_in: int, c_out: int, kernel: int = 3, stride: int = 1, groups: int = 1, act: bool = True
) -> nn.Sequential:
    """``Conv2d(bias=False) -> BatchNorm2d [-> ReLU6]`` with ``padding = (kernel - 1) // 2``."""
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c_out),
    ]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2's inverted residual block: ``x + project(depthwise(expand(x)))`` (residual when shapes agree).

    Args:
        conv: the block's layers (``nn.Sequential`` of ``Conv2d``/``BatchNorm2d``/``ReLU6``).
        use_res: add the input to the output.

    Shapes:
        ``x: (B, C_in, H, W) -> (B, C_out, H', W')``.
    """

    def __init__(self, conv: nn.Sequential, use_res: bool) -> None:
        super().__init__()
        self.conv = conv
        self.use_res = use_res

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res else self.conv(x)


def plain_inverted_residual(c_in: int, c_out: int, stride: int, expand: int) -> InvertedResidual:
    """torchvision's ``InvertedResidual(c_in, c_out, stride, expand)``."""
    hidden = int(round(c_in * expand))
    layers: list[nn.Module] = []
    if expand != 1:
        layers.append(conv_bn_act(c_in, hidden, 1))
    layers += [
        conv_bn_act(hidden, hidden, 3, stride, groups=hidden),
        conv_bn_act(hidden, c_out, 1, act=False),
    ]
    return InvertedResidual(nn.Sequential(*layers), stride == 1 and c_in == c_out)


class FieldMax(nn.Module):
    """Max over each field of ``d`` consecutive channels: ``(B, F * d) -> (B, F)`` (invariant group pooling).

    Shapes:
        ``x: (B, F * d) -> (B, F)``.
    """

    def __init__(self, d: int) -> None:
        super().__init__()
        self.d = d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unflatten(1, (-1, self.d)).amax(2)

    def extra_repr(self) -> str:
        return f"d={self.d}"


class PlainMobileNet(nn.Module):
    """A deployable MobileNetV2-style classifier: ``features -> global average pool -> [FieldMax] -> head``.

    Both the plain :func:`mobilenet_v2` and the export of the equivariant model are instances: ``features`` is a
    ``nn.Sequential`` of :func:`conv_bn_act` blocks and :class:`InvertedResidual` blocks, ``pool`` is
    ``nn.Identity`` (plain) or :class:`FieldMax` (equivariant: max over each regular field after the spatial
    average), ``classifier`` is ``Dropout -> Linear``.

    Shapes:
        ``x: (B, C, H, W) -> (B, n_classes)``.
    """

    def __init__(self, features: nn.Sequential, pool: nn.Module, classifier: nn.Sequential) -> None:
        super().__init__()
        self.features = features
        self.pool = pool
        self.classifier = classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x).mean(dim=(2, 3))
        return self.classifier(self.pool(x))


def mobilenet_v2(
    n_classes: int = 1000,
    width: float = 1.0,
    in_channels: int = 3,
    setting: Sequence[Sequence[int]] = TORCHVISION_SETTING,
    stem: int = 32,
    last: int = 1280,
    dropout: float = 0.2,
) -> PlainMobileNet:
    """torchvision's MobileNetV2 (Sandler et al. 2018) with width multiplier ``width`` (channels rounded to 8).

    Args:
        n_classes: logits.
        width: width multiplier (``last`` is scaled only when ``width > 1``, as torchvision does).
        in_channels: image channels.
        setting: rows ``(t, c, n, s)``: expansion, channels, repeats, first stride.
        stem: channels of the first (stride-2) convolution.
        last: channels of the last 1x1 convolution.
        dropout: before the linear classifier.

    Examples:
        >>> sum(p.numel() for p in mobilenet_v2().parameters())
        3504872
    """
    c = make_divisible(stem * width)
    c_last = make_divisible(last * max(1.0, width))
    layers: list[nn.Module] = [conv_bn_act(in_channels, c, 3, 2)]
    for t, ch, n, s in setting:
        c_out = make_divisible(ch * width)
        for i in range(n):
            layers.append(plain_inverted_residual(c, c_out, s if i == 0 else 1, t))
            c = c_out
    layers.append(conv_bn_act(c, c_last, 1))
    head = nn.Sequential(nn.Dropout(dropout), nn.Linear(c_last, n_classes))
    model = PlainMobileNet(nn.Sequential(*layers), nn.Identity(), head)
    _init(model)
    return model


def _init(model: nn.Module) -> None:
    """torchvision's initialisation: Kaiming (fan-out) convolutions, unit batch norm, N(0, 0.01) linear."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, 0.01)
            nn.init.zeros_(m.bias)
