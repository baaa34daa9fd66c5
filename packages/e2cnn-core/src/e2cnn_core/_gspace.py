"""The plane R^2 with a planar symmetry group acting on it (rotations and reflections of pixel grids).

Pixel convention: a tensor ``(..., H, W)`` samples a function at points ``(x, y) = (j - (W-1)/2, (H-1)/2 - i)``
(x to the right, y upward). An O(2) element ``(f, t)`` acts on points as ``R(t) F^f`` (``F`` reflects y) and on
functions by ``[g f](p) = f(g^-1 p)``. On the pixel grid this is exact for multiples of 90 degrees and the
reflections of a square grid (``torch.rot90``/``torch.flip``); other angles are resampled (bilinear), which is
approximate and only used to measure equivariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from equi_groups import O2, SO2, CyclicGroup, DihedralGroup, GroupElement, PlanarGroup


@dataclass(frozen=True)
class GSpace2D:
    """A planar group acting on R^2 (``group`` is C_N, D_N, SO(2) or O(2), any reflection axis).

    Examples:
        >>> str(rot2d(8).group), str(flip_rot2d(4, axis=0.0).group)
        ('C8', 'D4')
    """

    group: PlanarGroup

    def __post_init__(self) -> None:
        if not isinstance(self.group, PlanarGroup):
            raise ValueError(f"a 2D gspace needs a planar group (C_N, D_N, SO2, O2), got {self.group}")

    def __str__(self) -> str:
        return f"R2<{self.group}>"

    def matrix(self, g: GroupElement) -> torch.Tensor:
        """The 2x2 matrix of ``g`` acting on points (x right, y up), float64."""
        return torch.as_tensor(self.group.standard_matrix(g), dtype=torch.float64)

    def is_grid_exact(self, g: GroupElement) -> bool:
        """Whether ``g`` maps the square pixel grid onto itself (multiples of 90 degrees, axis-aligned flips)."""
        m = self.group.standard_matrix(g)
        return bool(abs(m - m.round()).max() < 1e-9)

    def transform_grid(self, x: torch.Tensor, g: GroupElement) -> torch.Tensor:
        """``[g x](p) = x(g^-1 p)`` on the last two (spatial) axes of ``x``."""
        m = self.group.standard_matrix(self.group.check(g))
        if abs(m - m.round()).max() < 1e-9:
            return _grid_exact(x, m.round().astype(int))
        return _resample(x, m)

    def restrict(self, subgroup: PlanarGroup) -> GSpace2D:
        if not subgroup.is_subgroup_of(self.group):
            raise ValueError(f"{subgroup} is not a subgroup of {self.group}")
        return GSpace2D(subgroup)


def _grid_exact(x: torch.Tensor, m: object) -> torch.Tensor:
    # m = R(q * 90deg) F^f with F = diag(1, -1); det tells f.
    det = m[0][0] * m[1][1] - m[0][1] * m[1][0]
    f = det < 0
    r = m if not f else [[m[0][0], -m[0][1]], [m[1][0], -m[1][1]]]  # R = m F
    q = {(1, 0): 0, (0, 1): 1, (-1, 0): 2, (0, -1): 3}[(r[0][0], r[1][0])]
    if f:
        x = torch.flip(x, dims=(-2,))  # y -> -y flips the rows
    return torch.rot90(x, q, dims=(-2, -1)) if q else x


def _resample(x: torch.Tensor, m: object) -> torch.Tensor:
    h, w = x.shape[-2:]
    lead = x.shape[:-2]
    flat = x.reshape(-1, 1, h, w) if x.dim() != 4 else x
    inv = torch.as_tensor(m, dtype=x.dtype, device=x.device).T  # g^-1 on points
    # affine_grid uses normalised (x right, y down) coordinates: conjugate by diag(1, -1)
    s = torch.tensor([[1.0, 0.0], [0.0, -1.0]], dtype=x.dtype, device=x.device)
    a = s @ inv @ s
    theta = torch.cat([a, torch.zeros(2, 1, dtype=x.dtype, device=x.device)], 1)
    theta = theta.unsqueeze(0).expand(flat.shape[0], 2, 3)
    grid = F.affine_grid(theta, list(flat.shape), align_corners=True)
    out = F.grid_sample(flat, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    return out.reshape(*lead, h, w)


def rot2d(N: int) -> GSpace2D:
    """Rotations: C_N for ``N >= 1``, SO(2) for ``N == -1``."""
    return GSpace2D(SO2() if N == -1 else CyclicGroup(N))


def flip_rot2d(N: int, axis: float | None = None) -> GSpace2D:
    """Rotations and reflections: D_N for ``N >= 1``, O(2) for ``N == -1``.

    Like escnn's ``flipRot2dOnR2``, the reflection of D_N is across the line at angle ``axis`` from the x axis,
    ``pi / 2`` (the vertical axis: a left-right mirror) by default. For odd ``N`` the axis picks a different
    group of matrices (D_3 with ``axis=0`` holds no left-right mirror); for even ``N`` the group is the same
    set of matrices, but which reflection is the generator ``(1, 0)`` (and so the labels of quotient
    representations and of the irreps ``(0, N/2)``, ``(1, N/2)``) depends on it. O(2) contains every
    reflection; its generator is the reflection of y (``axis`` must be ``None`` or 0 there), which leaves the
    irreps of O(2) unchanged up to isomorphism.

    Examples:
        >>> str(flip_rot2d(4).group), str(flip_rot2d(4, axis=0.0).group), str(flip_rot2d(-1).group)
        ('D4(axis=1.5707963267948966)', 'D4', 'O2')
    """
    if N == -1:
        if axis not in (None, 0.0):
            raise ValueError(f"O(2) contains every reflection: axis applies to D_N only, got axis={axis}")
        return GSpace2D(O2())
    return GSpace2D(DihedralGroup(N, math.pi / 2 if axis is None else axis))


def flip2d(axis: float = math.pi / 2) -> GSpace2D:
    """One reflection, across the line at angle ``axis`` (default vertical: left-right mirror)."""
    return GSpace2D(DihedralGroup(1, axis))


def trivial2d() -> GSpace2D:
    """No symmetry (a plain CNN)."""
    return GSpace2D(CyclicGroup(1))
