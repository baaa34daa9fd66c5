"""The models of the experiments: equivariant MobileNetV2s and the plain ones matched in MACs or parameters."""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn

from .._mobilenet import EquivariantMobileNetV2
from .._plain import mobilenet_v2
from .._profile import count_macs, count_params
from ._settings import Settings

EQUIVARIANT = {"d4": "D4", "c8": "C8", "c4": "C4", "d8": "D8"}


def _equivariant(s: Settings, group: str, in_ch: int, n_classes: int) -> EquivariantMobileNetV2:
    return EquivariantMobileNetV2(group, n_classes, s.width, in_ch, s.setting, s.stem, s.last)


def _plain(s: Settings, width: float, in_ch: int, n_classes: int) -> nn.Module:
    return mobilenet_v2(n_classes, width, in_ch, s.setting, s.stem, s.last)


@functools.cache
def matched_width(s: Settings, in_ch: int, n_classes: int, what: str) -> float:
    """The width of the plain MobileNetV2 whose MACs (``what="macs"``) or parameters (``"params"``) are closest
    to the D4 model's (deployed MACs; free parameters)."""
    shape = (in_ch, s.size, s.size)
    d4 = _equivariant(s, "D4", in_ch, n_classes)
    target = count_macs(d4.eval().export(), shape) if what == "macs" else count_params(d4)
    best, best_gap = 1.0, float("inf")
    for w in np.round(np.arange(0.05, 3.0, 0.01), 2):
        m = _plain(s, float(w), in_ch, n_classes)
        v = count_macs(m, shape) if what == "macs" else count_params(m)
        gap = abs(np.log(v / target))
        if gap < best_gap - 1e-12:
            best, best_gap = float(w), gap
    return best


def build_model(name: str, s: Settings, in_ch: int, n_classes: int, seed: int) -> nn.Module:
    """``d4``/``c8``/``c4``/``d8``: the equivariant MobileNetV2; ``base_macs``/``base_params``: torchvision's
    MobileNetV2 at the width that matches the D4 model's MACs / parameters. Initialised from ``seed``."""
    torch.manual_seed(seed)
    if name in EQUIVARIANT:
        return _equivariant(s, EQUIVARIANT[name], in_ch, n_classes)
    if name in ("base_macs", "base_params"):
        w = matched_width(s, in_ch, n_classes, name.split("_")[1])
        torch.manual_seed(seed)
        return _plain(s, w, in_ch, n_classes)
    raise ValueError(f"unknown model {name!r}")
