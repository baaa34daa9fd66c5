"""Sheaf convolution: GCN with the graph Laplacian replaced by a normalised sheaf Laplacian."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import MessagePassing

from ._sheaf import Sheaf


def check_stalk_input(x: Tensor, sheaf: Sheaf, channels: int) -> None:
    """Raise a ValueError naming the mismatch between stalk features ``x`` and ``sheaf``."""
    want = (sheaf.num_nodes, sheaf.stalk_dim, channels)
    if x.ndim != 3 or tuple(x.shape) != want:
        raise ValueError(f"stalk features must have shape (N, Dv, C) = {want}, got {tuple(x.shape)}")


def small_matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` for many tiny matrices ``a (..., D, D')`` and ``b (..., D', C)`` as a broadcast sum (batched
    matmul of 4 x 4 blocks is several times slower on CPU)."""
    return (a[..., :, :, None] * b[..., None, :, :]).sum(-2)


def renorm_factors(sheaf: Sheaf) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Directed edges and the pieces of ``Delta = Dh^{-1/2} L Dh^{-1/2}`` with ``Dh = diag(L) + 1``.

    Returns:
        ``edge_index`` (2, 2E), ``transport`` (2E, Dv, Dv) = ``Dh_t^{-1/2} F_t^T F_s Dh_s^{-1/2}``,
        ``self_block`` (N, Dv, Dv) = ``Dh^{-1/2} D_v Dh^{-1/2}``, ``dinv`` (N, Dv) and ``deg`` (N,)
        in-degrees. Cached on a sheaf whose maps need no gradient (a fixed sheaf is normalised once).
    """
    cached = getattr(sheaf, "_renorm_cache", None)
    if cached is not None:
        return cached
    out = _renorm_factors(sheaf)
    if not sheaf.maps.requires_grad:
        object.__setattr__(sheaf, "_renorm_cache", out)
    return out


def _renorm_factors(sheaf: Sheaf) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    ei, ms, md = sheaf.directed()
    n, dv = sheaf.num_nodes, sheaf.stalk_dim
    blocks = md.transpose(-1, -2) @ md  # F_t^T F_t per directed edge, summed at the target
    dblocks = torch.zeros(n, dv, dv, dtype=blocks.dtype).index_add(0, ei[1], blocks)
    dinv = (torch.diagonal(dblocks, dim1=-2, dim2=-1) + 1).rsqrt()
    transport = dinv[ei[1]][:, :, None] * (md.transpose(-1, -2) @ ms) * dinv[ei[0]][:, None, :]
    self_block = dinv[:, :, None] * dblocks * dinv[:, None, :]
    deg = torch.zeros(n, dtype=blocks.dtype).index_add(0, ei[1], torch.ones(ei.shape[1], dtype=blocks.dtype))
    return ei, transport, self_block, dinv, deg


class SheafConv(MessagePassing):
    """Sheaf convolution ``Y = (I - Delta_F) X W`` on stalk features.

    Paper: Cesa & Behboodi, arXiv 2311.10156 (sheaf convolution on the local homology sheaf); Hansen &
    Gebhardt,
    "Sheaf Neural Networks" (2020).

    ``Delta_F = Dh^{-1/2} L_F Dh^{-1/2}`` with ``Dh = diag(L_F) + 1``; per node
    ``y_v = (x_v - S_v x_v + sum_{u -> v} T_{uv} x_u) W`` where ``S_v = Dh_v^{-1/2} D_v Dh_v^{-1/2}`` and
    ``T_{uv} = Dh_v^{-1/2} F_{v<e}^T F_{u<e} Dh_u^{-1/2}`` carries the stalk of ``u`` to the one of ``v``
    through
    the edge stalk (a non-isotropic message). For the constant sheaf this is exactly GCN's renormalised
    propagation ``Dt^{-1/2} (A + I) Dt^{-1/2} X W``. ``W`` acts on channels only, so the layer commutes with
    any
    relabelling of the nodes (``in_type`` / ``out_type``: a :class:`GraphSignalType` set by the caller).

    Args:
        in_channels: C_in.
        out_channels: C_out.
        bias: add a per-channel bias (applied to every stalk coordinate).

    Shapes:
        x: ``(N, Dv, C_in)``; sheaf with ``N`` nodes and padded stalk ``Dv``; output ``(N, Dv, C_out)``.

    Examples:
        >>> import torch
        >>> from sheaf_homology import Sheaf
        >>> S = Sheaf.constant(torch.tensor([[0, 1], [1, 2]]), 3)
        >>> SheafConv(4, 8)(torch.randn(3, 1, 4), S).shape
        torch.Size([3, 1, 8])
    """

    def __init__(self, in_channels: int, out_channels: int, bias: bool = False) -> None:
        super().__init__(aggr="add", node_dim=0)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x: Tensor, sheaf: Sheaf) -> Tensor:
        check_stalk_input(x, sheaf, self.in_channels)
        ei, transport, self_block, _, _ = renorm_factors(sheaf)
        h = self.lin(x)
        transport, self_block = transport.to(h.dtype), self_block.to(h.dtype)
        agg = self.propagate(ei, x=h, transport=transport)
        out = h - small_matmul(self_block, h) + agg
        return out + self.bias if self.bias is not None else out

    def message(self, x_j: Tensor, transport: Tensor) -> Tensor:
        return small_matmul(transport, x_j)
