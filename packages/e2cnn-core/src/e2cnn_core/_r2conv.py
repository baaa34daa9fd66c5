"""R2Conv: the steerable convolution of Weiler & Cesa 2019 between two field types on the plane."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from equi_groups import SO2, CyclicGroup, Representation
from torch import nn

from ._basis_expansion import BasisExpansion
from ._field_type import FieldType
from ._fields import pair
from ._init import generalized_he_init
from ._module import EquivariantModule
from ._radial import Cutoff, kernel_geometry


def trivial_irrep_id(group: object) -> object:
    return 0 if isinstance(group, CyclicGroup | SO2) else (0, 0)


def bias_expansion(reps: Sequence[Representation]) -> torch.Tensor:
    """``(size, n_trivial)``: the columns of each field's change of basis that carry a trivial irrep."""
    size = sum(r.dim for r in reps)
    cols = []
    start = 0
    for r in reps:
        triv = trivial_irrep_id(r.group)
        q = np.asarray(r.change_of_basis)
        pos = 0
        for psi in r.irreps:
            d = r.group.irrep_dim(psi)
            if psi == triv:
                c = np.zeros(size)
                c[start : start + r.dim] = q[:, pos]
                cols.append(c)
            pos += d
        start += r.dim
    return torch.as_tensor(np.stack(cols, 1) if cols else np.zeros((size, 0)), dtype=torch.float32)


def split_groups(
    in_type: FieldType, out_type: FieldType, groups: int, names: tuple[str, str] = ("in_type", "out_type")
) -> tuple[Representation, ...]:
    """``in_type``'s representations of one group of a grouped convolution (checking that both types split
    evenly into ``groups`` identical blocks; ``names`` label the two types in errors)."""
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    if groups == 1:
        return in_type.reps
    for name, t in zip(names, (in_type, out_type), strict=True):
        if len(t) % groups:
            raise ValueError(f"groups={groups} does not divide the {len(t)} fields of {name}")
        k = len(t) // groups
        if any(t.reps[i] != t.reps[i % k] for i in range(len(t))):
            raise ValueError(f"groups={groups} needs {name} to be {groups} identical copies of its first {k} fields")
    return in_type.reps[: len(in_type) // groups]


class _CachedFilter:
    """The expanded filter in eval mode, recomputed when a parameter changes (tracked by tensor versions)."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.value: tuple[torch.Tensor, torch.Tensor | None] | None = None

    def get(self, params: Sequence[torch.Tensor | None], compute: Callable) -> tuple[torch.Tensor, torch.Tensor | None]:
        key = tuple((p._version, p.data_ptr(), p.device, p.dtype) for p in params if p is not None)
        if self.key != key or self.value is None:
            with torch.no_grad():
                self.value = compute()
            self.key = key
        return self.value


class _SteerableFilter(EquivariantModule):
    """Parameters shared by :class:`R2Conv` and :class:`~e2cnn_core.R2ConvTransposed`: weights of a steerable
    kernel basis from ``basis_in`` to ``basis_out`` fields, a bias on the trivial irreps of ``out_type``, and the
    eval-mode cache of the expanded filter."""

    def _init_filter(
        self,
        basis_in: Sequence[Representation],
        basis_out: Sequence[Representation],
        geometry: object,
        bias: bool,
        recompute: bool,
        initialize: bool,
    ) -> None:
        self.basisexpansion = BasisExpansion(basis_in, basis_out, geometry, recompute=recompute)
        if self.basisexpansion.dimension == 0:
            raise ValueError(
                f"the kernel basis from {self.in_type} to {self.out_type} is empty with "
                f"kernel_size={self.kernel_size}: raise frequencies_cutoff or kernel_size, or change the field types"
            )
        self.weights = nn.Parameter(torch.zeros(self.basisexpansion.dimension))
        self.bias: nn.Parameter | None = None
        if bias:
            self.register_buffer("bias_expansion", bias_expansion(self.out_type.reps), False)
            n = self.bias_expansion.shape[1]
            self.bias = nn.Parameter(torch.zeros(n)) if n else None
        self._cache = _CachedFilter()
        if initialize:
            generalized_he_init(self.weights.data, self.basisexpansion)

    def expand_parameters(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The expanded filter (``Conv2d`` / ``ConvTranspose2d`` weight layout) and bias ``(out_size,)`` or
        ``None``."""
        filt = self.basisexpansion(self.weights)
        b = None if self.bias is None else self.bias_expansion @ self.bias
        return filt, b

    def filter_and_bias(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The expanded filter and bias for a forward pass.

        Expanded with autograd in training mode and whenever a gradient may be needed (grad mode on and a
        trainable weight or bias), so fine-tuning in eval mode (frozen batch norm) still trains the weights;
        cached only in eval mode without gradients, until a parameter changes.
        """
        if self.training or (
            torch.is_grad_enabled() and any(p is not None and p.requires_grad for p in (self.weights, self.bias))
        ):
            return self.expand_parameters()
        return self._cache.get((self.weights, self.bias), self.expand_parameters)


class R2Conv(_SteerableFilter):
    """Steerable convolution ``in_type -> out_type`` (Weiler & Cesa, General E(2)-Equivariant Steerable CNNs).

    The filter ``k: R^2 -> R^{C_out x C_in}`` satisfies ``k(g x) = rho_out(g) k(x) rho_in(g)^-1`` for every
    ``g`` of the gspace's group, so that ``conv(k, g . f) = g . conv(k, f)`` with
    ``[g . f](x) = rho(g) f(g^-1 x)``. It is expanded as ``k = sum_d w_d B_d`` in the analytic basis ``B_d`` of
    the constraint's solutions (see :mod:`e2cnn_core._kernel_basis`: circular harmonics times Gaussian rings,
    solved per pair of irreps and lifted through the fields' changes of basis), one independent set of weights
    per pair of fields. The basis is sampled on the ``kernel_size x kernel_size`` pixel grid; on it the
    convolution is exactly equivariant for 90-degree rotations and axis flips, and approximately for other
    angles. Even kernel sizes are sampled, as in escnn, at half-integer offsets from the window centre (no
    centre pixel: the ring of radius 0 then carries no tap); with stride 1 the output samples sit between input
    pixels, still centred on the input grid, so grid rotations and flips remain exact.

    In training mode, and in eval mode whenever a gradient may be needed, the filter is expanded in every
    forward pass (one matmul per pair of field types); in eval mode without gradients the expanded filter is
    cached until a parameter changes. A 1x1 equivariant linear map is
    ``kernel_size=1`` (then only the centre ring exists: ``k`` is an intertwiner ``rho_in -> rho_out``). The
    bias is added only to the trivial irreps of the output fields (through their change of basis).

    Args:
        in_type, out_type: field types of one gspace.
        kernel_size: filter size ``s`` (odd or even, as escnn).
        padding, stride, dilation, groups: as in ``torch.nn.Conv2d``; ``groups`` needs the field types to be
            ``groups`` identical copies of a block of fields.
        bias: learn a bias on the trivial irreps of the output.
        sigma, frequencies_cutoff, rings: radial/angular sampling settings (escnn's defaults when ``None``;
            see :func:`e2cnn_core._radial.kernel_geometry`).
        maximum_offset: our extension, not escnn's (escnn 1.0.11 accepts the argument and ignores it): for
            C_N/D_N keep only the aliased frequencies ``|s0 + t N|`` with ``|t| <= maximum_offset``. ``None``
            (default) gives escnn's basis; any other value a smaller one (e.g. C3 irreps, kernel 7: 30
            instead of 54 elements).
        recompute: rebuild the basis instead of using the in-process cache.
        initialize: generalised He initialisation of the weights (else zeros).
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.

    Shapes:
        input ``(B, in_type.size, H, W)`` -> output ``(B, out_type.size, H', W')`` with ``H'`` as in
        ``Conv2d``.

    Examples:
        >>> import torch
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(8)
        >>> t_in, t_out = FieldType(gs, [regular(gs.group)] * 2), FieldType(gs, [regular(gs.group)] * 3)
        >>> conv = R2Conv(t_in, t_out, kernel_size=5, padding=2)
        >>> conv(torch.randn(4, 16, 9, 9)).shape
        torch.Size([4, 24, 9, 9])
    """

    def __init__(
        self,
        in_type: FieldType,
        out_type: FieldType,
        kernel_size: int,
        padding: int | tuple[int, int] = 0,
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
        padding_mode: str = "zeros",
    ) -> None:
        super().__init__()
        if in_type.gspace != out_type.gspace:
            raise ValueError(f"in_type lives on {in_type.gspace}, out_type on {out_type.gspace}")
        if not isinstance(kernel_size, int | np.integer) or kernel_size < 1:
            raise ValueError(f"kernel_size must be a positive integer, got {kernel_size!r}")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"padding_mode must be zeros, reflect, replicate or circular, got {padding_mode!r}")
        self.in_type, self.out_type = in_type, out_type
        self.kernel_size = int(kernel_size)
        self.padding = pair(padding, "padding")
        self.stride = pair(stride, "stride")
        self.dilation = int(dilation)
        self.groups = groups
        self.padding_mode = padding_mode
        in_reps = split_groups(in_type, out_type, groups)
        geometry = kernel_geometry(kernel_size, dilation, sigma, frequencies_cutoff, rings, maximum_offset)
        self._init_filter(in_reps, out_type.reps, geometry, bias, recompute, initialize)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.in_type.check(x)
        filt, b = self.filter_and_bias()
        if self.padding_mode != "zeros":
            ph, pw = self.padding
            x = F.pad(x, (pw, pw, ph, ph), mode=self.padding_mode)
            return F.conv2d(x, filt, b, self.stride, 0, self.dilation, self.groups)
        return F.conv2d(x, filt, b, self.stride, self.padding, self.dilation, self.groups)

    def export(self) -> nn.Conv2d:
        """A ``torch.nn.Conv2d`` holding the expanded filter (and bias)."""
        with torch.no_grad():
            filt, b = self.expand_parameters()
        conv = nn.Conv2d(
            self.in_type.size,
            self.out_type.size,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            groups=self.groups,
            bias=b is not None,
            padding_mode=self.padding_mode,
        ).to(device=filt.device, dtype=filt.dtype)
        with torch.no_grad():
            conv.weight.copy_(filt)
            if b is not None:
                conv.bias.copy_(b)
        return conv.eval()

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, kernel_size={self.kernel_size}, padding={self.padding}, "
            f"stride={self.stride}, dilation={self.dilation}, groups={self.groups}, "
            f"basis_dim={self.basisexpansion.dimension}"
        )
