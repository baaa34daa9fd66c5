"""The neural lattice reducer: iterated Gauss moves with learned corrections, exactly unimodular."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ._nets import CoordinateGraphNet, FlatMLPNet, GramGraphNet
from ._unimodular import round_ste
from ._validate import check_basis

#: kinds of score network: the B_n-equivariant Gram network and the two ablations
VARIANTS = ("equivariant", "no_bn", "no_gram", "classical")
#: integer entries of U are kept below this bound (exact in int64 and in float64 products)
MAX_ENTRY = 2**40


@dataclass(frozen=True)
class ReducerConfig:
    """Configuration of :class:`LatticeReducer`.

    Args:
        variant: ``"equivariant"`` (B_n-equivariant network on the Gram matrix), ``"no_bn"`` (MLP on the
            flattened Gram matrix), ``"no_gram"`` (graph network on coordinates) or ``"classical"`` (no network:
            all corrections zero, the classical move skeleton).
        n: dimension, needed by the ``no_bn`` and ``no_gram`` ablations (fixed-size inputs).
        hidden: network width. layers: message-passing layers. gain: corrections lie in ``(-gain, gain)``.
        sweeps: passes over all pivots.
        max_step: multipliers are clipped to ``[-max_step, max_step]``.
        zero_init: start the network's output layer at zero, i.e. from the classical skeleton.
    """

    variant: str = "equivariant"
    n: int | None = None
    hidden: int = 32
    layers: int = 2
    gain: float = 0.5
    sweeps: int = 6
    max_step: float = 2.0**20
    zero_init: bool = True

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {self.variant!r}")
        if self.variant in ("no_bn", "no_gram") and self.n is None:
            raise ValueError(f"variant {self.variant!r} needs the dimension n")
        if self.sweeps < 1:
            raise ValueError(f"sweeps must be >= 1, got {self.sweeps}")


class Reduction(NamedTuple):
    """Result of :meth:`LatticeReducer.reduce`: ``unimodular`` (int64, ``(batch, n, n)``), ``basis`` =
    ``unimodular @ input`` (``(batch, n, n)``) and, for training, the differentiable Gram matrix ``gram``."""

    unimodular: torch.Tensor
    basis: torch.Tensor
    gram: torch.Tensor


class LatticeReducer(nn.Module):
    """Neural lattice reduction by iterated, learned Gauss moves; the output transform is exactly unimodular.

    Paper: Marchetti, Cesa, Pratik, Behboodi, *Neural Lattice Reduction: A Self-Supervised Geometric Deep
    Learning Approach*, arXiv 2311.08170 (2023).

    Maths: rows of ``B`` are the basis vectors; the model reads only ``G = B B^T`` (so it is invariant under
    ``B -> B R^T``, R in O(n)) and returns an integer ``U`` with ``det U = 1`` and the reduced basis ``U B``.
    ``U`` is a product of elementary unimodular factors. Each sweep sorts the vectors by length (an
    equivariant order) and, for each pivot ``i`` in that order, applies

    * a *pair move* ``b_j <- b_j + m_j b_i`` for all ``j != i`` (factor ``I + m e_i^T``) with
      ``m_j = -round(r_ji (1 + a_ji))``, ``r_ji = G_ji / G_ii`` (size reduction against ``b_i``), and
    * a *Gauss move* ``b_i <- b_i + sum_j m_j b_j`` (factor ``I + e_i m^T``) with
      ``m_j = round(x_ij (1 + c_ij))``, ``x_ij = H_ji / H_ii``, ``H = G^{-1}`` (Babai rounding of ``b_i``
      against the span of the others),

    where ``a, c`` are corrections in ``(-gain, gain)`` predicted once per sweep by a B_n-equivariant network
    (:class:`GramGraphNet`). Rounding is straight-through in training. A move is kept only where it shortens
    the vector it changes, so the defect never increases. ``r`` and ``x`` flip sign with ``b_i`` or ``b_j``,
    ``a`` and ``c`` are sign-invariant and rounding is odd, so ``U(M G M^T) = M U(G) M^T`` for every signed
    permutation ``M`` (B_n-equivariance; ties in the length order aside). Integer factors are accumulated in
    int64 (exact); ``G`` and ``H`` are updated by the same factors and recomputed from ``U`` every sweep.

    Args:
        config: a :class:`ReducerConfig`.

    Shapes:
        basis: ``(batch, n, n)`` or ``(n, n)`` -> :class:`Reduction` with batch dimension.

    Examples:
        >>> import torch
        >>> from lattice_nn import LatticeReducer, ReducerConfig, is_unimodular
        >>> model = LatticeReducer(ReducerConfig(variant="classical"))
        >>> out = model.reduce(torch.tensor([[4.0, 1.0], [9.0, 2.0]], dtype=torch.float64))
        >>> out.basis.abs().sum(-1).tolist()
        [[1.0, 1.0]]
        >>> is_unimodular(out.unimodular[0])
        True
    """

    def __init__(self, config: ReducerConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or ReducerConfig()
        if config.variant == "equivariant":
            self.net: nn.Module | None = GramGraphNet(config.hidden, config.layers, config.gain)
        elif config.variant == "no_bn":
            self.net = FlatMLPNet(config.n, 8 * config.hidden, config.gain)
        elif config.variant == "no_gram":
            self.net = CoordinateGraphNet(config.n, config.hidden, config.layers, config.gain)
        else:
            self.net = None
        if self.net is not None and config.zero_init:
            last = [mod for mod in self.net.modules() if isinstance(mod, nn.Linear)][-1]
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    def forward(self, basis: torch.Tensor) -> torch.Tensor:
        """The integer unimodular transforms ``U`` (int64, ``(batch, n, n)``) for a batch of bases."""
        return self.reduce(basis).unimodular

    def reduce(self, basis: torch.Tensor | np.ndarray, sweeps: int | None = None) -> Reduction:
        """Reduce a basis or a batch of bases (rows are basis vectors); see the class docstring."""
        check_basis(basis)
        b0 = torch.as_tensor(basis)
        if not b0.is_floating_point():
            b0 = b0.double()
        if b0.ndim == 2:
            b0 = b0[None]
        param = next(self.parameters(), None)
        if param is not None:
            b0 = b0.to(param.device)
        gram0 = b0 @ b0.transpose(-1, -2)
        unimodular, gram = self._run(gram0, b0, sweeps or self.config.sweeps)
        reduced = unimodular.to(b0.dtype) @ b0
        return Reduction(unimodular, reduced, gram)

    # -- the move loop ------------------------------------------------------------------------------------------
    def _corrections(self, gram: torch.Tensor, dual: torch.Tensor, basis: torch.Tensor) -> tuple[torch.Tensor, ...]:
        if self.net is None:
            zero = torch.zeros_like(gram)
            return zero, zero
        p = next(self.net.parameters())
        a, c = self.net(gram.detach().to(p.dtype), dual.detach().to(p.dtype), basis.detach().to(p.dtype))
        return a.to(gram.dtype), c.to(gram.dtype)

    def _run(self, gram0: torch.Tensor, b0: torch.Tensor, sweeps: int) -> tuple[torch.Tensor, torch.Tensor]:
        batch, n, _ = gram0.shape
        dev, dt = gram0.device, gram0.dtype
        unimodular = torch.eye(n, dtype=torch.int64, device=dev).repeat(batch, 1, 1)
        gram = gram0
        rows = torch.arange(batch, device=dev)
        lim = self.config.max_step
        grad = torch.is_grad_enabled()
        for _ in range(sweeps):
            before = unimodular.clone()
            if not grad:  # recompute from the exact integers to stop round-off drift
                uf = unimodular.to(dt)
                gram = uf @ gram0 @ uf.transpose(-1, -2)
            dual = torch.linalg.inv(gram.detach())
            a_pair, c_gauss = self._corrections(gram, dual, unimodular.to(dt) @ b0)
            order = torch.argsort(torch.diagonal(gram, dim1=-2, dim2=-1).detach(), dim=-1)
            for k in range(n):
                i = order[:, k]
                onehot = torch.nn.functional.one_hot(i, n).to(dt)
                notself = 1.0 - onehot
                # pair move: b_j <- b_j + m_j b_i
                g = gram[rows, :, i]
                gii = g[rows, i][:, None]
                r = (g / gii).detach()
                m = -round_ste(torch.clamp(r * (1.0 + a_pair[rows, :, i]), -lim, lim)) * notself
                diag = torch.diagonal(gram, dim1=-2, dim2=-1)
                keep = ((2.0 * m * g + m * m * gii) < -1e-12 * diag).detach().to(dt)
                m = m * keep
                gram = gram + m[:, :, None] * g[:, None, :] + g[:, :, None] * m[:, None, :] + gii[:, :, None] * (
                    m[:, :, None] * m[:, None, :]
                )
                hm = (dual @ m[:, :, None])[..., 0]
                mhm = (m * hm).sum(-1)[:, None, None]
                dual = dual - onehot[:, :, None] * hm[:, None, :] - hm[:, :, None] * onehot[:, None, :]
                dual = dual + mhm * (onehot[:, :, None] * onehot[:, None, :])
                mi = m.detach().round().to(torch.int64)
                unimodular = unimodular + mi[:, :, None] * unimodular[rows, i][:, None, :]
                # Gauss move: b_i <- b_i + sum_j m_j b_j
                h = dual[rows, :, i]
                x = (h / h[rows, i][:, None]).detach()
                m = round_ste(torch.clamp(x * (1.0 + c_gauss[rows, i, :]), -lim, lim)) * notself
                gm = (gram @ m[:, :, None])[..., 0]
                gain = 2.0 * (m * gram[rows, i]).sum(-1) + (m * gm).sum(-1)
                keep = (gain < -1e-12 * gram[rows, i, i]).detach().to(dt)[:, None]
                m = m * keep
                gm = gm * keep
                mgm = (m * gm).sum(-1)[:, None, None]
                gram = gram + onehot[:, :, None] * gm[:, None, :] + gm[:, :, None] * onehot[:, None, :]
                gram = gram + mgm * (onehot[:, :, None] * onehot[:, None, :])
                hi = dual[rows, i]
                dual = dual - m[:, :, None] * hi[:, None, :] - hi[:, :, None] * m[:, None, :]
                dual = dual + dual[rows, i, i][:, None, None] * (m[:, :, None] * m[:, None, :])
                mi = m.detach().round().to(torch.int64)
                unimodular = unimodular + onehot.to(torch.int64)[:, :, None] * (mi[:, :, None] * unimodular).sum(1)[
                    :, None, :
                ]
            if not grad and torch.equal(before, unimodular):
                break  # no move shortened any vector: a fixed point
            if int(unimodular.abs().max()) > MAX_ENTRY:
                raise RuntimeError(
                    f"unimodular entries reached {int(unimodular.abs().max())} > {MAX_ENTRY}; the input basis is "
                    "too badly conditioned for exact int64 arithmetic"
                )
        return unimodular, gram
