"""mobile-equi: an equivariant, quantised MobileNetV2 for on-device medical imaging.

Mohamed, Cesa, Cohen & Welling, *A Data and Compute Efficient Design for Limited-Resources Deep Learning*,
arXiv 2004.09691. The library: the equivariant MobileNetV2 on e2cnn-core (regular fields of C4/C8/D4/D8,
per-field 3x3 convolutions, ReLU6, invariant pooling), torchvision's plain MobileNetV2, parameter and MAC
counts, the deployment chain (``export()`` -> plain PyTorch -> Keras -> TFLite float32 / dynamic int8 / full
int8, and ONNX -> onnxruntime float32 / int8), symmetry-preserving quantisation (per-field scales) and PCam's
HDF5 reader. Training, data sets, ``reproduce`` and ``bench`` live in :mod:`mobile_equi.experiments`.
"""

from __future__ import annotations

from equi_runs import lazy_exports

__version__ = "0.2.0"

_LAZY: dict[str, str] = {
    "GROUPS": "_mobilenet",
    "EquivariantInvertedResidual": "_mobilenet",
    "EquivariantMobileNetV2": "_mobilenet",
    "gspace_for": "_mobilenet",
    "ReLU6": "_relu6",
    "PCAM_SPLITS": "_pcam",
    "SCHEMES": "_quant",
    "SimulatedInt8": "_quant",
    "PCam": "_pcam",
    "pcam_files": "_pcam",
    "write_pcam": "_pcam",
    "TORCHVISION_SETTING": "_plain",
    "FieldMax": "_plain",
    "InvertedResidual": "_plain",
    "PlainMobileNet": "_plain",
    "make_divisible": "_plain",
    "mobilenet_v2": "_plain",
    "count_macs": "_profile",
    "count_params": "_profile",
    "fold_bn": "_keras",
    "to_keras": "_keras",
    "TFLITE_MODES": "_tflite",
    "TFLiteModel": "_tflite",
    "convert_tflite": "_tflite",
    "ONNXModel": "_onnx",
    "export_onnx": "_onnx",
    "quantize_onnx": "_onnx",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
