"""The learned part of the grid extension: a stencil (3 x 3 convolutional) network over per-lattice invariants.

:class:`GridPolicy` reads, for every lattice of a grid, two numbers that an independent signed permutation (B_n)
or scaling of any lattice leaves unchanged: its log orthogonality defect / n and its aligned distance to its
neighbours (:func:`neighbour_distance`, which measures the local correlation); it runs two 3 x 3 stencil layers
over the grid (a convolution written as shifts and a shared linear map, so translation equivariance is exact:
circular padding on a torus, zero padding on a bounded grid) and predicts, per lattice, the fraction of the base
reducer's factors that a warm start from the best neighbour's factor saves. :class:`lattice_nn.GridReducer` with a
policy reduces from scratch (in the first batch, with the anchors) every lattice whose predicted saving is below
``threshold``, and warm-starts the others.

What is learned and what is hand-written: the policy's weights are *fitted* (:func:`fit_grid_policy`,
self-supervised: the regression targets are factor counts the base reducer itself produces on training grids, no
labels); the anchors (3 x 3 minima of the input defect), the alignment, the choice among the neighbours' factors
(lowest defect) and the threshold (0.15, chosen on validation grids) are hand-written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

#: the 9 offsets of a 3 x 3 stencil (centre included), in a fixed order
STENCIL = tuple((dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1))

#: number of inputs of :class:`GridPolicy` per lattice: the log defect / n and the aligned neighbour distance
FEATURES = 2

#: names of the per-lattice invariants of :func:`lattice_invariants`, in order
INVARIANT_NAMES = (
    "log_len_mean",  # = log defect / n
    "log_len_std",
    "log_len_max",
    "log_len_min",
    "log_dual_len_mean",
    "log_dual_len_max",
    "abs_cos_mean",
    "abs_cos_max",
    "abs_cos_rms",
)


def lattice_invariants(bases: torch.Tensor) -> torch.Tensor:
    """Per-lattice invariants ``(..., n, n) -> (..., 9)`` (float64; see :data:`INVARIANT_NAMES`).

    With ``B`` the basis (rows are vectors) and ``d = log|det B| / n``: the log lengths ``log |b_i| - d`` of the
    basis vectors and ``log |b*_i| + d`` of the dual vectors (rows of ``B^-T``) and the absolute cosines
    ``|<b_i, b_j>| / (|b_i| |b_j|)`` (``i != j``), each pooled by symmetric functions over the vectors (mean,
    std, max, min). Invariant under ``B -> M B Q s`` for a signed permutation ``M`` (B_n), an orthogonal ``Q``
    (O(n)) and a scale ``s > 0``, each chosen independently for every lattice.

    Examples:
        >>> import torch
        >>> b = torch.eye(3, dtype=torch.float64)
        >>> lattice_invariants(b)[:2].tolist(), lattice_invariants(2.0 * b).equal(lattice_invariants(b))
        ([0.0, 0.0], True)
    """
    b = bases.double()
    n = b.shape[-1]
    d = (torch.linalg.slogdet(b)[1] / n)[..., None]
    length = b.norm(dim=-1)
    log_len = length.log() - d
    log_dual = torch.linalg.inv(b).norm(dim=-2).log() + d  # columns of B^-1 are the dual vectors
    cos = (b @ b.transpose(-1, -2)).abs() / (length[..., :, None] * length[..., None, :])
    off = ~torch.eye(n, dtype=torch.bool)
    c = cos[..., off]
    return torch.stack(
        [
            log_len.mean(-1),
            log_len.std(-1),
            log_len.amax(-1),
            log_len.amin(-1),
            log_dual.mean(-1),
            log_dual.amax(-1),
            c.mean(-1),
            c.amax(-1),
            c.square().mean(-1).sqrt(),
        ],
        dim=-1,
    )


def shift(x: torch.Tensor, dr: int, dc: int, periodic: bool) -> torch.Tensor:
    """``y[r, c] = x[r + dr, c + dc]`` over the first two (grid) axes; wraps on a torus, zeros outside otherwise."""
    y = torch.roll(x, shifts=(-dr, -dc), dims=(0, 1))
    if periodic:
        return y
    rows, cols = x.shape[:2]
    mask = torch.ones(rows, cols, dtype=x.dtype)
    if dr > 0:
        mask[rows - dr :] = 0
    elif dr < 0:
        mask[:-dr] = 0
    if dc > 0:
        mask[:, cols - dc :] = 0
    elif dc < 0:
        mask[:, :-dc] = 0
    return y * mask.reshape(rows, cols, *([1] * (x.ndim - 2)))


def stencil(x: torch.Tensor, periodic: bool) -> torch.Tensor:
    """The 3 x 3 neighbourhood of every grid cell, concatenated: ``(R, C, F) -> (R, C, 9 F)``."""
    return torch.cat([shift(x, dr, dc, periodic) for dr, dc in STENCIL], dim=-1)


#: aligned neighbours: offset ``(dr, dc)`` -> (``perm``, ``sign``), each ``(R, C, n)``, of :func:`align` between
#: every lattice and its neighbour at that offset on the torus (wrapped pairs are ignored on a bounded grid)
Alignments = dict[tuple[int, int], tuple[torch.Tensor, torch.Tensor]]


def neighbour_alignments(grid: torch.Tensor) -> Alignments:
    """:func:`align` of every lattice of ``grid`` ``(R, C, n, n)`` with each of its 8 neighbours (torus-wrapped)."""
    rows, cols, n, _ = grid.shape
    b = grid.double()
    flat = b.reshape(-1, n, n)
    out: Alignments = {}
    for dr, dc in STENCIL:
        if (dr, dc) != (0, 0):
            perm, sign = align(flat, shift(b, dr, dc, True).reshape(-1, n, n))
            out[(dr, dc)] = (perm.reshape(rows, cols, n), sign.reshape(rows, cols, n))
    return out


def neighbour_distance(grid: torch.Tensor, periodic: bool, alignments: Alignments | None = None) -> torch.Tensor:
    """``log`` of the mean aligned distance of every lattice to its neighbours, ``(R, C, n, n) -> (R, C, 1)``.

    For a lattice ``x`` and a neighbour ``y``, both scaled to ``|det| = 1``: ``|B_x - P B_y|_F / |B_x|_F`` with
    ``P`` the signed permutation of :func:`align`; the mean is over the (up to 8) neighbours inside the grid. It is
    unchanged by an independent signed permutation or scaling of any lattice and by a rotation common to the grid,
    and it measures the correlation directly (about ``sqrt(2 (1 - rho))`` for a correlation ``rho``).
    ``alignments``: :func:`neighbour_alignments` of ``grid`` when already computed.
    """
    rows, cols, n, _ = grid.shape
    if alignments is None:
        alignments = neighbour_alignments(grid)
    b = grid.double()
    b = b / (torch.linalg.slogdet(b)[1] / n).exp()[..., None, None]
    ones = torch.ones(rows, cols, 1, dtype=torch.float64)
    total = torch.zeros(rows, cols, 1, dtype=torch.float64)
    count = torch.zeros_like(total)
    for dr, dc in STENCIL:
        if (dr, dc) == (0, 0):
            continue
        perm, sign = alignments[(dr, dc)]
        by = shift(b, dr, dc, True)
        moved = sign[..., None].double() * by.gather(-2, perm[..., None].expand_as(by))
        dist = (b - moved).flatten(2).norm(dim=-1) / b.flatten(2).norm(dim=-1)
        valid = shift(ones, dr, dc, periodic)
        total = total + valid * dist[..., None]
        count = count + valid
    return (total / count.clamp(min=1.0) + 1e-9).log()


class GridPolicy(nn.Module):
    """Per-lattice predicted saving of a warm start, from a 3 x 3 convolutional network over invariants.

    ``forward(features (R, C, F), periodic) -> (R, C)`` (``features`` from :meth:`features`): standardise them
    (fixed statistics of the training grids), two stencil layers (``Linear(9 F -> hidden)``, SiLU,
    ``Linear(9 hidden -> hidden)``, SiLU; a receptive field of 5 x 5 lattices) and a linear read-out.
    :meth:`warm` thresholds it. The grid convolution is written as shifts and a shared linear map, so a shift of
    the input grid shifts the output exactly (torus: ``periodic=True``, circular padding; bounded grid: zero
    padding).

    Examples:
        >>> import torch
        >>> from lattice_nn import GridPolicy, mimo_grid
        >>> grid = torch.as_tensor(mimo_grid(4, 3, 5, seed=0))
        >>> GridPolicy().warm(grid).shape
        torch.Size([3, 5])
    """

    def __init__(self, hidden: int = 4, threshold: float = 0.15) -> None:
        super().__init__()
        f = FEATURES
        self.threshold = threshold
        self.register_buffer("mean", torch.zeros(f, dtype=torch.float64))
        self.register_buffer("scale", torch.ones(f, dtype=torch.float64))
        self.l1 = nn.Linear(len(STENCIL) * f, hidden, dtype=torch.float64)
        self.l2 = nn.Linear(len(STENCIL) * hidden, hidden, dtype=torch.float64)
        self.out = nn.Linear(hidden, 1, dtype=torch.float64)

    def features(
        self, grid: torch.Tensor, periodic: bool = False, alignments: Alignments | None = None
    ) -> torch.Tensor:
        """The inputs of the network, ``(R, C, n, n) -> (R, C, 2)``: the log defect / n of every lattice (the first
        of :func:`lattice_invariants`) and its :func:`neighbour_distance`.

        (The other eight invariants were tried as inputs too; with them the fitted policy did not carry over from
        the training grids to validation grids, which differ in their spatial correlation: see the README.)
        """
        dist = neighbour_distance(grid, periodic, alignments)
        return torch.cat([lattice_invariants(grid)[..., :1], dist], dim=-1)

    def forward(self, feats: torch.Tensor, periodic: bool = False) -> torch.Tensor:
        x = (feats.double() - self.mean) / self.scale
        x = nn.functional.silu(self.l1(stencil(x, periodic)))
        x = nn.functional.silu(self.l2(stencil(x, periodic)))
        return self.out(x)[..., 0]

    @torch.no_grad()
    def warm(self, grid: torch.Tensor, periodic: bool = False, alignments: Alignments | None = None) -> torch.Tensor:
        """Bool ``(R, C)``: the lattices whose predicted saving reaches ``threshold`` (warm start them)."""
        grid = torch.as_tensor(grid)
        return self(self.features(grid, periodic, alignments), periodic) >= self.threshold


def align(bx: torch.Tensor, by: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The signed permutation that best matches the vectors of ``bx`` to those of ``by`` (batched ``(m, n, n)``).

    Greedy matching on the absolute cosines: repeatedly the pair ``(i, j)`` with the largest ``|cos(bx_i, by_j)|``
    among the unmatched ones is matched, with the sign of the cosine. Returns ``perm`` (int64 ``(m, n)``) and
    ``sign`` (``(m, n)``, +-1) with ``bx_i ~ sign_i by_perm_i``, i.e. ``bx ~ P by`` with ``P[i, perm_i] = sign_i``.

    Equivariant in each argument separately: relabelling / flipping the vectors of ``bx`` (or of ``by``) by a
    signed permutation changes ``P`` to ``M P`` (or ``P M^T``) whenever the largest cosines have no exact ties.
    Invariant under scaling either basis and under one rotation applied to both (it reads only cosines).
    """
    m, n, _ = bx.shape
    ux = bx / bx.norm(dim=-1, keepdim=True)
    uy = by / by.norm(dim=-1, keepdim=True)
    cos = ux @ uy.transpose(-1, -2)
    score = cos.abs().clone()
    perm = torch.zeros(m, n, dtype=torch.int64)
    rows = torch.arange(m)
    for _ in range(n):
        flat = score.reshape(m, -1).argmax(-1)
        i, j = flat // n, flat % n
        perm[rows, i] = j
        score[rows, i, :] = -1.0
        score[rows, :, j] = -1.0
    sign = torch.where(cos.gather(-1, perm[..., None])[..., 0] < 0, -1, 1).to(torch.int64)
    return perm, sign


def transfer(u_y: torch.Tensor, perm: torch.Tensor, sign: torch.Tensor) -> torch.Tensor:
    """``P U_y P^T`` for ``P[i, perm_i] = sign_i``: a neighbour's factor relabelled into this lattice's basis."""
    g = u_y.gather(-2, perm[..., :, None].expand_as(u_y))
    g = g.gather(-1, perm[..., None, :].expand_as(u_y))
    return sign[..., :, None] * g * sign[..., None, :]


# --- fitting -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GridPolicyFit:
    """How :func:`fit_grid_policy` fitted a policy (for the run record)."""

    n: int
    rhos: tuple[float, ...]
    seeds: tuple[int, ...]
    shape: tuple[int, int]
    steps: int
    lr: float
    hidden: int
    threshold: float
    periodic: bool

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}


def warm_savings(base: Any, grid: torch.Tensor, periodic: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Self-supervised targets for one grid: the fraction of factors a warm start saves, per lattice.

    Every lattice is reduced alone by ``base`` (factors ``f_alone``); then every lattice starts from the best
    (lowest-defect) of the identity and its neighbours' aligned factors and ``base`` finishes it (``f_warm``).
    Returns ``(saving, alone_factors)`` with ``saving = (f_alone - f_warm) / max(f_alone, 1)`` (``(R, C)``).
    """
    from ._defect import log_defect

    rows, cols, n, _ = grid.shape
    b = grid.double()
    flat = b.reshape(-1, n, n)
    u0, f0 = base(flat)
    u0 = u0.cpu().reshape(rows, cols, n, n)
    f0 = f0.cpu().reshape(rows, cols).double()
    best = log_defect(flat).reshape(rows, cols)
    pick = torch.eye(n, dtype=torch.int64).repeat(rows, cols, 1, 1)
    for dr, dc in STENCIL:
        if (dr, dc) == (0, 0):
            continue
        uy = shift(u0, dr, dc, True)
        by = shift(b, dr, dc, True)
        ok = shift(torch.ones(rows, cols, dtype=torch.float64), dr, dc, periodic) > 0
        perm, sign = align(flat, by.reshape(-1, n, n))
        cand = transfer(uy.reshape(-1, n, n), perm, sign)
        d = log_defect(cand.double() @ flat).reshape(rows, cols)
        better = ok & (d < best)
        best = torch.where(better, d, best)
        pick[better] = cand.reshape(rows, cols, n, n)[better]
    _, f1 = base(pick.reshape(-1, n, n).double() @ flat)
    f1 = f1.cpu().reshape(rows, cols).double()
    return (f0 - f1) / f0.clamp(min=1.0), f0


def fit_grid_policy(
    base: Any,
    n: int,
    rhos: tuple[float, ...] = tuple(float(1 - 10**-u) for u in np.linspace(0.7, 3.3, 12)),
    seeds: tuple[int, ...] = (1000, 1001, 1002, 1003, 1004, 1005),
    shape: tuple[int, int] = (8, 8),
    steps: int = 400,
    lr: float = 1e-2,
    hidden: int = 4,
    threshold: float = 0.15,
    periodic: bool = False,
    seed: int = 0,
    weight_decay: float = 1e-2,
) -> tuple[GridPolicy, dict[str, Any]]:
    """Fit a :class:`GridPolicy` for dimension ``n`` on training grids (no labels: the base reducer's own costs).

    Training grids: :func:`lattice_nn.mimo_grid` of ``shape`` at every ``rho`` in ``rhos`` (time = frequency
    correlation; by default 12 values with ``1 - rho`` log-spaced from 0.2 to 5e-4) and every seed in ``seeds``
    (distinct from the evaluation grid's seed). Targets: :func:`warm_savings` with ``base``. Loss: mean squared
    error, full batch, Adam. Returns the policy (eval mode) and a record (settings, final loss, the fraction of
    lattices whose warm/scratch decision agrees with the target's sign at ``threshold``).
    """
    from ._grid import mimo_grid

    torch.manual_seed(seed)
    policy = GridPolicy(hidden=hidden, threshold=threshold)
    feats, targets = [], []
    for s in seeds:
        for rho in rhos:
            grid = torch.as_tensor(mimo_grid(n, *shape, seed=s, rho_freq=rho, rho_time=rho))
            saving, _ = warm_savings(base, grid, periodic)
            feats.append(policy.features(grid, periodic))
            targets.append(saving)
    x = torch.stack(feats)  # (G, R, C, F)
    y = torch.stack(targets)
    flat = x.reshape(-1, x.shape[-1])
    policy.mean.copy_(flat.mean(0))
    policy.scale.copy_(flat.std(0).clamp(min=1e-9))
    opt = torch.optim.AdamW(policy.parameters(), lr=lr, weight_decay=weight_decay)
    loss = torch.tensor(0.0)
    for _ in range(steps):
        opt.zero_grad()
        pred = torch.stack([policy(g, periodic) for g in x])
        loss = (pred - y).square().mean()
        loss.backward()
        opt.step()
    policy.eval()
    with torch.no_grad():
        pred = torch.stack([policy(g, periodic) for g in x])
        agree = float(((pred >= threshold) == (y >= threshold)).double().mean())
        base_loss = float((y - y.mean()).square().mean())
    fit = GridPolicyFit(n, tuple(rhos), tuple(seeds), tuple(shape), steps, lr, hidden, threshold, periodic)
    record = {
        "fit": fit.as_dict(),
        "mse": float(loss.detach()),
        "mse_constant": base_loss,
        "decision_agreement": agree,
        "target_mean_by_rho": {f"{r:g}": float(y[i :: len(rhos)].mean()) for i, r in enumerate(rhos)},
    }
    return policy, record


__all__ = [
    "INVARIANT_NAMES",
    "Alignments",
    "STENCIL",
    "GridPolicy",
    "align",
    "fit_grid_policy",
    "lattice_invariants",
    "neighbour_alignments",
    "neighbour_distance",
    "shift",
    "stencil",
    "transfer",
    "warm_savings",
]
