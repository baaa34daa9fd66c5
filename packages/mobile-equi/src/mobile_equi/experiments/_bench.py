"""``mobile-equi bench``: file size and batch-1 CPU latency of full-size MobileNetV2s, equivariant (D4) vs plain,
float32 vs int8, in every deployed format (untrained weights: size and speed do not depend on training)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from equi_runs import provenance
from tqdm import tqdm

from .._mobilenet import EquivariantMobileNetV2
from .._plain import mobilenet_v2
from .._profile import count_macs, count_params
from ._deploy import build_formats, latency_ms
from ._settings import FORMATS


def _calibrated(m: torch.nn.Module, shape: tuple[int, int, int]) -> torch.nn.Module:
    """Batch-norm statistics from a few random batches (so that int8 ranges are realistic)."""
    m.train()
    with torch.no_grad():
        for _ in range(2):
            m(torch.rand(4, *shape))
    return m.eval()


def bench(size: int, width: float, runs: int, out: Path, progress: bool = True) -> dict[str, Any]:
    """``size_kb.<model>.<format>``, ``latency_ms.<model>.<format>``, ``params.<model>``, ``macs.<model>`` for
    ``d4`` (equivariant, width ``width``) and ``base`` (torchvision's MobileNetV2, width ``width``), 3-channel
    ``size`` x ``size`` images, 2 classes."""
    shape = (3, size, size)
    torch.manual_seed(0)
    models = {
        "d4": EquivariantMobileNetV2("D4", 2, width, 3),
        "base": mobilenet_v2(2, width, 3),
    }
    res: dict[str, Any] = {"size": size, "width": width, "runs": runs}
    calib = np.random.default_rng(0).random((16, *shape)).astype(np.float32)
    x1 = calib[:1]
    for name, m in tqdm(models.items(), desc="bench", disable=not progress):
        m = _calibrated(m, shape)
        plain = m.export() if name == "d4" else m
        res[f"params.{name}"] = count_params(m)
        res[f"macs.{name}"] = count_macs(plain, shape)
        fns = build_formats(plain, shape, calib, FORMATS, out / "artefacts" / name)
        for f, (fn, nbytes) in fns.items():
            res[f"size_kb.{name}.{f}"] = nbytes / 1024
            res[f"latency_ms.{name}.{f}"] = latency_ms(fn, x1, runs)
    for name in models:
        for f, ref in (("tflite_int8", "tflite_fp32"), ("onnx_int8", "onnx_fp32")):
            res[f"size_ratio.{name}.{f}"] = res[f"size_kb.{name}.{f}"] / res[f"size_kb.{name}.{ref}"]
            res[f"latency_ratio.{name}.{f}"] = res[f"latency_ms.{name}.{f}"] / res[f"latency_ms.{name}.{ref}"]
    res["provenance"] = provenance("mobile-equi", __file__)
    return res
