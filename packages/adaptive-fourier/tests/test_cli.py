import json
import subprocess
import sys

import pytest
from adaptive_fourier._cli import main
from adaptive_fourier.experiments._reproduce import summary


def _run(argv):
    code = (f"import sys\nfrom adaptive_fourier._cli import main\n"
            f"try:\n    rc = main({argv!r})\n"
            "except SystemExit as e:\n    rc = e.code\n"
            "print('torch imported:', 'torch' in sys.modules)\nsys.exit(rc)\n")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("extra, message", [(["--ns", "4", "4"], "--ns names 4 twice"),
                                            (["--tasks", "4d"], "invalid choice"),
                                            (["--ns", "0"], "not positive"),
                                            (["--kinds", "fixed", "fixed"], "--kinds names 'fixed' twice"),
                                            (["--kinds", "adaptive_normpool"], "is a 2D model"),
                                            (["--rows", "qr"], "invalid choice"),
                                            (["--conv", "cg"], "invalid choice")])
def test_bad_arguments_fail_before_torch(tmp_path, extra, message):
    p = _run(["reproduce", "--quick", "--out", str(tmp_path / "o"), *extra])
    assert p.returncode == 2 and message in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert "torch imported: False" in p.stdout


def test_small_3d_reproduce_writes_metrics_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["reproduce", "--smoke", "--tasks", "3d", "--ns", "1", "2", "--no-progress", "--out", str(out)])
    assert rc == 0
    doc = json.loads((out / "metrics.json").read_text())
    m = doc["metrics"]
    assert doc["complete"] and {"acc.so3.fixed.N1", "acc.so3.adaptive.N2", "equiv_error.so3.adaptive.max"} <= set(m)
    assert m["equiv_error.so3.adaptive.max"] < 1e-5 < m["equiv_error.so3.fixed.N1"]
    assert (out / "accuracy_vs_n.png").exists() and (out / "equivariance_vs_n.png").exists()
    assert "Clebsch-Gordan (TFN-style) point convolution, 16 points" in doc["headline"][0]["note"]
    assert "[reproduced] The adaptive layer is exactly equivariant" in capsys.readouterr().out


def test_summary_verdicts_hand_made():
    ps = {f"test_error.{k}.N{n}": {0: v} for k, n, v in
          [("fixed", 1, 0.7), ("fixed", 64, 0.3), ("adaptive", 1, 0.31), ("adaptive", 64, 0.3)]}
    ps.update({f"equiv_error.{k}.N{n}": {0: v} for k, n, v in
               [("fixed", 1, 0.5), ("fixed", 64, 1e-3), ("adaptive", 1, 1e-7), ("adaptive", 64, 2e-7)]})
    metrics, head = summary({"2d": [1, 64]}, ["fixed", "adaptive"], [0], ps)
    assert head[0]["verdict"] == "reproduced" and head[1]["verdict"] == "reproduced"
    assert metrics["n_within_2pts_of_best.2d.fixed"] == 64 and metrics["n_within_2pts_of_best.2d.adaptive"] == 1
    ps["test_error.adaptive.N1"] = {0: 0.5}
    assert summary({"2d": [1, 64]}, ["fixed", "adaptive"], [0], ps)[1][0]["verdict"] == "partly"


def test_bench_small(tmp_path):
    from adaptive_fourier.experiments._bench import bench

    res = bench(tmp_path, ns=[1, 8], repeats=1, progress=False)
    assert res["layers"]["so2"]["N8"]["e2cnn_core_ms"] > 0 and (tmp_path / "bench.png").exists()
    if sys.platform.startswith("linux"):
        assert res["models"]["2d"]["N8"]["adaptive_peak_bytes"] > 0
    assert res["layers"]["sphere"]["N8"]["adaptive_saved_bytes"] > res["layers"]["sphere"]["N1"]["adaptive_saved_bytes"]


def test_summary_o2_claims():
    ps = {f"test_error.o2.{k}.N{n}": {0: v} for k, n, v in
          [("fixed", 1, 0.7), ("fixed", 64, 0.3), ("adaptive", 1, 0.6), ("adaptive", 64, 0.3)]}
    ps.update({f"equiv_error.o2.{k}.N{n}": {0: v} for k, n, v in
               [("fixed", 1, 0.5), ("fixed", 64, 1e-3), ("adaptive", 1, 1e-7), ("adaptive", 64, 2e-7)]})
    metrics, head = summary({"o2": [1, 64]}, ["fixed", "adaptive"], [0], ps)
    assert [c["verdict"] for c in head] == ["partly", "reproduced"] and "O(2)" in head[0]["claim"]
    assert metrics["equiv_error.o2.adaptive.max"] == 2e-7


def test_escnn_fourier_matches_shapes_when_importable():
    from adaptive_fourier.experiments._bench import escnn_nn

    esc = escnn_nn()
    if esc is None:
        pytest.skip("escnn is not importable here")
    import torch

    gsp, enn = esc
    act = enn.FourierPointwise(gsp.rot2dOnR2(-1), 2, [(0,), (1,), (2,)], function="p_elu", type="regular", N=8)
    assert act(enn.GeometricTensor(torch.randn(1, 10, 3, 3), act.in_type)).tensor.shape == (1, 10, 3, 3)
