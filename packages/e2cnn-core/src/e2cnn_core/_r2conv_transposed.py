"""R2ConvTransposed: the transposed (fractionally strided) steerable convolution, e.g. for upsampling
decoders."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._field_type import FieldType
from ._fields import pair
from ._r2conv import _SteerableFilter, split_groups
from ._radial import Cutoff, kernel_geometry


class R2ConvTransposed(_SteerableFilter):
    """Transposed steerable convolution ``in_type -> out_type`` (Weiler & Cesa 2019; escnn's
    R2ConvTransposed).

    ``conv_transpose2d(x, W)`` is the adjoint of ``conv2d(., W)``, which maps ``out_type`` to ``in_type``. The
    filter ``W: (C_in, C_out, s, s)`` is therefore a steerable kernel from ``rho_out`` to ``rho_in``:
    ``W(g x) = rho_in(g) W(x) rho_out(g)^-1`` (same analytic basis as :class:`~e2cnn_core.R2Conv`). For
    orthogonal representations the adjoint of an equivariant map is equivariant, so this layer is, exactly on
    the pixel grid for 90-degree rotations and axis flips when ``output_padding == 0`` (any kernel size, even
    included: e.g. ``kernel_size=4, stride=2, padding=1`` doubles the resolution).

    Args:
        in_type, out_type: field types of one gspace.
        kernel_size: filter size.
        padding, output_padding, stride, dilation, groups: as in ``torch.nn.ConvTranspose2d``.
        bias: bias on the trivial irreps of the output.
        sigma, frequencies_cutoff, rings, maximum_offset, recompute, initialize: as in
        :class:`~e2cnn_core.R2Conv`.

    Shapes:
        input ``(B, in_type.size, H, W)`` -> output ``(B, out_type.size, H', W')``,
        ``H' = (H - 1) stride - 2 padding + dilation (s - 1) + output_padding + 1``.

    Examples:
        >>> import torch
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, flip_rot2d
        >>> gs = flip_rot2d(4)
        >>> t = FieldType(gs, [regular(gs.group)])
        >>> up = R2ConvTransposed(t, t, kernel_size=4, stride=2, padding=1)
        >>> up(torch.randn(2, 8, 7, 7)).shape
        torch.Size([2, 8, 14, 14])
    """

    def __init__(
        self,
        in_type: FieldType,
        out_type: FieldType,
        kernel_size: int,
        padding: int | tuple[int, int] = 0,
        output_padding: int | tuple[int, int] = 0,
        stride: int | tuple[int, int] = 1,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        sigma: float | Sequence[float] | None = None,
        frequencies_cutoff: Cutoff = None,
        rings: Sequence[float] | None = None,
        maximum_offset: int | None = None,
        recompute: bool = False,
        initialize: bool = True,
    ) -> None:
        super().__init__()
        if in_type.gspace != out_type.gspace:
            raise ValueError(f"in_type lives on {in_type.gspace}, out_type on {out_type.gspace}")
        if not isinstance(kernel_size, int | np.integer) or kernel_size < 1:
            raise ValueError(f"kernel_size must be a positive integer, got {kernel_size!r}")
        self.in_type, self.out_type = in_type, out_type
        self.kernel_size = int(kernel_size)
        self.padding = pair(padding, "padding")
        self.output_padding = pair(output_padding, "output_padding")
        self.stride = pair(stride, "stride")
        self.dilation = int(dilation)
        self.groups = groups
        # the adjoint convolution maps out_type to in_type: its kernel goes from out_type's block to in_type
        out_block = split_groups(out_type, in_type, groups, ("out_type", "in_type"))
        geometry = kernel_geometry(kernel_size, dilation, sigma, frequencies_cutoff, rings, maximum_offset)
        self._init_filter(out_block, in_type.reps, geometry, bias, recompute, initialize)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.in_type.check(x)
        filt, b = self.filter_and_bias()
        return F.conv_transpose2d(
            x, filt, b, self.stride, self.padding, self.output_padding, self.groups, self.dilation
        )

    def export(self) -> nn.ConvTranspose2d:
        """A ``torch.nn.ConvTranspose2d`` holding the expanded filter (and bias)."""
        with torch.no_grad():
            filt, b = self.expand_parameters()
        conv = nn.ConvTranspose2d(
            self.in_type.size,
            self.out_type.size,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            output_padding=self.output_padding,
            groups=self.groups,
            bias=b is not None,
            dilation=self.dilation,
        ).to(device=filt.device, dtype=filt.dtype)
        with torch.no_grad():
            conv.weight.copy_(filt)
            if b is not None:
                conv.bias.copy_(b)
        return conv.eval()
