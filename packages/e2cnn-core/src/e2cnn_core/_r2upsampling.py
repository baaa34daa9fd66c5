"""R2Upsampling: channel-wise spatial upsampling of feature fields."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._field_type import FieldType
from ._module import EquivariantModule

_MODES = ("nearest", "bilinear", "bicubic")


class R2Upsampling(EquivariantModule):
    """Upsample every channel of a feature field (Weiler & Cesa 2019; escnn's R2Upsampling).

    Interpolation acts on each channel alike, so it commutes with any fiber representation ``rho(g)``; the
    ``nearest``/``bilinear``/``bicubic`` kernels are symmetric under 90-degree rotations and axis flips, so
    with an integer ``scale_factor`` (or ``size`` a multiple of the input size) the layer is exactly
    equivariant on the grid for those elements, and approximately for other angles. ``out_type == in_type``.

    Args:
        in_type: the field type.
        scale_factor: spatial scale factor (ignored if ``size`` is given).
        size: output spatial size ``(H', W')`` or an int.
        mode: ``"nearest"``, ``"bilinear"`` or ``"bicubic"``.
        align_corners: as in ``torch.nn.functional.interpolate`` (not used by ``nearest``).

    Shapes:
        ``(B, C, H, W) -> (B, C, H', W')``.

    Examples:
        >>> import torch
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> t = FieldType(rot2d(4), [regular(rot2d(4).group)])
        >>> R2Upsampling(t, 2)(torch.randn(1, 4, 5, 5)).shape
        torch.Size([1, 4, 10, 10])
    """

    def __init__(
        self,
        in_type: FieldType,
        scale_factor: float | None = 2,
        mode: str = "bilinear",
        align_corners: bool = False,
        size: int | tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        if size is None and (scale_factor is None or scale_factor <= 0):
            raise ValueError(f"give a positive scale_factor or a size, got scale_factor={scale_factor!r}")
        self.in_type = self.out_type = in_type
        self.scale_factor = None if size is not None else float(scale_factor)
        self.size = size
        self.mode = mode
        self.align_corners = None if mode == "nearest" else bool(align_corners)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.in_type.check(x)
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)

    def export(self) -> nn.Upsample:
        """The equivalent ``torch.nn.Upsample``."""
        return nn.Upsample(self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, size={self.size}, scale_factor={self.scale_factor}, mode={self.mode}"
