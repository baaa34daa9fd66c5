"""Adaptive sampling: the sampling matrix ``A(x)`` is predicted from the data by an equivariant layer, and the
nonlinearity ``f~ = (1/N) A(x)^T sigma(A(x) f^)`` is exactly equivariant for any ``N``."""

from __future__ import annotations

import torch
from torch import nn

from ._activation import activation, check_function
from ._space import FourierSpace

__all__ = ["ADAPTIVE_BACKPROJECTIONS", "AdaptiveFourierPointwise", "normalise_rows", "orthogonalise_rows"]

#: ``mean``: the paper's ``A^T / N``; ``ridge``: ours, ``(A^T A / N + lam I)^-1 A^T / N`` per point (also exact)
ADAPTIVE_BACKPROJECTIONS = ("mean", "ridge")


def normalise_rows(
    a: torch.Tensor, space: FourierSpace, N: int, eps: float = 1e-3
) -> tuple[torch.Tensor, torch.Tensor]:
    """Turn predicted rows into sampling-like rows, smoothly and equivariantly; count the degenerate ones.

    Every irrep block ``b`` (dimension ``d``) of every row becomes ``sqrt(d) b / sqrt(|b|^2 + eps^2)`` and the
    trivial block becomes 1, as in a genuine sampling row ``rho(g) delta^`` (see :class:`FourierSpace`). Norms are
    invariant, so ``A rho(g)^T`` is normalised to ``normalise(A) rho(g)^T``. A block that vanishes (a degenerate
    input, e.g. a blank image region or a symmetric neighbourhood) goes smoothly to 0 instead of dividing by 0:
    the row then samples only the lower frequencies (at worst the mean). Never NaN.

    Args:
        a: predicted rows ``(B, N * F, *S)``.
        space: the Fourier space.
        N: number of rows.
        eps: smoothing scale of the normalisation; a block with ``|b| < eps`` counts as degenerate.

    Returns:
        The normalised rows ``(B, N * F, *S)`` and the fraction of non-trivial blocks that were degenerate.

    Examples:
        >>> from equi_groups import SO2
        >>> sp = FourierSpace(SO2(), 1)
        >>> rows, frac = normalise_rows(torch.tensor([[[7.0], [3.0], [4.0]]]), sp, N=1)
        >>> [round(v, 4) for v in rows.flatten().tolist()], frac.item()
        ([1.0, 0.8485, 1.1314], 0.0)
    """
    f = space.dim
    if a.dim() < 2 or a.shape[1] != N * f:
        raise ValueError(f"expected {N} rows of {f} coefficients ({N * f} channels), got shape {tuple(a.shape)}")
    v = a.reshape(a.shape[0], N, f, *a.shape[2:])
    index, dims, trivial = _block_tables(space, a.device)
    nb = len(dims)
    shape = (1, 1, nb) + (1,) * (a.dim() - 2)
    sq = torch.zeros(v.shape[0], N, nb, *v.shape[3:], dtype=a.dtype, device=a.device)
    sq = sq.index_add(2, index, v * v)  # squared norm of every block
    scale = dims.to(a.dtype).sqrt().reshape(shape) * torch.rsqrt(sq + eps * eps)
    out = v * scale.index_select(2, index)
    keep = (~trivial).to(a.dtype)
    fill = trivial.to(a.dtype).reshape((1, 1, f) + (1,) * (a.dim() - 2))
    out = out * keep.reshape(fill.shape) + fill  # the trivial block is 1
    block_trivial = torch.zeros(nb, dtype=torch.bool, device=a.device).index_fill(0, index[trivial], True)
    live = sq[:, :, ~block_trivial]
    frac = (live < eps * eps).to(a.dtype).mean() if live.numel() else a.new_zeros(())
    return out.reshape(a.shape), frac.detach()


def orthogonalise_rows(a: torch.Tensor, space: FourierSpace, N: int, iters: int = 12) -> torch.Tensor:
    """Replace the rows of every ``A(x)`` by the nearest matrix with orthogonal rows (``N <= F``) or columns
    (``N >= F``), smoothly and equivariantly (ours, an ablation of the N-dependence study).

    The polar factor ``U V^T`` of ``A = U S V^T`` by a Newton-Schulz iteration, ``X <- X (3 I - X^T X) / 2`` from
    ``X = A / |A|_F`` (no eigendecomposition: differentiable and NaN-free also for rank-deficient ``A``, whose null
    directions stay 0), scaled by ``sqrt(max(N, F))``: for ``N >= F`` then ``A^T A / N = I`` (``A^T / N`` is the
    pseudo-inverse), for ``N <= F`` the rows are orthogonal with squared norm ``F`` like sampling rows. Every step
    commutes with ``A -> A rho(g)^T``, so equivariance is kept exactly. Singular values below about
    ``1.5^-iters`` of the largest are not fully lifted.

    Args:
        a: rows ``(B, N * F, *S)`` (e.g. from :func:`normalise_rows`).
        space: the Fourier space.
        N: number of rows.
        iters: Newton-Schulz steps.

    Returns:
        ``(B, N * F, *S)``.

    Examples:
        >>> from equi_groups import SO2
        >>> sp = FourierSpace(SO2(), 1)
        >>> q = orthogonalise_rows(torch.randn(2, 9, 4), sp, N=3, iters=30).reshape(2, 3, 3, 4)
        >>> bool(torch.allclose(torch.einsum("bnfs,bngs->bsfg", q, q) / 3, torch.eye(3), atol=1e-4))
        True
    """
    f = space.dim
    if a.dim() < 2 or a.shape[1] != N * f:
        raise ValueError(f"expected {N} rows of {f} coefficients ({N * f} channels), got shape {tuple(a.shape)}")
    b = a.shape[0]
    x = a.reshape(b, N, f, -1).permute(0, 3, 1, 2)  # (B, P, N, F)
    x = x / x.square().sum((-1, -2), keepdim=True).add(1e-12).sqrt()
    eye = torch.eye(f, dtype=a.dtype, device=a.device)
    for _ in range(iters):
        x = x @ (1.5 * eye - 0.5 * (x.transpose(-1, -2) @ x))
    x = x * (max(N, f) ** 0.5)
    return x.permute(0, 2, 3, 1).reshape(a.shape)


def _block_tables(space: FourierSpace, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per coefficient: its block; per block: its dimension; per coefficient: whether its block is trivial."""
    index = torch.cat([torch.full((d,), i, dtype=torch.long) for i, (_, d, _) in enumerate(space.blocks)])
    dims = torch.tensor([d for _, d, _ in space.blocks])
    trivial = torch.cat([torch.full((d,), t, dtype=torch.bool) for _, d, t in space.blocks])
    return index.to(device), dims.to(device), trivial.to(device)


class AdaptiveFourierPointwise(nn.Module):
    """Fourier nonlinearity with a data-dependent sampling matrix: ``f~ = (1/N) A(x)^T sigma(A(x) f^)``.

    Inal & Cesa, GRaM @ ICML 2024, Sec. 4. ``A(x) (N, F)`` is predicted per point (pixel, voxel) by an
    equivariant generator (:class:`~adaptive_fourier.AdaptiveConv`, :class:`~adaptive_fourier.AdaptiveMLP`) so that
    ``A(g x) = A(x) rho(g)^T``; then ``A(g x) rho(g) f^ = A(x) f^`` (the samples are invariant) and the output
    is ``rho(g) f~``: exactly equivariant for every ``N``, also ``N = 1``. ``back="mean"`` is the paper's
    Peter-Weyl approximation ``A^+ ~ A^T / N``; ``back="ridge"`` (ours) solves ``(A^T A / N + lam I) y =
    A^T s / N`` per point, equally exact. The module holds no weights: the generator does, and its ``A`` is shared
    by all later layers (pass it to ``forward``).

    Args:
        space: the Fourier space of a field.
        channels: number of fields ``C``.
        N: rows of ``A(x)``.
        function: ``p_elu`` (default), ``p_relu``, ``p_sigmoid``, ``p_tanh``.
        back: ``mean`` (the paper) or ``ridge``.
        ridge: ``lam`` of ``ridge``.
        alpha: ELU's alpha.
        orthogonalise: first replace ``A(x)`` by its orthogonalised rows (:func:`orthogonalise_rows`; ours).

    Shapes:
        ``x: (B, C * F, *S)``, ``a: (B, N * F, *S)`` (normalised rows, see :func:`normalise_rows`) ->
        ``(B, C * F, *S)``.

    Examples:
        >>> from equi_groups import SO2
        >>> sp = FourierSpace(SO2(), 2)
        >>> a, _ = normalise_rows(torch.randn(4, 5, 7, 7), sp, N=1)
        >>> AdaptiveFourierPointwise(sp, channels=3, N=1)(torch.randn(4, 15, 7, 7), a).shape
        torch.Size([4, 15, 7, 7])
    """

    def __init__(
        self,
        space: FourierSpace,
        channels: int,
        N: int,
        function: str = "p_elu",
        back: str = "mean",
        ridge: float = 1e-2,
        alpha: float = 1.0,
        orthogonalise: bool = False,
    ) -> None:
        super().__init__()
        if channels < 1 or N < 1:
            raise ValueError(f"channels and N must be >= 1, got {channels}, {N}")
        if back not in ADAPTIVE_BACKPROJECTIONS:
            raise ValueError(f"back must be one of {ADAPTIVE_BACKPROJECTIONS}, got {back!r}")
        self.space, self.channels, self.N = space, channels, N
        self.function, self.back, self.ridge, self.alpha = check_function(function), back, ridge, alpha
        self.orthogonalise = orthogonalise

    @property
    def size(self) -> int:
        return self.channels * self.space.dim

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        f = self.space.dim
        if x.dim() < 2 or x.shape[1] != self.size:
            raise ValueError(f"expected {self.size} channels ({self.channels} fields of {f}), got {tuple(x.shape)}")
        if a.shape[0] != x.shape[0] or a.shape[1] != self.N * f or a.shape[2:] != x.shape[2:]:
            raise ValueError(f"A must be {(x.shape[0], self.N * f, *x.shape[2:])} for N={self.N}, got "
                             f"{tuple(a.shape)}")
        b = x.shape[0]
        if self.orthogonalise:
            a = orthogonalise_rows(a, self.space, self.N)
        v = x.reshape(b, self.channels, f, *x.shape[2:])
        rows = a.reshape(b, self.N, f, *x.shape[2:])
        s = activation(self.function, torch.einsum("bnf...,bcf...->bcn...", rows, v), self.alpha)
        y = torch.einsum("bnf...,bcn...->bcf...", rows, s) / self.N
        if self.back == "ridge":
            y = self._solve(rows, y)
        return y.reshape(x.shape)

    def _solve(self, rows: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        # move the spatial axes first: G (..., F, F) = A^T A / N + lam I
        f = self.space.dim
        nd = rows.dim()
        perm = (0, *range(3, nd), 1, 2)
        r = rows.permute(*perm)  # (B, *S, N, F)
        gram = r.transpose(-1, -2) @ r / self.N + self.ridge * torch.eye(f, dtype=r.dtype, device=r.device)
        rhs = y.permute(0, *range(3, nd), 2, 1)  # (B, *S, F, C)
        sol = torch.linalg.solve(gram, rhs)
        inv = (0, nd - 1, nd - 2, *range(1, nd - 2))
        return sol.permute(*inv)

    def export(self) -> nn.Module:
        """The module itself is plain PyTorch (einsums and the activation): a copy in eval mode."""
        return AdaptiveFourierPointwise(self.space, self.channels, self.N, self.function, self.back, self.ridge,
                                        self.alpha, self.orthogonalise).eval()
