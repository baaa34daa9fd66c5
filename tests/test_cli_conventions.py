"""Every package CLI follows the equi-runs conventions: bad input fails at once (before torch or data are imported)
with one line naming the bad value, and --help is plain text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import tour  # noqa: E402
from workspace import members  # noqa: E402

MS = members()
NAMES = tour.tour_members(MS, None)


def _main(name: str, argv: list[str]) -> subprocess.CompletedProcess:
    mod = f"{MS[name]['import']}._cli"
    code = (
        f"import sys\nfrom {mod} import main\n"
        f"try:\n    rc = main({argv!r})\nexcept SystemExit as e:\n    rc = e.code\n"
        "print('torch imported:', 'torch' in sys.modules)\nsys.exit(rc)\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "extra, message",
    [
        (["--seeds", "0", "0"], "--seeds names 0 twice"),
        (["--seeds", "x"], "not an integer"),
        (["--threads", "0"], "not positive"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_reproduce_arguments_fail_before_torch(name, extra, message, tmp_path):
    p = _main(name, ["reproduce", "--quick", "--out", str(tmp_path / "out"), *extra])
    assert p.returncode == 2, p.stdout + p.stderr
    assert message in p.stderr and "Traceback" not in p.stderr
    assert "torch imported: False" in p.stdout


@pytest.mark.parametrize("name", NAMES)
def test_out_that_is_a_file_fails_before_torch(name, tmp_path):
    f = tmp_path / "file"
    f.write_text("")
    p = _main(name, ["reproduce", "--quick", "--out", str(f)])
    assert p.returncode == 2 and "not a folder" in p.stderr, p.stderr
    assert "torch imported: False" in p.stdout


@pytest.mark.parametrize("name", NAMES)
def test_help_is_plain_text(name):
    for sub in ([], ["reproduce"], ["bench"]):
        p = _main(name, [*sub, "--help"])
        assert p.returncode == 0, p.stderr
        for markup in ("``", ":class:", ":func:", ":math:"):
            assert markup not in p.stdout, f"{name} {' '.join(sub)} --help shows {markup}"
