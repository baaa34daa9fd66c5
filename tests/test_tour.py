"""The tour runs a package's quick reproduction and gathers its metrics and figures into one report."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_tour_writes_report_for_one_package(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "tour.py"), "--only", "equi-groups", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = (tmp_path / "REPORT.md").read_text()
    assert "| equi-groups | ok" in report
    assert "| equi-groups | max_error.homomorphism.C4 |" in report
    assert "fourier_lstsq_error.png" in report and (tmp_path / "equi-groups" / "fourier_lstsq_error.png").exists()


def test_tour_refuses_unknown_package(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "tour.py"), "--only", "no-such-package", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode != 0 and "not a workspace member" in proc.stderr
