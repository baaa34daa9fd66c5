"""Group actions on lattice data, as types for :func:`equi_groups.testing.assert_equivariant`."""

from __future__ import annotations

from typing import Any

import torch
from equi_groups import GroupElement, HyperoctahedralGroup, OrthogonalGroup


def _matrix(group: Any, g: GroupElement, like: Any) -> Any:
    m = group.standard_matrix(g)
    if isinstance(like, torch.Tensor):
        return torch.as_tensor(m, dtype=like.dtype if like.is_floating_point() else torch.float64)
    return m


class BasisRows:
    """A basis (rows are vectors, ``(..., n, n)``) under B_n: ``B -> M B`` (signed permutation of vectors)."""

    def __init__(self, n: int) -> None:
        self.group = HyperoctahedralGroup(n)

    def transform(self, x: Any, g: GroupElement) -> Any:
        return _matrix(self.group, g, x) @ x


class Conjugation:
    """A matrix indexed by basis vectors on both sides (U, Gram) under B_n: ``U -> M U M^T``."""

    def __init__(self, n: int) -> None:
        self.group = HyperoctahedralGroup(n)

    def transform(self, x: Any, g: GroupElement) -> Any:
        m = _matrix(self.group, g, x)
        return m @ x.to(m.dtype) @ m.T if isinstance(x, torch.Tensor) else m @ x @ m.T


class AmbientRotation:
    """A basis under O(n) acting on the ambient space: ``B -> B R^T`` (each ``b_i -> R b_i``)."""

    def __init__(self, n: int) -> None:
        self.group = OrthogonalGroup(n)

    def transform(self, x: Any, g: GroupElement) -> Any:
        return x @ _matrix(self.group, g, x).T


class Invariant:
    """Any value, acted on trivially (for invariance checks) by ``group``."""

    def __init__(self, group: Any) -> None:
        self.group = group

    def transform(self, x: Any, g: GroupElement) -> Any:
        return x


__all__ = ["AmbientRotation", "BasisRows", "Conjugation", "Invariant"]
