"""Deployable exports: every zoo model's ``export()`` is built from ``torch.nn`` built-ins, and its pt2,
TorchScript and ONNX files (and the pickle of the plain module) load and agree with the model (< 1e-5) in a
subprocess where e2cnn_core and equi_groups cannot be imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import torch
from e2cnn_core._architecture import MODEL_NAMES
from e2cnn_core._cli import EXPORT_FORMATS, main
from e2cnn_core._deploy import DEPLOY_FORMATS, save_deployable
from e2cnn_core._zoo import build_model
from torch import nn

_BLOCKED_RUNNER = textwrap.dedent(
    """
    import importlib.abc, json, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("e2cnn_core", "equi_groups"):
                raise ImportError(f"{name} is blocked in this deployment test")
            return None

    sys.meta_path.insert(0, Block())
    import torch

    folder = sys.argv[1]
    names = json.loads(open(folder + "/names.json").read())
    errors = {}
    for i, name in enumerate(names):
        x = torch.load(f"{folder}/{i}.input.pt", weights_only=True)
        y = torch.load(f"{folder}/{i}.expected.pt", weights_only=True)
        with torch.no_grad():
            outs = {
                "pt2": torch.export.load(f"{folder}/{i}.pt2").module()(x),
                "torchscript": torch.jit.load(f"{folder}/{i}.torchscript")(x),
                # a pickled plain module: only torch classes inside (weights_only=False is needed for any module)
                "pickle": torch.load(f"{folder}/{i}.pickle", weights_only=False).eval()(x),
            }
            plain = torch.load(f"{folder}/{i}.pickle", weights_only=False)
            outs["no_foreign_classes"] = torch.tensor(
                0.0 if all(type(m).__module__.startswith("torch.") for m in plain.modules()) else 1e9
            )
        try:
            import onnxruntime
        except ImportError:
            pass
        else:
            sess = onnxruntime.InferenceSession(f"{folder}/{i}.onnx", providers=["CPUExecutionProvider"])
            outs["onnx"] = torch.from_numpy(sess.run(None, {"x": x.numpy()})[0])
        errors[name] = {
            k: float((v - y).abs().max()) if k != "no_foreign_classes" else float(v) for k, v in outs.items()
        }
    assert "e2cnn_core" not in sys.modules and "equi_groups" not in sys.modules
    print(json.dumps(errors))
    """
)


def _blocked_python(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=600, check=False
    )


def test_the_block_really_blocks():
    probe = _BLOCKED_RUNNER.split("import torch")[0] + "import e2cnn_core\n"
    done = _blocked_python(probe)
    assert done.returncode != 0 and "e2cnn_core is blocked" in done.stderr


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory):
    """Every zoo model (width 0.25, batch norm statistics warmed) written in every format."""
    folder = tmp_path_factory.mktemp("deploy")
    names = list(MODEL_NAMES)
    for i, name in enumerate(names):
        torch.manual_seed(i)
        model = build_model(name, width=0.25)
        with torch.no_grad():
            model.train()(2 * torch.randn(8, 1, 29, 29) + 0.5)
        model.eval()
        plain = model.export()
        example = torch.randn(2, 1, 29, 29)
        for fmt in DEPLOY_FORMATS:
            save_deployable(plain, example, fmt, folder / f"{i}.{fmt}")
        torch.save(plain, folder / f"{i}.pickle")
        x = torch.randn(5, 1, 29, 29)  # another batch size than the example: the batch axis is dynamic
        with torch.no_grad():
            torch.save(model(x), folder / f"{i}.expected.pt")
        torch.save(x, folder / f"{i}.input.pt")
    (folder / "names.json").write_text(json.dumps(names))
    done = _blocked_python(_BLOCKED_RUNNER, str(folder))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_exported_artefacts_load_without_the_libraries_and_match(artefacts, name):
    errors = artefacts[name]
    expected = {"pt2", "torchscript", "pickle", "no_foreign_classes"}
    pytest.importorskip("onnxruntime")
    expected.add("onnx")
    assert set(errors) == expected
    for fmt, err in errors.items():
        assert err < 1e-5, f"{name} {fmt}: max abs error {err:.2e}"


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_export_is_made_of_torch_builtins_and_scriptable(name):
    model = build_model(name, width=0.25).eval()
    plain = model.export()
    foreign = {type(m).__module__ + "." + type(m).__name__ for m in plain.modules()}
    assert all(f.startswith("torch.nn.modules.") for f in foreign), foreign
    assert isinstance(plain, nn.Sequential)
    x = torch.randn(2, 1, 29, 29)
    with torch.no_grad():
        torch.testing.assert_close(torch.jit.script(plain)(x), model(x), atol=1e-5, rtol=0)


def test_cli_formats_match_the_library():
    assert tuple(EXPORT_FORMATS) == tuple(DEPLOY_FORMATS)


def test_save_deployable_rejects_unknown_formats(tmp_path):
    with pytest.raises(ValueError, match="'tflite'"):
        save_deployable(nn.Identity(), torch.zeros(1, 1, 3, 3), "tflite", tmp_path / "x")


def test_cli_export_from_a_reproduce_checkpoint(tmp_path, capsys):
    torch.manual_seed(0)
    model = build_model("D4", width=0.25)
    with torch.no_grad():
        model.train()(torch.randn(4, 1, 29, 29))
    ckpt = tmp_path / "checkpoint.pt"
    torch.save({"model": model.state_dict(), "model_name": "D4", "width": 0.25, "epoch": 1}, ckpt)
    out = tmp_path / "d4.pt2"
    assert main(["export", str(ckpt), "--format", "pt2", "--out", str(out)]) == 0
    assert "max |artefact - model|" in capsys.readouterr().out
    x = torch.randn(3, 1, 29, 29)
    with torch.no_grad():
        torch.testing.assert_close(torch.export.load(str(out)).module()(x), model.eval()(x), atol=1e-5, rtol=0)
    torch.save({"model": model.state_dict()}, tmp_path / "bare.pt")
    capsys.readouterr()
    assert main(["export", str(tmp_path / "bare.pt"), "--format", "onnx", "--out", str(tmp_path / "b.onnx")]) == 2
    assert "lacks model_name, width" in capsys.readouterr().err
