"""Equivariant batch normalisations (Weiler & Cesa 2019, Sec. 2.6; Ioffe & Szegedy 2015).

Statistics are shared over whatever a group element can mix: a per-channel mean is only subtracted inside the
invariant (trivial-irrep) subspace of a field, and variances are pooled over channels that ``rho(g)`` can mix.
Training follows ``torch.nn.BatchNorm2d``: normalise with the biased batch variance, update running statistics with
``momentum`` (``None``: cumulative average) and the unbiased variance, use running statistics in eval mode.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._field_type import FieldType
from ._fields import FieldLayout, block_diag, invariant_basis, require_permutation
from ._module import EquivariantModule
from ._stat_norm_fn import SharedVarianceNorm


def _reduce_dims(x: torch.Tensor) -> tuple[int, ...]:
    return (0, *range(2, x.dim()))


class _Tracked(EquivariantModule):
    """Momentum bookkeeping shared by the batch norms."""

    def __init__(self, in_type: FieldType, eps: float, momentum: float | None, affine: bool) -> None:
        super().__init__()
        if eps <= 0:
            raise ValueError(f"eps must be > 0, got {eps}")
        self.in_type = in_type
        self.out_type = in_type
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def _factor(self) -> float:
        self.num_batches_tracked += 1
        return 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum


class InnerBatchNorm(_Tracked):
    """Batch norm with one mean and variance per field, shared over the field's channels.

    Weiler & Cesa, *General E(2)-Equivariant Steerable CNNs*, NeurIPS 2019 (the batch norm of the MNIST models). For
    permutation fields (regular, quotient, trivial) ``rho(g)`` only permutes a field's channels, so statistics pooled
    over ``(batch, channels of the field, space)`` and a per-field affine map commute with it. Fields of equal
    dimension are normalised together as one ``(B, F, d, H, W)`` batch norm (``F.batch_norm``), no loop over fields.

    Args:
        in_type: permutation fields only (others raise ``ValueError``).
        eps: added to the variance.
        momentum: running-average factor (``None``: cumulative).
        affine: learn a scale and a bias per field.

    Shapes:
        ``x: (B, C, *S) -> (B, C, *S)``.

    Examples:
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(8)
        >>> bn = InnerBatchNorm(FieldType(gs, [regular(gs.group)] * 3))
        >>> tuple(bn(torch.randn(4, 24, 5, 5)).shape), tuple(bn.export().running_var.shape)
        ((4, 24, 5, 5), (24,))
    """

    def __init__(
        self, in_type: FieldType, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True
    ) -> None:
        super().__init__(in_type, eps, momentum, affine)
        require_permutation(in_type, type(self).__name__)
        self.layout = FieldLayout(in_type)
        n = len(in_type.reps)
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("running_var", torch.ones(n))
        self.weight = nn.Parameter(torch.ones(n)) if affine else None
        self.bias = nn.Parameter(torch.zeros(n)) if affine else None
        # per group: a slice of the per-field statistics when its fields are consecutive (views, updated in
        # place by F.batch_norm), else None (gather, then scatter the running statistics back)
        self._field_slices = [
            slice(f[0], f[-1] + 1) if f == list(range(f[0], f[-1] + 1)) else None for f in self.layout.fields
        ]
        self._single_block = len(self.layout.fields) == 1 and self.layout.in_order

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.in_type.check(x)
        factor = self._factor() if self.training else 0.0
        if self._single_block:
            # the usual case (one field dimension, fields in order): one batch norm on the (B, F, d, *S) view.
            # The result is returned through an untracked view: a tracked view of a fresh tensor makes the next
            # in-place op (ELU(inplace=True)) record CopySlices, which clones and zero-fills the full gradient
            # in every backward pass (3 feature-map copies and a fill per layer in the profile of 0.1)
            y = F.batch_norm(
                self.layout.split(x)[0], self.running_mean, self.running_var, self.weight, self.bias,
                self.training, factor, self.eps,
            )
            return torch.ops.aten._unsafe_view(y, x.shape) if y.is_contiguous() else y.reshape(x.shape)
        out = []
        for g, p in enumerate(self.layout.split(x)):
            sl = self._field_slices[g]
            sel = (
                (lambda v, sl=sl: v[sl])
                if sl is not None
                else (lambda v, g=g: v[self.layout.fields_tensor(g)])
            )
            rm, rv = sel(self.running_mean), sel(self.running_var)
            w = None if self.weight is None else sel(self.weight)
            b = None if self.bias is None else sel(self.bias)
            y = F.batch_norm(p, rm, rv, w, b, self.training, factor, self.eps)
            if sl is None and self.training:
                with torch.no_grad():
                    self.running_mean[self.layout.fields_tensor(g)] = rm
                    self.running_var[self.layout.fields_tensor(g)] = rv
            out.append(y)
        return self.layout.merge(out)

    def _channel(self, v: torch.Tensor) -> torch.Tensor:
        return torch.repeat_interleave(v, torch.tensor([r.dim for r in self.in_type.reps], device=v.device))

    def export(self) -> nn.Module:
        bn = nn.BatchNorm2d(self.in_type.size, self.eps, self.momentum, self.affine)
        with torch.no_grad():
            bn.running_mean.copy_(self._channel(self.running_mean))
            bn.running_var.copy_(self._channel(self.running_var))
            bn.num_batches_tracked.copy_(self.num_batches_tracked)
            if self.affine:
                bn.weight.copy_(self._channel(self.weight))
                bn.bias.copy_(self._channel(self.bias))
        return bn.eval()


class _StatNorm(_Tracked):
    """Per-channel affine normalisation ``y = Q (x' * s + t)``, ``x' = Q^T x``, where channels share
    statistics by ``group`` (one variance per group), means live in the span of ``P`` and biases in the span of
    ``T``."""

    def __init__(
        self,
        in_type: FieldType,
        eps: float,
        momentum: float | None,
        affine: bool,
        group: np.ndarray,
        mean_projector: np.ndarray | None,
        bias_basis: np.ndarray | None,
        basis: np.ndarray | None,
    ) -> None:
        super().__init__(in_type, eps, momentum, affine)
        c = in_type.size
        n_stats = int(group.max()) + 1
        self.register_buffer("group", torch.as_tensor(group, dtype=torch.long), persistent=False)
        self.register_buffer(
            "group_size", torch.bincount(self.group, minlength=n_stats).float(), persistent=False
        )
        self.register_buffer(
            "P",
            None if mean_projector is None else torch.tensor(mean_projector, dtype=torch.float32),
            persistent=False,
        )
        self.register_buffer(
            "T",
            None if bias_basis is None else torch.tensor(bias_basis, dtype=torch.float32),
            persistent=False,
        )
        self.register_buffer(
            "Q", None if basis is None else torch.tensor(basis, dtype=torch.float32), persistent=False
        )
        self.register_buffer("running_mean", torch.zeros(c))
        self.register_buffer("running_var", torch.ones(n_stats))
        self.weight = nn.Parameter(torch.ones(n_stats)) if affine else None
        self.bias = (
            nn.Parameter(torch.zeros(bias_basis.shape[1])) if affine and bias_basis is not None else None
        )

    def _update_running(self, mean: torch.Tensor, var: torch.Tensor, per_channel: int) -> None:
        n = per_channel * self.group_size
        factor = self._factor()
        with torch.no_grad():
            self.running_mean.mul_(1 - factor).add_(factor * mean.detach())
            self.running_var.mul_(1 - factor).add_(factor * var.detach() * n / (n - 1).clamp_min(1))

    def _mean(self, mu: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(mu) if self.P is None else self.P.to(mu.dtype) @ mu

    def _scale_shift(self, mean: torch.Tensor, var: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        inv = torch.rsqrt(var + self.eps)
        if self.weight is not None:
            inv = inv * self.weight
        scale = inv.index_select(0, self.group)
        shift = -mean * scale
        if self.bias is not None:
            shift = shift + self.T.to(mean.dtype) @ self.bias
        return scale, shift

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.in_type.check(x)
        if self.Q is not None:
            x = torch.einsum("ij,bj...->bi...", self.Q.T.to(x.dtype), x)
        if self.training and self.Q is None and x.dim() > 2 and x.numel() > x.shape[1]:
            # fused statistics, affine map and hand-written backward (same function as the branch below)
            dt = x.dtype
            y, mean, var = SharedVarianceNorm.apply(
                x,
                None if self.weight is None else self.weight.to(dt),
                None if self.bias is None else self.bias.to(dt),
                self.group,
                self.group_size,
                None if self.P is None else self.P.to(dt),
                None if self.T is None else self.T.to(dt),
                self.eps,
            )
            self._update_running(mean, var, x.numel() // x.shape[1])
            return y
        if self.training:
            dims = _reduce_dims(x)
            var_c, mu = torch.var_mean(x, dim=dims, unbiased=False)
            mean = self._mean(mu)
            dev = var_c + (mu - mean) ** 2
            var = (
                torch.zeros_like(self.group_size, dtype=x.dtype).index_add(0, self.group, dev)
                / self.group_size
            )
            self._update_running(mean, var, x.numel() // x.shape[1])
        else:
            mean, var = self.running_mean.to(x.dtype), self.running_var.to(x.dtype)
        scale, shift = self._scale_shift(mean, var)
        view = (1, -1) + (1,) * (x.dim() - 2)
        y = x * scale.view(view) + shift.view(view)
        if self.Q is not None:
            y = torch.einsum("ij,bj...->bi...", self.Q.to(y.dtype), y)
        return y

    def export(self) -> nn.Module:
        c = self.in_type.size
        with torch.no_grad():
            scale, shift = self._scale_shift(self.running_mean, self.running_var)
            if self.Q is None:
                bn = nn.BatchNorm2d(c, eps=0.0, momentum=self.momentum, affine=True)
                # y = x * scale + shift == (x - 0) / sqrt(1 + 0) * scale + shift
                bn.weight.copy_(scale)
                bn.bias.copy_(shift)
                return bn.eval()
            conv = nn.Conv2d(c, c, 1, bias=True)
            conv.weight.copy_(((self.Q * scale) @ self.Q.T).view(c, c, 1, 1))
            conv.bias.copy_(self.Q @ shift)
            return conv.eval()


def _field_stats(in_type: FieldType) -> np.ndarray:
    return np.repeat(np.arange(len(in_type.reps)), [r.dim for r in in_type.reps])


class IIDBatchNorm2d(_StatNorm):
    """Batch norm assuming each field's covariance is a multiple of the identity: one variance per field.

    Weiler & Cesa 2019, Sec. 2.6 (and escnn's ``IIDBatchNorm2d``; Cesa's thesis, Ch. 4.2). The mean is the projection
    of the channel means onto the field's invariant subspace (zero for fields without trivial irreps); the variance is
    ``E|x_f - m_f|^2 / d_f``; one scale per field, biases only in the invariant subspace. Works for any field type;
    exports to one ``nn.BatchNorm2d``.

    Args:
        in_type: any field type.
        eps: added to the variance.
        momentum: running-average factor (``None``: cumulative).
        affine: learn a scale per field and biases in the invariant subspaces.

    Shapes:
        ``x: (B, C, *S) -> (B, C, *S)``.
    """

    def __init__(
        self, in_type: FieldType, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True
    ) -> None:
        inv = [invariant_basis(r) for r in in_type.reps]
        t = block_diag(inv) if any(b.shape[1] for b in inv) else None
        super().__init__(
            in_type, eps, momentum, affine, _field_stats(in_type), None if t is None else t @ t.T, t, None
        )


class NormBatchNorm(_StatNorm):
    """Batch norm for fields without trivial irreps: the mean is zero by symmetry, only the norm is
    normalised.

    Weiler & Cesa 2019, Sec. 2.6 (escnn's ``NormBatchNorm``). If ``rho`` has no trivial irrep, ``mean_g rho(g) v = 0``
    so no mean is estimated; each field is divided by ``sqrt(E|x_f|^2 / d_f + eps)`` and scaled by a learnt per-field
    weight (no bias). Fields containing a trivial irrep raise ``ValueError``.

    Args:
        in_type: fields without trivial irreps.
        eps: added to the variance.
        momentum: running-average factor (``None``: cumulative).
        affine: learn a scale per field.

    Shapes:
        ``x: (B, C, *S) -> (B, C, *S)``.
    """

    def __init__(
        self, in_type: FieldType, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True
    ) -> None:
        for i, r in enumerate(in_type.reps):
            if invariant_basis(r).shape[1]:
                raise ValueError(
                    f"NormBatchNorm needs fields without trivial irreps; field {i} ({r}) contains "
                    f"{invariant_basis(r).shape[1]} trivial irrep(s): use IIDBatchNorm2d or GNormBatchNorm"
                )
        super().__init__(in_type, eps, momentum, affine, _field_stats(in_type), None, None, None)


class GNormBatchNorm(_StatNorm):
    """Batch norm in the irrep basis: one variance (and scale) per irrep of each field, means and biases on
    the trivial irreps only.

    Weiler & Cesa 2019, Sec. 2.6 (escnn's ``GNormBatchNorm``). Each field is rotated into its irreps, ``x' = Q^T x``;
    an irrep's channels are mixed only among themselves by ``psi(g)``, so they share one variance
    ``E|x'_psi - m_psi|^2 / dim psi`` and one scale. Exports to ``nn.BatchNorm2d`` when every field is already in its
    irrep basis, otherwise to a 1x1 ``nn.Conv2d`` (``Q diag(s) Q^T``).

    Args:
        in_type: any field type.
        eps: added to the variance.
        momentum: running-average factor (``None``: cumulative).
        affine: learn a scale per irrep and a bias per trivial irrep.

    Shapes:
        ``x: (B, C, *S) -> (B, C, *S)``.
    """

    def __init__(
        self, in_type: FieldType, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True
    ) -> None:
        group = in_type.group
        trivial_id = (group.irreps(0) if not group.is_finite else group.irreps())[0]
        stats, mask, k = [], [], 0
        for r in in_type.reps:
            for psi in r.irreps:
                d = group.irrep_dim(psi)
                stats += [k] * d
                mask += [psi == trivial_id] * d
                k += 1
        qs = [r.change_of_basis for r in in_type.reps]
        q = None if all(np.allclose(b, np.eye(b.shape[0])) for b in qs) else block_diag(qs)
        m = np.array(mask, dtype=bool)
        t = np.eye(len(mask))[:, m] if m.any() else None
        super().__init__(
            in_type,
            eps,
            momentum,
            affine,
            np.array(stats),
            None if t is None else np.diag(m.astype(float)),
            t,
            q,
        )
