"""ONNX export (``torch.onnx.export``) of a plain model, onnxruntime inference and its int8 quantisation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn


def export_onnx(model: nn.Module, input_shape: tuple[int, int, int], path: str | Path) -> Path:
    """Write ``model`` (eval mode) to ONNX with input ``x`` ``(B, C, H, W)`` (dynamic batch) and output ``y``."""
    path = Path(path)
    model = model.eval()
    x = torch.zeros(2, *input_shape)
    torch.onnx.export(
        model,
        (x,),
        str(path),
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
        dynamo=False,
        opset_version=17,
    )
    return path


def quantize_onnx(src: str | Path, dst: str | Path, calibration: np.ndarray | None = None) -> Path:
    """onnxruntime's int8 quantisation: static QDQ (per-channel weights, calibrated activations) when
    ``calibration`` ``(N, C, H, W)`` is given, else dynamic (int8 weights only)."""
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantType, quantize_dynamic, quantize_static

    ort.set_default_logger_severity(3)
    dst = Path(dst)
    if calibration is None:
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
        return dst
    data = np.asarray(calibration, dtype=np.float32)
    import logging

    from onnxruntime.quantization.shape_inference import quant_pre_process

    pre = dst.with_name(dst.stem + "_pre.onnx")
    # shape inference and graph optimisation, as onnxruntime recommends before static quantisation
    quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
    src = pre
    logging.getLogger().setLevel(logging.ERROR)

    class _Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.i = 0

        def get_next(self) -> dict[str, np.ndarray] | None:
            if self.i >= len(data):
                return None
            self.i += 1
            return {"x": data[self.i - 1 : self.i]}

    quantize_static(
        str(src),
        str(dst),
        _Reader(),
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
    )
    pre.unlink(missing_ok=True)
    return dst


class ONNXModel:
    """Run an ONNX classifier in onnxruntime (``threads`` intra-op threads).

    Shapes:
        ``x: (B, C, H, W) float32 -> (B, n_classes) float32``.
    """

    def __init__(self, path: str | Path, threads: int = 1) -> None:
        import onnxruntime as ort

        ort.set_default_logger_severity(3)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.session.run(["y"], {"x": np.asarray(x, dtype=np.float32)})[0]
