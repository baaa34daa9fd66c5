"""Score networks of the reducer: a B_n-equivariant graph network on Gram features and the two ablations.

Each network reads the current lattice (Gram matrix ``G``, its inverse ``H`` and, for the coordinate ablation,
the basis itself) and returns two edge fields ``(l_pair, l_gauss)`` of shape ``(batch, n, n)`` (rounding
logits, used with ``learn_rounding``) and a node field ``t`` of shape ``(batch, n)`` (pivot scores), all in
``(-gain, gain)``; see :class:`LatticeReducer`.
"""

from __future__ import annotations

import torch
from torch import nn

#: number of invariant edge features and node features computed by :func:`gram_features`
EDGE_FEATURES = 6
NODE_FEATURES = 2


def _mlp(d_in: int, hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.SiLU(), nn.Linear(hidden, d_out))


def gram_features(gram: torch.Tensor, dual: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Features of a lattice basis that are invariant under O(n) and under sign flips of basis vectors.

    With ``G = B B^T`` and ``H = G^{-1}``, node features are the centred log-lengths ``log ||b_i||`` and
    ``log(G_ii H_ii) / 2`` (0 iff b_i is orthogonal to the others). Edge features ``(i, j)`` are the absolute
    cosines ``|G_ij| / sqrt(G_ii G_jj)`` and ``|H_ij| / sqrt(H_ii H_jj)``, the log-magnitudes of the pairwise
    coefficient ``r_ij = G_ij / G_jj`` and the dual coefficient ``x_ij = H_ij / H_ii``, and the distances of
    ``|r_ij|`` and ``|x_ij|`` to the nearest integer (what the rounding decides). Under a signed permutation
    ``B -> M B`` the features are permuted (nodes) and conjugated (edges) by the permutation.

    Shapes:
        gram, dual: ``(batch, n, n)`` -> nodes ``(batch, n, 2)``, edges ``(batch, n, n, 6)``.
    """
    gd = torch.diagonal(gram, dim1=-2, dim2=-1)
    hd = torch.diagonal(dual, dim1=-2, dim2=-1)
    loglen = 0.5 * torch.log(gd)
    loglen = loglen - loglen.mean(-1, keepdim=True)
    orth = 0.5 * torch.log(torch.clamp(gd * hd, min=1.0))
    nodes = torch.stack([loglen, orth], -1)
    cos = gram.abs() / torch.sqrt(gd[:, :, None] * gd[:, None, :])
    dcos = dual.abs() / torch.sqrt(hd[:, :, None] * hd[:, None, :])
    r = gram.abs() / gd[:, None, :]
    x = dual.abs() / hd[:, :, None]
    edges = torch.stack(
        [cos, dcos, torch.log1p(r), torch.log1p(x), (r - torch.round(r)).abs(), (x - torch.round(x)).abs()],
        -1,
    )
    eye = torch.eye(gram.shape[-1], dtype=torch.bool, device=gram.device)
    return nodes, edges.masked_fill(eye[None, :, :, None], 0.0)


class GramGraphNet(nn.Module):
    """Edge-and-node message passing on the complete graph of basis vectors, fed with Gram features.

    Paper: Marchetti, Cesa, Pratik, Behboodi, *Neural Lattice Reduction: A Self-Supervised Geometric Deep
    Learning Approach*, arXiv 2311.08170 (2023): invariance to O(n) through the Gram matrix, equivariance to
    the hyperoctahedral group B_n of signed permutations of the basis vectors.

    Maths: edges ``e_ij <- e_ij + phi([e_ij, v_i, v_j])``, nodes ``v_i <- v_i + psi([v_i, mean_j e_ij,
    mean_j e_ji])`` (means over ``j != i``). Features are sign-invariant (:func:`gram_features`) and the
    layers permutation-equivariant, so the outputs are B_n-invariant scalars on ordered pairs (edges) and on
    basis vectors (nodes); the reducer only uses them to pick pivots and rounding directions of sign-odd
    classical coefficients, which keeps the moves B_n-equivariant.

    Args:
        hidden: width of node and edge embeddings.
        layers: number of message-passing layers.
        gain: outputs lie in ``(-gain, gain)`` (tanh).

    Shapes:
        gram, dual: ``(batch, n, n)``; basis is ignored -> two ``(batch, n, n)`` tensors and ``(batch, n)``.

    Examples:
        >>> net = GramGraphNet(hidden=8, layers=1)
        >>> g = torch.eye(3)[None] + 0.1
        >>> [t.shape for t in net(g, torch.linalg.inv(g), None)]
        [torch.Size([1, 3, 3]), torch.Size([1, 3, 3]), torch.Size([1, 3])]
    """

    def __init__(self, hidden: int = 32, layers: int = 2, gain: float = 0.5) -> None:
        super().__init__()
        self.gain = gain
        self.node_in = nn.Linear(NODE_FEATURES, hidden)
        self.edge_in = nn.Linear(EDGE_FEATURES, hidden)
        self.edge_mlps = nn.ModuleList([_mlp(3 * hidden, hidden, hidden) for _ in range(layers)])
        self.node_mlps = nn.ModuleList([_mlp(3 * hidden, hidden, hidden) for _ in range(layers)])
        self.head = _mlp(hidden, hidden, 2)
        self.node_head = _mlp(hidden, hidden, 1)
        #: compute the edge (rounding) logits; the reducer turns this off unless ``learn_rounding``
        self.edge_outputs = True

    def forward(
        self, gram: torch.Tensor, dual: torch.Tensor, basis: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        nodes, edges = gram_features(gram, dual)
        return self._propagate(self.node_in(nodes), self.edge_in(edges))

    def _propagate(self, v: torch.Tensor, e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        n, h = v.shape[1], v.shape[-1]
        off = (1.0 - torch.eye(n, dtype=v.dtype, device=v.device))[None, :, :, None]
        for edge_mlp, node_mlp in zip(self.edge_mlps, self.node_mlps, strict=True):
            # edge_mlp([e_ij, v_i, v_j]) with the first linear layer split by blocks: the node terms are
            # computed once per node instead of once per edge (same weights as the concatenated form)
            lin, act, out = edge_mlp
            w = lin.weight
            if torch.is_grad_enabled():
                pre = (
                    e @ w[:, :h].T + (v @ w[:, h : 2 * h].T)[:, :, None, :] + (v @ w[:, 2 * h :].T)[:, None, :, :]
                )
                e = (e + out(act(pre + lin.bias))) * off
            else:  # inference: the same operations in the same order, in place (no (batch, n, n, h) temporaries)
                pre = e @ w[:, :h].T
                pre += (v @ w[:, h : 2 * h].T)[:, :, None, :]
                pre += (v @ w[:, 2 * h :].T)[:, None, :, :]
                pre += lin.bias
                upd = out(nn.functional.silu(pre, inplace=True) if isinstance(act, nn.SiLU) else act(pre))
                upd += e
                e = upd.mul_(off)
            out_mean = e.sum(2) / (n - 1)
            in_mean = e.sum(1) / (n - 1)
            v = v + node_mlp(torch.cat([v, out_mean, in_mean], -1))
        node = self.gain * torch.tanh(self.node_head(v)[..., 0])
        if not self.edge_outputs:  # rounding logits not needed: skip the per-edge head
            zero = torch.zeros_like(e[..., 0])
            return zero, zero, node
        a = self.gain * torch.tanh(self.head(e))
        return a[..., 0], a[..., 1], node


class CoordinateGraphNet(GramGraphNet):
    """Ablation without Gram invariance: the same graph network fed with the basis coordinates.

    Node features are the coordinates of ``b_i / rms_j ||b_j||`` (so the network sees the ambient frame and is
    not O(n)-invariant, nor sign-invariant); edge features are ``[v_i * v_j]`` products of embedded nodes.
    Permutation equivariance is kept. Needs a fixed ambient dimension ``n``.

    Shapes:
        basis: ``(batch, n, n)`` -> two ``(batch, n, n)`` tensors and ``(batch, n)``.
    """

    def __init__(self, n: int, hidden: int = 32, layers: int = 2, gain: float = 0.5) -> None:
        super().__init__(hidden, layers, gain)
        self.n = n
        self.node_in = nn.Linear(n, hidden)
        self.edge_in = nn.Linear(hidden, hidden)

    def forward(
        self, gram: torch.Tensor, dual: torch.Tensor, basis: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if basis is None or basis.shape[-1] != self.n:
            raise ValueError(f"CoordinateGraphNet needs the basis with n = {self.n}")
        scale = torch.sqrt((basis * basis).sum(-1).mean(-1))[:, None, None]
        v = self.node_in(basis / scale)
        e = self.edge_in(v[:, :, None, :] * v[:, None, :, :])
        return self._propagate(v, e)


class FlatMLPNet(nn.Module):
    """Ablation without B_n equivariance: an MLP on the flattened normalised Gram matrix.

    Input: signed cosines ``G_ij / sqrt(G_ii G_jj)`` and centred log-lengths (``n^2 + n`` numbers, O(n)-
    invariant), output: the ``2 n^2`` edge logits and ``n`` node scores. No permutation or sign symmetry.
    Fixed ``n``.

    Shapes:
        gram: ``(batch, n, n)`` -> two ``(batch, n, n)`` tensors and ``(batch, n)``.
    """

    def __init__(self, n: int, hidden: int = 256, gain: float = 0.5) -> None:
        super().__init__()
        self.n, self.gain = n, gain
        self.mlp = nn.Sequential(
            nn.Linear(n * n + n, hidden),
            nn.SiLU(),
            nn.Linear(hidden, hidden),
            nn.SiLU(),
            nn.Linear(hidden, 2 * n * n + n),
        )

    def forward(
        self, gram: torch.Tensor, dual: torch.Tensor, basis: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if gram.shape[-1] != self.n:
            raise ValueError(f"FlatMLPNet was built for n = {self.n}, got n = {gram.shape[-1]}")
        gd = torch.diagonal(gram, dim1=-2, dim2=-1)
        cos = gram / torch.sqrt(gd[:, :, None] * gd[:, None, :])
        loglen = 0.5 * torch.log(gd)
        loglen = loglen - loglen.mean(-1, keepdim=True)
        out = self.gain * torch.tanh(self.mlp(torch.cat([cos.flatten(1), loglen], -1)))
        a = out[:, : 2 * self.n * self.n].reshape(-1, 2, self.n, self.n)
        return a[:, 0], a[:, 1], out[:, 2 * self.n * self.n :]
