"""TFLite conversion (float32, dynamic-range int8, full-integer int8) and a small interpreter wrapper.

Conversion uses TensorFlow's ``tf.lite.TFLiteConverter`` on the Keras graph of :func:`to_keras`; inference uses
``ai_edge_litert.interpreter.Interpreter`` (the standalone TFLite runtime), which is all a device needs.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

TFLITE_MODES: tuple[str, ...] = ("fp32", "dynamic", "int8")


def _quiet_tf() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@contextlib.contextmanager
def _silenced() -> Iterator[None]:
    """Send the converter's C++ log lines (written straight to file descriptors 1 and 2) to /dev/null."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def convert_tflite(keras_model: Any, mode: str = "fp32", representative: np.ndarray | None = None) -> bytes:
    """The ``.tflite`` flatbuffer of a Keras model.

    Args:
        keras_model: from :func:`to_keras`.
        mode: ``fp32``; ``dynamic`` (int8 weights, float activations); ``int8`` (full integer: int8 weights and
            activations, int8 input and output, calibrated on ``representative``).
        representative: ``(N, H, W, C)`` float32 calibration images (NHWC), needed for ``int8``.
    """
    if mode not in TFLITE_MODES:
        raise ValueError(f"unknown TFLite mode {mode!r}; expected one of {', '.join(TFLITE_MODES)}")
    if mode == "int8" and (representative is None or len(representative) == 0):
        raise ValueError("full-integer int8 conversion needs a representative data set (N, H, W, C)")
    _quiet_tf()
    import tensorflow as tf

    conv = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    if mode != "fp32":
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "int8":
        rep = np.asarray(representative, dtype=np.float32)

        def gen() -> Iterator[list[np.ndarray]]:
            for i in range(len(rep)):
                yield [rep[i : i + 1]]

        conv.representative_dataset = gen
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    with _silenced():
        return bytes(conv.convert())


class TFLiteModel:
    """Run a ``.tflite`` classifier on NCHW float32 batches (quantising int8 input and output as the file says).

    Args:
        model: path of a ``.tflite`` file or its bytes.
        threads: interpreter threads (1 for the latency numbers).

    Shapes:
        ``x: (B, C, H, W) float32 -> (B, n_classes) float32``.
    """

    def __init__(self, model: str | Path | bytes, threads: int = 1) -> None:
        from ai_edge_litert.interpreter import Interpreter

        content = model if isinstance(model, bytes) else Path(model).read_bytes()
        with _silenced():
            self.interpreter = Interpreter(model_content=content, num_threads=threads)
            self.interpreter.allocate_tensors()
        self._in = self.interpreter.get_input_details()[0]
        self._out = self.interpreter.get_output_details()[0]
        self._batch = None

    def _resize(self, b: int) -> None:
        if self._batch != b:
            shape = list(self._in["shape"])
            shape[0] = b
            self.interpreter.resize_tensor_input(self._in["index"], shape)
            self.interpreter.allocate_tensors()
            self._in = self.interpreter.get_input_details()[0]
            self._out = self.interpreter.get_output_details()[0]
            self._batch = b

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(np.asarray(x, dtype=np.float32).transpose(0, 2, 3, 1))
        self._resize(x.shape[0])
        if self._in["dtype"] == np.int8:
            s, z = self._in["quantization"]
            x = np.clip(np.round(x / s + z), -128, 127).astype(np.int8)
        self.interpreter.set_tensor(self._in["index"], x)
        self.interpreter.invoke()
        y = self.interpreter.get_tensor(self._out["index"])
        if self._out["dtype"] == np.int8:
            s, z = self._out["quantization"]
            y = (y.astype(np.float32) - z) * s
        return np.asarray(y, dtype=np.float32)
