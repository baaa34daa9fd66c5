"""``ImplicitR2Conv``: a drop-in for e2cnn-core's ``R2Conv`` whose filter is an implicit (MLP) kernel."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from e2cnn_core import FieldType
from torch import nn

from ._irreps import trivial_id
from ._kernel import ImplicitKernel


def _pair(v: int | tuple[int, int], name: str) -> tuple[int, int]:
    out = (v, v) if isinstance(v, int) else tuple(v)
    if len(out) != 2 or any(not isinstance(a, int) or a < 0 for a in out):
        raise ValueError(f"{name} must be a non-negative int or a pair of them, got {v!r}")
    return out  # type: ignore[return-value]


def grid_points(kernel_size: int) -> np.ndarray:
    """``(s * s, 2)`` tap coordinates ``(x, y)``, row-major over the ``(s, s)`` filter, x right and y up (the
    convention of e2cnn-core's gspaces), scaled so that the outermost row sits at radius 1."""
    idx = np.arange(kernel_size) - (kernel_size - 1) / 2
    scale = max((kernel_size - 1) / 2, 1.0)
    return np.stack([np.tile(idx, kernel_size), -np.repeat(idx, kernel_size)], 1) / scale


class ImplicitR2Conv(nn.Module):
    """Steerable convolution ``in_type -> out_type`` with an implicit kernel (Zhdanov, Hoffmann, Cesa 2023), the
    same constructor shape as e2cnn-core's ``R2Conv``.

    The filter is :class:`~implicit_kernels.ImplicitKernel` evaluated on the ``kernel_size x kernel_size`` tap
    grid (coordinates scaled to radius 1 at the edge rows): ``k(g x) = rho_out(g) k(x) rho_in(g)^T`` holds for
    every ``g`` of the gspace's group (C_N, D_N, SO(2), O(2)), so the convolution is exactly equivariant for
    90-degree rotations and axis flips of the pixel grid, approximately for other angles.

    In training mode the filter is evaluated in every forward pass. In eval mode it is cached until a parameter
    changes; when gradients are enabled and a parameter requires them, the cache is bypassed and the filter
    recomputed with autograd, so gradients in eval mode equal those in training mode (the MLP has no batch
    statistics).

    Args:
        in_type, out_type: e2cnn-core field types of one gspace (any mix of representations).
        kernel_size, padding, stride, dilation: as in ``torch.nn.Conv2d``.
        bias: a learnable bias on the trivial irreps of the output fields.
        channels, layers, order, sigma, radial: the kernel MLP's settings (:class:`ImplicitKernel`).

    Shapes:
        input ``(B, in_type.size, H, W)`` -> output ``(B, out_type.size, H', W')``.

    Examples:
        >>> import torch
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(4)
        >>> conv = ImplicitR2Conv(FieldType(gs, [regular(gs.group)]), FieldType(gs, [regular(gs.group)] * 2), 5,
        ...                       padding=2)
        >>> conv(torch.randn(1, 4, 9, 9)).shape
        torch.Size([1, 8, 9, 9])
    """

    def __init__(
        self,
        in_type: FieldType,
        out_type: FieldType,
        kernel_size: int,
        padding: int | tuple[int, int] = 0,
        stride: int | tuple[int, int] = 1,
        dilation: int = 1,
        bias: bool = True,
        channels: int = 8,
        layers: int = 2,
        order: int | None = None,
        sigma: float = 0.5,
        radial: int = 4,
    ) -> None:
        super().__init__()
        if in_type.gspace != out_type.gspace:
            raise ValueError(f"in_type lives on {in_type.gspace}, out_type on {out_type.gspace}")
        if not isinstance(kernel_size, int) or kernel_size < 1:
            raise ValueError(f"kernel_size must be a positive integer, got {kernel_size!r}")
        if not isinstance(dilation, int) or dilation < 1:
            raise ValueError(f"dilation must be a positive integer, got {dilation!r}")
        self.in_type, self.out_type = in_type, out_type
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = _pair(padding, "padding"), _pair(stride, "stride")
        self.kernel = ImplicitKernel(
            in_type.group,
            in_type.reps,
            out_type.reps,
            channels=channels,
            layers=layers,
            order=order,
            sigma=sigma,
            radial=radial,
        )
        self.register_buffer("points", torch.as_tensor(grid_points(kernel_size), dtype=torch.float64), persistent=False)
        # He-like start: Var(out) = 2 Var(in) for a unit-variance input
        self.kernel.calibrate(self.points, std=float(np.sqrt(2.0 / (in_type.size * kernel_size**2))))
        with torch.no_grad():  # smooth filters: bound the response to a constant input as well (DC gain)
            dc = self.kernel(self.points.to(self.kernel.log_sigma.dtype)).sum(0)
            self.kernel.gain.mul_(min(1.0, float(np.sqrt(2.0 / in_type.size)) / max(float(dc.std()), 1e-12)))
        self.bias: nn.Parameter | None = None
        if bias:
            t = trivial_id(in_type.group)
            cols = []
            for sl, rep in zip(out_type.field_slices(), out_type.reps, strict=True):
                q = np.asarray(rep.change_of_basis)
                start = 0
                for psi in rep.irreps:
                    d = in_type.group.irrep_dim(psi)
                    if psi == t:
                        col = np.zeros(out_type.size)
                        col[sl] = q[:, start]
                        cols.append(col)
                    start += d
            if cols:
                self.register_buffer("bias_expansion", torch.as_tensor(np.stack(cols, 1), dtype=torch.float64))
                self.bias = nn.Parameter(torch.zeros(len(cols)))
        self._cache_key: tuple | None = None
        self._cache: tuple[torch.Tensor, torch.Tensor | None] | None = None

    def expand_parameters(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The filter ``(C_out, C_in, s, s)`` and the bias ``(C_out,)`` or ``None``, with autograd."""
        s = self.kernel_size
        k = self.kernel(self.points.to(self.kernel.log_sigma.dtype))  # (s*s, C_out, C_in)
        filt = k.permute(1, 2, 0).reshape(self.out_type.size, self.in_type.size, s, s)
        b = None if self.bias is None else self.bias_expansion.to(self.bias.dtype) @ self.bias
        return filt, b

    def filter_and_bias(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Evaluated with autograd in training mode and whenever a gradient may be needed; cached (detached) in
        eval mode without gradients until a parameter changes (tracked by tensor versions)."""
        params = list(self.parameters())
        if self.training or (torch.is_grad_enabled() and any(p.requires_grad for p in params)):
            return self.expand_parameters()
        key = tuple((p._version, p.data_ptr(), p.dtype, p.device) for p in params)
        if self._cache is None or key != self._cache_key:
            with torch.no_grad():
                self._cache = self.expand_parameters()
            self._cache_key = key
        return self._cache

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.in_type.check(x)
        filt, b = self.filter_and_bias()
        return F.conv2d(
            x, filt.to(x.dtype), None if b is None else b.to(x.dtype), self.stride, self.padding, self.dilation
        )

    def export(self) -> nn.Conv2d:
        """A plain ``torch.nn.Conv2d`` holding the evaluated filter (and bias)."""
        with torch.no_grad():
            filt, b = self.expand_parameters()
        conv = nn.Conv2d(
            self.in_type.size,
            self.out_type.size,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            bias=b is not None,
        )
        conv = conv.to(dtype=filt.dtype)
        with torch.no_grad():
            conv.weight.copy_(filt)
            if b is not None:
                conv.bias.copy_(b)
        return conv.eval()

    def extra_repr(self) -> str:
        return (
            f"{self.in_type} -> {self.out_type}, kernel_size={self.kernel_size}, padding={self.padding}, "
            f"stride={self.stride}"
        )
