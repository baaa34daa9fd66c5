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


def augmented_factors(
    sheaf: Sheaf, clamp: bool = False, diagonal: bool = False, jitter: Tensor | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Directed edges and blocks of Bodnar et al.'s augmented normalised sheaf Laplacian.

    ``Delta = (D + I)^{-1/2} L (D + I)^{-1/2}`` with ``D`` the block diagonal of ``L`` (``D_v = sum_e F_{v<e}^T
    F_{v<e}``), the inverse square root taken blockwise (a symmetric eigen-decomposition). For diagonal or
    orthogonal maps ``D_v`` is diagonal, so this equals :func:`renorm_factors` (``diag(L) + 1``); for general
    maps the official implementation clamps the normalised blocks to ``[-1, 1]`` (``clamp=True``).
    ``diagonal=True`` uses only the diagonal of ``D`` (exact for diagonal / orthogonal maps, and without the
    eigen-decomposition, whose gradient is undefined at repeated eigenvalues); ``jitter`` (d,) is added to the
    identity before the decomposition (the official code perturbs it by U(-0.001, 0.001) in training so that the
    eigenvalues differ).

    Returns:
        ``edge_index`` (2, 2E) and ``off`` (2E, d, d) = ``(D_t + I)^{-1/2} F_t^T F_s (D_s + I)^{-1/2}`` (the
        off-diagonal blocks of ``Delta`` are ``-off``), ``diag`` (N, d, d) = the diagonal blocks of ``Delta``.
    """
    ei, ms, md = sheaf.directed()
    n, d = sheaf.num_nodes, sheaf.stalk_dim
    blocks = md.transpose(-1, -2) @ md
    dblocks = torch.zeros(n, d, d, dtype=blocks.dtype).index_add(0, ei[1], blocks)
    if diagonal:
        dis = torch.diag_embed((torch.diagonal(dblocks, dim1=-2, dim2=-1) + 1).rsqrt())
    else:
        eye = torch.eye(d, dtype=blocks.dtype)
        if jitter is not None:
            eye = eye + torch.diag(jitter.to(blocks.dtype))
        evals, evecs = torch.linalg.eigh(dblocks + eye)
        dis = (evecs * evals.rsqrt()[:, None, :]) @ evecs.transpose(-1, -2)
    off = dis[ei[1]] @ (md.transpose(-1, -2) @ ms) @ dis[ei[0]]
    diag = dis @ dblocks @ dis
    if clamp:
        off, diag = off.clamp(-1, 1), diag.clamp(-1, 1)
    return ei, off, diag


ORTH_MAPS: tuple[str, ...] = ("householder", "matrix_exp", "cayley")
"""Parametrisations of O(d) for ``NSD(kind="orth")``; ``householder`` is the official code's default."""


def orthogonal_maps(params: Tensor, d: int, orth_map: str = "householder") -> Tensor:
    """``(E, d(d-1)/2)`` parameters -> ``(E, d, d)`` orthogonal matrices, as the official NSD code's ``Orthogonal``.

    The parameters fill the strictly lower triangle of ``A`` (row-major, ``torch.tril_indices(d, d, -1)``).
    ``householder``: ``Q = H_0 H_1 ... H_{d-1}``, ``H_i = I - 2 v_i v_i^T / |v_i|^2`` with ``v_i`` the i-th
    column of ``A + I`` (LAPACK's ``orgqr`` with ``tau_i = 2 / |v_i|^2``; zero parameters give ``-I``,
    ``det Q = (-1)^d``); ``matrix_exp``: ``exp(A - A^T)``; ``cayley``: ``(I - S/2)^{-1} (I + S/2)``, ``S = A -
    A^T`` (both ``SO(d)``, zero parameters give ``I``). The official code reads ``d(d+1)/2`` values for the
    last two, whose diagonal cancels in ``A - A^T``: the same family.
    """
    tril = torch.tril_indices(d, d, offset=-1, device=params.device)
    a = params.new_zeros(params.shape[0], d, d)
    if d > 1:
        a[:, tril[0], tril[1]] = params
    if orth_map == "householder":
        v = a + torch.eye(d, dtype=params.dtype, device=params.device)
        tau = 2.0 / (v * v).sum(dim=-2)
        return torch.linalg.householder_product(v, tau)
    skew = a - a.transpose(-1, -2)
    if orth_map == "matrix_exp":
        return torch.linalg.matrix_exp(skew)
    if orth_map == "cayley":
        eye = torch.eye(d, dtype=params.dtype, device=params.device)
        return torch.linalg.solve(eye - 0.5 * skew, eye + 0.5 * skew)
    raise ValueError(f"orth_map must be one of {ORTH_MAPS}, got {orth_map!r}")


class _Transport(MessagePassing):
    """``sum_{u -> v} T_{uv} x_u`` for per-edge blocks T."""

    def __init__(self) -> None:
        super().__init__(aggr="add", node_dim=0)

    def forward(self, x: Tensor, edge_index: Tensor, transport: Tensor) -> Tensor:
        return self.propagate(edge_index, x=x, transport=transport)

    def message(self, x_j: Tensor, transport: Tensor) -> Tensor:
        return small_matmul(transport, x_j)


class NSD(nn.Module):
    """Neural sheaf diffusion as in the official implementation of Bodnar et al. (NeurIPS 2022), discrete
    model.

    Paper: C. Bodnar, F. Di Giovanni, B. P. Chamberlain, P. Lio, M. M. Bronstein, "Neural Sheaf Diffusion: A
    Topological Perspective on Heterophily and Oversmoothing in GNNs", NeurIPS 2022; checked against
    github.com/twitter-research/neural-sheaf-diffusion (``models/disc_models.py``,
    ``laplacian_builders.py``, ``sheaf_models.py``), read for facts, our own code.

    ``x -> dropout(input) -> Linear -> elu -> dropout -> X (N, d, C)``, ``X0 = X``; per layer ``t``: restriction
    maps ``F_{v<e} = act(W_t [x_v || x_u])`` (no bias; ``diag``: tanh, d values; ``orth``: d(d-1)/2 values
    through tanh (the official ``sheaf_act``, applied to every kind) into :func:`orthogonal_maps` (Householder
    by default, as the official code; 0.2.0 used ``exp(A - A^T)`` without tanh), times a learned edge weight
    ``sigmoid(V [x_u || x_v]) sigmoid(V [x_v || x_u])`` as in the official bundle model; ``general``: tanh,
    d x d) from ``dropout(X)``
    (no dropout at the first layer), then ``X0 <- (1 + tanh eps_t) X0 - elu(Delta_t (W1_t (x) W2_t)
    dropout(X))``, ``X = X0``, with ``Delta_t`` the augmented normalised sheaf Laplacian
    (:func:`augmented_factors`), ``W1`` (d x d, initialised to I) mixing stalk coordinates and ``W2`` (C x C,
    orthogonal initialisation, no bias) mixing channels; read-out ``Linear(vec X)``.

    Args:
        in_channels, num_classes: input features and classes.
        d: stalk dimension; hidden: channels per stalk coordinate; layers: diffusion steps.
        kind: ``"diag"``, ``"orth"`` or ``"general"``.
        dropout, input_dropout: as in the official code.
        orth_map: parametrisation of the orthogonal maps (``kind="orth"``), see :data:`ORTH_MAPS`.

    Shapes:
        x: ``(N, C_in)``, edge_index: ``(2, 2E)`` symmetric -> logits ``(N, num_classes)``.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        d: int = 3,
        hidden: int = 16,
        layers: int = 2,
        kind: str = "diag",
        dropout: float = 0.5,
        input_dropout: float = 0.0,
        orth_map: str = "householder",
    ) -> None:
        super().__init__()
        if kind not in ("diag", "orth", "general"):
            raise ValueError(f"kind must be 'diag', 'orth' or 'general', got {kind!r}")
        if kind != "diag" and d < 2:
            raise ValueError(f"kind {kind!r} needs stalk dimension d >= 2, got {d}")
        if orth_map not in ORTH_MAPS:
            raise ValueError(f"orth_map must be one of {ORTH_MAPS}, got {orth_map!r}")
        self.kind, self.d, self.hidden, self.dropout, self.input_dropout = kind, d, hidden, dropout, input_dropout
        self.orth_map = orth_map
        n_out = {"diag": d, "orth": d * (d - 1) // 2, "general": d * d}[kind]
        self.lin1 = nn.Linear(in_channels, d * hidden)
        self.learners = nn.ModuleList(nn.Linear(2 * d * hidden, n_out, bias=False) for _ in range(layers))
        # the official orthogonal ("bundle") model learns edge weights too (``--edge_weights``, on by default)
        self.weighters = nn.ModuleList(
            nn.Linear(2 * d * hidden, 1, bias=False) for _ in range(layers if kind == "orth" else 0)
        )
        self.left = nn.ParameterList(nn.Parameter(torch.eye(d)) for _ in range(layers))
        self.right = nn.ModuleList(nn.Linear(hidden, hidden, bias=False) for _ in range(layers))
        for r in self.right:
            nn.init.orthogonal_(r.weight)
        self.eps = nn.ParameterList(nn.Parameter(torch.zeros(d, 1)) for _ in range(layers))
        self.lin2 = nn.Linear(d * hidden, num_classes)
        self.transport = _Transport()

    def restriction_maps(self, x: Tensor, und: Tensor, layer: int) -> Tensor:
        """``(E, 2, d, d)``: ``[F_{u<e}, F_{v<e}]`` of every undirected edge ``(u, v)`` from stalk features."""
        flat = x.reshape(x.shape[0], -1)
        u, v = und

        def _one(a: Tensor, b: Tensor) -> Tensor:
            z = self.learners[layer](torch.cat([flat[a], flat[b]], dim=1))
            if self.kind == "diag":
                return torch.diag_embed(torch.tanh(z))
            if self.kind == "general":
                return torch.tanh(z).reshape(-1, self.d, self.d)
            return orthogonal_maps(torch.tanh(z), self.d, self.orth_map)  # tanh: the official sheaf_act

        maps = torch.stack([_one(u, v), _one(v, u)], dim=1)
        if self.kind == "orth":  # w_e = sigmoid(V [x_u || x_v]) sigmoid(V [x_v || x_u]) scales both maps of e
            wl = self.weighters[layer]
            w = torch.sigmoid(wl(torch.cat([flat[u], flat[v]], 1)))
            w = w * torch.sigmoid(wl(torch.cat([flat[v], flat[u]], 1)))
            maps = maps * w[:, :, None, None]
        return maps

    def sheaf(self, x: Tensor, und: Tensor, layer: int) -> Sheaf:
        """The sheaf learned at ``layer`` from stalk features ``x (N, d, C)`` on undirected edges ``und``."""
        return Sheaf(und, self.restriction_maps(x, und, layer), x.shape[0])

    def step(self, x: Tensor, x0: Tensor, sheaf: Sheaf, layer: int) -> Tensor:
        """One diffusion step: ``(1 + tanh eps) X0 - elu(Delta (W1 (x) W2) X)``."""
        general = self.kind == "general"
        jitter = torch.empty(self.d).uniform_(-1e-3, 1e-3) if general and self.training else None
        ei, off, diag = augmented_factors(sheaf, clamp=general, diagonal=not general, jitter=jitter)
        h = self.right[layer](small_matmul(self.left[layer].to(x.dtype), x))
        off, diag = off.to(h.dtype), diag.to(h.dtype)
        lap = small_matmul(diag, h) - self.transport(h, ei, off)
        return (1 + torch.tanh(self.eps[layer])) * x0 - torch.nn.functional.elu(lap)

    def forward(self, x: Tensor, edge_index: Tensor, **_: object) -> Tensor:
        n = x.shape[0]
        und = undirected_edges(edge_index, n)
        drop = torch.nn.functional.dropout
        h = drop(x, self.input_dropout, self.training) if self.input_dropout else x
        h = drop(torch.nn.functional.elu(self.lin1(h)), self.dropout, self.training)
        h = h.reshape(n, self.d, self.hidden)
        x0 = h
        for layer in range(len(self.learners)):
            hm = drop(h, self.dropout, self.training) if layer > 0 else h
            s = self.sheaf(hm, und, layer)
            x0 = self.step(drop(h, self.dropout, self.training), x0, s, layer)
            h = x0
        return self.lin2(h.reshape(n, -1))
