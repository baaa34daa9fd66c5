"""Containers of equivariant modules: a chain and parallel branches, both exporting to plain torch."""

from __future__ import annotations

import torch
from torch import nn

from ._field_type import FieldType
from ._module import EquivariantModule
from ._plain import Parallel


class SequentialModule(EquivariantModule):
    """Equivariant modules applied in order; each module's ``in_type`` must equal the previous ``out_type``.

    Args:
        *modules: equivariant modules (at least one).

    Shapes:
        ``x: (B, modules[0].in_type.size, H, W) -> (B, modules[-1].out_type.size, H', W')``.

    Examples:
        >>> from equi_groups import regular
        >>> from e2cnn_core import ELU, FieldType, InnerBatchNorm, rot2d
        >>> gs = rot2d(4)
        >>> t = FieldType(gs, [regular(gs.group)] * 2)
        >>> block = SequentialModule(InnerBatchNorm(t), ELU(t))
        >>> type(block.export()).__name__
        'Sequential'
    """

    def __init__(self, *modules: EquivariantModule) -> None:
        super().__init__()
        if not modules:
            raise ValueError("SequentialModule needs at least one module")
        for i, m in enumerate(modules):
            if not isinstance(m, EquivariantModule):
                raise TypeError(f"module {i} is a {type(m).__name__}, expected an EquivariantModule")
            if i and m.in_type != modules[i - 1].out_type:
                raise ValueError(
                    f"module {i} ({type(m).__name__}) expects in_type {m.in_type} but module {i - 1} "
                    f"({type(modules[i - 1]).__name__}) returns {modules[i - 1].out_type}"
                )
        self.layers = nn.ModuleList(modules)
        self.in_type = modules[0].in_type
        self.out_type = modules[-1].out_type

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> EquivariantModule:
        return self.layers[i]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self.layers:
            x = m(x)
        return x

    def export(self) -> nn.Module:
        return nn.Sequential(*(m.export() for m in self.layers)).eval()


class MultipleModule(EquivariantModule):
    """Parallel branches on the same input, outputs concatenated along channels.

    Every branch takes ``in_type``; ``out_type`` is the concatenation (``+``) of the branches' output types, in order.
    E.g. a block applying ELU to regular fields and a norm nonlinearity to irrep fields after a restriction of the
    channels, or several pooling scales side by side.

    Args:
        in_type: the input type of every branch.
        branches: equivariant modules (at least one), each with ``in_type`` equal to ``in_type``.

    Shapes:
        ``x: (B, in_type.size, H, W) -> (B, sum of branch out sizes, H', W')`` (branches must agree on H',
        W').
    """

    def __init__(self, in_type: FieldType, branches: list[EquivariantModule]) -> None:
        super().__init__()
        if not branches:
            raise ValueError("MultipleModule needs at least one branch")
        out = None
        for i, b in enumerate(branches):
            if b.in_type != in_type:
                raise ValueError(
                    f"branch {i} ({type(b).__name__}) expects in_type {b.in_type}, got {in_type}"
                )
            out = b.out_type if out is None else out + b.out_type
        self.in_type = in_type
        self.out_type = out
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.in_type.check(x)
        return torch.cat([b(x) for b in self.branches], 1)

    def export(self) -> nn.Module:
        return Parallel([b.export() for b in self.branches]).eval()
