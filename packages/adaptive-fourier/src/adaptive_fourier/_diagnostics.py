"""Orthogonality diagnostics of a sampling matrix (Inal & Cesa 2024, App. D, Eq. 51): how far the rows of ``A``
are from orthonormal (eps1) and how far ``A^T A / N`` is from the identity, i.e. how good the Peter-Weyl
approximation ``A^+ ~ A^T / N`` is (eps2). The paper's rows have unit norm (``delta^ / |delta^|``); ours carry
``|delta^|^2 = F`` so that ``A^T A / N -> I`` for a dense grid: eps1 normalises the rows, eps2 does not."""

from __future__ import annotations

import torch

__all__ = ["eps1", "eps2"]


def _batched(a: torch.Tensor) -> torch.Tensor:
    a = torch.as_tensor(a)
    if a.dim() < 2:
        raise ValueError(f"a sampling matrix is (..., N, F), got shape {tuple(a.shape)}")
    return a


def eps1(a: torch.Tensor) -> torch.Tensor:
    """``(1/N) sum |A_u A_u^T - I_N|`` with ``A_u`` the rows of ``A`` scaled to unit norm (0 for orthogonal rows).

    Args:
        a: sampling matrices ``(..., N, F)``.

    Returns:
        ``(...)``: the sum of the absolute entries of ``A_u A_u^T - I_N`` over ``N``, per matrix.

    Examples:
        >>> eps1(torch.eye(3)).item(), round(eps1(torch.tensor([[1.0, 0.0], [1.0, 1.0]])).item(), 4)
        (0.0, 0.7071)
    """
    a = _batched(a)
    u = a / a.norm(dim=-1, keepdim=True).clamp_min(torch.finfo(a.dtype).tiny)
    eye = torch.eye(a.shape[-2], dtype=a.dtype, device=a.device)
    return (u @ u.transpose(-1, -2) - eye).abs().sum(dim=(-1, -2)) / a.shape[-2]


def eps2(a: torch.Tensor) -> torch.Tensor:
    """``(1/F) sum |A^T A / N - I_F|``: 0 when ``A^T / N`` is the exact inverse of the sampling (Peter-Weyl).

    Args:
        a: sampling matrices ``(..., N, F)``.

    Returns:
        ``(...)``: the sum of the absolute entries of ``A^T A / N - I_F`` over ``F``, per matrix.

    Examples:
        >>> round(eps2(torch.tensor([[1.0, 1.0], [1.0, -1.0]])).item(), 6)
        0.0
    """
    a = _batched(a)
    eye = torch.eye(a.shape[-1], dtype=a.dtype, device=a.device)
    return (a.transpose(-1, -2) @ a / a.shape[-2] - eye).abs().sum(dim=(-1, -2)) / a.shape[-1]
