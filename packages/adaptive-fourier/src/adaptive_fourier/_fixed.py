"""The fixed-grid Fourier nonlinearity (the paper's baseline): ``f^ -> B sigma(A f^)`` with a fixed grid."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._activation import activation, check_function
from ._space import FourierSpace

__all__ = ["BACKPROJECTIONS", "FourierELU", "FourierPointwise", "PlainFourierPointwise"]

#: how samples are mapped back to coefficients: least squares, or the Peter-Weyl approximation A^T / N
BACKPROJECTIONS = ("pinv", "mean")


class PlainFourierPointwise(nn.Module):
    """Plain PyTorch ``x -> B sigma(A x)`` per field (the exported form of :class:`FourierPointwise`).

    Shapes:
        ``x: (B, C * F, *S) -> (B, C * F, *S)``.
    """

    def __init__(self, a: torch.Tensor, back: torch.Tensor, function: str = "p_elu", alpha: float = 1.0) -> None:
        super().__init__()
        self.register_buffer("A", a.clone())
        self.register_buffer("back", back.clone())
        self.function, self.alpha = function, alpha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.A.shape[1]
        b, c = x.shape[0], x.shape[1] // f
        v = x.reshape(b, c, f, *x.shape[2:])
        s = torch.einsum("nf,bcf...->bcn...", self.A.to(x.dtype), v)
        y = torch.einsum("fn,bcn...->bcf...", self.back.to(x.dtype), activation(self.function, s, self.alpha))
        return y.reshape(x.shape)


class FourierPointwise(nn.Module):
    """Fourier nonlinearity on a fixed grid: ``f^ -> B sigma(A f^)`` on every field.

    Inal & Cesa, *Adaptive Sampling for Continuous Group Equivariant Neural Networks* (GRaM @ ICML 2024), Eq. 14
    (the baseline of Cohen et al. 2018, Weiler & Cesa 2019, escnn's
    ``FourierPointwise``/``QuotientFourierPointwise``): each field holds ``F`` band-limited coefficients
    (:class:`FourierSpace`); the layer samples the function on a fixed grid ``g_1..g_N`` (``A (N, F)``, rows
    ``rho(g_i) delta^``), applies ``sigma`` and maps back with ``B = A^+`` (``pinv``) or ``B = A^T / N`` (``mean``,
    the Peter-Weyl approximation). Exactly equivariant only for the grid's own symmetries; otherwise the error
    shrinks as ``N`` grows. For SO(2)/O(2) with ``pinv`` it is numerically e2cnn-core's ``FourierPointwise``
    (tested). Unlike e2cnn-core any ``N >= 1`` is accepted (the paper's N = 1).

    Args:
        space: the Fourier space of one field.
        channels: number of fields ``C``.
        N: grid size (O(2): ``N`` rotations times 2 flips).
        grid: ``regular``, ``random`` or ``thomson`` (see :meth:`FourierSpace.grid_matrix`).
        back: ``pinv`` or ``mean``.
        function: ``p_elu`` (default), ``p_relu``, ``p_sigmoid``, ``p_tanh``.
        alpha: ELU's alpha.
        seed: seed of random grids.

    Shapes:
        ``x: (B, C * F, *S) -> (B, C * F, *S)`` (images ``S = (H, W)``, point clouds ``S = (P,)``).

    Examples:
        >>> from equi_groups import SO2
        >>> act = FourierPointwise(FourierSpace(SO2(), 2), channels=3, N=8)
        >>> act(torch.randn(4, 15, 9, 9)).shape, tuple(act.A.shape)
        (torch.Size([4, 15, 9, 9]), (8, 5))
    """

    def __init__(
        self,
        space: FourierSpace,
        channels: int,
        N: int = 16,
        grid: str = "regular",
        back: str = "pinv",
        function: str = "p_elu",
        alpha: float = 1.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if channels < 1:
            raise ValueError(f"channels must be >= 1, got {channels}")
        if back not in BACKPROJECTIONS:
            raise ValueError(f"back must be one of {BACKPROJECTIONS}, got {back!r}")
        self.space, self.channels, self.N, self.grid, self.back_kind = space, channels, N, grid, back
        self.function, self.alpha = check_function(function), alpha
        a = space.grid_matrix(N, grid, seed)
        b = np.linalg.pinv(a) if back == "pinv" else a.T / a.shape[0]
        self.core = PlainFourierPointwise(torch.tensor(a, dtype=torch.float32),
                                          torch.tensor(b, dtype=torch.float32), function, alpha)

    @property
    def A(self) -> torch.Tensor:
        """The sampling matrix ``(n, F)``."""
        return self.core.A

    @property
    def size(self) -> int:
        return self.channels * self.space.dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 2 or x.shape[1] != self.size:
            raise ValueError(f"expected {self.size} channels ({self.channels} fields of {self.space.dim}), got "
                             f"shape {tuple(x.shape)}")
        return self.core(x)

    def export(self) -> nn.Module:
        """A plain module (two einsums and the activation) with the same outputs."""
        return PlainFourierPointwise(self.core.A, self.core.back, self.function, self.alpha).eval()


class FourierELU(FourierPointwise):
    """:class:`FourierPointwise` with ELU (the paper's nonlinearity).

    Args:
        space, channels, N, grid, back: as :class:`FourierPointwise`.

    Shapes:
        ``x: (B, C * F, *S) -> (B, C * F, *S)``.
    """

    def __init__(self, space: FourierSpace, channels: int, N: int = 16, grid: str = "regular",
                 back: str = "pinv") -> None:
        super().__init__(space, channels, N=N, grid=grid, back=back, function="p_elu")
