"""Dropout for steerable feature fields: whole fields (any type) or single channels (permutation fields)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._field_type import FieldType
from ._fields import channel_fields, require_permutation
from ._module import EquivariantModule


class FieldDropout(EquivariantModule):
    """Drops whole fields: in training each field of each sample is zeroed with probability ``p`` (all its
    channels and pixels together) and the rest scaled by ``1 / (1 - p)``; identity in eval mode.

    A field's mask is invariant, so ``mask * rho(g) v = rho(g) (mask * v)``: equivariant for any field type, in
    distribution. One Bernoulli draw per (sample, field), expanded to channels by a precomputed index.

    Args:
        in_type: any field type.
        p: drop probability in ``[0, 1)``.
        inplace: accepted for API compatibility (never in place).

    Shapes:
        ``x: (B, C, *S) -> (B, C, *S)``.
    """

    def __init__(self, in_type: FieldType, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.in_type = self.out_type = in_type
        self.p = p
        self.register_buffer("field_of_channel", channel_fields(in_type), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.in_type.check(x)
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty(x.shape[0], len(self.in_type.reps), device=x.device, dtype=x.dtype).bernoulli_(
            1 - self.p
        )
        mask = keep.index_select(1, self.field_of_channel) / (1 - self.p)
        return x * mask.view(*mask.shape, *([1] * (x.dim() - 2)))

    def export(self) -> nn.Module:
        return nn.Identity()


class PointwiseDropout(EquivariantModule):
    """Channel-wise dropout (``F.dropout``) on permutation fields (a permuted mask has the same distribution).

    Args:
        in_type: regular, quotient or trivial fields (others raise ``ValueError``).
        p: drop probability in ``[0, 1)``.
        inplace: compute in place.

    Shapes:
        ``x: (B, C, *S) -> (B, C, *S)``.
    """

    def __init__(self, in_type: FieldType, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        require_permutation(in_type, type(self).__name__)
        self.in_type = self.out_type = in_type
        self.p = p
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(self.in_type.check(x), self.p, self.training, self.inplace)

    def export(self) -> nn.Module:
        return nn.Dropout(self.p, self.inplace)
