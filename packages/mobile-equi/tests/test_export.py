"""The deployment chain on a tiny model: export() -> Keras -> TFLite (fp32, dynamic, int8) and ONNX ->
onnxruntime preserve the outputs, keep D4 invariance in float32, and load where equilab is not installed."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

pytest.importorskip("tensorflow")
pytest.importorskip("ai_edge_litert")
pytest.importorskip("onnxruntime")

from mobile_equi import (  # noqa: E402
    EquivariantMobileNetV2,
    ONNXModel,
    TFLiteModel,
    convert_tflite,
    export_onnx,
    mobilenet_v2,
    quantize_onnx,
    to_keras,
)
from mobile_equi.experiments._train import invariance_error  # noqa: E402

KW = dict(n_classes=2, in_channels=3, setting=[(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 1, 2)], stem=16, last=64)
SHAPE = (3, 33, 33)


def _random_stats(m):
    m.train()
    with torch.no_grad():
        for _ in range(2):
            m(torch.rand(16, *SHAPE))
        m.classifier[1].weight.normal_()
    return m.eval()


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    torch.manual_seed(0)
    model = _random_stats(EquivariantMobileNetV2("D4", **KW))
    plain = model.export()
    x = np.random.default_rng(0).random((6, *SHAPE)).astype(np.float32)
    ref = model(torch.from_numpy(x)).detach().numpy()
    calib = np.random.default_rng(1).random((32, *SHAPE)).astype(np.float32)
    k = to_keras(plain, SHAPE)
    blobs = {mode: convert_tflite(k, mode, calib.transpose(0, 2, 3, 1)) for mode in ("fp32", "dynamic", "int8")}
    d = tmp_path_factory.mktemp("artefacts")
    onnx_path = export_onnx(plain, SHAPE, d / "m.onnx")
    q_path = quantize_onnx(onnx_path, d / "q.onnx", calib)
    return dict(model=model, plain=plain, x=x, ref=ref, keras=k, blobs=blobs, onnx=onnx_path, q=q_path, dir=d)


def test_keras_and_float_artefacts_preserve_outputs(chain):
    x, ref = chain["x"], chain["ref"]
    np.testing.assert_allclose(chain["keras"](x.transpose(0, 2, 3, 1)).numpy(), ref, atol=1e-4, rtol=0)
    np.testing.assert_allclose(TFLiteModel(chain["blobs"]["fp32"])(x), ref, atol=1e-4, rtol=0)
    np.testing.assert_allclose(ONNXModel(chain["onnx"])(x), ref, atol=1e-4, rtol=0)


def test_quantised_artefacts_are_close_and_smaller(chain):
    x, ref = chain["x"], chain["ref"]
    scale = np.abs(ref).max()
    for fn in (TFLiteModel(chain["blobs"]["dynamic"]), TFLiteModel(chain["blobs"]["int8"]), ONNXModel(chain["q"])):
        assert np.abs(fn(x) - ref).max() < 0.2 * scale
    assert len(chain["blobs"]["int8"]) < len(chain["blobs"]["fp32"])


def test_exported_float_models_are_d4_invariant(chain):
    x = chain["x"]
    assert invariance_error(TFLiteModel(chain["blobs"]["fp32"]), x) < 1e-5
    assert invariance_error(ONNXModel(chain["onnx"]), x) < 1e-5


def test_plain_baseline_converts_too():
    torch.manual_seed(0)
    m = _random_stats(mobilenet_v2(width=0.5, **KW))
    x = np.random.default_rng(0).random((3, *SHAPE)).astype(np.float32)
    ref = m(torch.from_numpy(x)).detach().numpy()
    blob = convert_tflite(to_keras(m, SHAPE), "fp32")
    np.testing.assert_allclose(TFLiteModel(blob)(x), ref, atol=1e-4, rtol=0)


BLOCKED = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {"torch", "e2cnn_core", "equi_groups", "equi_runs", "mobile_equi"}:
            raise ImportError(f"{name} is blocked")
sys.meta_path.insert(0, Block())
import json, numpy as np
from ai_edge_litert.interpreter import Interpreter
import onnxruntime as ort
d = sys.argv[1]
x = np.load(d + "/x.npy")
it = Interpreter(model_path=d + "/m.tflite")
it.resize_tensor_input(it.get_input_details()[0]["index"], [len(x), 33, 33, 3])
it.allocate_tensors()
it.set_tensor(it.get_input_details()[0]["index"], np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
it.invoke()
y_tfl = it.get_tensor(it.get_output_details()[0]["index"])
y_onnx = ort.InferenceSession(d + "/m.onnx").run(["y"], {"x": x})[0]
try:
    import torch
    blocked = False
except ImportError:
    blocked = True
print(json.dumps({"tflite": y_tfl.tolist(), "onnx": y_onnx.tolist(), "blocked": blocked}))
"""


def test_artefacts_load_without_torch_or_equilab(chain):
    d = chain["dir"]
    (d / "m.tflite").write_bytes(chain["blobs"]["fp32"])
    np.save(d / "x.npy", chain["x"])
    p = subprocess.run([sys.executable, "-c", BLOCKED, str(d)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["blocked"]
    np.testing.assert_allclose(np.array(out["tflite"]), chain["ref"], atol=1e-4, rtol=0)
    np.testing.assert_allclose(np.array(out["onnx"]), chain["ref"], atol=1e-4, rtol=0)
