"""Equivariant channel mixing of Fourier fields, one weight matrix per irrep block."""

from __future__ import annotations

import math

import torch
from torch import nn

from ._space import FourierSpace

__all__ = ["BlockLinear"]


class BlockLinear(nn.Module):
    """``C_in -> C_out`` fields of ``space``: block ``b`` of output field ``o`` is ``sum_c W_b[o, c]`` times block
    ``b`` of input field ``c`` (plus a bias on trivial blocks). Every block of one position transforms by the
    same irrep, so this is equivariant for every group element (a sub-space of all intertwiners: it does not mix
    copies of an irrep, nor use the complex structure of SO(2)'s irreps).

    Args:
        space: the Fourier space of a field.
        in_channels, out_channels: numbers of fields.
        bias: learn a bias on the trivial blocks.

    Shapes:
        ``x: (B, C_in * F, *S) -> (B, C_out * F, *S)``.

    Examples:
        >>> from equi_groups import SO3
        >>> lin = BlockLinear(FourierSpace(SO3(), 2, sphere=True), 3, 5)
        >>> lin(torch.randn(2, 27, 10)).shape
        torch.Size([2, 45, 10])
    """

    def __init__(self, space: FourierSpace, in_channels: int, out_channels: int, bias: bool = True) -> None:
        super().__init__()
        self.space, self.in_channels, self.out_channels = space, in_channels, out_channels
        nb = len(space.blocks)
        self.weight = nn.Parameter(torch.randn(nb, out_channels, in_channels) / math.sqrt(in_channels))
        index = torch.cat([torch.full((d,), i, dtype=torch.long) for i, (_, d, _) in enumerate(space.blocks)])
        self.register_buffer("index", index, persistent=False)
        triv = torch.zeros(space.dim)
        for s, _, t in space.blocks:
            if t:
                triv[s] = 1.0
        self.register_buffer("trivial", triv, persistent=False)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.space.dim
        if x.dim() < 2 or x.shape[1] != self.in_channels * f:
            raise ValueError(f"expected {self.in_channels * f} channels, got shape {tuple(x.shape)}")
        v = x.reshape(x.shape[0], self.in_channels, f, *x.shape[2:])
        w = self.weight[self.index]  # (F, O, C)
        y = torch.einsum("foc,bcf...->bof...", w, v)
        if self.bias is not None:
            shape = (1, self.out_channels, f) + (1,) * (x.dim() - 2)
            y = y + (self.bias[:, None] * self.trivial[None, :]).reshape(shape)
        return y.reshape(x.shape[0], self.out_channels * f, *x.shape[2:])
