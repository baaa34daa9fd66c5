"""The 0.1 reducer: a hand-written move skeleton (pair and Gauss moves) whose pivot order a network learns.

Kept in 0.2 as the ``classical`` baseline (no network) and the ``pivot`` ablation; the paper's model, which outputs
the factors themselves, is :class:`lattice_nn.FactorReducer`. Exactly unimodular.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ._config import ReducerConfig
from ._nets import CoordinateGraphNet, FlatMLPNet, GramGraphNet
from ._validate import check_basis

#: integer entries of U are kept below this bound (exact in int64 and in float64 products)
MAX_ENTRY = 2**40


def check_budget(value: object, name: str) -> int:
    """``value`` as a budget (an int >= 0); ``ValueError`` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0 (0 returns the identity), got {value}")
    return int(value)


def keep_if_better(b0: torch.Tensor, unimodular: torch.Tensor) -> torch.Tensor:
    """``unimodular`` where ``U B`` has a log defect no higher than ``B`` (float64, measured from the exact
    integers), else the identity: the guarantee that a reduction never increases the defect, whatever the
    round-off of the moves on ill-conditioned bases."""
    from ._defect import log_defect

    with torch.no_grad():
        before = log_defect(b0)
        after = log_defect(unimodular.double() @ b0)
    worse = ~(after <= before + 1e-9 * (1.0 + before.abs()))
    if not bool(worse.any()):
        return unimodular
    eye = torch.eye(b0.shape[-1], dtype=unimodular.dtype, device=unimodular.device)
    return torch.where(worse[:, None, None], eye, unimodular)


class Reduction(NamedTuple):
    """Result of :meth:`LatticeReducer.reduce`: ``unimodular`` (int64, ``(batch, n, n)``), ``basis`` =
    ``unimodular @ input`` (``(batch, n, n)``) and ``log_prob`` (``(batch,)``), the log-probability of the
    sampled pivot orders (and rounding bits with ``learn_rounding``; differentiable; zero unless ``sample=True``)."""

    unimodular: torch.Tensor
    basis: torch.Tensor
    log_prob: torch.Tensor


def plackett_luce_log_prob(score: torch.Tensor, order: torch.Tensor) -> torch.Tensor:
    """Log-probability of the ranking ``order`` under the Plackett-Luce model with logits ``score``:
    ``sum_k s_{o_k} - log sum_{l >= k} exp(s_{o_l})`` (first place drawn with softmax, then the next, ...).
    Sorting ``score + Gumbel noise`` in decreasing order samples from it.

    Shapes:
        score: ``(batch, n)``; order: ``(batch, n)`` indices -> ``(batch,)``.

    Examples:
        >>> s = torch.tensor([[0.0, 0.0]])
        >>> float(plackett_luce_log_prob(s, torch.tensor([[1, 0]])).exp())
        0.5
    """
    s = torch.gather(score, -1, order)
    return (s - torch.logcumsumexp(s.flip(-1), -1).flip(-1)).sum(-1)


class LatticeReducer(nn.Module):
    """The 0.1 model: hand-written pair and Gauss moves in a learned pivot order; exactly unimodular.

    In 0.2 this is the ``classical`` skeleton (``variant="classical"``) and the ``pivot`` ablation; the moves
    themselves are not learned (see :class:`lattice_nn.FactorReducer` for the model that outputs the factors).

    Paper: Marchetti, Cesa, Pratik, Behboodi, *Neural Lattice Reduction: A Self-Supervised Geometric Deep
    Learning Approach*, arXiv 2311.08170 (2023).

    Maths: rows of ``B`` are the basis vectors; the model reads only ``G = B B^T`` (so it is invariant under
    ``B -> B R^T``, R in O(n)) and returns an integer ``U`` with ``det U = 1`` and the reduced basis ``U B``.
    ``U`` is a product of elementary unimodular factors. Each sweep sorts the vectors by length (an
    equivariant order) and, for each pivot ``i`` in that order, applies

    * a *pair move* ``b_j <- b_j + m_j b_i`` for all ``j != i`` (factor ``I + m e_i^T``) with
      ``m_j = -q(r_ji)``, ``r_ji = G_ji / G_ii`` (size reduction against ``b_i``), and
    * a *Gauss move* ``b_i <- b_i + sum_j m_j b_j`` (factor ``I + e_i m^T``) with ``m_j = q(x_ij)``,
      ``x_ij = H_ji / H_ii``, ``H = G^{-1}`` (rounding of ``b_i`` against the span of the others),

    where ``q`` rounds to the nearest integer. The learned part is the *pivot order*: pivots are taken in
    decreasing order of ``s_i = -order_prior * log ||b_i|| + t_i`` with node scores ``t_i`` from a
    B_n-equivariant network (:class:`GramGraphNet`) evaluated once per sweep; with ``t = 0`` this is the
    classical skeleton (shortest vector first). In training the order is sampled from the Plackett-Luce
    distribution of ``s`` (Gumbel perturbation) and the network is trained by REINFORCE
    (:func:`lattice_nn.train`). Optionally (``learn_rounding``) the bit of ``q(x) = sign(x) (floor|x| + z)``
    is learned too: ``z = 1`` iff ``prior * (frac|x| - 1/2) + l > 0`` with edge logits ``l``. A move is kept
    only where it shortens the vector it changes, so the defect never increases. ``r``, ``x`` and ``q`` are
    odd under sign flips and ``t``, ``l`` are sign-invariant and permutation-equivariant, so
    ``U(M G M^T) = M U(G) M^T`` for every signed permutation ``M`` (B_n-equivariance), up to exact ties of
    ``s`` (argsort then picks by index). Integer factors are accumulated in int64 (exact);
    ``G`` and ``H`` are updated by the same factors and recomputed from ``U`` every sweep.

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
        if isinstance(self.net, GramGraphNet):
            self.net.edge_outputs = config.learn_rounding
        if self.net is not None and config.zero_init:
            heads = (
                [self.net.mlp[-1]] if isinstance(self.net, FlatMLPNet) else [self.net.head[-1], self.net.node_head[-1]]
            )
            for lin in heads:
                nn.init.zeros_(lin.weight)
                nn.init.zeros_(lin.bias)

    def forward(self, basis: torch.Tensor) -> torch.Tensor:
        """The integer unimodular transforms ``U`` (int64, ``(batch, n, n)``) for a batch of bases."""
        return self.reduce(basis).unimodular

    def reduce(
        self,
        basis: torch.Tensor | np.ndarray,
        sweeps: int | None = None,
        sample: bool = False,
        generator: torch.Generator | None = None,
    ) -> Reduction:
        """Reduce a basis or a batch of bases (rows are basis vectors); see the class docstring.

        Args:
            basis: ``(n, n)`` or ``(batch, n, n)``.
            sweeps: budget of sweeps (default ``config.sweeps``; 0 returns the identity; negative is refused).
            sample: sample the pivot orders (and rounding bits) for training instead of taking the most likely.
            generator: random source for ``sample``.
        """
        sweeps = check_budget(self.config.sweeps if sweeps is None else sweeps, "sweeps")
        check_basis(basis)
        b_in = torch.as_tensor(basis)
        dtype = b_in.dtype if b_in.is_floating_point() else torch.float64
        # the moves always run in float64 (a float32 Gram matrix of an ill-conditioned basis is too coarse to
        # tell a shorter vector from a longer one); the output basis is returned in the input's dtype
        b0 = b_in.double()
        if b0.ndim == 2:
            b0 = b0[None]
        param = next(self.parameters(), None)
        if param is not None:
            b0 = b0.to(param.device)
        unimodular, log_prob = self._run(b0, sweeps, sample, generator)
        if not sample:
            unimodular = keep_if_better(b0, unimodular)
        return Reduction(unimodular, (unimodular.double() @ b0).to(dtype), log_prob.to(dtype))

    # -- the move loop --------------------------------------------------------------------------------------
    def _logits(self, gram: torch.Tensor, dual: torch.Tensor, basis: torch.Tensor) -> tuple[torch.Tensor, ...]:
        if self.net is None:
            zero = torch.zeros_like(gram)
            return zero, zero, zero[..., 0]
        p = next(self.net.parameters())
        return tuple(t.to(gram.dtype) for t in self.net(gram.to(p.dtype), dual.to(p.dtype), basis.to(p.dtype)))

    def _order(
        self, gram: torch.Tensor, node: torch.Tensor, sample: bool, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Pivot order: decreasing ``s_i = -order_prior * log ||b_i|| + node_i`` (Plackett-Luce sample when
        ``sample``); returns the order and its log-probability (``None`` unless sampling)."""
        loglen = 0.5 * torch.log(torch.diagonal(gram, dim1=-2, dim2=-1))
        score = -self.config.order_prior * (loglen - loglen.mean(-1, keepdim=True)) + node
        if not sample:
            return torch.argsort(score.detach(), dim=-1, descending=True), None
        u = torch.rand(score.shape, dtype=score.dtype, device=score.device, generator=generator)
        gumbel = -torch.log(-torch.log(u.clamp(min=1e-300)))
        order = torch.argsort(score.detach() + gumbel, dim=-1, descending=True)
        return order, plackett_luce_log_prob(score, order)

    def _round(
        self,
        x: torch.Tensor,
        logit: torch.Tensor,
        mask: torch.Tensor,
        sample: bool,
        generator: torch.Generator | None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``q(x)`` with the learned up/down bit; returns it and (when sampling) the log-probability."""
        if not self.config.learn_rounding:
            return torch.round(x.clamp(-self.config.max_step, self.config.max_step)) * mask, None
        ax = x.abs().clamp(max=self.config.max_step)
        low = torch.floor(ax)
        score = self.config.prior * (ax - low - 0.5) + logit
        if not sample:
            return torch.sign(x) * (low + (score.detach() > 0).to(x.dtype)) * mask, None
        u = torch.rand(score.shape, dtype=score.dtype, device=score.device, generator=generator)
        z = (u < torch.sigmoid(score.detach())).to(x.dtype)
        lp = (z * nn.functional.logsigmoid(score) + (1.0 - z) * nn.functional.logsigmoid(-score)) * mask
        return torch.sign(x) * (low + z) * mask, lp.sum(-1)

    def _run(
        self, b0: torch.Tensor, sweeps: int, sample: bool, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        batch, n, _ = b0.shape
        gram0 = b0 @ b0.transpose(-1, -2)
        unimodular = torch.eye(n, dtype=torch.int64, device=b0.device).repeat(batch, 1, 1)
        log_prob = torch.zeros(batch, dtype=b0.dtype, device=b0.device)
        active = torch.arange(batch, device=b0.device)  # bases not yet at a fixed point
        for _ in range(sweeps):
            if sample:  # every basis takes part (and gets a log-probability) in training
                unimodular, lp = self._sweep(gram0, b0, unimodular, sample, generator)
                log_prob = log_prob + lp
            else:
                old = unimodular[active]
                new, _ = self._sweep(gram0[active], b0[active], old, sample, generator)
                unimodular = unimodular.index_copy(0, active, new)
                # a sweep that changes nothing would change nothing again: drop those bases
                active = active[(new != old).flatten(1).any(1)]
                if active.numel() == 0:
                    break
            if int(unimodular.abs().max()) > MAX_ENTRY:
                raise RuntimeError(
                    f"unimodular entries reached {int(unimodular.abs().max())} > {MAX_ENTRY}; the input "
                    "basis is too badly conditioned for exact int64 arithmetic"
                )
        return unimodular, log_prob

    def _sweep(
        self,
        gram0: torch.Tensor,
        b0: torch.Tensor,
        unimodular: torch.Tensor,
        sample: bool,
        generator: torch.Generator | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One pass over all pivots: the updated ``U`` and the log-probability of the sampled choices."""
        batch, n, _ = b0.shape
        dev, dt = b0.device, b0.dtype
        log_prob = torch.zeros(batch, dtype=dt, device=dev)
        rows = torch.arange(batch, device=dev)
        eye = torch.eye(n, dtype=dt, device=dev)
        with torch.no_grad():  # recompute from the exact integers to stop round-off drift
            uf = unimodular.to(dt)
            cur = uf @ b0
            gram = cur @ cur.transpose(-1, -2)
            inv = torch.linalg.inv(cur)  # H = B^-T B^-1: conditioned like B, not like B B^T
            dual = inv.transpose(-1, -2) @ inv
        l_pair, l_gauss, node = self._logits(gram, dual, cur)
        order, lp = self._order(gram, node, sample, generator)
        if lp is not None:
            log_prob = log_prob + lp
        for k in range(n):
            i = order[:, k]
            onehot = eye[i]
            notself = 1.0 - onehot
            with torch.no_grad():
                g = gram[rows, :, i]
                gii = g[rows, i][:, None]
                r = g / gii
            m, lp = self._round(r, l_pair[rows, :, i], notself, sample, generator)
            if lp is not None:
                log_prob = log_prob + lp
            with torch.no_grad():
                # pair move: b_j <- b_j - q(r_ji) b_i, kept where it shortens b_j
                m = -m
                diag = torch.diagonal(gram, dim1=-2, dim2=-1)
                m = m * ((2.0 * m * g + m * m * gii) < -1e-12 * diag).to(dt)
                mg = m[:, :, None] * g[:, None, :]
                gram = gram + mg + mg.transpose(-1, -2) + gii[:, :, None] * (m[:, :, None] * m[:, None, :])
                hm = (dual @ m[:, :, None])[..., 0]
                oh = onehot[:, :, None] * hm[:, None, :]
                dual = dual - oh - oh.transpose(-1, -2)
                dual = dual + (m * hm).sum(-1)[:, None, None] * (onehot[:, :, None] * onehot[:, None, :])
                unimodular = unimodular + m.round().to(torch.int64)[:, :, None] * unimodular[rows, i][:, None, :]
                h = dual[rows, :, i]
                x = h / h[rows, i][:, None]
            m, lp = self._round(x, l_gauss[rows, i, :], notself, sample, generator)
            if lp is not None:
                log_prob = log_prob + lp
            with torch.no_grad():
                # Gauss move: b_i <- b_i + sum_j q(x_ij) b_j, kept where it shortens b_i
                gm = (gram @ m[:, :, None])[..., 0]
                change = 2.0 * (m * gram[rows, i]).sum(-1) + (m * gm).sum(-1)
                keep = (change < -1e-12 * gram[rows, i, i]).to(dt)[:, None]
                m = m * keep
                gm = gm * keep
                og = onehot[:, :, None] * gm[:, None, :]
                gram = gram + og + og.transpose(-1, -2)
                gram = gram + (m * gm).sum(-1)[:, None, None] * (onehot[:, :, None] * onehot[:, None, :])
                hi = dual[rows, i]
                mh = m[:, :, None] * hi[:, None, :]
                dual = dual - mh - mh.transpose(-1, -2)
                dual = dual + dual[rows, i, i][:, None, None] * (m[:, :, None] * m[:, None, :])
                step = (m.round().to(torch.int64)[:, :, None] * unimodular).sum(1)
                unimodular = unimodular + onehot.to(torch.int64)[:, :, None] * step[:, None, :]
        return unimodular, log_prob
