"""GroupLikelihood: a learnable, band-limited likelihood over a planar group, and its regularisers.

Veefkind & Cesa, "A Probabilistic Approach to Learning the Degree of Equivariance in Steerable CNNs" (ICML 2024,
arXiv 2406.03946), Sec. 3; normalisation as in the authors' code (QUVA-Lab/partial-escnn, ``FTSoftmaxNormalisation``).

Maths. An element of C_N, D_N, SO(2) or O(2) is ``g = (f, t)`` (reflection flag, rotation angle; equi-groups'
``to_o2``). A real band-limited function on the group is

    ``phi(g) = sum_c [f == c] (a_c0 + sum_{k=1..L} a_ck cos(k t) + b_ck sin(k t))``,

one copy per coset ``c`` (one for rotation groups, two for groups with reflections: the "two rings" of O(2)).
These are the matrix coefficients of the irreps up to frequency ``L`` (``L <= N/2`` for finite groups; the sine
at ``k = N/2`` vanishes on C_N and is left out). The learnable, unnormalised coefficients ``fts_in`` give logits
``phi`` on a grid; ``p = exp(phi) / mean_grid exp(phi)`` is a density with respect to the normalised Haar measure
(``int p = 1``). The grid is the whole group for C_N/D_N; for SO(2)/O(2) it is ``2 max(L, L_out) + 1`` rotations
per coset plus an "identity grid" of ``identity_samples`` angles ``~ N(0, identity_std)`` (the authors' values:
100, 0.2 rad), which is used only by the fit below, not by the normalisation. The density is mapped back to
coefficients band-limited to ``L_out`` by ridge least squares (``(A^T A + 1e-8 I)^-1 A^T``) and rescaled to
integrate to exactly 1: these ``fts_out`` are what the kernel sees (:class:`LearnableR2Conv`).

A uniform likelihood (``fts_in = 0``, the initialisation) gives ``fts_out = (1, 0, ..., 0)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from equi_groups import O2, SO2, CyclicGroup, DihedralGroup, GroupElement, PlanarGroup
from torch import nn


def _check_group(group: object) -> tuple[int | None, int]:
    """``(N or None, number of cosets)``."""
    if isinstance(group, CyclicGroup):
        return group.N, 1
    if isinstance(group, DihedralGroup):
        return group.N, 2
    if isinstance(group, SO2):
        return None, 1
    if isinstance(group, O2):
        return None, 2
    raise ValueError(f"GroupLikelihood needs C_N, D_N, SO2 or O2, got {group!r}")


def fourier_features(group: PlanarGroup, band: int, elements: Sequence[tuple[int, float]]) -> np.ndarray:
    """``(len(elements), n_features)``: the real Fourier basis of ``group`` up to frequency ``band`` at the
    elements given as ``(f, t)``.

    The order is, per coset ``c``: ``1, cos t, sin t, cos 2t, sin 2t, ...`` (for C_N/D_N with ``2 band == N``
    the last sine is dropped).

    Examples:
        >>> from equi_groups import CyclicGroup
        >>> fourier_features(CyclicGroup(4), 2, [(0, 0.0)]).tolist()
        [[1.0, 1.0, 0.0, 1.0]]
    """
    N, cosets = _check_group(group)
    drop_last_sine = N is not None and 2 * band == N
    f = np.array([e[0] for e in elements], dtype=int)
    t = np.array([e[1] for e in elements], dtype=float)
    cols = []
    for c in range(cosets):
        ind = (f == c).astype(float)
        cols.append(ind)
        for k in range(1, band + 1):
            cols.append(ind * np.cos(k * t))
            if not (drop_last_sine and k == band):
                cols.append(ind * np.sin(k * t))
    return np.stack(cols, 1)


def max_band(group: PlanarGroup, band: int) -> int:
    """``band`` capped at ``N // 2`` for finite groups (the authors' cap)."""
    N, _ = _check_group(group)
    if not isinstance(band, int) or band < 0:
        raise ValueError(f"band limit must be an integer >= 0, got {band!r}")
    return band if N is None else min(band, N // 2)


class GroupLikelihood(nn.Module):
    """A learnable likelihood over a planar group, band-limited Fourier coefficients normalised on a grid.

    Veefkind & Cesa, ICML 2024 (arXiv 2406.03946); the maths is in this module's docstring. One instance may be
    shared by several layers (the paper's shared variant) or owned by one layer (layer-wise).

    Args:
        group: C_N, D_N, SO2 or O2 (equi-groups).
        L: band limit of the learnable coefficients (capped at N/2 for finite groups; the authors use 4).
        L_out: band limit of the normalised coefficients the kernel uses (default ``L``).
        identity_samples: points of the identity grid (continuous groups only).
        identity_std: std (radians) of the identity grid's angles.
        seed: seed of the identity grid.

    Shapes:
        ``fts_in``: ``(n_in,)`` learnable; ``forward()`` -> ``fts_out (n_out,)``; ``density()`` -> ``(n_grid,)``.

    Examples:
        >>> from equi_groups import SO2
        >>> lik = GroupLikelihood(SO2(), L=4)
        >>> [round(float(v), 6) for v in lik().detach()[:3]]
        [1.0, 0.0, 0.0]
    """

    def __init__(
        self,
        group: PlanarGroup,
        L: int = 4,
        L_out: int | None = None,
        identity_samples: int = 100,
        identity_std: float = 0.2,
        seed: int = 0,
    ) -> None:
        super().__init__()
        N, cosets = _check_group(group)
        self.group = group
        self.L = max_band(group, L)
        self.L_out = max_band(group, self.L if L_out is None else L_out)
        self.cosets = cosets
        if N is not None:
            grid = [group.to_o2(g) for g in group.elements()]
            ident: list[tuple[int, float]] = []
        else:
            n = 2 * max(self.L, self.L_out) + 1
            grid = [(c, 2 * math.pi * i / n) for c in range(cosets) for i in range(n)]
            rng = np.random.default_rng(seed)
            ident = [(0, float(a)) for a in rng.normal(0.0, identity_std, identity_samples)]
        self.grid_elements: tuple[tuple[int, float], ...] = tuple((int(f), float(t)) for f, t in grid)
        self.n_grid = len(grid)
        a_in = fourier_features(group, self.L, grid + ident)
        a_out = fourier_features(group, self.L_out, grid + ident)
        ridge = np.linalg.solve(a_out.T @ a_out + 1e-8 * np.eye(a_out.shape[1]), a_out.T)
        # integral of each output feature over the normalised Haar measure: 1/cosets for the coset indicators
        integral = np.zeros(a_out.shape[1])
        per = a_out.shape[1] // cosets
        integral[::per] = 1.0 / cosets
        self.register_buffer("feat_in", torch.as_tensor(a_in, dtype=torch.float32), False)
        self.register_buffer("lstsq", torch.as_tensor(ridge, dtype=torch.float32), False)
        self.register_buffer("integral", torch.as_tensor(integral, dtype=torch.float32), False)
        # uniform init: zero logits (the authors store 1 on the trivial coefficient: a constant logit, the same
        # density after normalisation)
        self.fts_in = nn.Parameter(torch.zeros(a_in.shape[1]))
        self.n_in, self.n_out = a_in.shape[1], a_out.shape[1]

    def logits(self) -> torch.Tensor:
        """Logits on the regular grid followed by the identity grid, ``(n_grid + identity_samples,)``."""
        return self.feat_in @ self.fts_in

    def log_density(self) -> torch.Tensor:
        """``log p`` on the regular grid ``(n_grid,)``, Haar-normalised (``mean exp = 1``)."""
        z = self.logits()[: self.n_grid]
        return z - (torch.logsumexp(z, 0) - math.log(self.n_grid))

    def density(self) -> torch.Tensor:
        """``p`` on the regular grid ``(n_grid,)``; its mean is 1 (a density w.r.t. the normalised Haar measure)."""
        return self.log_density().exp()

    def density_at(self, elements: Sequence[GroupElement | tuple[int, float]]) -> torch.Tensor:
        """``p = exp(phi) / mean_grid exp(phi)`` at any elements (group elements or ``(f, t)``), ``(n,)``: the
        density of :meth:`density` evaluated off the grid (for plots and for the likelihood-fit distance on a
        common grid); equal to :meth:`density` on ``grid_elements``."""
        pts = [self.group.to_o2(g) if isinstance(g, GroupElement) else g for g in elements]
        feats = torch.as_tensor(fourier_features(self.group, self.L, pts), dtype=self.fts_in.dtype)
        z = self.logits()[: self.n_grid]
        logz = torch.logsumexp(z, 0) - math.log(self.n_grid)
        return (feats @ self.fts_in - logz).exp()

    def forward(self) -> torch.Tensor:
        """``fts_out (n_out,)``: the density's band-limited coefficients, integrating to 1."""
        z = self.logits()
        logz = torch.logsumexp(z[: self.n_grid], 0) - math.log(self.n_grid)
        coef = self.lstsq @ (z - logz).exp()
        return coef / (self.integral @ coef)

    def evaluate(self, elements: Sequence[GroupElement | tuple[int, float]]) -> torch.Tensor:
        """The band-limited density ``sum fts_out phi(g)`` at the given elements (group elements or ``(f, t)``)."""
        pts = [self.group.to_o2(g) if isinstance(g, GroupElement) else g for g in elements]
        feats = torch.as_tensor(fourier_features(self.group, self.L_out, pts), dtype=torch.float32)
        return feats @ self()

    def extra_repr(self) -> str:
        return f"group={self.group}, L={self.L}, L_out={self.L_out}, n_grid={self.n_grid}"


def kl_divergence(p: GroupLikelihood, q: GroupLikelihood | None = None, detach_q: bool = True) -> torch.Tensor:
    """``KL(p || q)`` on the regular grid (``q`` uniform when ``None``); ``>= 0``, zero iff equal on the grid.

    ``KL = mean_grid p (log p - log q)`` with Haar-normalised densities (the grids must agree).
    """
    lp = p.log_density()
    if q is None:
        lq = torch.zeros_like(lp)
    else:
        if q.grid_elements != p.grid_elements:
            raise ValueError(f"likelihoods live on different grids: {p.extra_repr()} vs {q.extra_repr()}")
        lq = q.log_density()
        if detach_q:
            lq = lq.detach()
    return (lp.exp() * (lp - lq)).mean()


def alignment_loss(p: GroupLikelihood) -> torch.Tensor:
    """``-(logit(e) - max logit)`` on the regular grid: ``>= 0``, zero iff the mode is at the identity."""
    z = p.logits()[: p.n_grid]
    return z.max() - z[0]


def likelihood_regularisers(likelihoods: Sequence[GroupLikelihood]) -> dict[str, torch.Tensor]:
    """The paper's regularisers over a network's likelihoods in layer order (shared ones counted once).

    ``kl``: ``sum_l KL(p_l || sg(p_{l-1}))`` divided by the number of maps; ``kl_uniform``: ``KL(p_1 || U)``
    divided by the number of maps; ``align``: the mean alignment loss. Total (their defaults):
    ``CE + 5 align + 3 kl + 3 kl_uniform``.
    """
    uniq: list[GroupLikelihood] = []
    for lik in likelihoods:
        if not any(lik is u for u in uniq):
            uniq.append(lik)
    if not uniq:
        zero = torch.zeros(())
        return {"kl": zero, "kl_uniform": zero, "align": zero}
    n = len(uniq)
    kl = sum((kl_divergence(b, a) for a, b in zip(uniq[:-1], uniq[1:], strict=True)), torch.zeros(()))
    return {
        "kl": kl / n,
        "kl_uniform": kl_divergence(uniq[0]) / n,
        "align": sum((alignment_loss(p) for p in uniq), torch.zeros(())) / n,
    }
