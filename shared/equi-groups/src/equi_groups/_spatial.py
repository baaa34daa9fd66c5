"""Subgroups of O(3): the common interface of SO(3), O(3), the axial (cylinder) groups and the polyhedral groups.

Every element ``g`` has an O(3) image ``(i, R)``: an inversion bit ``i`` and a rotation matrix ``R``; it acts on
R^3 as ``(-1)^i R`` (:meth:`SpatialGroup.standard_matrix`). Subgroup relations, inclusions and restrictions of
representations are read off these images, as the planar groups do through O(2).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from ._group import Group, GroupElement


def rotation_about(axis: Any, t: float) -> np.ndarray:
    """The 3x3 rotation by angle ``t`` (radians, right hand) about ``axis`` (any non-zero 3-vector)."""
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    k = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
    return np.eye(3) + np.sin(t) * k + (1.0 - np.cos(t)) * (k @ k)


def split_o3_matrix(m: Any) -> tuple[int, np.ndarray]:
    """An orthogonal 3x3 matrix as ``(i, R)`` with ``m = (-1)^i R``; ``ValueError`` naming it if not orthogonal."""
    a = np.asarray(m, dtype=float)
    if a.shape != (3, 3) or not np.all(np.isfinite(a)):
        raise ValueError(f"expected a 3x3 orthogonal matrix, got shape {a.shape}: {a.tolist()}")
    err = float(np.abs(a @ a.T - np.eye(3)).max())
    if err > 1e-6:
        raise ValueError(f"matrix is not orthogonal (|M M^T - I| = {err:.2e}): {a.tolist()}")
    i = int(np.linalg.det(a) < 0)
    return i, (-a if i else a)


class SpatialGroup(Group):
    """A subgroup of O(3) acting on R^3 through its O(3) image ``(i, R) -> (-1)^i R``."""

    @abstractmethod
    def to_o3(self, g: GroupElement) -> tuple[int, np.ndarray]:
        """The O(3) image ``(i, R)`` of ``g``: inversion bit and 3x3 rotation matrix."""

    @abstractmethod
    def from_o3(self, i: int, r: np.ndarray) -> GroupElement:
        """The element with O(3) image ``(i, r)``; ``ValueError`` naming it if it is not in this group."""

    def from_matrix(self, m: Any) -> GroupElement:
        """The element acting on R^3 by the orthogonal matrix ``m`` (``ValueError`` if not orthogonal or absent)."""
        return self.from_o3(*split_o3_matrix(m))

    def standard_matrix(self, g: GroupElement) -> np.ndarray:
        i, r = self.to_o3(self.check(g))
        return -r if i else r

    def act(self, g: GroupElement, points: Any) -> Any:
        """Points ``(..., 3)`` (numpy or torch) moved by ``g``: ``x -> (-1)^i R x``."""
        m = self.standard_matrix(g)
        if type(points).__module__.startswith("torch"):
            import torch

            return points @ torch.as_tensor(m.T, dtype=points.dtype, device=points.device)
        return np.asarray(points) @ m.T

    def axis_rotation(self, t: float) -> GroupElement:
        """The rotation by ``t`` about the z axis (continuous groups: it fixes the band limit of a rep)."""
        raise ValueError(f"{self} has no continuous rotations about the z axis")

    def is_subgroup_of(self, other: Group) -> bool:
        """Whether this group's O(3) image lies in ``other``'s (checked on generators)."""
        if not isinstance(other, SpatialGroup):
            return False
        try:
            for g in self.generators():
                other.from_o3(*self.to_o3(g))
        except ValueError:
            return False
        return True

    def inclusion(self, other: SpatialGroup, g: GroupElement) -> GroupElement:
        """Map ``g`` to the same transformation as an element of the supergroup ``other``."""
        return other.from_o3(*self.to_o3(self.check(g)))

    def irrep_matrices(self, irrep: Any, elements: list[GroupElement]) -> np.ndarray:
        """``(n, d, d)`` matrices of ``irrep`` at ``elements`` (vectorised where the group can)."""
        return np.stack([self.irrep_matrix(irrep, g) for g in elements])
