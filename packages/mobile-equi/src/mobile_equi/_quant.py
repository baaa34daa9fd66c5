"""Simulated int8 inference with per-tensor, per-channel or per-field scales: how quantisation keeps or breaks
the symmetry of an equivariant network.

A regular field of ``G`` is ``|G|`` channels that ``G`` permutes. Quantising with one scale per *channel*
(the usual per-channel scheme) rounds the channels of a field on different grids, so permuting them (rotating
the input) changes the rounded values: the exact invariance of the float network is lost. One scale per
*field* (shared by its ``|G|`` channels) commutes with the permutations, and symmetric rounding (zero point 0,
``round(x / s)``, clamped to [-127, 127]) is applied channel by channel, so the quantised network is exactly
as invariant as the float one. This module simulates int8 (``q = clamp(round(x / s)) * s``) on the
batch-norm-folded network: weights per output channel / per output field / per tensor, activations after
every convolution and residual sum calibrated on a representative set.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._keras import _leaves, fold_bn
from ._plain import FieldMax, InvertedResidual, PlainMobileNet

SCHEMES: tuple[str, ...] = ("per_tensor", "per_channel", "per_field")


def _scale(absmax: torch.Tensor, scheme: str, d: int) -> torch.Tensor:
    """Scales ``(C,)`` from per-channel max magnitudes ``(C,)``."""
    a = absmax.clone()
    if scheme == "per_tensor":
        a = a.max().expand_as(a).clone()
    elif scheme == "per_field" and d > 1 and len(a) % d == 0:
        a = a.view(-1, d).amax(1, keepdim=True).expand(-1, d).reshape(-1)
    return torch.clamp(a, min=1e-8) / 127.0


def _fq(x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    shape = (1, -1) + (1,) * (x.dim() - 2)
    s = s.view(shape)
    return torch.clamp(torch.round(x / s), -127, 127) * s


class SimulatedInt8(nn.Module):
    """A :class:`PlainMobileNet` (exported) simulated in symmetric int8 with the given scale sharing.

    Args:
        model: the float model (eval mode): ``EquivariantMobileNetV2(...).export()`` or ``mobilenet_v2(...)``.
        calibration: ``(N, C, H, W)`` images for the activation ranges.
        scheme: ``per_tensor``, ``per_channel`` or ``per_field`` (weights and activations).
        field: channels per field (``|G|``; the image's trivial fields and ``1`` give per-channel).

    Shapes:
        ``x: (B, C, H, W) -> (B, n_classes)``.
    """

    def __init__(self, model: PlainMobileNet, calibration: torch.Tensor, scheme: str, field: int) -> None:
        super().__init__()
        if scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
        self.scheme, self.field = scheme, field
        self.ops = self._compile(_leaves(model.features))
        self.pool_d = model.pool.d if isinstance(model.pool, FieldMax) else None
        lin = [m for m in _leaves(model.classifier) if isinstance(m, nn.Linear)][0]
        self.lin_w = self._qw(lin.weight.detach().double(), field=1)
        self.lin_b = lin.bias.detach().double()
        self._ranges: dict[int, torch.Tensor] = {}
        self._scales: dict[int, torch.Tensor] = {}
        self._calibrating = True
        with torch.no_grad():
            self(calibration)
        self._calibrating = False
        self._scales = {k: _scale(v, scheme, field if k > 0 else 1) for k, v in self._ranges.items()}

    def _qw(self, w: torch.Tensor, field: int) -> torch.Tensor:
        absmax = w.abs().reshape(w.shape[0], -1).amax(1)
        s = _scale(absmax, self.scheme, field).view(-1, *([1] * (w.dim() - 1)))
        return torch.clamp(torch.round(w / s), -127, 127) * s

    def _compile(self, mods: list[nn.Module]) -> list[Any]:
        ops: list[Any] = []
        i = 0
        while i < len(mods):
            m = mods[i]
            if isinstance(m, nn.Conv2d):
                if i + 1 < len(mods) and isinstance(mods[i + 1], nn.BatchNorm2d):
                    w, b = fold_bn(m, mods[i + 1])
                    i += 1
                else:
                    w = m.weight.detach().double().numpy()
                    b = np.zeros(m.out_channels) if m.bias is None else m.bias.detach().double().numpy()
                wt = torch.from_numpy(w)
                ops.append(("conv", self._qw(wt, self.field), torch.from_numpy(b), m.stride, m.padding, m.groups))
            elif isinstance(m, nn.ReLU6):
                ops.append(("relu6",))
            elif isinstance(m, InvertedResidual):
                ops.append(("res", self._compile(_leaves(m.conv)), m.use_res))
            else:
                raise ValueError(f"cannot simulate {type(m).__name__}")
            i += 1
        return ops

    def _act(self, x: torch.Tensor, key: int) -> torch.Tensor:
        if self._calibrating:
            r = x.abs().transpose(0, 1).reshape(x.shape[1], -1).amax(1)
            self._ranges[key] = torch.maximum(self._ranges[key], r) if key in self._ranges else r
            return x
        return _fq(x, self._scales[key])

    def _run(self, ops: list[Any], x: torch.Tensor, counter: list[int]) -> torch.Tensor:
        for j, op in enumerate(ops):
            if op[0] == "conv":
                _, w, b, stride, pad, groups = op
                x = F.conv2d(x, w, b, stride, pad, 1, groups)
                if not (j + 1 < len(ops) and ops[j + 1][0] == "relu6"):
                    counter[0] += 1
                    x = self._act(x, counter[0])
            elif op[0] == "relu6":
                counter[0] += 1
                x = self._act(torch.clamp(x, 0, 6), counter[0])
            else:
                y = self._run(op[1], x, counter)
                if op[2]:
                    counter[0] += 1
                    x = self._act(x + y, counter[0])
                else:
                    x = y
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self._act(x.double(), 0)
        x = self._run(self.ops, x, [0]).mean(dim=(2, 3))
        if self.pool_d is not None:
            x = x.unflatten(1, (-1, self.pool_d)).amax(2)
        return (x @ self.lin_w.T + self.lin_b).float()
