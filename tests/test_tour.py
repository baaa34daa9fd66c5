"""The tour runs packages' quick reproductions and gathers their headline claims into one table."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import tour  # noqa: E402
from workspace import members  # noqa: E402


def test_tour_writes_headline_report_for_one_package(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "tour.py"), "--only", "equi-groups", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = (tmp_path / "REPORT.md").read_text()
    assert "| equi-groups | ok" in report
    assert "| equi-groups | Every group identity" in report and "| reproduced |" in report
    assert "`equi-groups reproduce --quick --out DIR`" in report
    assert "[fourier_lstsq_error.png](equi-groups/fourier_lstsq_error.png)" in report
    assert (tmp_path / "equi-groups" / "fourier_lstsq_error.png").exists()
    assert "equi-runs" not in report  # infrastructure members are not toured


def test_tour_refuses_unknown_package(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "tour.py"), "--only", "no-such-package", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode != 0 and "not a workspace member" in proc.stderr


def test_root_readme_table_matches_committed_quick_results():
    """The README's package table is exactly what `tools/tour --update-readme` generates from results/quick."""
    ms = members()
    names = tour.tour_members(ms, None)
    readme = (ROOT / "README.md").read_text()
    assert tour.BEGIN in readme and tour.END in readme
    current = tour.BEGIN + readme.split(tour.BEGIN, 1)[1].split(tour.END, 1)[0] + tour.END
    assert current == tour.readme_block(ms, names), "README table is stale: run tools/tour --update-readme"


def test_every_toured_member_has_committed_quick_results_with_claims():
    ms = members()
    for name in tour.tour_members(ms, None):
        doc = tour.load(ROOT / ms[name]["dir"] / "results" / "quick" / "metrics.json")
        assert doc["package"] == name and doc["headline"], f"{name}: no headline claims"
        assert "--quick" in doc["command"], f"{name}: results/quick was not made by a --quick run"
