"""Features as irrep blocks: the layout the equivariant MLP of the implicit kernel computes in.

A *spec* is a tuple ``((psi, m), ...)``: ``m`` copies of the irrep ``psi``. A feature of that spec is a list of
tensors, one ``(B, m, dim psi)`` per entry. An equivariant linear map between two specs is, by Schur's lemma, one
weight tensor per shared irrep, contracted with the irrep's endomorphism basis (1 matrix for real-type irreps, 2
for complex-type ones such as the SO(2) frequencies, 4 for quaternionic ones).
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence

import numpy as np
import torch
from equi_groups import Group, Representation, intertwiners, trivial
from torch import nn

Spec = tuple[tuple[Hashable, int], ...]


def trivial_id(group: Group) -> Hashable:
    """The id of the trivial irrep of ``group``."""
    return trivial(group).irreps[0]


@functools.cache
def endomorphisms(group: Group, psi: Hashable) -> np.ndarray:
    """Orthonormal basis ``(k, d, d)`` of the maps ``A`` with ``psi(g) A = A psi(g)``."""
    d = group.irrep_dim(psi)
    basis = intertwiners(group, lambda g: group.irrep_matrix(psi, g), d, psi)
    # orthonormalise (Frobenius) so that every weight has the same scale
    flat = basis.reshape(len(basis), -1)
    q, _ = np.linalg.qr(flat.T)
    return (q.T * np.sqrt(d)).reshape(len(basis), d, d)


def spec_of(rep: Representation) -> tuple[Spec, list[int]]:
    """The spec of ``rep`` (irreps in first-appearance order, with multiplicities) and, for each irrep slot of
    ``rep.irreps`` in order, its position in the flattened spec layout (``psi``-major, copy, component)."""
    order: dict[Hashable, int] = {}
    for psi in rep.irreps:
        order[psi] = order.get(psi, 0) + 1
    spec = tuple(order.items())
    offsets, start = {}, 0
    for psi, m in spec:
        offsets[psi] = start
        start += m * rep.group.irrep_dim(psi)
    seen: dict[Hashable, int] = {}
    slots = []
    for psi in rep.irreps:
        d = rep.group.irrep_dim(psi)
        c = seen.get(psi, 0)
        seen[psi] = c + 1
        slots.append(offsets[psi] + c * d)
    return spec, slots


def spec_dim(group: Group, spec: Spec) -> int:
    return sum(m * group.irrep_dim(psi) for psi, m in spec)


def flatten(blocks: Sequence[torch.Tensor]) -> torch.Tensor:
    """``[(B, m, d), ...] -> (B, sum m d)``."""
    return torch.cat([b.reshape(b.shape[0], -1) for b in blocks], 1)


def unflatten(group: Group, spec: Spec, x: torch.Tensor) -> list[torch.Tensor]:
    """``(B, sum m d) -> [(B, m, d), ...]``."""
    out, i = [], 0
    for psi, m in spec:
        d = group.irrep_dim(psi)
        out.append(x[:, i : i + m * d].reshape(x.shape[0], m, d))
        i += m * d
    return out


class IrrepLinear(nn.Module):
    """Equivariant linear map between two specs: ``y_psi[o] = sum_{i,k} W_psi[o, i, k] E_k x_psi[i]`` with
    ``E_k`` the endomorphism basis of ``psi``, plus a bias on the trivial irrep. Irreps of the output that the
    input lacks are zero (no equivariant map reaches them).

    Shapes:
        ``[(B, m_in, d), ...] -> [(B, m_out, d), ...]`` in the specs' orders.
    """

    def __init__(self, group: Group, spec_in: Spec, spec_out: Spec, bias: bool = True) -> None:
        super().__init__()
        self.group, self.spec_in, self.spec_out = group, spec_in, spec_out
        index_in = {psi: j for j, (psi, m) in enumerate(spec_in) if m > 0}
        self.weights = nn.ParameterList()
        self._pairs: list[tuple[int, int | None]] = []
        for o, (psi, m_out) in enumerate(spec_out):
            j = index_in.get(psi)
            self._pairs.append((o, j))
            if j is None:
                self.weights.append(nn.Parameter(torch.zeros(0)))
                continue
            e = torch.as_tensor(endomorphisms(group, psi), dtype=torch.float64)
            self.register_buffer(f"endo_{o}", e, persistent=False)
            m_in = spec_in[j][1]
            w = torch.randn(m_out, m_in, len(e)) / np.sqrt(m_in * len(e))
            self.weights.append(nn.Parameter(w))
        # constant per-irrep output scales (an "equalised learning rate": the weights stay O(1) for the optimiser)
        self.register_buffer("out_scale", torch.ones(len(spec_out), dtype=torch.float64))
        t = trivial_id(group)
        self.t_index = next((o for o, (psi, _) in enumerate(spec_out) if psi == t), None)
        self.bias = nn.Parameter(torch.zeros(spec_out[self.t_index][1])) if bias and self.t_index is not None else None

    def forward(self, xs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        batch = xs[0].shape[0]
        out = []
        for (o, j), w in zip(self._pairs, self.weights, strict=True):
            psi, m_out = self.spec_out[o]
            d = self.group.irrep_dim(psi)
            if j is None:
                out.append(xs[0].new_zeros(batch, m_out, d))
                continue
            e = getattr(self, f"endo_{o}").to(xs[j].dtype)
            y = torch.einsum("oik,kde,bie->bod", w.to(xs[j].dtype), e, xs[j]) * self.out_scale[o].to(xs[j].dtype)
            if o == self.t_index and self.bias is not None:
                y = y + self.bias.to(y.dtype)[None, :, None]
            out.append(y)
        return out


class GatedNonlinearity(nn.Module):
    """Gated nonlinearity (Weiler et al. 2018): trivial fields through SiLU, every other field multiplied by the
    sigmoid of its own trivial gate. Input spec = ``spec`` with ``n_gates`` extra trivial copies appended to
    the trivial entry (:func:`gated_spec`); output spec = ``spec``."""

    def __init__(self, group: Group, spec: Spec) -> None:
        super().__init__()
        self.group, self.spec = group, spec
        self.t_index = next(o for o, (psi, _) in enumerate(spec) if psi == trivial_id(group))
        self.n_gates = sum(m for o, (_, m) in enumerate(spec) if o != self.t_index)

    def forward(self, xs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        m0 = self.spec[self.t_index][1]
        t = xs[self.t_index]
        gates = torch.sigmoid(t[:, m0:, 0])
        out, g = [], 0
        for o, x in enumerate(xs):
            if o == self.t_index:
                out.append(torch.nn.functional.silu(t[:, :m0]))
            else:
                m = x.shape[1]
                out.append(x * gates[:, g : g + m, None])
                g += m
        return out


class IrrepBatchNorm(nn.Module):
    """IID batch norm in the irrep basis (escnn's ``IIDBatchNorm``): trivial copies are centred and scaled by
    their batch variance; every other copy is divided by the root of its batch mean squared norm per dimension
    (no centring: a mean of a non-trivial field is not invariant). The statistics are invariant, so the map is
    exactly equivariant in training and in eval mode (running statistics, ``momentum``). A learnable scale per
    copy and a bias on the trivial copies. Copies whose variance is far below ``eps`` (round-off) are damped by
    ``var / (var + eps)`` instead of amplified.

    Shapes:
        ``[(B, m, d), ...] -> [(B, m, d), ...]`` in ``spec`` order.
    """

    def __init__(self, group: Group, spec: Spec, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        self.group, self.spec, self.eps, self.momentum = group, spec, eps, momentum
        t = trivial_id(group)
        self.t_index = next((o for o, (psi, _) in enumerate(spec) if psi == t), None)
        self.weights = nn.ParameterList([nn.Parameter(torch.ones(m)) for _, m in spec])
        self.bias = nn.Parameter(torch.zeros(spec[self.t_index][1])) if self.t_index is not None else None
        for o, (_, m) in enumerate(spec):
            self.register_buffer(f"running_var_{o}", torch.ones(m))
            if o == self.t_index:
                self.register_buffer("running_mean", torch.zeros(m))

    def forward(self, xs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        out = []
        for o, x in enumerate(xs):
            if x.shape[1] == 0:
                out.append(x)
                continue
            trivial = o == self.t_index
            var_buf = getattr(self, f"running_var_{o}")
            if self.training and x.shape[0] > 1:
                mean = x.mean(0, keepdim=True) if trivial else None
                centred = x - mean if trivial else x
                var = centred.square().mean((0, 2))
                with torch.no_grad():
                    var_buf.mul_(1 - self.momentum).add_(self.momentum * var.detach().to(var_buf.dtype))
                    if trivial:
                        self.running_mean.mul_(1 - self.momentum).add_(
                            self.momentum * mean.detach()[0, :, 0].to(self.running_mean.dtype)
                        )
            else:
                var = var_buf.to(x.dtype)
                centred = x - self.running_mean.to(x.dtype)[None, :, None] if trivial else x
            # x / sqrt(var + eps), times var / (var + eps): 1 for a real signal, ~0 for a channel of round-off
            # (irreps the polynomial lift holds only as cancelling terms, var ~1e-32) that plain batch norm would
            # amplify by 1/sqrt(eps) into a non-equivariant signal
            scale = torch.rsqrt(var + self.eps) * (var / (var + self.eps))
            y = centred * (self.weights[o].to(x.dtype) * scale)[None, :, None]
            if trivial:
                y = y + self.bias.to(x.dtype)[None, :, None]
            out.append(y)
        return out


def gated_spec(group: Group, spec: Spec) -> Spec:
    """``spec`` with one extra trivial copy per non-trivial field (the gates)."""
    t = trivial_id(group)
    n = sum(m for psi, m in spec if psi != t)
    return tuple((psi, m + n if psi == t else m) for psi, m in spec)
