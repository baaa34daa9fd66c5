"""Spatial pooling of steerable feature maps (Weiler & Cesa 2019, Sec. 2.6; Zhang 2019 for anti-aliasing).

Pooling acts on each channel's spatial map. Linear pooling (average, Gaussian blur) commutes with any ``rho(g)``; max
pooling only with permutation representations. On a square grid, 90-degree rotations and flips commute with a pooling
window exactly when the windows cover the input symmetrically: ``(n + 2 padding - window) % stride == 0``.
Anti-aliased pooling blurs with an isotropic Gaussian before subsampling, which keeps equivariance to other angles
closer (escnn's convention). Every module exports to ``torch.nn`` pooling layers or a depthwise ``nn.Conv2d``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._field_type import FieldType
from ._fields import pair, require_permutation
from ._module import EquivariantModule

_Size = int | tuple[int, int]


def gaussian_filter(sigma: float, size: int) -> torch.Tensor:
    """Normalised ``(size, size)`` isotropic Gaussian, exactly invariant under 90-degree rotations and
    flips."""
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    return (g / g.sum()).float()


class _Blur(EquivariantModule):
    """Shared depthwise Gaussian convolution (``filter`` buffer of shape ``(C, 1, s, s)``)."""

    def _make_filter(self, sigma: float, size: int) -> None:
        f = gaussian_filter(sigma, size)
        self.register_buffer("filter", f.expand(self.in_type.size, 1, size, size).contiguous())

    def _blur(self, x: torch.Tensor, stride: tuple[int, int], padding: tuple[int, int]) -> torch.Tensor:
        return F.conv2d(x, self.filter.to(x.dtype), stride=stride, padding=padding, groups=x.shape[1])

    def _blur_module(self, stride: tuple[int, int], padding: tuple[int, int]) -> nn.Conv2d:
        c, _, s, _ = self.filter.shape
        conv = nn.Conv2d(c, c, s, stride=stride, padding=padding, groups=c, bias=False)
        with torch.no_grad():
            conv.weight.copy_(self.filter)
        conv.weight.requires_grad_(False)
        return conv


class PointwiseMaxPool2d(EquivariantModule):
    """Channel-wise spatial max pooling (``F.max_pool2d``) on permutation fields.

    Args:
        in_type: regular, quotient or trivial fields (others raise ``ValueError``).
        kernel_size: window size.
        stride: stride (default: ``kernel_size``).
        padding: implicit padding (with ``-inf``).
        dilation: window dilation.
        ceil_mode: use ceil for the output size.

    Shapes:
        ``x: (B, C, H, W) -> (B, C, H', W')`` as ``nn.MaxPool2d``.

    Examples:
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(4)
        >>> pool = PointwiseMaxPool2d(FieldType(gs, [regular(gs.group)]), 2)
        >>> tuple(pool(torch.randn(1, 4, 8, 8)).shape)
        (1, 4, 4, 4)
    """

    def __init__(
        self,
        in_type: FieldType,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        dilation: _Size = 1,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        require_permutation(in_type, type(self).__name__)
        self.in_type = self.out_type = in_type
        self.kernel_size = pair(kernel_size)
        self.stride = pair(stride) if stride is not None else self.kernel_size
        self.padding, self.dilation, self.ceil_mode = pair(padding), pair(dilation), ceil_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.max_pool2d(
            self.in_type.check(x), self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode
        )

    def export(self) -> nn.Module:
        return nn.MaxPool2d(self.kernel_size, self.stride, self.padding, self.dilation, ceil_mode=self.ceil_mode)


class PointwiseAvgPool2d(EquivariantModule):
    """Channel-wise spatial average pooling (``F.avg_pool2d``); linear, so any field type.

    Args:
        in_type: any field type.
        kernel_size: window size.
        stride: stride (default: ``kernel_size``).
        padding: implicit zero padding (counted in the average, as ``nn.AvgPool2d``'s default).
        ceil_mode: use ceil for the output size.

    Shapes:
        ``x: (B, C, H, W) -> (B, C, H', W')`` as ``nn.AvgPool2d``.
    """

    def __init__(
        self,
        in_type: FieldType,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size = 0,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.in_type = self.out_type = in_type
        self.kernel_size = pair(kernel_size)
        self.stride = pair(stride) if stride is not None else self.kernel_size
        self.padding, self.ceil_mode = pair(padding), ceil_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(self.in_type.check(x), self.kernel_size, self.stride, self.padding, self.ceil_mode)

    def export(self) -> nn.Module:
        return nn.AvgPool2d(self.kernel_size, self.stride, self.padding, ceil_mode=self.ceil_mode)


class PointwiseMaxPoolAntialiased2d(_Blur):
    """Anti-aliased max pooling (Zhang, *Making Convolutional Networks Shift-Invariant Again*, ICML 2019):
    dense max pooling (stride 1), then a depthwise Gaussian blur with the stride.

    The blur filter has size ``2 round(4 sigma) + 1`` and is padded by ``padding + size // 2`` (escnn's
    convention). Exports to ``nn.Sequential(nn.MaxPool2d(stride=1), nn.Conv2d(groups=C))``, which escnn
    cannot do.

    Args:
        in_type: regular, quotient or trivial fields.
        kernel_size: max-pool window.
        stride: subsampling stride (default: ``kernel_size``).
        padding: padding of the max pool (``None``: 0).
        sigma: standard deviation of the Gaussian blur, in pixels.

    Shapes:
        ``x: (B, C, H, W) -> (B, C, H', W')``.
    """

    def __init__(
        self,
        in_type: FieldType,
        kernel_size: _Size,
        stride: _Size | None = None,
        padding: _Size | None = None,
        sigma: float = 0.6,
    ) -> None:
        super().__init__()
        require_permutation(in_type, type(self).__name__)
        self.in_type = self.out_type = in_type
        self.kernel_size = pair(kernel_size)
        self.stride = pair(stride) if stride is not None else self.kernel_size
        self.padding = pair(padding if padding is not None else 0)
        size = 2 * int(round(4 * sigma)) + 1
        self.sigma = sigma
        self._make_filter(sigma, size)
        self._blur_padding = (self.padding[0] + size // 2, self.padding[1] + size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.max_pool2d(self.in_type.check(x), self.kernel_size, 1, self.padding)
        return self._blur(y, self.stride, self._blur_padding)

    def export(self) -> nn.Module:
        return nn.Sequential(
            nn.MaxPool2d(self.kernel_size, 1, self.padding),
            self._blur_module(self.stride, self._blur_padding),
        )


class PointwiseAvgPoolAntialiased2d(_Blur):
    """Anti-aliased average pooling: a depthwise Gaussian blur with a stride (the MNIST model's pooling).

    The filter has size ``2 round(3 sigma) + 1``; ``padding=None`` pads by ``size // 2`` (input size preserved at
    stride 1), as escnn. Linear, so any field type. Exports to a depthwise ``nn.Conv2d``.

    Args:
        in_type: any field type.
        sigma: standard deviation of the Gaussian, in pixels.
        stride: subsampling stride.
        padding: zero padding (``None``: ``size // 2``).

    Shapes:
        ``x: (B, C, H, W) -> (B, C, H', W')``.
    """

    def __init__(self, in_type: FieldType, sigma: float, stride: _Size, padding: _Size | None = None) -> None:
        super().__init__()
        self.in_type = self.out_type = in_type
        size = 2 * int(round(3 * sigma)) + 1
        self.sigma = sigma
        self.stride = pair(stride)
        self.padding = pair(padding if padding is not None else size // 2)
        self._make_filter(sigma, size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._blur(self.in_type.check(x), self.stride, self.padding)

    def export(self) -> nn.Module:
        return self._blur_module(self.stride, self.padding)


class PointwiseAdaptiveAvgPool2d(EquivariantModule):
    """Channel-wise adaptive average pooling to ``output_size`` (``output_size=1``: global average); any
    fields.

    Args:
        in_type: any field type.
        output_size: target spatial size.

    Shapes:
        ``x: (B, C, H, W) -> (B, C, *output_size)``.
    """

    def __init__(self, in_type: FieldType, output_size: _Size) -> None:
        super().__init__()
        self.in_type = self.out_type = in_type
        self.output_size = pair(output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.adaptive_avg_pool2d(self.in_type.check(x), self.output_size)

    def export(self) -> nn.Module:
        return nn.AdaptiveAvgPool2d(self.output_size)


class PointwiseAdaptiveMaxPool2d(EquivariantModule):
    """Channel-wise adaptive max pooling to ``output_size`` on permutation fields.

    Args:
        in_type: regular, quotient or trivial fields.
        output_size: target spatial size.

    Shapes:
        ``x: (B, C, H, W) -> (B, C, *output_size)``.
    """

    def __init__(self, in_type: FieldType, output_size: _Size) -> None:
        super().__init__()
        require_permutation(in_type, type(self).__name__)
        self.in_type = self.out_type = in_type
        self.output_size = pair(output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.adaptive_max_pool2d(self.in_type.check(x), self.output_size)

    def export(self) -> nn.Module:
        return nn.AdaptiveMaxPool2d(self.output_size)
