"""The ``equi-groups`` command line: shared conventions (equi-runs), resumable units, schema'd metrics."""

import json
import subprocess
import sys

import pytest
from equi_groups._cli import main
from equi_runs import validate_metrics


def _run(*argv):
    code = f"import sys; from equi_groups._cli import main; sys.exit(main({list(argv)!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["reproduce", "--out", "x", "--seeds", "0", "0"], "--seeds names 0 twice"),
        (["reproduce", "--out", "x", "--seeds", "-2"], "negative"),
        (["bench", "--out", "x", "--repeats", "0"], "not positive"),
    ],
)
def test_bad_values_fail_at_once_with_one_line(argv, message, tmp_path):
    p = _run(*[str(tmp_path / a) if a == "x" else a for a in argv])
    assert p.returncode == 2 and message in p.stderr
    assert "Traceback" not in p.stderr


def test_out_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "f"
    f.write_text("")
    p = _run("reproduce", "--quick", "--out", str(f))
    assert p.returncode == 2 and "not a folder" in p.stderr


def test_reproduce_resumes_and_adds_seeds(tmp_path):
    pytest.importorskip("tqdm")  # reproduce needs the `plots` extra
    out = tmp_path / "run"
    assert main(["reproduce", "--quick", "--out", str(out), "--seeds", "0", "--no-progress"]) == 0
    first = {p.parent.name: p.stat().st_mtime_ns for p in (out / "units").glob("*/result.json")}
    assert len(first) == 14  # 6 2D + 8 3D groups, one seed
    metrics = json.loads((out / "metrics.json").read_text())["metrics"]  # the 3D identity table
    for group in ("SO3", "O3", "Octa", "Ico", "O2x"):
        for name in ("homomorphism", "clebsch_gordan", "restriction", "fourier_inversion"):
            assert metrics[f"max_error.{name}.{group}"] < 1e-10
    assert metrics["max_error.spherical_harmonics.SO3"] < 1e-10 and metrics["max_error.spherical_harmonics.O3"] < 1e-10
    assert main(["reproduce", "--quick", "--out", str(out), "--seeds", "0", "1", "--no-progress"]) == 0
    after = {p.parent.name: p.stat().st_mtime_ns for p in (out / "units").glob("*/result.json")}
    assert len(after) == 28 and all(after[k] == v for k, v in first.items())  # finished units untouched
    doc = json.loads((out / "metrics.json").read_text())
    validate_metrics(doc)
    assert doc["seeds"] == [0, 1] and doc["headline"][0]["verdict"] == "reproduced"
    assert len(doc["wall_pieces"]) == 2
    # a different setting (full grid vs quick) in the same folder is refused, naming the field
    p = _run("reproduce", "--out", str(out))
    assert p.returncode == 2 and "quick: True -> False" in p.stderr
