import json
import subprocess
import sys

import pytest
from mobile_equi._cli import main


def test_bad_arguments_fail_with_one_line(tmp_path, capsys):
    assert main(["reproduce", "--models", "d4", "d4", "--out", str(tmp_path / "o")]) == 2
    assert "--models names 'd4' twice" in capsys.readouterr().err
    assert main(["reproduce", "--dataset", "pcam", "--out", str(tmp_path / "o")]) == 2
    assert "needs --data" in capsys.readouterr().err
    assert main(["bench", "--size", "96", "--out", str(tmp_path / "b")]) == 2
    assert "even" in capsys.readouterr().err


def test_smoke_run_writes_a_valid_metrics_file(tmp_path):
    out = tmp_path / "run"
    code = "import sys; from mobile_equi._cli import main; sys.exit(main(sys.argv[1:]))"
    p = subprocess.run(
        [sys.executable, "-c", code, "reproduce", "--smoke", "--no-progress", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,  # generous: the shared test machine can be loaded 30x
    )
    assert p.returncode == 0, p.stderr[-2000:]
    doc = json.loads((out / "metrics.json").read_text())
    m = doc["metrics"]
    for name in ("d4", "base_macs", "base_params"):
        assert 0 <= m[f"acc.{name}.torch_fp32"] <= 100
        assert m[f"latency_ms.{name}.onnx_fp32"] > 0
    assert m["invariance_error.d4.onnx_fp32"] < 1e-5
    assert m["export_max_abs_err.d4"] < 1e-5


@pytest.mark.slow
def test_pcam_smoke_run_reads_the_official_files(tmp_path):
    import numpy as np
    from mobile_equi import write_pcam

    rng = np.random.default_rng(0)
    for split, n in (("train", 96), ("test", 64)):
        y = rng.integers(0, 2, n)
        x = rng.integers(0, 120, (n, 96, 96, 3)) + 100 * y[:, None, None, None]  # a learnable signal
        write_pcam(tmp_path / "pcam", split, x.astype(np.uint8), y)
    code = "import sys; from mobile_equi._cli import main; sys.exit(main(sys.argv[1:]))"
    args = ["reproduce", "--smoke", "--no-progress", "--dataset", "pcam", "--data", str(tmp_path / "pcam")]
    p = subprocess.run(
        [sys.executable, "-c", code, *args, "--models", "d4", "--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        timeout=900,  # generous: the shared test machine can be loaded 30x
    )
    assert p.returncode == 0, p.stderr[-2000:]
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())["metrics"]
    assert 0 <= m["acc.d4.torch_fp32"] <= 100 and 0 <= m["auc.d4.torch_fp32"] <= 1
    assert m["invariance_error.d4.onnx_fp32"] < 1e-5
