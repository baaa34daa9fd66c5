"""Field normalisation: each field normalised on its own, per sample and per pixel (escnn's ``FieldNorm``)."""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ._field_type import FieldType
from ._fields import FieldLayout, invariant_basis
from ._module import EquivariantModule


class _FieldNormCore(nn.Module):
    """Torch-only core of :class:`FieldNorm` (what ``export()`` returns)."""

    def __init__(
        self,
        layout: FieldLayout,
        projectors: list[np.ndarray],
        bases: list[np.ndarray],
        eps: float,
        affine: bool,
    ) -> None:
        super().__init__()
        self.layout = layout
        self.eps = eps
        self.has_mean = [b.shape[1] > 0 for b in bases]
        for g, (p, b) in enumerate(zip(projectors, bases, strict=True)):
            self.register_buffer(f"P{g}", torch.tensor(p, dtype=torch.float32))
            self.register_buffer(f"B{g}", torch.tensor(b, dtype=torch.float32))
        self.weight = nn.Parameter(torch.ones(layout.n_fields)) if affine else None
        n_bias = sum(b.shape[1] * n for b, n in zip(bases, layout.counts, strict=True))
        self.bias = nn.Parameter(torch.zeros(n_bias)) if affine and n_bias else None
        offsets = [0]
        for b, n in zip(bases, layout.counts, strict=True):
            offsets.append(offsets[-1] + b.shape[1] * n)
        self._bias_offsets = offsets

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = []
        for g, p in enumerate(self.layout.split(x)):  # (B, F, d, *S)
            extra = (1,) * (p.dim() - 3)
            if self.has_mean[g]:
                proj = getattr(self, f"P{g}").to(p.dtype)
                p = p - torch.einsum("ij,bfj...->bfi...", proj, p)
            var = p.pow(2).mean(2, keepdim=True)
            scale = torch.rsqrt(var + self.eps)
            if self.weight is not None:
                scale = scale * self.weight.index_select(0, self.layout.fields_tensor(g)).view(
                    1, -1, 1, *extra
                )
            y = p * scale
            if self.bias is not None and self.has_mean[g]:
                basis = getattr(self, f"B{g}").to(p.dtype)  # (d, k)
                beta = self.bias[self._bias_offsets[g] : self._bias_offsets[g + 1]].view(
                    p.shape[1], basis.shape[1]
                )
                y = y + (beta @ basis.T).view(1, p.shape[1], p.shape[2], *extra)
            out.append(y)
        return self.layout.merge(out)


class FieldNorm(EquivariantModule):
    """Normalises every field separately at every pixel of every sample (a layer norm per field).

    For a field value ``v`` (dimension ``d``): ``m = P v`` (projection onto the invariant subspace, zero without
    trivial irreps), ``y = w_f (v - m) / sqrt(|v - m|^2 / d + eps) + B beta_f`` with one scale ``w_f`` per field and
    biases ``beta_f`` in the invariant subspace only. Both ``|v - m|`` and ``P`` commute with ``rho(g)``, so the map
    is equivariant for any field. No running statistics: identical in train and eval mode. Fields of the same
    representation are processed together as ``(B, F, d, *S)`` views.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019 (normalisations, Sec. 2.6); as escnn's
    ``FieldNorm``.

    Args:
        in_type: any field type.
        eps: added to the variance.
        affine: learn ``w_f`` and ``beta_f``.

    Shapes:
        ``x: (B, C, *S) -> (B, C, *S)``.

    Examples:
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(4)
        >>> fn = FieldNorm(FieldType(gs, [regular(gs.group)] * 2))
        >>> y = fn(torch.randn(1, 8, 3, 3))
        >>> bool(y[:, :4].mean(1).abs().max() < 1e-5)
        True
    """

    def __init__(self, in_type: FieldType, eps: float = 1e-5, affine: bool = True) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f"eps must be > 0, got {eps}")
        self.in_type = in_type
        self.out_type = in_type
        layout = FieldLayout(in_type, key=lambda r: r)
        reps = [in_type.reps[f[0]] for f in layout.fields]
        bases = [invariant_basis(r) for r in reps]
        projectors = [b @ b.T for b in bases]
        self.core = _FieldNormCore(layout, projectors, bases, eps, affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.core(self.in_type.check(x))

    def export(self) -> nn.Module:
        return copy.deepcopy(self.core)
