"""Deploy one trained model in every format and measure it: accuracy, AUC, size, latency, D4 invariance."""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from .._plain import PlainMobileNet
from ._data import Split
from ._train import evaluate, invariance_error, torch_fn


def latency_ms(fn: Callable[[np.ndarray], np.ndarray], x1: np.ndarray, runs: int) -> float:
    """Median wall time (ms) of ``fn`` on one image ``x1`` ``(1, C, H, W)`` over ``runs`` calls (after 5 warm-up
    calls)."""
    for _ in range(5):
        fn(x1)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn(x1)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def build_formats(
    plain: PlainMobileNet, input_shape: tuple[int, int, int], calib: np.ndarray, formats: tuple[str, ...], folder: Path
) -> dict[str, tuple[Callable[[np.ndarray], np.ndarray], int]]:
    """Each format's numpy function and file size in bytes; the files are written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, tuple[Callable[[np.ndarray], np.ndarray], int]] = {}
    if "torch_fp32" in formats:
        buf = io.BytesIO()
        torch.save(plain.state_dict(), buf)
        (folder / "model_plain_state.pt").write_bytes(buf.getvalue())
        out["torch_fp32"] = (torch_fn(plain), len(buf.getvalue()))
    tfl = [f for f in formats if f.startswith("tflite_")]
    if tfl:
        from .._keras import to_keras
        from .._tflite import TFLiteModel, convert_tflite

        keras_model = to_keras(plain, input_shape)
        for f in tfl:
            mode = f.split("_", 1)[1]
            blob = convert_tflite(keras_model, mode, calib.transpose(0, 2, 3, 1))
            (folder / f"model_{mode}.tflite").write_bytes(blob)
            out[f] = (TFLiteModel(blob, threads=1), len(blob))
    if "onnx_fp32" in formats or "onnx_int8" in formats:
        from .._onnx import ONNXModel, export_onnx, quantize_onnx

        p = export_onnx(plain, input_shape, folder / "model_fp32.onnx")
        if "onnx_fp32" in formats:
            out["onnx_fp32"] = (ONNXModel(p, threads=1), p.stat().st_size)
        if "onnx_int8" in formats:
            q = quantize_onnx(p, folder / "model_int8.onnx", calib)
            out["onnx_int8"] = (ONNXModel(q, threads=1), q.stat().st_size)
    return {f: out[f] for f in formats}


def measure(
    fns: dict[str, tuple[Callable[[np.ndarray], np.ndarray], int]], test: Split, n_inv: int, runs: int
) -> dict[str, float | None]:
    """Flat results ``acc.<format>``, ``auc.<format>``, ``size_kb.<format>``, ``latency_ms.<format>``,
    ``invariance_error.<format>``."""
    res: dict[str, float | None] = {}
    x1 = test.x[:1]
    for f, (fn, size) in fns.items():
        ev = evaluate(fn, test)
        res[f"acc.{f}"] = ev["acc"]
        if ev["auc"] is not None:
            res[f"auc.{f}"] = ev["auc"]
        res[f"size_kb.{f}"] = size / 1024
        res[f"invariance_error.{f}"] = invariance_error(fn, test.x[:n_inv])
        res[f"latency_ms.{f}"] = latency_ms(fn, x1, runs)
    return res
