"""Point convolution with an implicit kernel, as a torch-geometric ``MessagePassing`` layer (2D and 3D)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from equi_groups import Group, GroupElement, Representation, direct_sum, standard
from torch import nn
from torch_geometric.nn import MessagePassing

from ._irreps import trivial_id
from ._kernel import ImplicitKernel


@dataclass(frozen=True)
class PointType:
    """The type of point-cloud features: ``group`` and one representation per field.

    ``transform(data, g)`` acts on a feature tensor ``(N, D)`` by ``rho(g)``, or on a tuple ``(x, pos, *rest)``
    by ``rho(g)`` on ``x`` and the standard representation on ``pos`` (``rest``: edge index and invariant
    attributes, unchanged): the input and output types :func:`equi_groups.testing.assert_equivariant` reads.
    """

    group: Group
    reps: tuple[Representation, ...]

    @property
    def size(self) -> int:
        return sum(r.dim for r in self.reps)

    @property
    def representation(self) -> Representation:
        return direct_sum(*self.reps)

    def transform(self, data: Any, g: GroupElement) -> Any:
        if isinstance(data, tuple):
            x, pos, *rest = data
            m = torch.as_tensor(self.group.standard_matrix(g), dtype=pos.dtype)
            return (self.transform(x, g), pos @ m.T, *rest)
        rho = torch.as_tensor(self.representation(g), dtype=data.dtype)
        return data @ rho.T


def check_graph(x: torch.Tensor, pos: torch.Tensor, edge_index: torch.Tensor, n: int, d_in: int) -> None:
    """One-line ``ValueError`` for a malformed graph (before any work)."""
    if pos.dim() != 2 or pos.shape[1] != n:
        raise ValueError(f"pos must be (N, {n}), got {tuple(pos.shape)}")
    if pos.shape[0] == 0:
        raise ValueError("the graph is empty (0 nodes)")
    if not torch.isfinite(pos).all():
        bad = int((~torch.isfinite(pos)).any(1).nonzero()[0])
        raise ValueError(f"pos has non-finite values (first at node {bad}: {pos[bad].tolist()})")
    if x.dim() != 2 or x.shape != (pos.shape[0], d_in):
        raise ValueError(f"x must be ({pos.shape[0]}, {d_in}) for {pos.shape[0]} nodes, got {tuple(x.shape)}")
    if edge_index.dim() != 2 or edge_index.shape[0] != 2 or edge_index.dtype not in (torch.long, torch.int):
        raise ValueError(
            f"edge_index must be an integer (2, E) tensor, got {edge_index.dtype} {tuple(edge_index.shape)}"
        )
    if edge_index.numel() and (int(edge_index.min()) < 0 or int(edge_index.max()) >= pos.shape[0]):
        raise ValueError(
            f"edge_index has node ids in [{int(edge_index.min())}, {int(edge_index.max())}], "
            f"expected [0, {pos.shape[0] - 1}]"
        )


class ImplicitPointConv(MessagePassing):
    """Steerable point convolution with an implicit kernel (Zhdanov, Hoffmann, Cesa 2023):
    ``y_i = b + sum_{j -> i} k((p_j - p_i) / radius, z_ij) x_j`` with ``k`` an :class:`ImplicitKernel` (any
    planar group in 2D, any subgroup of O(3) in 3D) and ``z_ij`` the invariant edge attributes followed by the
    node attributes of both ends. Equivariant to ``G`` and to translations (only differences of positions enter).

    Args:
        group: the symmetry group (``n = 2`` planar, ``n = 3`` spatial).
        in_reps, out_reps: one representation per input / output field.
        edge_dim, node_dim: invariant edge and node attribute sizes (0: none).
        radius: length scale dividing the relative positions (e.g. the radius-graph cutoff).
        aggr: torch-geometric aggregation (``"add"``, ``"mean"``).
        bias: a bias on the output's trivial irreps.
        kernel: ``"implicit"`` (default) or a ready kernel module ``(P, n), (P, a) -> (P, D_out, D_in)`` (the
            analytic or MLP kernels of the comparison).
        **kernel_args: passed to :class:`ImplicitKernel` (``channels``, ``layers``, ``order``, ``sigma``).

    Shapes:
        ``x: (N, D_in)``, ``pos: (N, n)``, ``edge_index: (2, E)`` (source, target), ``edge_attr: (E, edge_dim)``,
        ``node_attr: (N, node_dim)`` -> ``(N, D_out)``.

    Examples:
        >>> import torch
        >>> from equi_groups import O3, standard, trivial
        >>> G = O3()
        >>> conv = ImplicitPointConv(G, [trivial(G)], [standard(G), trivial(G)])
        >>> pos = torch.randn(5, 3)
        >>> ei = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 0]])
        >>> conv(torch.randn(5, 1), pos, ei).shape
        torch.Size([5, 4])
    """

    def __init__(
        self,
        group: Group,
        in_reps: Sequence[Representation],
        out_reps: Sequence[Representation],
        edge_dim: int = 0,
        node_dim: int = 0,
        radius: float = 1.0,
        aggr: str = "add",
        bias: bool = True,
        kernel: str | nn.Module = "implicit",
        **kernel_args: Any,
    ) -> None:
        super().__init__(aggr=aggr)
        self.in_type = PointType(group, tuple(in_reps))
        self.out_type = PointType(group, tuple(out_reps))
        self.group, self.n = group, standard(group).dim
        self.edge_dim, self.node_attr_dim, self.radius = edge_dim, node_dim, float(radius)
        if not self.radius > 0:
            raise ValueError(f"radius must be positive, got {radius}")
        attr_dim = edge_dim + 2 * node_dim
        if isinstance(kernel, str):
            if kernel != "implicit":
                raise ValueError(f"kernel must be 'implicit' or a kernel module, got {kernel!r}")
            kernel = ImplicitKernel(group, in_reps, out_reps, attr_dim=attr_dim, **kernel_args)
        self.kernel = kernel
        self.bias: nn.Parameter | None = None
        if bias:
            t = trivial_id(group)
            cols, start = [], 0
            for rep in out_reps:
                q, off = np.asarray(rep.change_of_basis), 0
                for psi in rep.irreps:
                    if psi == t:
                        col = np.zeros(self.out_type.size)
                        col[start : start + rep.dim] = q[:, off]
                        cols.append(col)
                    off += group.irrep_dim(psi)
                start += rep.dim
            if cols:
                self.register_buffer("bias_expansion", torch.as_tensor(np.stack(cols, 1), dtype=torch.float64))
                self.bias = nn.Parameter(torch.zeros(len(cols)))

    def forward(
        self,
        x: torch.Tensor,
        pos: torch.Tensor,
        edge_index: torch.Tensor,
        edge_attr: torch.Tensor | None = None,
        node_attr: torch.Tensor | None = None,
    ) -> torch.Tensor:
        check_graph(x, pos, edge_index, self.n, self.in_type.size)
        e = edge_index.shape[1]
        if self.edge_dim and (edge_attr is None or edge_attr.shape != (e, self.edge_dim)):
            got = None if edge_attr is None else tuple(edge_attr.shape)
            raise ValueError(f"edge_attr must be ({e}, {self.edge_dim}), got {got}")
        if self.node_attr_dim and (node_attr is None or node_attr.shape != (pos.shape[0], self.node_attr_dim)):
            got = None if node_attr is None else tuple(node_attr.shape)
            raise ValueError(f"node_attr must be ({pos.shape[0]}, {self.node_attr_dim}), got {got}")
        edge_index = edge_index.long()
        src, dst = edge_index
        rel = (pos[src] - pos[dst]) / self.radius
        attrs = []
        if self.edge_dim:
            attrs.append(edge_attr)
        if self.node_attr_dim:
            attrs += [node_attr[src], node_attr[dst]]
        z = torch.cat(attrs, 1).to(pos.dtype) if attrs else None
        k = self.kernel(rel, z) if e else x.new_zeros(0, self.out_type.size, self.in_type.size)
        out = self.propagate(edge_index, x=x, k=k, size=(pos.shape[0], pos.shape[0]))
        if self.bias is not None:
            out = out + (self.bias_expansion.to(self.bias.dtype) @ self.bias).to(out.dtype)
        return out

    def message(self, x_j: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        return torch.einsum("eoi,ei->eo", k.to(x_j.dtype), x_j)

    def extra_repr(self) -> str:
        return f"group={self.group}, in={self.in_type.size}, out={self.out_type.size}, radius={self.radius}"
