"""Node classifiers: GCN, GAT, neural sheaf diffusion and the local homology sheaf networks."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import GATConv, GCNConv

from ._config import ModelConfig
from ._names import MODEL_NAMES
from ._nsd import NSD, LearnedRestrictionMaps, SheafDiffusion, undirected_edges
from ._persistent import PersistentLocalHomologySheaf
from ._sheaf import Sheaf
from ._sheaf_attention import SheafAttention
from ._sheaf_conv import SheafConv

_DEFAULT = ModelConfig()


def control_sheaves(lhs: Sheaf, seed: int) -> dict[str, Sheaf]:
    """The sheaves of ``lhs`` and its controls from ``lhs = R (+) LH`` (a constant block of size 1 first).

    ``{"lhs": R (+) LH, "const": R (+) 0, "rand": R (+) random}``: the same edges and constant block; ``const``
    zeroes the local homology block (empty stalks, zero maps), ``rand`` replaces it by random orthogonal maps
    between stalks of the same dimensions (:meth:`Sheaf.random_orthogonal_like`, seeded by ``seed``).
    """
    if lhs.vertex_dims is None or lhs.edge_dims is None:
        raise ValueError("control_sheaves needs a padded R (+) LH sheaf with vertex_dims and edge_dims")
    n, d = lhs.num_nodes, lhs.stalk_dim
    part = Sheaf(lhs.edge_index, lhs.maps[:, :, 1:, 1:], n, lhs.vertex_dims - 1, lhs.edge_dims - 1)
    const = Sheaf.constant(lhs.edge_index, n, dtype=lhs.maps.dtype)
    return {
        "lhs": lhs,
        "const": const.direct_sum(Sheaf.zero(lhs.edge_index, n, d - 1, dtype=lhs.maps.dtype)),
        "rand": const.direct_sum(part.random_orthogonal_like(seed)),
    }


class _StackedConvs(nn.Module):
    """``self.convs`` applied in turn, ELU and dropout between them (input dropout first)."""

    convs: nn.ModuleList
    cfg: ModelConfig

    def forward(self, x: Tensor, edge_index: Tensor, **_: object) -> Tensor:
        x = F.dropout(x, self.cfg.input_dropout, self.training)
        for i, conv in enumerate(self.convs):
            x = conv(x, edge_index)
            if i < len(self.convs) - 1:
                x = F.dropout(F.elu(x), self.cfg.dropout, self.training)
        return x


class GCN(_StackedConvs):
    """Kipf & Welling (ICLR 2017) GCN baseline. Shapes: x ``(N, C_in)`` -> logits ``(N, classes)``."""

    def __init__(self, in_channels: int, num_classes: int, cfg: ModelConfig = _DEFAULT) -> None:
        super().__init__()
        width = cfg.hidden * cfg.stalk_dim
        dims = [in_channels] + [width] * (cfg.layers - 1) + [num_classes]
        self.convs = nn.ModuleList(GCNConv(a, b) for a, b in zip(dims[:-1], dims[1:], strict=True))
        self.cfg = cfg


class GAT(_StackedConvs):
    """Velickovic et al. (ICLR 2018) GAT baseline. Shapes: x ``(N, C_in)`` -> logits ``(N, classes)``."""

    def __init__(self, in_channels: int, num_classes: int, cfg: ModelConfig = _DEFAULT) -> None:
        super().__init__()
        per_head = max(cfg.hidden * cfg.stalk_dim // cfg.heads, 1)
        self.convs = nn.ModuleList()
        c = in_channels
        for _ in range(cfg.layers - 1):
            self.convs.append(GATConv(c, per_head, heads=cfg.heads, dropout=cfg.dropout))
            c = per_head * cfg.heads
        self.convs.append(GATConv(c, num_classes, heads=1, dropout=cfg.dropout))
        self.cfg = cfg


class SheafNet(nn.Module):
    """Lift -> sheaf layers (residual) -> read-out; the sheaf is learned, fixed, or persistent.

    Paper: Cesa & Behboodi, arXiv 2311.10156 (local homology sheaf models); Bodnar et al., NeurIPS 2022 (NSD).

    ``x (N, C_in) -> Linear -> (N, D, C)``, then ``layers`` times ``X <- X + dropout(elu(layer(X, F)))`` (or
    the
    NSD update for ``layer="diffusion"``), then ``vec(X) -> Linear -> logits``.

    Args:
        in_channels: C_in.
        num_classes: number of classes.
        stalk_dim: D (must equal the padded stalk dimension of a given sheaf).
        sheaf: ``"learned-diag"`` / ``"learned-orth"`` (NSD, maps from features per layer), ``"fixed"`` (a
            :class:`Sheaf` passed to forward) or ``"persistent"`` (a :class:`PersistentLocalHomologySheaf`
            passed to forward, weighted by distances of a learned embedding of ``x``, plus the constant
            sheaf).
        layer: ``"conv"`` (:class:`SheafConv`), ``"attention"`` (:class:`SheafAttention`) or ``"diffusion"``.
        cfg: :class:`ModelConfig`.

    Shapes:
        x: ``(N, C_in)``, edge_index ``(2, 2E)`` symmetric -> logits ``(N, num_classes)``.
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        stalk_dim: int,
        sheaf: str = "fixed",
        layer: str = "conv",
        cfg: ModelConfig = _DEFAULT,
    ) -> None:
        super().__init__()
        if sheaf not in ("learned-diag", "learned-orth", "fixed", "persistent"):
            raise ValueError(f"sheaf must be learned-diag, learned-orth, fixed or persistent, got {sheaf!r}")
        if layer not in ("conv", "attention", "diffusion"):
            raise ValueError(f"layer must be conv, attention or diffusion, got {layer!r}")
        self.kind, self.layer_kind, self.cfg, self.D = sheaf, layer, cfg, stalk_dim
        c = cfg.hidden
        self.lift = nn.Linear(in_channels, stalk_dim * c)
        self.layers = nn.ModuleList()
        for _ in range(cfg.layers):
            if layer == "conv":
                self.layers.append(SheafConv(c, c))
            elif layer == "attention":
                self.layers.append(SheafAttention(c, c, stalk_dim, heads=1))
            else:
                self.layers.append(SheafDiffusion(c, stalk_dim))
        if sheaf.startswith("learned"):
            self.maps = nn.ModuleList(
                LearnedRestrictionMaps(c, stalk_dim, sheaf.split("-")[1]) for _ in range(cfg.layers)
            )
        if sheaf == "persistent":
            self.embed = nn.Linear(in_channels, cfg.embed_dim)
        self.readout = nn.Linear(stalk_dim * c, num_classes)

    def edge_weights(self, x: Tensor, builder: PersistentLocalHomologySheaf) -> Tensor:
        """Distances ``|phi(x_u) - phi(x_v)|`` of the learned embedding on the complex's edges: ``(n_1,)``."""
        z = self.embed(x)
        e = torch.as_tensor(builder.K.edges.T.copy(), dtype=torch.long, device=x.device).reshape(2, -1)
        return (z[e[0]] - z[e[1]]).pow(2).sum(-1).add(1e-12).sqrt()

    def forward(
        self,
        x: Tensor,
        edge_index: Tensor,
        sheaf: Sheaf | None = None,
        persistent: PersistentLocalHomologySheaf | None = None,
        weights: Tensor | None = None,
    ) -> Tensor:
        n = x.shape[0]
        if self.kind == "fixed" and sheaf is None:
            raise ValueError("SheafNet(sheaf='fixed') needs a Sheaf in forward(..., sheaf=)")
        if self.kind == "persistent":
            if persistent is None:
                raise ValueError("SheafNet(sheaf='persistent') needs forward(..., persistent=builder)")
            w = self.edge_weights(x, persistent) if weights is None else weights
            ps = persistent(w)
            sheaf = Sheaf.constant(ps.edge_index, n, dtype=ps.maps.dtype).direct_sum(ps)
        if self.kind.startswith("learned"):
            sheaf = None  # NSD learns its own maps
        if sheaf is not None and sheaf.stalk_dim != self.D:
            raise ValueError(f"model built for stalk_dim {self.D}, sheaf has stalk_dim {sheaf.stalk_dim}")
        und = undirected_edges(edge_index, n) if self.kind.startswith("learned") else None
        h = F.dropout(x, self.cfg.input_dropout, self.training) if self.cfg.input_dropout else x
        h = self.lift(h).reshape(n, self.D, self.cfg.hidden)
        mask = None
        if sheaf is not None and sheaf.vertex_dims is not None and self.cfg.mask_padding:
            # features live in the stalk F(v) = R^{d_v}: the padded coordinates d_v .. D-1 are zero
            # (the layers keep them zero: padded rows/columns of every restriction map vanish)
            ar = torch.arange(self.D, device=h.device)
            mask = (ar[None, :] < sheaf.vertex_dims.to(h.device)[:, None]).to(h.dtype)[:, :, None]
            h = h * mask
        if sheaf is not None and sheaf.maps.dtype != h.dtype:
            sheaf = Sheaf(
                sheaf.edge_index, sheaf.maps.to(h.dtype), sheaf.num_nodes, sheaf.vertex_dims, sheaf.edge_dims
            )
        for i, layer in enumerate(self.layers):
            s = self.maps[i](h, und) if und is not None else sheaf
            assert s is not None
            if self.layer_kind == "diffusion":
                h = layer(h, s)
            else:
                h = h + F.elu(layer(h, s))
            h = F.dropout(h, self.cfg.dropout, self.training)
            if mask is not None:
                h = h * mask
        return self.readout(h.reshape(n, -1))


class LocalMLP(nn.Module):
    """A per-node MLP on hand-written local features (the ``betti`` / ``degree`` baselines): no messages.

    ``features``: ``"betti"`` reads ``log(1 + b_k)`` of the Betti numbers of each vertex's local homology,
    ``"degree"`` reads ``log(1 + degree)``; both are passed to forward (``local=``), ``x`` is ignored. Every
    node is processed alone, so the model is trivially permutation equivariant.

    Shapes:
        local: ``(N, F)`` -> logits ``(N, num_classes)``.
    """

    def __init__(self, in_features: int, num_classes: int, cfg: ModelConfig = _DEFAULT) -> None:
        super().__init__()
        width = cfg.hidden * cfg.stalk_dim
        self.net = nn.Sequential(
            nn.Linear(in_features, width), nn.ELU(), nn.Dropout(cfg.dropout), nn.Linear(width, num_classes)
        )

    def forward(self, x: Tensor, edge_index: Tensor, local: Tensor | None = None, **_: object) -> Tensor:
        if local is None:
            raise ValueError("LocalMLP needs its per-node features in forward(..., local=)")
        if local.shape[0] != x.shape[0]:
            raise ValueError(f"local features must have {x.shape[0]} rows, got {local.shape[0]}")
        return self.net(local.to(x.dtype))


def build_model(
    name: str, in_channels: int, num_classes: int, cfg: ModelConfig, lhs_dim: int, local_features: int = 1
) -> nn.Module:
    """The model registered under ``name`` (see ``MODEL_NAMES``); ``lhs_dim`` is the local homology stalk cap.

    ``lhs`` / ``lhs_att`` / ``lhs_persistent`` use stalks ``R (+) LH`` (the constant sheaf plus ``lhs_dim``
    local homology coordinates), so nodes with empty local homology still receive graph messages. The
    controls ``const`` and ``rand`` are the very same network as ``lhs`` (same stalk size ``1 + lhs_dim``,
    width, depth, optimiser); only the sheaf passed to forward differs (see ``control_sheaves``).
    ``betti`` / ``degree`` are :class:`LocalMLP` on ``local_features`` inputs.
    """
    d = 1 + lhs_dim
    if name == "gcn":
        return GCN(in_channels, num_classes, cfg)
    if name == "gat":
        return GAT(in_channels, num_classes, cfg)
    if name in ("nsd", "nsd_orth", "nsd_gen"):
        kind = {"nsd": "diag", "nsd_orth": "orth", "nsd_gen": "general"}[name]
        return NSD(
            in_channels, num_classes, cfg.stalk_dim, cfg.hidden, cfg.layers, kind, cfg.dropout, cfg.input_dropout
        )
    if name in ("lhs", "const", "rand"):
        return SheafNet(in_channels, num_classes, d, "fixed", "conv", cfg)
    if name == "lhs_att":
        return SheafNet(in_channels, num_classes, d, "fixed", "attention", cfg)
    if name == "lhs_persistent":
        return SheafNet(in_channels, num_classes, d, "persistent", "conv", cfg)
    if name in ("betti", "degree"):
        return LocalMLP(local_features, num_classes, cfg)
    raise ValueError(f"unknown model {name!r}; expected one of {MODEL_NAMES}")
