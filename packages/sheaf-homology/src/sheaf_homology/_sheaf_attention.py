"""Sheaf attention: GAT-style attention over sheaf transports."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import MessagePassing
from torch_geometric.utils import softmax

from ._sheaf import Sheaf
from ._sheaf_conv import check_stalk_input, renorm_factors, small_matmul


class SheafAttention(MessagePassing):
    """Sheaf attention: messages ``T_{uv} x_u W`` weighted by learned attention coefficients.

    Paper: Cesa & Behboodi, arXiv 2311.10156 (attention on the local homology sheaf); Velickovic et al.,
    "Graph
    Attention Networks", ICLR 2018; Barbero et al., "Sheaf Attention Networks" (2022).

    With ``h = x W`` (channels), scores ``s_{uv} = LeakyReLU(a_t . vec(h_v) + a_s . vec(h_u))`` for every
    ``u`` in the closed neighbourhood ``N(v) + {v}`` and GAT's normalisation ``alpha_{uv} = softmax over u in
    N(v) + {v}`` (the coefficients of a node sum to 1, as in GAT and in the sheaf attention of Barbero et
    al., whose attention matrix multiplies the block adjacency with identity diagonal blocks):

        ``y_v = alpha_{vv} h_v + sum_{u -> v} alpha_{uv} T_{uv} h_u``

    with ``T_{uv}`` the renormalised transport of :class:`SheafConv`. With uniform attention (``alpha = 1 /
    (deg + 1)``) it is the mean of the node's own features and its neighbours' transported ones. (0.1
    multiplied the messages by the degree instead; changed in 0.2.) Several heads average their outputs.

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
        """Args: uniform: replace the attention by ``1 / (deg + 1)`` (for checks against a dense formula)."""
        check_stalk_input(x, sheaf, self.in_channels)
        if sheaf.stalk_dim != self.stalk_dim:
            raise ValueError(
                f"layer built for stalk_dim {self.stalk_dim}, sheaf has stalk_dim {sheaf.stalk_dim}"
            )
        n, dv = x.shape[:2]
        ei, transport, _, _, deg = renorm_factors(sheaf)
        transport, deg = transport.to(x.dtype), deg.to(x.dtype)
        h = self.lin(x).reshape(n, dv, self.heads, self.out_channels).permute(0, 2, 1, 3)  # (N, H, Dv, C)
        flat = h.reshape(n, self.heads, dv * self.out_channels)
        a_s = (flat * self.att_src).sum(-1)  # (N, H)
        a_d = (flat * self.att_dst).sum(-1)
        loops = torch.arange(n, device=x.device)
        src, dst = torch.cat([ei[0], loops]), torch.cat([ei[1], loops])  # closed neighbourhoods
        if uniform:
            alpha_all = (1.0 / (deg + 1))[dst][:, None].expand(-1, self.heads)
        else:
            score = F.leaky_relu(a_s[src] + a_d[dst], self.negative_slope)
            alpha_all = softmax(score, dst, num_nodes=n)  # (2E + N, H), sums to 1 per node
        m = ei.shape[1]
        agg = self.propagate(ei, x=h, transport=transport, alpha=alpha_all[:m])  # (N, H, Dv, C)
        out = alpha_all[m:][:, :, None, None] * h + agg
        return out.mean(dim=1)

    def message(self, x_j: Tensor, transport: Tensor, alpha: Tensor) -> Tensor:
        return alpha[:, :, None, None] * small_matmul(transport[:, None], x_j)
