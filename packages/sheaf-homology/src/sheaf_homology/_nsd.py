"""Neural sheaf diffusion with learned restriction maps (Bodnar et al., NeurIPS 2022): the baseline."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import MessagePassing

from ._sheaf import Sheaf, reverse_edge_ids
from ._sheaf_conv import check_stalk_input, renorm_factors, small_matmul


class LearnedRestrictionMaps(nn.Module):
    """Restriction maps ``F_{v<e} = Phi(x_v, x_u)`` predicted from the features of an edge's two ends.

    Paper: C. Bodnar, F. Di Giovanni, B. P. Chamberlain, P. Lio, M. M. Bronstein, "Neural Sheaf Diffusion",
    NeurIPS 2022.

    ``kind="diag"``: ``F = diag(tanh(W [x_v || x_u]))``; ``kind="orth"``: ``F = exp(A - A^T)`` with A strictly
    lower triangular from ``W [x_v || x_u]`` (an orthogonal map). Phi reads both ends in a fixed order
    (target,
    source), so the maps are equivariant under node relabelling.

    Args:
        channels: C (features per stalk coordinate).
        stalk_dim: d.
        kind: ``"diag"`` or ``"orth"``.

    Shapes:
        x: ``(N, d, C)``, edge_index ``(2, E)`` undirected (each edge once) -> :class:`Sheaf` with maps
        ``(E, 2, d, d)``.
    """

    def __init__(self, channels: int, stalk_dim: int, kind: str = "diag") -> None:
        super().__init__()
        if kind not in ("diag", "orth"):
            raise ValueError(f"kind must be 'diag' or 'orth', got {kind!r}")
        self.kind, self.d = kind, stalk_dim
        n_out = stalk_dim if kind == "diag" else stalk_dim * (stalk_dim - 1) // 2
        self.lin = nn.Linear(2 * stalk_dim * channels, max(n_out, 1))
        self._tril = torch.tril_indices(stalk_dim, stalk_dim, offset=-1)

    def _maps(self, xa: Tensor, xb: Tensor) -> Tensor:
        z = self.lin(torch.cat([xa.flatten(1), xb.flatten(1)], dim=1))
        if self.kind == "diag":
            return torch.diag_embed(torch.tanh(z))
        a = z.new_zeros(z.shape[0], self.d, self.d)
        if self.d > 1:
            a[:, self._tril[0], self._tril[1]] = z
        return torch.linalg.matrix_exp(a - a.transpose(-1, -2))

    def forward(self, x: Tensor, edge_index: Tensor) -> Sheaf:
        u, v = edge_index
        maps = torch.stack([self._maps(x[u], x[v]), self._maps(x[v], x[u])], dim=1)
        return Sheaf(edge_index, maps, x.shape[0])


class SheafDiffusion(MessagePassing):
    """One step of neural sheaf diffusion ``X <- (1 + eps) X - sigma(Delta_F (I (x) W1) X W2)``.

    Paper: Bodnar et al., "Neural Sheaf Diffusion", NeurIPS 2022. ``Delta_F`` is the renormalised sheaf
    Laplacian of :class:`SheafConv`; ``W1: (d, d)`` mixes stalk coordinates, ``W2: (C, C)`` channels, ``eps``
    is a learned per-coordinate step. The sheaf can be learned (:class:`LearnedRestrictionMaps`) or fixed (a
    local homology sheaf).

    Args:
        channels: C.
        stalk_dim: d.

    Shapes:
        x: ``(N, d, C)`` -> ``(N, d, C)``.
    """

    def __init__(self, channels: int, stalk_dim: int) -> None:
        super().__init__(aggr="add", node_dim=0)
        self.channels, self.stalk_dim = channels, stalk_dim
        self.w1 = nn.Parameter(torch.eye(stalk_dim))
        self.w2 = nn.Linear(channels, channels, bias=False)
        self.eps = nn.Parameter(torch.zeros(stalk_dim, 1))

    def forward(self, x: Tensor, sheaf: Sheaf) -> Tensor:
        check_stalk_input(x, sheaf, self.channels)
        ei, transport, self_block, _, _ = renorm_factors(sheaf)
        h = self.w2(self.w1 @ x)
        transport, self_block = transport.to(h.dtype), self_block.to(h.dtype)
        lap = small_matmul(self_block, h) - self.propagate(ei, x=h, transport=transport)
        return (1 + torch.tanh(self.eps)) * x - torch.nn.functional.elu(lap)

    def message(self, x_j: Tensor, transport: Tensor) -> Tensor:
        return small_matmul(transport, x_j)


def undirected_edges(edge_index: Tensor, num_nodes: int) -> Tensor:
    """Each undirected edge once (u < v) from a symmetric directed ``edge_index`` (checked)."""
    reverse_edge_ids(edge_index, num_nodes)
    keep = edge_index[0] < edge_index[1]
    return edge_index[:, keep]
