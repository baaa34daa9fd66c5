"""Feature types for ``equi_groups.testing.assert_equivariant`` on fibres and point clouds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from equi_groups import SO3, Group, GroupElement

from ._space import FourierSpace

__all__ = ["FiberType", "PointCloudType", "point_matrix"]


def point_matrix(group: Group, g: GroupElement) -> np.ndarray:
    """The matrix of ``g`` acting on points: ``3 x 3`` for SO(3), ``2 x 2`` for SO(2)/O(2)."""
    if isinstance(group, SO3):
        return np.asarray(group.to_o3(g)[1], dtype=float)
    return np.asarray(group.standard_matrix(g), dtype=float)


def _fiber(space: FourierSpace, channels: int, x: torch.Tensor, g: GroupElement) -> torch.Tensor:
    f = space.dim
    if x.dim() < 2 or x.shape[1] != channels * f:
        raise ValueError(f"expected {channels * f} channels, got shape {tuple(x.shape)}")
    m = torch.as_tensor(space.rep(g), dtype=x.dtype, device=x.device)
    v = x.reshape(x.shape[0], channels, f, *x.shape[2:])
    return torch.einsum("ij,bcj...->bci...", m, v).reshape(x.shape)


@dataclass(frozen=True)
class FiberType:
    """``channels`` fields of ``space`` on the channel axis of ``(B, channels * F, *S)``; ``g`` acts by
    ``rho(g)`` on every field and not on ``S`` (the type of pointwise layers)."""

    space: FourierSpace
    channels: int

    @property
    def group(self) -> Group:
        return self.space.group

    @property
    def size(self) -> int:
        return self.channels * self.space.dim

    def transform(self, x: torch.Tensor, g: GroupElement) -> torch.Tensor:
        return _fiber(self.space, self.channels, x, g)


@dataclass(frozen=True)
class PointCloudType:
    """A point cloud ``(pos (B, P, n), feats (B, channels * F, P))``: ``g`` rotates the positions and acts by
    ``rho(g)`` on every field. ``channels = 0``: positions only (``x`` is the tensor ``pos``); a ``space`` with
    ``channels = 0`` and ``invariant=True`` types an invariant output ``(B, K)``."""

    space: FourierSpace
    channels: int = 0
    invariant: bool = False

    @property
    def group(self) -> Group:
        return self.space.group

    def transform(self, x: object, g: GroupElement) -> object:
        if self.invariant:
            return x
        r = torch.as_tensor(point_matrix(self.group, g))
        if self.channels == 0:
            pos = x
            return pos @ r.to(pos.dtype).T
        pos, feats = x
        return pos @ r.to(pos.dtype).T, _fiber(self.space, self.channels, feats, g)
