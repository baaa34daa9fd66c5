"""Kill a small `reproduce` of each package with SIGKILL mid-run, rerun it, and check that finished units are not
recomputed and that the final metrics equal an uninterrupted run's (same seeds)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# a small grid of >= 3 units per package (timing keys aside, results are deterministic given the seeds)
CASES = {
    "equi-groups": ["reproduce", "--quick", "--seeds", "0", "1", "2", "--no-progress"],
    "cryo-equi": ["reproduce", "--smoke", "--no-progress", "--threads", "1"],
    "e2cnn-core": ["reproduce", "--smoke", "--no-progress"],
    "implicit-kernels": ["reproduce", "--smoke", "--no-progress"],
    "lattice-nn": ["reproduce", "--smoke", "--no-progress"],
    "adaptive-fourier": ["reproduce", "--smoke", "--no-progress"],
    "learned-equivariance": ["reproduce", "--smoke", "--no-progress"],
    "mobile-equi": ["reproduce", "--smoke", "--no-progress", "--threads", "1"],
    "pac-equi": ["reproduce", "--smoke", "--no-progress"],
    "sheaf-homology": ["reproduce", "--smoke", "--no-progress"],
}
TIMING = re.compile(r"(seconds|_ms\b|_ms\.|\bms_|time)")


def _comparable(doc: dict) -> tuple[dict, dict]:
    metrics = {k: v for k, v in doc["metrics"].items() if not TIMING.search(k)}
    per_seed = {k: v for k, v in doc["per_seed"].items() if not TIMING.search(k)}
    return metrics, per_seed


def _results(out: Path) -> dict[str, tuple[int, bytes]]:
    return {p.parent.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in (out / "units").glob("*/result.json")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sigkill_then_rerun_resumes_exactly(name, tmp_path):
    cmd = [str(BIN / name), *CASES[name]]
    ref = tmp_path / "ref"
    subprocess.run([*cmd, "--out", str(ref)], check=True, capture_output=True, timeout=600)
    out = tmp_path / "killed"
    proc = subprocess.Popen([*cmd, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not _results(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed: grid too small"
    finished = _results(out)
    assert finished, "no unit had finished when the run was killed"
    total = len(_results(ref))
    assert len(finished) < total, "every unit had finished before the kill"
    rerun = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = _results(out)
    assert len(after) == total
    for key, (mtime, data) in finished.items():
        assert after[key] == (mtime, data), f"finished unit {key} was recomputed"
    a = json.loads((ref / "metrics.json").read_text())
    b = json.loads((out / "metrics.json").read_text())
    assert b["complete"] and len(b["wall_pieces"]) == 2
    assert _comparable(a) == _comparable(b)


def test_every_toured_member_has_a_resume_case():
    sys.path.insert(0, str(ROOT / "tools"))
    import tour
    from workspace import members

    assert set(CASES) == set(tour.tour_members(members(), None))
