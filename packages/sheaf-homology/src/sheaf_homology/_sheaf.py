"""Cellular sheaves on graphs: stalks, restriction maps, coboundary and (normalised) sheaf Laplacian."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


def reverse_edge_ids(edge_index: Tensor, num_nodes: int) -> Tensor:
    """For a symmetric directed ``edge_index`` (2, E), the index of the reverse of each edge.

    Raises:
        ValueError: if some edge ``(u, v)`` has no reverse ``(v, u)``.
    """
    src, dst = edge_index
    keys = src * num_nodes + dst
    order = torch.argsort(keys)
    rkeys = dst * num_nodes + src
    pos = torch.searchsorted(keys[order], rkeys).clamp(max=max(len(keys) - 1, 0))
    rev = order[pos]
    if len(keys) and not torch.equal(keys[rev], rkeys):
        bad = int(torch.nonzero(keys[rev] != rkeys)[0, 0])
        raise ValueError(
            f"edge_index is not symmetric: edge ({int(src[bad])}, {int(dst[bad])}) has no reverse; "
            "expected both directions of every undirected edge"
        )
    return rev


@dataclass(frozen=True, eq=False)
class Sheaf:
    """A cellular sheaf on a graph with zero-padded stalks (Hansen & Ghrist; Bodnar et al., NeurIPS 2022).

    Each node ``v`` has a stalk ``F(v) = R^{d_v}`` embedded in ``R^{Dv}`` (``d_v <= Dv``, padding zero), each
    undirected edge ``e = (u, v)`` a stalk ``F(e) = R^{d_e}`` in ``R^{De}``, and restriction maps
    ``F_{u<e}, F_{v<e}: (De, Dv)``. The coboundary is ``(delta x)_e = F_{v<e} x_v - F_{u<e} x_u`` and the
    sheaf
    Laplacian ``L = delta^T delta`` has blocks ``L_vv = sum_e F_{v<e}^T F_{v<e}`` and ``L_uv = -F_{u<e}^T
    F_{v<e}``.
    An empty stalk (``d_v = 0``) is allowed: its node takes no part in diffusion (documented convention).

    Args:
        edge_index: ``(2, E)`` undirected edges, each listed once.
        maps: ``(E, 2, De, Dv)``; ``maps[e, 0]`` restricts ``edge_index[0, e]``, ``maps[e, 1]`` restricts
            ``edge_index[1, e]``.
        num_nodes: N.
        vertex_dims: ``(N,)`` true stalk dimensions (defaults to ``Dv`` everywhere).
        edge_dims: ``(E,)`` true edge stalk dimensions (defaults to ``De``).

    Examples:
        >>> import torch
        >>> S = Sheaf.constant(torch.tensor([[0, 1], [1, 2]]), 3)
        >>> S.laplacian(normalized=False)
        tensor([[ 1., -1.,  0.],
                [-1.,  2., -1.],
                [ 0., -1.,  1.]])
    """

    edge_index: Tensor
    maps: Tensor
    num_nodes: int
    vertex_dims: Tensor | None = None
    edge_dims: Tensor | None = None

    def __post_init__(self) -> None:
        if self.edge_index.ndim != 2 or self.edge_index.shape[0] != 2:
            raise ValueError(f"edge_index must have shape (2, E), got {tuple(self.edge_index.shape)}")
        e = self.edge_index.shape[1]
        if self.maps.ndim != 4 or self.maps.shape[:2] != (e, 2):
            raise ValueError(f"maps must have shape ({e}, 2, De, Dv), got {tuple(self.maps.shape)}")
        if e and (int(self.edge_index.min()) < 0 or int(self.edge_index.max()) >= self.num_nodes):
            raise ValueError(f"edge_index ids must lie in [0, {self.num_nodes})")

    # ------------------------------------------------------------------------------------------- properties
    @property
    def stalk_dim(self) -> int:
        """Dv, the padded vertex stalk dimension."""
        return int(self.maps.shape[-1])

    @property
    def edge_stalk_dim(self) -> int:
        return int(self.maps.shape[-2])

    @property
    def num_edges(self) -> int:
        return int(self.edge_index.shape[1])

    # ------------------------------------------------------------------------------------------ constructors
    @staticmethod
    def constant(edge_index: Tensor, num_nodes: int, dtype: torch.dtype = torch.float32) -> Sheaf:
        """The constant sheaf R (identity restriction maps): its Laplacian is the graph Laplacian."""
        ei = torch.as_tensor(edge_index, dtype=torch.long)
        maps = torch.ones(ei.shape[1], 2, 1, 1, dtype=dtype)
        return Sheaf(ei, maps, num_nodes)

    @staticmethod
    def zero(edge_index: Tensor, num_nodes: int, stalk_dim: int, dtype: torch.dtype = torch.float32) -> Sheaf:
        """The zero sheaf padded to ``stalk_dim``: empty stalks (``d_v = d_e = 0``), all maps zero.

        ``Sheaf.constant(...).direct_sum(Sheaf.zero(...))`` is the constant-sheaf control: the stalk layout of
        ``R (+) LH`` with the local homology part switched off.
        """
        ei = torch.as_tensor(edge_index, dtype=torch.long)
        maps = torch.zeros(ei.shape[1], 2, stalk_dim, stalk_dim, dtype=dtype)
        e = ei.shape[1]
        return Sheaf(ei, maps, num_nodes, torch.zeros(num_nodes, dtype=torch.long), torch.zeros(e, dtype=torch.long))

    def random_orthogonal_like(self, seed: int) -> Sheaf:
        """A random sheaf with this sheaf's stalk dimensions and random orthogonal restriction maps.

        Each map ``F_{v<e}: R^{d_v} -> R^{d_e}`` is a random partial isometry (orthonormal columns if ``d_e >=
        d_v``, else orthonormal rows; Q of the QR decomposition of a Gaussian matrix, signs fixed by R's
        diagonal, i.e. Haar-distributed), drawn from ``numpy.random.default_rng(seed)``; padding stays zero.
        Used as the random-sheaf control: same stalks as the local homology sheaf, maps carrying no topology.
        """
        rng = np.random.default_rng(seed)
        n, e = self.num_nodes, self.num_edges
        vd = (torch.full((n,), self.stalk_dim) if self.vertex_dims is None else self.vertex_dims).tolist()
        ed = (torch.full((e,), self.edge_stalk_dim) if self.edge_dims is None else self.edge_dims).tolist()
        maps = np.zeros((e, 2, self.edge_stalk_dim, self.stalk_dim))
        ends = self.edge_index.tolist()
        for i in range(e):
            de = int(ed[i])
            for side in range(2):
                dv = int(vd[ends[side][i]])
                if de == 0 or dv == 0:
                    continue
                big, small = max(de, dv), min(de, dv)
                q, r = np.linalg.qr(rng.standard_normal((big, small)))
                q = q * np.where(np.diag(r) < 0, -1.0, 1.0)[None, :]
                maps[i, side, :de, :dv] = q if de >= dv else q.T
        return Sheaf(
            self.edge_index,
            torch.as_tensor(maps, dtype=self.maps.dtype),
            n,
            None if self.vertex_dims is None else self.vertex_dims.clone(),
            None if self.edge_dims is None else self.edge_dims.clone(),
        )

    def direct_sum(self, other: Sheaf) -> Sheaf:
        """Stalkwise direct sum ``F + G`` on the same edge list (block-diagonal restriction maps)."""
        if not torch.equal(self.edge_index, other.edge_index) or self.num_nodes != other.num_nodes:
            raise ValueError("direct_sum needs two sheaves on the same edge_index and number of nodes")
        e = self.num_edges
        de1, dv1 = self.maps.shape[-2:]
        de2, dv2 = other.maps.shape[-2:]
        dtype = torch.promote_types(self.maps.dtype, other.maps.dtype)
        top = torch.cat([self.maps.to(dtype), torch.zeros(e, 2, de1, dv2, dtype=dtype)], dim=-1)
        bot = torch.cat([torch.zeros(e, 2, de2, dv1, dtype=dtype), other.maps.to(dtype)], dim=-1)
        maps = torch.cat([top, bot], dim=-2)

        def _dims(a: Tensor | None, da: int, b: Tensor | None, db: int, n: int) -> Tensor:
            a = torch.full((n,), da) if a is None else a
            b = torch.full((n,), db) if b is None else b
            return a + b

        return Sheaf(
            self.edge_index,
            maps,
            self.num_nodes,
            _dims(self.vertex_dims, dv1, other.vertex_dims, dv2, self.num_nodes),
            _dims(self.edge_dims, de1, other.edge_dims, de2, e),
        )

    def permute(self, perm: Tensor) -> Sheaf:
        """Relabel node ``i`` as ``perm[i]`` (edges keep their order)."""
        perm = torch.as_tensor(perm, dtype=torch.long)
        vd = None
        if self.vertex_dims is not None:
            vd = torch.empty_like(self.vertex_dims)
            vd[perm] = self.vertex_dims
        return Sheaf(perm[self.edge_index], self.maps, self.num_nodes, vd, self.edge_dims)

    # ----------------------------------------------------------------------------------------------- algebra
    def directed(self) -> tuple[Tensor, Tensor, Tensor]:
        """Both directions of every edge, for message passing.

        Returns:
            ``edge_index`` (2, 2E) with rows (source, target), ``maps_src`` and ``maps_dst`` (2E, De, Dv): the
            restriction maps of each directed edge's source and target node into the edge stalk.
        """
        ei = self.edge_index
        directed = torch.cat([ei, ei.flip(0)], dim=1)
        m_u, m_v = self.maps[:, 0], self.maps[:, 1]
        return directed, torch.cat([m_u, m_v]), torch.cat([m_v, m_u])

    def coboundary(self) -> Tensor:
        """Dense coboundary ``delta: (E * De, N * Dv)``, ``(delta x)_e = F_{v<e} x_v - F_{u<e} x_u``."""
        e, de, dv = self.num_edges, self.edge_stalk_dim, self.stalk_dim
        d = torch.zeros(e, de, self.num_nodes, dv, dtype=self.maps.dtype)
        ar = torch.arange(e)
        u, v = self.edge_index
        d[ar, :, u] = -self.maps[:, 0]
        d[ar, :, v] = self.maps[:, 1]
        return d.reshape(e * de, self.num_nodes * dv)

    def degree_blocks(self) -> Tensor:
        """``D_v = sum_{e ∋ v} F_{v<e}^T F_{v<e}``: (N, Dv, Dv)."""
        ei, ms, md = self.directed()
        blocks = md.transpose(-1, -2) @ md
        out = torch.zeros(self.num_nodes, self.stalk_dim, self.stalk_dim, dtype=self.maps.dtype)
        return out.index_add(0, ei[1], blocks)

    def laplacian(self, normalized: bool = True, mode: str = "block") -> Tensor:
        """Dense sheaf Laplacian ``(N * Dv, N * Dv)``.

        Args:
            normalized: if True, ``D^{-1/2} L D^{-1/2}``.
            mode: ``"block"``: D is the block diagonal of L and ``D^{-1/2}`` its pseudo-inverse square root
                (neural sheaf diffusion); ``"renorm"``: D is ``diag(L) + 1`` (what the layers use: defined for
                empty stalks, differentiable, and equal to GCN's renormalised adjacency for the constant
                sheaf); ``"augmented"``: ``(D + I)^{-1/2} L (D + I)^{-1/2}`` with D the block diagonal (Bodnar
                et al.'s official normalisation; equal to ``"renorm"`` for diagonal or orthogonal maps).
        """
        delta = self.coboundary()
        lap = delta.T @ delta
        if not normalized:
            return lap
        if mode == "block":
            blocks = self.degree_blocks().double()
            evals, evecs = torch.linalg.eigh(blocks)
            inv = torch.where(evals > 1e-10, evals.clamp(min=1e-10).rsqrt(), torch.zeros_like(evals))
            dis = (evecs * inv[:, None, :]) @ evecs.transpose(-1, -2)
            dis = torch.block_diag(*dis).to(lap.dtype)
            return dis @ lap @ dis
        if mode == "augmented":
            blocks = self.degree_blocks()
            evals, evecs = torch.linalg.eigh(blocks + torch.eye(self.stalk_dim, dtype=blocks.dtype))
            dis = torch.block_diag(*((evecs * evals.rsqrt()[:, None, :]) @ evecs.transpose(-1, -2)))
            return dis @ lap @ dis
        if mode == "renorm":
            d = (torch.diagonal(lap) + 1).rsqrt()
            return d[:, None] * lap * d[None, :]
        raise ValueError(f"mode must be 'block' or 'renorm', got {mode!r}")
