"""Sheaf attention: GAT-style attention over sheaf transports."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import MessagePassing
from torch_geometric.utils import softmax

from ._sheaf import Sheaf
from ._sheaf_conv import check_stalk_input, renorm_factors


class SheafAttention(MessagePassing):
    """Sheaf attention: messages ``T_{uv} x_u W`` weighted by learned attention coefficients.

    Paper: Cesa & Behboodi, arXiv 2311.10156 (attention on the local homology sheaf); Velickovic et al.,
    "Graph
    Attention Networks", ICLR 2018; Barbero et al., "Sheaf Attention Networks" (2022).

    With ``h = x W`` (channels), scores ``s_{uv} = LeakyReLU(a_t . vec(h_v) + a_s . vec(h_u))`` and
    ``alpha_{uv} = softmax_{u -> v}(s_{uv})``:

        ``y_v = h_v - S_v h_v + deg(v) sum_{u -> v} alpha_{uv} T_{uv} h_u``

    with ``S_v`` and ``T_{uv}`` the renormalised sheaf-Laplacian blocks of :class:`SheafConv`. With uniform
    attention (``alpha = 1 / deg``) it reduces exactly to :class:`SheafConv`. Several heads average their
    outputs.

    Args:
        in_channels: C_in.
        out_channels: C_out.
        stalk_dim: Dv (the attention vectors read the whole stalk).
        heads: number of attention heads.
        negative_slope: LeakyReLU slope.

    Shapes:
        x: ``(N, Dv, C_in)``; output ``(N, Dv, C_out)``.

    Examples:
        >>> import torch
        >>> from sheaf_homology import Sheaf
        >>> S = Sheaf.constant(torch.tensor([[0, 1], [1, 2]]), 3)
        >>> SheafAttention(4, 8, stalk_dim=1)(torch.randn(3, 1, 4), S).shape
        torch.Size([3, 1, 8])
    """

    def __init__(
        self, in_channels: int, out_channels: int, stalk_dim: int, heads: int = 1, negative_slope: float = 0.2
    ) -> None:
        super().__init__(aggr="add", node_dim=0)
        if heads < 1:
            raise ValueError(f"heads must be >= 1, got {heads}")
        self.in_channels, self.out_channels, self.stalk_dim, self.heads = (
            in_channels,
            out_channels,
            stalk_dim,
            heads,
        )
        self.negative_slope = negative_slope
        self.lin = nn.Linear(in_channels, out_channels * heads, bias=False)
        self.att_src = nn.Parameter(
            torch.randn(heads, stalk_dim * out_channels) / (stalk_dim * out_channels) ** 0.5
        )
        self.att_dst = nn.Parameter(
            torch.randn(heads, stalk_dim * out_channels) / (stalk_dim * out_channels) ** 0.5
        )

    def forward(self, x: Tensor, sheaf: Sheaf, uniform: bool = False) -> Tensor:
        """Args: uniform: replace the attention by ``1 / deg`` (for checks against SheafConv)."""
        check_stalk_input(x, sheaf, self.in_channels)
        if sheaf.stalk_dim != self.stalk_dim:
            raise ValueError(
                f"layer built for stalk_dim {self.stalk_dim}, sheaf has stalk_dim {sheaf.stalk_dim}"
            )
        n, dv = x.shape[:2]
        ei, transport, self_block, _, deg = renorm_factors(sheaf)
        transport, self_block, deg = transport.to(x.dtype), self_block.to(x.dtype), deg.to(x.dtype)
        h = self.lin(x).reshape(n, dv, self.heads, self.out_channels).permute(0, 2, 1, 3)  # (N, H, Dv, C)
        flat = h.reshape(n, self.heads, dv * self.out_channels)
        a_s = (flat * self.att_src).sum(-1)  # (N, H)
        a_d = (flat * self.att_dst).sum(-1)
        if uniform:
            alpha = (1.0 / deg.clamp(min=1))[ei[1]][:, None].expand(-1, self.heads)
        else:
            score = F.leaky_relu(a_s[ei[0]] + a_d[ei[1]], self.negative_slope)
            alpha = softmax(score, ei[1], num_nodes=n)  # (2E, H)
        agg = self.propagate(ei, x=h, transport=transport, alpha=alpha)  # (N, H, Dv, C)
        out = h - self_block[:, None] @ h + deg[:, None, None, None] * agg
        return out.mean(dim=1)

    def message(self, x_j: Tensor, transport: Tensor, alpha: Tensor) -> Tensor:
        return alpha[:, :, None, None] * (transport[:, None] @ x_j)
