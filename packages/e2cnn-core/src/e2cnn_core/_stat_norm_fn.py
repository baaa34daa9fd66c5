"""Fused training-mode forward/backward of the shared-variance batch norms (IID and norm batch norm).

The generic autograd graph (``var_mean``, projections, ``x * scale + shift``) keeps several full-size
temporaries and runs a slow single-threaded ``var_mean`` on CPU; here the per-channel statistics, the affine
map and the backward reductions come from the fused batch-norm kernels, and the gradient is written out by
hand (below). First-order gradients only.

Maths (``N`` values per channel, channel ``c`` in stat group ``f(c)`` of ``k_f`` channels, projector ``P``
onto the invariant means, ``d = x - P mu``)::

    var_f = 1 / (k_f N) sum_{c in f} sum d_c^2,  s_c = w_f rsqrt(var_f + eps),  y = s_c d_c + (T b)_c
    A_f   = sum_{c in f} sum gy_c d_c,           dL/dw_f = A_f rsqrt(var_f + eps),  dL/db = T^T sum gy
    g_c   = s_c gy_c + 2 / (k_f N) dL/dvar_f d_c  with  dL/dvar_f = -w_f A_f / 2 (var_f + eps)^(-3/2)
    dL/dx = g - P^T (sum g) / N
"""

from __future__ import annotations

from typing import Any

import torch


def _affine(x: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """``x * scale_c + shift_c`` in one pass (an eval-mode batch norm with zero mean and unit variance)."""
    c = x.shape[1]
    zeros, ones = x.new_zeros(c), x.new_ones(c)
    return torch.batch_norm(x, scale, shift, zeros, ones, False, 0.0, 0.0, False)


def _channel_stats(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and biased variance, two-pass style: ``mu0 = mean x``, then ``sum x (x - mu0)`` and
    ``sum x`` from one fused reduction, corrected by ``mu0 (sum x - N mu0)`` (several times faster on CPU than
    ``torch.var_mean`` over ``(0, 2, 3)``, as accurate as a two-pass variance up to rounding)."""
    c = x.shape[1]
    n = x.numel() // c
    mu0 = x.sum(dim=(0, *range(2, x.dim()))) / n
    _, sxd, sx = torch.ops.aten.native_batch_norm_backward(
        x, x, None, None, None, mu0, x.new_ones(c), True, 0.0, [False, True, True]
    )
    var = ((sxd - mu0 * (sx - n * mu0)) / n).clamp_min(0.0)
    return mu0, var


class SharedVarianceNorm(torch.autograd.Function):
    """``(x, weight, bias) -> (y, mean, var)``: training-mode normalisation with one variance per stat group.

    Args (forward): ``x (B, C, *S)``; ``weight (n_stats,)`` or ``None``; ``bias (n_bias,)`` or ``None``;
    ``group (C,)`` stat group of each channel; ``group_size (n_stats,)``; ``P (C, C)`` mean projector or
    ``None`` (zero mean); ``T (C, n_bias)`` bias basis or ``None``; ``eps``.
    Returns ``y`` and, without gradient, the projected channel means ``(C,)`` and the biased group
    variances ``(n_stats,)`` (for the running averages).
    """

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        x: torch.Tensor,
        weight: torch.Tensor | None,
        bias: torch.Tensor | None,
        group: torch.Tensor,
        group_size: torch.Tensor,
        P: torch.Tensor | None,
        T: torch.Tensor | None,
        eps: float,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = x.contiguous()
        n = x.numel() // x.shape[1]
        mu, var_c = _channel_stats(x)
        mean = torch.zeros_like(mu) if P is None else P @ mu
        dev = var_c + (mu - mean) ** 2
        gsize = group_size.to(x.dtype)
        var = torch.zeros_like(gsize).index_add_(0, group, dev) / gsize
        inv = torch.rsqrt(var + eps)
        s = inv if weight is None else inv * weight
        scale = s.index_select(0, group)
        shift = -mean * scale
        if bias is not None:
            shift = shift + T @ bias
        y = _affine(x, scale, shift)
        ctx.save_for_backward(x, weight, mean, mu, inv, scale, group, gsize, P, T)
        ctx.n = n
        ctx.mark_non_differentiable(mean, var)
        return y, mean, var

    @staticmethod
    def backward(  # type: ignore[override]
        ctx: Any, gy: torch.Tensor, _gm: torch.Tensor | None, _gv: torch.Tensor | None
    ) -> tuple[torch.Tensor | None, ...]:
        x, weight, mean, mu, inv, scale, group, gsize, P, T = ctx.saved_tensors
        n = ctx.n
        gy = gy.contiguous()
        c = x.shape[1]
        # per channel: sum(gy * x) and sum(gy), from the fused batch-norm backward reduction
        _, sgx, sg = torch.ops.aten.native_batch_norm_backward(
            gy, x, None, None, None, x.new_zeros(c), x.new_ones(c), True, 0.0, [False, True, True]
        )
        sgd = sgx - mean * sg  # sum gy * d
        a = torch.zeros_like(inv).index_add_(0, group, sgd)
        w = torch.ones_like(inv) if weight is None else weight
        dvar = -0.5 * w * a * inv**3
        coef = (2.0 * dvar / (gsize * n)).index_select(0, group)
        # g = scale * gy + coef * (x - mean); its channel sums; then remove the projected mean
        sum_g = scale * sg + coef * n * (mu - mean)
        r = torch.zeros_like(sum_g) if P is None else P.T @ sum_g / n
        gx = None
        if ctx.needs_input_grad[0]:
            gx = _affine(x, coef, -coef * mean - r).addcmul_(gy, scale.view((1, c) + (1,) * (x.dim() - 2)))
        gw = a * inv if weight is not None and ctx.needs_input_grad[1] else None
        gb = T.T @ sg if T is not None and ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None, None
