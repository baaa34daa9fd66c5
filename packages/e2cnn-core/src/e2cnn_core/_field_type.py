"""Field types: a gspace plus a list of representations, one per field; channels are the fields' dims in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from equi_groups import GroupElement, PlanarGroup, Representation, direct_sum

from ._gspace import GSpace2D


@dataclass(frozen=True)
class FieldType:
    """A feature space: ``gspace`` and one representation per field (``reps``); tensors are ``(B, size, H, W)``.

    ``g`` acts on a feature map by moving pixels (``gspace.transform_grid``) and mixing each field's channels
    by its representation: ``[g x](p) = rho(g) x(g^-1 p)``.

    Examples:
        >>> from e2cnn_core import FieldType, rot2d
        >>> from equi_groups import regular
        >>> gs = rot2d(4)
        >>> t = FieldType(gs, [regular(gs.group)] * 3)
        >>> t.size
        12
    """

    gspace: GSpace2D
    reps: tuple[Representation, ...]

    def __init__(self, gspace: GSpace2D, reps: Sequence[Representation]) -> None:
        reps = tuple(reps)
        if not reps:
            raise ValueError("a field type needs at least one representation")
        for r in reps:
            if r.group != gspace.group:
                raise ValueError(f"representation {r} is not of the gspace's group {gspace.group}")
        object.__setattr__(self, "gspace", gspace)
        object.__setattr__(self, "reps", reps)

    def __str__(self) -> str:
        return f"FieldType({self.gspace}, {len(self.reps)} fields, {self.size} channels)"

    @property
    def group(self) -> PlanarGroup:
        return self.gspace.group

    @property
    def size(self) -> int:
        return sum(r.dim for r in self.reps)

    def __len__(self) -> int:
        return len(self.reps)

    @property
    def representation(self) -> Representation:
        """The direct sum of all fields' representations."""
        return direct_sum(*self.reps)

    def __add__(self, other: FieldType) -> FieldType:
        if other.gspace != self.gspace:
            raise ValueError(f"cannot concatenate field types of {self.gspace} and {other.gspace}")
        return FieldType(self.gspace, self.reps + other.reps)

    def field_slices(self) -> list[slice]:
        out, i = [], 0
        for r in self.reps:
            out.append(slice(i, i + r.dim))
            i += r.dim
        return out

    def fiber_matrix(self, g: GroupElement) -> np.ndarray:
        """The ``(size, size)`` block-diagonal matrix of ``g`` on the channels."""
        return self.representation(g)

    def check(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``x`` if it is ``(B, size, ...)``; else raise a ``ValueError`` naming both channel counts."""
        if x.dim() < 2 or x.shape[1] != self.size:
            got = x.shape[1] if x.dim() >= 2 else "no"
            raise ValueError(f"field type has {self.size} channels, input has {got} (shape {tuple(x.shape)})")
        return x

    def transform_fibers(self, x: torch.Tensor, g: GroupElement) -> torch.Tensor:
        """Apply ``rho(g)`` on the channel axis only."""
        m = torch.as_tensor(self.fiber_matrix(g), dtype=x.dtype, device=x.device)
        return torch.einsum("ij,bj...->bi...", m, self.check(x))

    def transform(self, x: torch.Tensor, g: GroupElement) -> torch.Tensor:
        """``[g x](p) = rho(g) x(g^-1 p)`` for ``x: (B, size, H, W)`` (or ``(B, size)`` without a grid)."""
        y = self.transform_fibers(x, g)
        return self.gspace.transform_grid(y, g) if x.dim() == 4 else y

    def random_input(
        self, batch: int = 2, size: int = 17, seed: int = 0, dtype: torch.dtype = torch.float32
    ) -> torch.Tensor:
        """A seeded standard normal tensor ``(batch, self.size, size, size)``."""
        gen = torch.Generator().manual_seed(seed)
        return torch.randn(batch, self.size, size, size, generator=gen, dtype=dtype)

    def restrict(self, subgroup: PlanarGroup) -> FieldType:
        """The same channels seen as fields of a subgroup (each field's representation restricted)."""
        return FieldType(self.gspace.restrict(subgroup), [r.restrict(subgroup) for r in self.reps])
