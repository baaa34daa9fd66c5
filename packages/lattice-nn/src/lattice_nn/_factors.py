"""The paper's model: a network that outputs the unimodular factors themselves (extended Gauss moves).

:class:`FactorReducer` builds ``U`` as a product of factors ``F = I + e_i m^T`` (vector ``b_i`` moves by the integer
combination ``sum_j m_j b_j`` of the others, ``m_i = 0``, so ``det F = 1`` exactly). At every step a B_n-equivariant
graph network on the Gram matrix (:class:`lattice_nn.GramGraphNet`) scores every candidate factor and the best one is
applied; with the network at zero this is the *greedy* rule (the factor that shortens its vector most), which is the
network-free ablation of this model. See :class:`FactorReducer` for the candidates and the three ways of training
(:func:`train_factors`).
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ._config import FactorConfig, FactorTrainConfig
from ._defect import log_defect, log_defect_from_gram
from ._lattices import KINDS, generate
from ._nets import GramGraphNet
from ._reducer import MAX_ENTRY, check_budget, keep_if_better
from ._validate import check_basis

#: a factor is a candidate only if it shortens its vector by more than this (relative log length)
MIN_GAIN = 1e-9


class FactorReduction(NamedTuple):
    """Result of :meth:`FactorReducer.reduce`: ``unimodular`` (int64, ``(batch, n, n)``), ``basis`` = ``U @
    input``, ``log_prob`` (``(batch,)``, differentiable; zero unless ``mode="sample"``), ``moves`` (factors
    applied per basis, int64 ``(batch,)``) and ``gram`` (float64 ``(batch, n, n)``, equal to ``U G U^T`` in
    value; in ``mode="relaxed"`` it carries the straight-through gradient)."""

    unimodular: torch.Tensor
    basis: torch.Tensor
    log_prob: torch.Tensor
    moves: torch.Tensor
    gram: torch.Tensor


class FactorReducer(nn.Module):
    """Neural lattice reduction whose output is a learned product of extended Gauss moves; exactly unimodular.

    Paper: Marchetti, Cesa, Pratik, Behboodi, *Neural Lattice Reduction: A Self-Supervised Geometric Deep
    Learning Approach*, arXiv 2311.08170 (2023): "outputs factorised unimodular matrices".

    Maths: rows of ``B`` are basis vectors, ``G = B B^T``, ``H = G^{-1}``. Each step chooses one factor among
    ``n^2`` candidates, laid out as an ``n x n`` grid:

    * ``(i, i)``, the *Gauss move* of ``b_i``: ``b_i <- b_i + sum_{j != i} m_ij b_j`` with
      ``m_ij = sign(x_ij) (floor|x_ij| + z_ij)``, ``x_ij = H_ij / H_ii`` (the real coefficients that make
      ``b_i`` orthogonal to the others); the rounding bit ``z_ij = [prior (frac|x_ij| - 1/2) + a_ij > 0]``
      (``a = 0``: nearest integer);
    * ``(i, j)``, ``j != i``, the *pair move* ``b_i <- b_i - q_ij b_j`` with ``q_ij = round(G_ij / G_jj)``.

    Each candidate shortens its vector by ``gain = log ||b_i|| - log ||b_i'||`` (exactly the drop of the log
    orthogonality defect, since ``det`` is fixed). The step takes the candidate with the largest score
    ``s = gain_prior * gain + c`` among those with ``gain > 0``, where the network's outputs are ``c_ii = t_i``
    (node scores) and ``c_ij = e_ij`` (edge scores) and ``a_ij`` (edge rounding logits). A basis stops when no
    candidate shortens a vector (its fixed point) or at the budget of moves, so the defect decreases at every
    step. With the network at zero (``network=False`` or zero output layers) this is the *greedy* rule.
    ``gain``, ``x`` and the network outputs are B_n-equivariant (signs cancel: ``x``, ``q`` are odd, ``gain``,
    ``t``, ``e``, ``a`` sign-invariant), so ``U(M B) = M U(B) M^T`` for signed permutations ``M``, up to exact
    ties of the score (then the lowest index wins). Only ``G`` is read: O(n)- and scale-invariant.

    Modes of :meth:`reduce`: ``"greedy"`` (argmax; evaluation), ``"sample"`` (the candidate from ``softmax(s /
    temperature)`` and the rounding bits from ``sigmoid``; ``log_prob`` for REINFORCE) and ``"relaxed"`` (argmax
    forward; the returned ``gram`` carries a straight-through gradient through the softmax of the candidate and
    the sigmoid of the bits).

    Args:
        config: a :class:`FactorConfig`.

    Shapes:
        basis: ``(n, n)`` or ``(batch, n, n)`` -> :class:`FactorReduction` with a batch dimension.

    Examples:
        >>> import torch
        >>> from lattice_nn import FactorReducer, FactorConfig, is_unimodular
        >>> out = FactorReducer(FactorConfig(network=False)).reduce(torch.tensor([[4.0, 1.0], [9.0, 2.0]]))
        >>> out.basis.abs().sum(-1).tolist()
        [[1.0, 1.0]]
        >>> is_unimodular(out.unimodular[0])
        True
    """

    def __init__(self, config: FactorConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or FactorConfig()
        self.net: GramGraphNet | None = None
        if config.network:
            self.net = GramGraphNet(config.hidden, config.layers, config.gain)
            if config.zero_init:
                for lin in (self.net.head[-1], self.net.node_head[-1]):
                    nn.init.zeros_(lin.weight)
                    nn.init.zeros_(lin.bias)

    def forward(self, basis: torch.Tensor) -> torch.Tensor:
        """The integer unimodular transforms ``U`` (int64, ``(batch, n, n)``)."""
        return self.reduce(basis).unimodular

    def reduce(
        self,
        basis: torch.Tensor | np.ndarray,
        moves: int | None = None,
        mode: str = "greedy",
        generator: torch.Generator | None = None,
    ) -> FactorReduction:
        """Reduce a basis or a batch (rows are basis vectors) with at most ``moves`` factors per basis.

        Args:
            basis: ``(n, n)`` or ``(batch, n, n)``; computed in float64, returned in the input's float dtype.
            moves: budget of factors (default ``config.max_moves_per_dim * n``; 0 returns the identity).
            mode: ``"greedy"``, ``"sample"`` or ``"relaxed"`` (see the class docstring).
            generator: random source of ``"sample"``.
        """
        if mode not in ("greedy", "sample", "relaxed"):
            raise ValueError(f"mode must be 'greedy', 'sample' or 'relaxed', got {mode!r}")
        check_basis(basis)
        b_in = torch.as_tensor(basis)
        dtype = b_in.dtype if b_in.is_floating_point() else torch.float64
        b0 = b_in.double()
        if b0.ndim == 2:
            b0 = b0[None]
        n = b0.shape[-1]
        moves = check_budget(self.config.max_moves_per_dim * n if moves is None else moves, "moves")
        param = next(self.parameters(), None)
        if param is not None:
            b0 = b0.to(param.device)
        u, lp, count, gram = self._run(b0, moves, mode, generator)
        if mode == "greedy":
            u = keep_if_better(b0, u)
        return FactorReduction(u, (u.double() @ b0).to(dtype), lp, count, gram)

    # -- one step over a batch of active bases ------------------------------------------------------------------
    def _scores(self, gram: torch.Tensor, dual: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Network outputs ``(c, a)``: candidate scores and rounding logits, ``(batch, n, n)`` each."""
        if self.net is None:
            zero = torch.zeros_like(gram)
            return zero, zero
        p = next(self.net.parameters())
        l_pair, l_round, node = self.net(gram.to(p.dtype), dual.to(p.dtype), None)
        c = l_pair.to(gram.dtype) + torch.diag_embed(node.to(gram.dtype))
        return c, l_round.to(gram.dtype)

    def _step(
        self, gram: torch.Tensor, cur: torch.Tensor, mode: str, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One factor for each basis. Returns the integer row update ``(batch, n)`` (coefficients ``m``, pivot
        row ``i``), the pivot ``i``, whether a move was found, its log-probability and the straight-through
        weighted row update (``(batch, n, n)``, zero unless ``relaxed``)."""
        cfg = self.config
        batch, n, _ = gram.shape
        dev, dt = gram.device, gram.dtype
        eye = torch.eye(n, dtype=dt, device=dev)
        off = 1.0 - eye
        with torch.no_grad():
            inv = torch.linalg.inv(cur)
            dual = inv.transpose(-1, -2) @ inv
            g = gram.detach()
        c, a = self._scores(g, dual)
        gd = torch.diagonal(g, dim1=-2, dim2=-1)
        hd = torch.diagonal(dual, dim1=-2, dim2=-1)
        x = (dual / hd[:, :, None]).clamp(-cfg.max_step, cfg.max_step) * off
        ax = x.abs()
        low = torch.floor(ax)
        bit_score = cfg.prior * (ax - low - 0.5) + a
        lp_bits = torch.zeros(batch, n, dtype=dt, device=dev)
        if mode == "sample":
            u = torch.rand(bit_score.shape, dtype=dt, device=dev, generator=generator)
            z = (u < torch.sigmoid(bit_score.detach())).to(dt)
            logsig = nn.functional.logsigmoid
            lp_bits = ((z * logsig(bit_score) + (1 - z) * logsig(-bit_score)) * off).sum(-1)
        else:
            z = (bit_score.detach() > 0).to(dt)
        m_gauss = torch.sign(x) * (low + z) * off  # rows: the Gauss move of each pivot
        with torch.no_grad():
            a_mat = eye + m_gauss
            new_gauss = ((a_mat @ g) * a_mat).sum(-1)
            q = torch.round((g / gd[:, None, :]).clamp(-cfg.max_step, cfg.max_step)) * off  # q_ij, b_i - q_ij b_j
            new_pair = gd[:, :, None] - 2.0 * q * g + q * q * gd[:, None, :]
            new = torch.where(eye.bool(), new_gauss[:, :, None].expand(-1, -1, n), new_pair)
            gain = 0.5 * (torch.log(gd)[:, :, None] - torch.log(new.clamp(min=1e-300)))
            valid = gain > MIN_GAIN * (1.0 + torch.log(gd).abs()[:, :, None])
            valid = valid & ~(torch.isnan(gain))
            found = valid.flatten(1).any(1)
        score = (cfg.gain_prior * gain + c).flatten(1)
        masked = score.masked_fill(~valid.flatten(1), -torch.inf)
        lp = torch.zeros(batch, dtype=dt, device=dev)
        if mode == "sample":
            logits = masked / cfg.temperature
            logits = torch.where(found[:, None], logits, torch.zeros_like(logits))
            u = torch.rand(logits.shape, dtype=dt, device=dev, generator=generator).clamp(min=1e-300)
            pick = torch.argmax(logits.detach() - torch.log(-torch.log(u)), -1)
            lp_pick = torch.log_softmax(logits, -1).gather(-1, pick[:, None])[:, 0]
        else:
            pick = torch.argmax(masked.detach(), -1)
            lp_pick = torch.zeros(batch, dtype=dt, device=dev)
        i, j = pick // n, pick % n
        rows = torch.arange(batch, device=dev)
        is_gauss = i == j
        pair_row = -q[rows, i, j][:, None] * nn.functional.one_hot(j, n).to(dt)
        m = torch.where(is_gauss[:, None], m_gauss[rows, i].detach(), pair_row) * found[:, None].to(dt)
        if mode == "sample":
            lp = torch.where(found, lp_pick + torch.where(is_gauss, lp_bits[rows, i], torch.zeros_like(lp_pick)), lp)
        st = torch.zeros(batch, n, n, dtype=dt, device=dev)
        if mode == "relaxed":
            soft = torch.softmax(torch.where(found[:, None], masked / cfg.temperature, torch.zeros_like(masked)), -1)
            hard = nn.functional.one_hot(pick, n * n).to(dt)
            w = (hard + soft - soft.detach()).reshape(batch, n, n)
            sig = torch.sigmoid(bit_score / cfg.temperature)
            zst = z + sig - sig.detach()
            m_soft = torch.sign(x) * (low + zst) * off
            # row update of U as a weighted sum over candidates: forward equals the chosen integer row
            st = torch.diagonal(w, dim1=-2, dim2=-1)[:, :, None] * m_soft - (w * off) * q
            st = st * found[:, None, None].to(dt)
        return m, i, found, lp, st

    def _run(
        self, b0: torch.Tensor, moves: int, mode: str, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        batch, n, _ = b0.shape
        dev = b0.device
        u = torch.eye(n, dtype=torch.int64, device=dev).repeat(batch, 1, 1)
        log_prob = torch.zeros(batch, dtype=b0.dtype, device=dev)
        count = torch.zeros(batch, dtype=torch.int64, device=dev)
        gram0 = b0 @ b0.transpose(-1, -2)
        chain = gram0.clone()  # straight-through Gram chain (relaxed mode)
        eye = torch.eye(n, dtype=b0.dtype, device=dev)
        active = torch.arange(batch, device=dev)
        for _ in range(moves):
            ua = u[active]
            cur = ua.double() @ b0[active]
            gram = cur @ cur.transpose(-1, -2)
            m, i, found, lp, st = self._step(gram, cur, mode, generator)
            rows = torch.arange(len(active), device=dev)
            new = ua.clone()
            new[rows, i] = ua[rows, i] + (m.round().to(torch.int64)[:, :, None] * ua).sum(1)
            u = u.index_copy(0, active, new)
            count = count.index_add(0, active, found.to(torch.int64))
            if mode == "sample":
                log_prob = log_prob.index_add(0, active, lp)
            elif mode == "relaxed":
                a_mat = eye + st
                g_prev = chain[active]
                g_next = a_mat @ g_prev @ a_mat.transpose(-1, -2)
                exact = (new.double() @ gram0[active] @ new.double().transpose(-1, -2)).detach()
                chain = chain.index_copy(0, active, exact + g_next - g_next.detach())
            if int(new.abs().max()) > MAX_ENTRY:
                raise RuntimeError(
                    f"unimodular entries reached {int(new.abs().max())} > {MAX_ENTRY}; the input basis is too "
                    "badly conditioned for exact int64 arithmetic"
                )
            active = active[found]
            if active.numel() == 0:
                break
        if mode != "relaxed":
            uf = u.double()
            chain = uf @ gram0 @ uf.transpose(-1, -2)
        return u, log_prob, count, chain


# --- training ----------------------------------------------------------------------------------------------------
def factor_validation_loss(
    model: FactorReducer,
    dims: tuple[int, ...],
    seed: int,
    count: int,
    moves_per_dim: int,
    kinds: tuple[str, ...] = KINDS,
) -> float:
    """Mean log defect of ``model`` (greedy mode) after ``moves_per_dim * n`` factors on a fixed seeded set
    (``count`` bases of each family in ``kinds`` per dimension)."""
    vals = []
    with torch.no_grad():
        for n in dims:
            data = np.concatenate([generate(k, n, count, seed=seed) for k in kinds])
            out = model.reduce(torch.as_tensor(data, dtype=torch.float64), moves=moves_per_dim * n)
            vals.append(float(log_defect(out.basis).mean()))
    return float(np.mean(vals))


def train_factors(
    model: FactorReducer, config: FactorTrainConfig, progress: bool = True, select: bool = True
) -> list[float]:
    """Train ``model`` in place, self-supervised on the log orthogonality defect after ``config.moves_per_dim *
    n`` factors; returns the greedy defect of each training batch.

    ``config.method``:

    * ``"reinforce"``: sample the candidates and rounding bits (``mode="sample"``) and minimise
      ``mean((D_sample - D_greedy) log p)`` (REINFORCE with the greedy rollout of the same model as the
      baseline, self-critical), an unbiased gradient of the expected defect of the sampled policy;
    * ``"straight_through"``: ``mode="relaxed"``, minimise the defect of the final Gram matrix directly; the
      gradient flows through the softmax over candidates and the sigmoid of the rounding bits as if they were
      the hard choices (biased; the integer moves are exact in the forward pass).

    ``select``: keep the parameters with the lowest :func:`factor_validation_loss` (seed ``10**6 + seed``,
    checked before training and every ``log_every`` steps): training that does not help leaves the greedy rule.
    """
    params = list(model.parameters())
    if not params:
        return []
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    opt = torch.optim.Adam(params, lr=config.lr)
    rng = np.random.default_rng(config.seed)
    losses: list[float] = []
    model.train()

    def val() -> float:
        return factor_validation_loss(
            model, config.dims, 10**6 + config.seed, config.val_count, config.moves_per_dim, config.kinds
        )

    best = (val(), copy.deepcopy(model.state_dict())) if select else None
    bar = tqdm(range(config.steps), desc=f"train ({config.method})", disable=not progress, leave=False)
    for step in bar:
        n = int(rng.choice(config.dims))
        per = -(-config.batch // len(config.kinds))
        data = np.concatenate([generate(k, n, per, seed=config.seed * 1_000_003 + step) for k in config.kinds])
        basis = torch.as_tensor(data[: config.batch], dtype=torch.float64)
        budget = config.moves_per_dim * n
        with torch.no_grad():
            greedy = log_defect(model.reduce(basis, moves=budget).basis)
        if config.method == "reinforce":
            out = model.reduce(basis, moves=budget, mode="sample", generator=gen)
            advantage = (log_defect(out.basis.detach()) - greedy).detach()
            loss = (advantage * out.log_prob).mean()
        else:
            out = model.reduce(basis, moves=budget, mode="relaxed")
            loss = log_defect_from_gram(out.gram).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        losses.append(float(greedy.mean()))
        bar.set_postfix(defect=f"{losses[-1]:.3f}", n=n)
        if best is not None and (step + 1) % config.log_every == 0:
            v = val()
            if v < best[0]:
                best = (v, copy.deepcopy(model.state_dict()))
    if best is not None:
        model.load_state_dict(best[1])
    model.eval()
    return losses
