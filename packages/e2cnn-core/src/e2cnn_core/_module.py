"""Base class of every equivariant module: declared input/output field types and ``export()``."""

from __future__ import annotations

from abc import abstractmethod

import torch
from torch import nn

from ._field_type import FieldType


class EquivariantModule(nn.Module):
    """A module mapping features of ``in_type`` to features of ``out_type`` equivariantly.

    Subclasses set ``self.in_type`` and ``self.out_type`` in ``__init__``, implement ``forward`` on plain
    tensors ``(B, in_type.size, H, W)`` and ``export()``, which returns plain torch modules computing the same
    function in eval mode (no equi-groups or e2cnn-core objects inside).
    """

    in_type: FieldType
    out_type: FieldType

    @abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor: ...

    @abstractmethod
    def export(self) -> nn.Module:
        """Plain torch module equal to this one in eval mode."""

    def extra_repr(self) -> str:
        return f"in={self.in_type}, out={self.out_type}"
