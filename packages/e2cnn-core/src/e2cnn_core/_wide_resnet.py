"""The equivariant wide ResNet of Weiler & Cesa (2019, Sec. 3.3), a drop-in for CIFAR-10/100 and STL-10."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from equi_groups import CyclicGroup, DihedralGroup, PlanarGroup, regular, trivial
from torch import nn

from ._architecture import n_fields
from ._batchnorm import InnerBatchNorm
from ._containers import SequentialModule
from ._field_type import FieldType
from ._group_pooling import GroupPooling
from ._gspace import GSpace2D
from ._module import EquivariantModule
from ._pointwise import ReLU
from ._r2conv import R2Conv
from ._restriction import RestrictionModule
from ._zoo import plain_classifier


class _PlainResidual(nn.Module):
    def __init__(self, body: nn.Module, shortcut: nn.Module) -> None:
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class ResidualBlock(EquivariantModule):
    """Pre-activation residual block on regular fields: ``x -> conv(relu(bn(conv(relu(bn(x)))))) + short(x)``.

    Zagoruyko & Komodakis, *Wide Residual Networks*, BMVC 2016, made equivariant as in Weiler & Cesa (2019):
    ``InnerBatchNorm``, pointwise ReLU, 3x3 ``R2Conv``; the shortcut is the identity, or a 1x1 ``R2Conv`` when
    the type or the stride changes. Sum of two equivariant maps of the same type: equivariant.

    Args:
        in_type: regular (or any permutation) fields.
        out_type: regular fields of the same group.
        stride: of the first convolution and of the shortcut.
        dropout: probability of the plain dropout between the convolutions (0 disables it).

    Shapes:
        ``x: (B, in_type.size, H, W) -> (B, out_type.size, H', W')`` with ``H' = (H - 1) // stride + 1``.
    """

    def __init__(
        self, in_type: FieldType, out_type: FieldType, stride: int = 1, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.in_type, self.out_type = in_type, out_type
        layers: list[nn.Module] = [
            InnerBatchNorm(in_type),
            ReLU(in_type, inplace=False),
            R2Conv(in_type, out_type, 3, padding=1, stride=stride, bias=False),
            InnerBatchNorm(out_type),
            ReLU(out_type, inplace=True),
        ]
        self.dropout = (
            nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        )  # channel-wise: commutes with perms
        self.pre = SequentialModule(*layers)
        self.conv2 = R2Conv(out_type, out_type, 3, padding=1, bias=False)
        self.shortcut = (
            R2Conv(in_type, out_type, 1, stride=stride, bias=False)
            if stride != 1 or in_type != out_type
            else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.in_type.check(x)
        y = self.conv2(self.dropout(self.pre(x)))
        return y + (self.shortcut(x) if self.shortcut is not None else x)

    def export(self) -> nn.Module:
        body = nn.Sequential(self.pre.export(), copy.deepcopy(self.dropout), self.conv2.export())
        return _PlainResidual(body, self.shortcut.export() if self.shortcut is not None else nn.Identity())


def _group(n: int, flip: bool) -> PlanarGroup:
    return DihedralGroup(n) if flip else CyclicGroup(n)


class WideResNet(EquivariantModule):
    """Equivariant wide ResNet WRN-``depth``-``widen`` (Weiler & Cesa 2019, Sec. 3.3; Zagoruyko & Komodakis).

    A 3x3 lifting convolution, three stages of ``(depth - 4) / 6`` residual blocks with ``16k, 32k, 64k``
    conventional channels (``round(c / sqrt(|G|))`` regular fields, ``k = widen``, strides 1, 2, 2), a final
    batch norm + ReLU, group pooling, global average pooling and a linear classifier. ``groups`` gives the
    rotation order per stage: ``(8, 4, 1)`` with ``flip=True`` is the paper's D8D4D1 model (restricted to D4
    at stage 2 and to the flips D1 at stage 3); each restriction must go to a subgroup.

    Args:
        depth: ``6 n + 4``.
        widen: the widening factor ``k``.
        groups: rotation order ``N`` per stage (non-increasing, each dividing the previous).
        flip: dihedral groups (with reflections) instead of cyclic.
        n_classes: number of logits.
        in_channels: trivial input channels (3 for RGB).
        dropout: dropout between the two convolutions of a block.
        base: conventional channels of the first stage before widening (16 in the paper).

    Shapes:
        ``x: (B, in_channels, H, W) -> (B, n_classes)``; odd ``H, W`` keep stride-2 sampling symmetric (exact
        equivariance on the grid); CIFAR's 32x32 works and is equivariant up to the sampling offset.
    """

    def __init__(
        self,
        depth: int = 28,
        widen: int = 10,
        groups: Sequence[int] = (8, 4, 1),
        flip: bool = True,
        n_classes: int = 10,
        in_channels: int = 3,
        dropout: float = 0.0,
        base: int = 16,
    ) -> None:
        super().__init__()
        if (depth - 4) % 6 or depth < 10:
            raise ValueError(f"depth must be 6 n + 4 with n >= 1, got {depth}")
        if len(groups) != 3:
            raise ValueError(f"groups gives one rotation order per stage (3), got {tuple(groups)}")
        n_blocks = (depth - 4) // 6
        gspace = GSpace2D(_group(groups[0], flip))
        self.in_type = FieldType(gspace, [trivial(gspace.group)] * in_channels)
        t = FieldType(gspace, [regular(gspace.group)] * n_fields(base, gspace.group.order(), 1.0))
        modules: list[EquivariantModule] = [R2Conv(self.in_type, t, 3, padding=1, bias=False)]
        for stage, (n, c) in enumerate(
            zip(groups, (base * widen, 2 * base * widen, 4 * base * widen), strict=True)
        ):
            group = _group(n, flip)
            if group != gspace.group:
                restrict = RestrictionModule(t, group)
                modules.append(restrict)
                t, gspace = restrict.out_type, GSpace2D(group)
            out = FieldType(gspace, [regular(group)] * n_fields(c, group.order(), 1.0))
            for b in range(n_blocks):
                stride = 2 if stage > 0 and b == 0 else 1
                modules.append(ResidualBlock(t, out, stride=stride, dropout=dropout))
                t = out
        modules += [InnerBatchNorm(t), ReLU(t, inplace=True), GroupPooling(t)]
        self.features = SequentialModule(*modules)
        self.classifier = nn.Linear(self.features.out_type.size, n_classes)
        self.in_type = FieldType(gspace, [trivial(gspace.group)] * in_channels)
        self.out_type = FieldType(gspace, [trivial(gspace.group)] * n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(self.in_type.check(x)).mean(dim=(-2, -1)))

    def export(self) -> nn.Module:
        return plain_classifier(self.features.export(), nn.Sequential(self.classifier))
