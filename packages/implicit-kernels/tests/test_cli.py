"""Command line: bad arguments refused before torch is imported; a smoke run writes a valid metrics.json and
resumes without recomputing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from equi_runs import validate_metrics

BATCH = """
import contextlib, io, json, sys
from implicit_kernels._cli import main
res = []
for argv in {cases!r}:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code
    res.append([code, err.getvalue()])
print(json.dumps({{"results": res, "torch": "torch" in sys.modules}}))
"""


def test_bad_arguments_are_refused_before_torch(tmp_path):
    out = str(tmp_path / "a")
    f = tmp_path / "file"
    f.write_text("")
    cases = [
        (["reproduce", "--quick", "--out", out, "--models", "implicit", "nope"], "invalid choice: 'nope'"),
        (["reproduce", "--quick", "--out", out, "--models", "mlp", "mlp"], "--models names 'mlp' twice"),
        (["reproduce", "--quick", "--out", out, "--targets", "homo", "homo"], "--targets names 'homo' twice"),
        (["reproduce", "--quick", "--out", out, "--targets", "energy"], "invalid choice: 'energy'"),
        (["reproduce", "--quick", "--out", out, "--seeds", "-1"], "-1 is negative"),
        (["reproduce", "--quick", "--out", str(f)], "not a folder"),
        (["bench", "--out", out, "--repeats", "0"], "not positive"),
    ]
    code = BATCH.format(cases=[c for c, _ in cases])
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    doc = json.loads(p.stdout.strip().splitlines()[-1])
    for (argv, message), (rc, err) in zip(cases, doc["results"], strict=True):
        assert rc == 2, (argv, err)
        assert message in err and "Traceback" not in err, (argv, err)
    assert doc["torch"] is False


@pytest.mark.slow
def test_smoke_run_is_valid_and_resumes(tmp_path):
    from implicit_kernels._cli import main

    out = tmp_path / "run"
    assert main(["reproduce", "--smoke", "--no-progress", "--out", str(out)]) == 0
    doc = json.loads((out / "metrics.json").read_text())
    validate_metrics(doc)
    assert {
        "qm9_mae.homo.implicit",
        "qm9_mae.homo.implicit_bond",
        "qm9_mae.homo.analytic",
        "mnist_rot_error.implicit",
        "mnist_rot_error.analytic",
        "mnist_rot_error.analytic_wide",
        "nbody_mse.implicit",
        "nbody_mse.mlp",
        "nbody_mse.linear",
    } <= set(doc["metrics"])
    assert doc["metrics"]["equivariance.point_conv_o3_float64"] < 1e-10
    stamps = {p: p.stat().st_mtime_ns for p in (out / "units").glob("*/result.json")}
    assert main(["reproduce", "--smoke", "--no-progress", "--out", str(out)]) == 0
    assert stamps == {p: p.stat().st_mtime_ns for p in (out / "units").glob("*/result.json")}
    for png in ("qm9_homo_mae", "mnist_rot_error", "nbody_mse"):
        assert (out / f"{png}.png").exists(), png
    # the other suites (not in the default smoke grid)
    other = tmp_path / "other"
    assert main(["reproduce", "--smoke", "--suites", "ablation", "shapes", "--no-progress", "--out", str(other)]) == 0
    doc = json.loads((other / "metrics.json").read_text())
    validate_metrics(doc)
    keys = {"ablation_mae.homo.implicit_atom", "shapes_acc.SO2.implicit", "shapes_acc.SO2.analytic", "shapes_delta.SO2"}
    keys |= {"shapes_acc.SO2.features"}
    assert keys <= set(doc["metrics"])
    assert (other / "ablation_homo_mae.png").exists() and (other / "shapes_accuracy.png").exists()


@pytest.mark.slow
def test_bench_writes_json(tmp_path):
    from implicit_kernels._cli import main

    assert main(["bench", "--out", str(tmp_path), "--repeats", "1"]) == 0
    doc = json.loads((tmp_path / "bench.json").read_text())
    assert doc["point_o3_2000_edges.implicit_ms"] > 0 and doc["qm9_step_batch32.analytic_ms"] > 0
