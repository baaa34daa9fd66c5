"""The compared models: an O(3) point network for QM9 and a C8 grid CNN for rotated MNIST."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from e2cnn_core import FieldType, R2Conv, rot2d
from equi_groups import O3, irrep, regular, trivial
from torch import nn

from .._analytic import AnalyticPointConv, MLPKernel
from .._point_conv import ImplicitPointConv
from .._r2conv import ImplicitR2Conv
from ._data import BOND_CLASSES, ELEMENTS

QM9_MODELS = ("analytic", "implicit", "implicit_bond", "implicit_atom", "mlp")
MNIST_MODELS = ("implicit", "analytic", "analytic_wide")


class Gate(nn.Module):
    """Gated nonlinearity on point features laid out as ``[scalars (s), gates (v), fields (v of dim d_i)]``."""

    def __init__(self, n_scalars: int, field_dims: list[int]) -> None:
        super().__init__()
        self.s, self.dims = n_scalars, field_dims
        self.index = torch.repeat_interleave(torch.arange(len(field_dims)), torch.tensor(field_dims))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        s, v = self.s, len(self.dims)
        gates = torch.sigmoid(h[:, s : s + v])[:, self.index]
        return torch.cat([F.silu(h[:, :s]), h[:, s + v :] * gates], 1)


class QM9Net(nn.Module):
    """O(3)-equivariant point network: ``layers`` steerable point convolutions (kernel by ``model``) on hidden
    fields ``scalars x 0e + vectors x 1o + tensors x 2e`` (atom types embedded in the scalars) with gated
    nonlinearities and residual connections, sum pooling of the invariants and an MLP head. ``model``:
    ``analytic`` (Gaussian rings x
    spherical harmonics x intertwiners), ``implicit`` (the equivariant MLP kernel of the relative position),
    ``implicit_bond`` (+ bond classes), ``implicit_atom`` (+ bond classes and the atom types of both ends),
    ``mlp`` (a non-equivariant MLP kernel)."""

    def __init__(
        self,
        model: str,
        layers: int = 3,
        scalars: int = 8,
        vectors: int = 4,
        tensors: int = 2,
        cutoff: float = 2.5,
        channels: int = 8,
        rings: int = 4,
    ) -> None:
        super().__init__()
        if model not in QM9_MODELS:
            raise ValueError(f"model must be one of {', '.join(QM9_MODELS)}, got {model!r}")
        G = O3()
        s0, v1, t2 = trivial(G), irrep(G, (1, -1)), irrep(G, (2, 1))
        hidden = [s0] * scalars + [v1] * vectors + [t2] * tensors
        gated = [s0] * (scalars + vectors + tensors) + [v1] * vectors + [t2] * tensors
        self.model = model
        edge_dim = BOND_CLASSES if model in ("implicit_bond", "implicit_atom") else 0
        node_dim = len(ELEMENTS) if model == "implicit_atom" else 0
        self.convs = nn.ModuleList()
        self.gates = nn.ModuleList()
        reps_in = hidden
        self.embed = nn.Linear(len(ELEMENTS), scalars)
        self.dim = sum(r.dim for r in hidden)
        for _ in range(layers):
            if model == "analytic":
                conv = AnalyticPointConv(G, reps_in, gated, radius=cutoff, rings=rings)
            elif model == "mlp":
                d_in, d_out = sum(r.dim for r in reps_in), sum(r.dim for r in gated)
                conv = ImplicitPointConv(G, reps_in, gated, radius=cutoff, kernel=MLPKernel(3, d_in, d_out))
            else:
                conv = ImplicitPointConv(
                    G, reps_in, gated, edge_dim=edge_dim, node_dim=node_dim, radius=cutoff, channels=channels
                )
            self.convs.append(conv)
            self.gates.append(Gate(scalars, [3] * vectors + [5] * tensors))
        self.scalars = scalars
        self.head = nn.Sequential(nn.Linear(scalars, 32), nn.SiLU(), nn.Linear(32, 1))
        self.edge_dim, self.node_dim = edge_dim, node_dim

    def forward(
        self,
        x: torch.Tensor,
        pos: torch.Tensor,
        edge_index: torch.Tensor,
        bonds: torch.Tensor,
        batch: torch.Tensor,
        n_graphs: int,
    ) -> torch.Tensor:
        h = torch.cat([self.embed(x), x.new_zeros(len(x), self.dim - self.scalars)], 1)
        ea = bonds if self.edge_dim else None
        na = x if self.node_dim else None
        for conv, gate in zip(self.convs, self.gates, strict=True):
            h = h + gate(conv(h, pos, edge_index, ea, na))
        inv = torch.zeros(n_graphs, self.scalars, dtype=h.dtype).index_add_(0, batch, h[:, : self.scalars])
        return self.head(inv).squeeze(1)


class MNISTNet(nn.Module):
    """C8-equivariant CNN: three steerable convolutions (``implicit``: :class:`ImplicitR2Conv`; ``analytic``:
    e2cnn-core's ``R2Conv``; ``analytic_wide``: ``R2Conv`` with ``wide`` times the fields) on regular fields with
    ReLU and pooling, group max pooling, a linear classifier."""

    def __init__(
        self,
        model: str,
        widths: tuple[int, int, int] = (4, 8, 8),
        n: int = 8,
        channels: int = 2,
        layers: int = 1,
        sigma: float = 0.5,
        radial: int = 4,
        wide: float = 1.75,
    ) -> None:
        super().__init__()
        if model not in MNIST_MODELS:
            raise ValueError(f"model must be one of {', '.join(MNIST_MODELS)}, got {model!r}")
        if model == "analytic_wide":  # R2Conv widened to about the implicit network's parameter count
            widths = tuple(round(w * wide) for w in widths)
        gs = rot2d(n)
        G = gs.group
        types = [FieldType(gs, [trivial(G)])] + [FieldType(gs, [regular(G)] * w) for w in widths]
        self.convs = nn.ModuleList()
        for a, b, k in zip(types[:-1], types[1:], (7, 5, 5), strict=True):
            if model == "implicit":
                self.convs.append(
                    ImplicitR2Conv(
                        a, b, k, padding=k // 2, channels=channels, layers=layers, sigma=sigma, radial=radial
                    )
                )
            else:
                self.convs.append(R2Conv(a, b, k, padding=k // 2))
        self.n, self.width = n, widths[-1]
        self.fc = nn.Linear(widths[-1], 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if i < 2:
                x = F.max_pool2d(x, 2)
        x = x.amax(dim=(2, 3)).reshape(x.shape[0], self.width, self.n).amax(2)  # spatial and group max pooling
        return self.fc(x)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
