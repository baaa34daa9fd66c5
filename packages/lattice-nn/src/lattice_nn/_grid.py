"""The convolutional (grid) extension: joint reduction of spatially correlated lattices on a 2D grid.

Wireless MIMO detection reduces one channel lattice per resource element, and the channels of neighbouring
subcarriers and time slots are strongly correlated, so the reduction of one is a good start for its neighbour.
:func:`mimo_grid` makes such grids (a documented, seeded correlation model); :class:`GridReducer` reduces a grid
jointly by warm-starting each lattice from the unimodular factor of its best already-reduced neighbour, with
stencil operations only (a 3 x 3 minimum filter to choose the lattices reduced from scratch and a 3 x 3
arg-min over the neighbours' factors), so it is translation equivariant over the grid. With ``align=True`` a
neighbour's factor is relabelled into the lattice's own basis first (equivariance under an independent signed
permutation of every lattice), and a :class:`lattice_nn.GridPolicy` (the learned part, ``_gridnet``) can choose
more lattices to reduce from scratch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch

from ._defect import log_defect
from ._gridnet import neighbour_alignments, transfer
from ._validate import check_basis

#: the 8 neighbour offsets ``(d_row, d_col)`` of the 3 x 3 stencil, in the fixed order used to break exact ties
OFFSETS = tuple((dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0))

#: a batched base reducer: ``(batch, n, n)`` float64 bases -> (``U`` int64 ``(batch, n, n)``, factors ``(batch,)``)
BaseReduce = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def _toeplitz_cholesky(size: int, rho: float) -> np.ndarray:
    """Lower Cholesky factor of the exponential correlation ``rho^{|i - j|}`` (size x size)."""
    idx = np.arange(size)
    corr = rho ** np.abs(idx[:, None] - idx[None, :]).astype(float)
    return np.linalg.cholesky(corr + 1e-12 * np.eye(size))


def mimo_grid(
    n: int,
    rows: int,
    cols: int,
    seed: int,
    rho_freq: float = 0.9,
    rho_time: float = 0.9,
    rho_space: tuple[float, float] = (0.5, 0.95),
) -> np.ndarray:
    """A grid of correlated MIMO channel bases over ``rows`` subcarriers x ``cols`` time slots.

    Model (real-valued Kronecker channel with a separable time-frequency correlation): the channel of
    subcarrier ``f`` and time slot ``t`` is ``H[f, t] = R^{1/2} W[f, t] R^{1/2}`` with one spatial correlation
    ``R_ab = rho^{|a - b|}`` for the whole grid (``rho`` uniform in ``rho_space``: the same antennas serve every
    resource element) and, for every antenna pair ``(a, b)``, a zero-mean unit-variance Gaussian field
    ``W[f, t]_ab`` with ``E[W[f, t]_ab W[f', t']_ab] = rho_freq^{|f - f'|} rho_time^{|t - t'|}`` (independent
    over antenna pairs). The exponential frequency correlation is that of an exponential power-delay profile
    (``rho_freq = 1 / sqrt(1 + (2 pi tau_rms df)^2)`` in magnitude), the time correlation an AR(1) stand-in for
    Jakes' Doppler spectrum. Each lattice on its own is distributed as :func:`lattice_nn.mimo_bases` with
    that ``rho``. Rows of each basis are the columns of ``H``.

    Returns:
        ``(rows, cols, n, n)`` float64, deterministic in ``seed``.

    Examples:
        >>> mimo_grid(4, 3, 5, seed=0).shape
        (3, 5, 4, 4)
    """
    if n < 2 or rows < 1 or cols < 1:
        raise ValueError(f"need n >= 2 and a non-empty grid, got n={n}, rows={rows}, cols={cols}")
    for name, value in (("rho_freq", rho_freq), ("rho_time", rho_time)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {value}")
    rng = np.random.default_rng([seed, n, rows, cols, 17])
    rho = rng.uniform(*rho_space)
    idx = np.arange(n)
    w, v = np.linalg.eigh(rho ** np.abs(idx[:, None] - idx[None, :]).astype(float))
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    z = rng.standard_normal((rows, cols, n, n))
    field = np.einsum("fg,th,ghab->ftab", _toeplitz_cholesky(rows, rho_freq), _toeplitz_cholesky(cols, rho_time), z)
    h = root @ field @ root
    return np.ascontiguousarray(np.swapaxes(h, -1, -2))


class GridReduction(NamedTuple):
    """Result of :meth:`GridReducer.reduce` (grid shape ``(R, C)``): ``unimodular`` (int64 ``(R, C, n, n)``),
    ``basis`` (``U @ input``), ``moves`` (factors the base reducer applied to each lattice, int64 ``(R, C)``),
    ``anchor`` (bool ``(R, C)``: reduced from scratch), ``wave`` (int64 ``(R, C)``: 0 for anchors, ``k`` for
    the ``k``-th ring around them), ``source`` (int64 ``(R, C, 2)``: offset of the neighbour whose factor
    started the lattice, ``(0, 0)`` when it started from the identity) and ``scratch`` (bool ``(R, C)``: reduced
    from scratch in the first batch, anchors included; with a policy, also the lattices it kept from warm starts).
    """

    unimodular: torch.Tensor
    basis: torch.Tensor
    moves: torch.Tensor
    anchor: torch.Tensor
    wave: torch.Tensor
    source: torch.Tensor
    scratch: torch.Tensor | None = None


def _imatmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Exact int64 batched matrix product (``torch.matmul`` has no int64 kernel on every device)."""
    return (a[..., :, :, None] * b[..., None, :, :]).sum(-2)


class GridReducer:
    """Joint reduction of a grid of lattices: equivariant in each lattice, convolutional over the grid.

    Algorithm (every step is a 3 x 3 stencil operation, applied to all lattices of a wave as one batch):

    1. *Anchors*: the lattices whose input log defect is the minimum of their 3 x 3 neighbourhood (a minimum
       filter, i.e. non-maximum suppression on ``-defect``) are reduced from scratch by the base reducer.
    2. *Waves*: every unreduced lattice ``x`` with a reduced neighbour ``y`` tries the identity and each reduced
       neighbour's factor ``U_y`` on its own basis and keeps the one with the lowest ``log_defect(U_y B_x)``
       (exact ties: the identity, then the neighbours in :data:`OFFSETS` order); the base reducer then
       continues from ``U_y B_x`` and ``U_x = U_rest U_y``. Waves repeat until every lattice is reduced.

    A neighbour's factor is a product of integer moves on the *same antenna indices*, so on correlated channels
    ``U_y B_x`` is already nearly reduced and the base reducer needs few moves: that is the shared computation.
    With an exact (tie-free) base reducer the result is

    * exactly unimodular (products of int64 unimodular matrices) with a log defect never above the input's;
    * equivariant under B_n acting on every lattice at once (``B_x -> M B_x``, ``U_x -> M U_x M^T``: a
      relabelling of the transmit antennas, common to the whole grid), and invariant under an independent
      rotation / reflection and scaling of each lattice's ambient space (only Gram matrices and defects are
      read);
    * equivariant under grid translations when ``periodic=True`` (the grid is a torus); on a bounded grid,
      under translations that keep the lattices and their neighbourhoods inside it.

    With ``align=False`` (the 0.2.1 hand-written model) independent signed permutations of single lattices are
    *not* a symmetry: they would relabel one lattice's antennas but not its neighbours', and a neighbour's
    factor is copied in the common labelling. ``align=True`` makes them one (below).

    **Learned variant** (``align=True, policy=GridPolicy``, 0.2.2): a neighbour's factor is first relabelled into
    this lattice's basis (``U = P U_y P^T`` with ``P`` the signed permutation matching the two bases' vectors,
    :func:`lattice_nn.align`), which makes the joint model equivariant under an *independent* signed permutation
    of every lattice (``B_x -> M_x B_x``, ``U_x -> M_x U_x M_x^T``, one ``M_x`` per cell), at the price of the
    per-lattice O(n) invariance (vectors of neighbours are compared in the common ambient space: only a rotation
    common to the grid, the receive array's, leaves it unchanged; per-lattice scaling still does); and a
    :class:`lattice_nn.GridPolicy` (a 3 x 3 convolutional network over per-lattice invariants, fitted by
    :func:`lattice_nn.fit_grid_policy`) decides which lattices are reduced from scratch in the first batch
    rather than warm-started (those whose predicted saving is below its threshold). The anchors and the choice
    among the neighbours' factors stay hand-written.

    Args:
        reducer: the base reducer: a :class:`lattice_nn.FactorReducer` (default: the greedy rule) or a callable
            ``(batch, n, n) float64 -> (U int64 (batch, n, n), moves int64 (batch,))``.
        periodic: treat the grid as a torus (neighbours wrap around).
        align: relabel a neighbour's factor into this lattice's basis before trying it (per-lattice B_n).
        policy: a :class:`lattice_nn.GridPolicy` choosing the lattices to reduce from scratch (default: none,
            only the anchors).

    Examples:
        >>> import torch
        >>> from lattice_nn import GridReducer, mimo_grid, log_defect
        >>> grid = torch.as_tensor(mimo_grid(4, 4, 4, seed=0))
        >>> out = GridReducer().reduce(grid)
        >>> bool((log_defect(out.basis.reshape(-1, 4, 4)) <= log_defect(grid.reshape(-1, 4, 4)) + 1e-9).all())
        True
    """

    def __init__(
        self, reducer: object | None = None, periodic: bool = False, align: bool = False, policy: object = None
    ) -> None:
        from ._config import FactorConfig
        from ._factors import FactorReducer
        from ._gridnet import GridPolicy

        if policy is not None and not isinstance(policy, GridPolicy):
            raise TypeError(f"policy must be a GridPolicy or None, got {type(policy).__name__}")
        self.align = align
        self.policy = policy

        if reducer is None:
            reducer = FactorReducer(FactorConfig(network=False))
        self.reducer = reducer
        self.periodic = periodic
        if isinstance(reducer, FactorReducer):

            def base(b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
                with torch.no_grad():
                    out = reducer.reduce(b)
                return out.unimodular, out.moves

            self._base: BaseReduce = base
        elif callable(reducer):
            self._base = reducer  # type: ignore[assignment]
        else:
            raise TypeError(f"reducer must be a FactorReducer or a callable, got {type(reducer).__name__}")

    def __call__(self, grid: torch.Tensor) -> torch.Tensor:
        """The unimodular factors ``U`` (int64, ``(R, C, n, n)``)."""
        return self.reduce(grid).unimodular

    def _neighbour(self, r: torch.Tensor, c: torch.Tensor, dr: int, dc: int, rows: int, cols: int):
        rr, cc = r + dr, c + dc
        if self.periodic:
            return rr % rows, cc % cols, torch.ones_like(r, dtype=torch.bool)
        ok = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols)
        return rr.clamp(0, rows - 1), cc.clamp(0, cols - 1), ok

    def reduce(self, grid: torch.Tensor | np.ndarray) -> GridReduction:
        """Reduce a grid ``(R, C, n, n)`` of bases (rows are basis vectors); see the class docstring."""
        g_in = torch.as_tensor(grid)
        if g_in.ndim != 4:
            raise ValueError(f"grid must have shape (rows, cols, n, n), got {tuple(g_in.shape)}")
        rows, cols, n, _ = g_in.shape
        check_basis(g_in.reshape(-1, g_in.shape[-2], g_in.shape[-1]), "grid")
        dtype = g_in.dtype if g_in.is_floating_point() else torch.float64
        b = g_in.double()
        score = log_defect(b.reshape(-1, n, n)).reshape(rows, cols)
        r_all = torch.arange(rows)[:, None].expand(rows, cols)
        c_all = torch.arange(cols)[None, :].expand(rows, cols)
        anchor = torch.ones(rows, cols, dtype=torch.bool)
        for dr, dc in OFFSETS:
            rr, cc, ok = self._neighbour(r_all, c_all, dr, dc, rows, cols)
            anchor &= ~ok | (score <= score[rr, cc])
        scratch = anchor.clone()
        aligned = neighbour_alignments(b) if self.align else None  # computed once, shared with the policy
        if self.policy is not None:
            scratch |= ~self.policy.warm(b, self.periodic, aligned)
        u = torch.eye(n, dtype=torch.int64).repeat(rows, cols, 1, 1)
        moves = torch.zeros(rows, cols, dtype=torch.int64)
        wave = torch.zeros(rows, cols, dtype=torch.int64)
        source = torch.zeros(rows, cols, 2, dtype=torch.int64)
        ar, ac = scratch.nonzero(as_tuple=True)
        u_a, m_a = self._base(b[ar, ac])
        u[ar, ac], moves[ar, ac] = u_a.cpu(), m_a.cpu()
        done = scratch.clone()
        k = 0
        while not bool(done.all()):
            k += 1
            fr, fc = (~done).nonzero(as_tuple=True)
            bx = b[fr, fc]
            best = score[fr, fc].clone()
            pick = torch.eye(n, dtype=torch.int64).repeat(len(fr), 1, 1)
            src = torch.zeros(len(fr), 2, dtype=torch.int64)
            reached = torch.zeros(len(fr), dtype=torch.bool)
            for dr, dc in OFFSETS:
                rr, cc, ok = self._neighbour(fr, fc, dr, dc, rows, cols)
                avail = ok & done[rr, cc]
                if not bool(avail.any()):
                    continue
                reached |= avail
                un = u[rr, cc]
                if aligned is not None:
                    perm, sign = aligned[(dr, dc)]
                    un = transfer(un, perm[fr, fc], sign[fr, fc])
                d = log_defect(un.double() @ bx)
                better = avail & (d < best)
                best = torch.where(better, d, best)
                pick[better] = un[better]
                src[better] = torch.tensor([dr, dc])
            # only the frontier (lattices next to a reduced one) is reduced in this wave
            idx = reached.nonzero(as_tuple=True)[0]
            fr, fc, pick, src = fr[idx], fc[idx], pick[idx], src[idx]
            u_w, m_w = self._base(pick.double() @ b[fr, fc])
            u[fr, fc] = _imatmul(u_w.cpu(), pick)
            moves[fr, fc] = m_w.cpu()
            wave[fr, fc] = k
            source[fr, fc] = src
            done[fr, fc] = True
        basis = (u.double() @ b).to(dtype)
        return GridReduction(u, basis, moves, anchor, wave, source, scratch)


__all__ = ["OFFSETS", "GridReducer", "GridReduction", "mimo_grid"]
