"""A small graph-signal type for permutation-equivariance tests with ``equi_groups.testing``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from equi_groups import GroupElement, SymmetricGroup

from ._sheaf import Sheaf


@dataclass(frozen=True)
class GraphSignalType:
    """Node-indexed data under relabelling of the nodes by ``S_n``.

    A permutation ``g`` with index array ``p`` (``equi_groups.SymmetricGroup.permutation``) sends node ``i``
    to
    node ``p[i]``. :meth:`transform` acts on

    - a floating tensor or array with the node axis first: ``x'[p[i]] = x[i]``;
    - an integer tensor of shape ``(2, E)`` (an ``edge_index``): ids relabelled, ``e' = p[e]``;
    - a :class:`Sheaf`: its edges relabelled (:meth:`Sheaf.permute`);
    - a tuple or list of these: element-wise (e.g. ``(x, edge_index, sheaf)``).

    Args:
        num_nodes: n.

    Examples:
        >>> import torch
        >>> T = GraphSignalType(3)
        >>> g = T.group.element((1, 2, 0))
        >>> T.transform(torch.tensor([[0.0], [1.0], [2.0]]), g).flatten().tolist()
        [2.0, 0.0, 1.0]
    """

    num_nodes: int

    @property
    def group(self) -> SymmetricGroup:
        return SymmetricGroup(self.num_nodes)

    def transform(self, x: Any, g: GroupElement) -> Any:
        p = torch.as_tensor(self.group.permutation(g), dtype=torch.long)
        return self._apply(x, p)

    def _apply(self, x: Any, p: torch.Tensor) -> Any:
        if isinstance(x, tuple | list):
            return type(x)(self._apply(a, p) for a in x)
        if isinstance(x, Sheaf):
            return x.permute(p)
        if isinstance(x, np.ndarray):
            return self._apply(torch.as_tensor(x), p).numpy()
        if isinstance(x, torch.Tensor):
            if not x.is_floating_point():
                if x.ndim != 2 or x.shape[0] != 2:
                    raise ValueError(
                        f"integer data must be an edge_index of shape (2, E), got {tuple(x.shape)}"
                    )
                return p[x]
            if x.shape[0] != self.num_nodes:
                raise ValueError(f"node axis has length {x.shape[0]}, expected {self.num_nodes}")
            out = torch.empty_like(x)
            out[p] = x
            return out
        if x is None:
            return None
        raise TypeError(f"cannot permute {type(x).__name__}; expected tensor, edge_index, Sheaf or tuple")
