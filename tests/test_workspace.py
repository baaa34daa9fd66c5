"""Workspace integrity: every member is a releasable package that follows the house layout."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from workspace import dependency_names, members  # noqa: E402

MEMBERS = members()


def test_members_found():
    assert "equi-groups" in MEMBERS


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_member_layout(name):
    m = MEMBERS[name]
    d = ROOT / m["dir"]
    project = m["data"]["project"]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), "distribution names are kebab-case"
    assert (d / "README.md").stat().st_size > 200, "README.md missing or empty"
    assert re.search(r"^## \[\d+\.\d+\.\d+\]", (d / "CHANGELOG.md").read_text(), re.M), "CHANGELOG lacks a version"
    assert re.fullmatch(r"\d+\.\d+\.\d+", project.get("version", "")), "no version"
    assert project.get("scripts", {}).get(name), f"no entry point named {name}"
    src = d / "src" / m["import"]
    assert (src / "__init__.py").exists() and (src / "py.typed").exists()
    assert "__all__" in (src / "__init__.py").read_text()
    assert list((d / "tests").glob("test_*.py")), "no tests"
    found = re.findall(r'^__version__ = "([^"]+)"', (src / "__init__.py").read_text(), re.M)
    assert found == [project["version"]], f"__version__ {found} is not the pyproject version {project['version']}"
    top = re.search(r"^## \[(\d+\.\d+\.\d+)\]", (d / "CHANGELOG.md").read_text(), re.M).group(1)
    assert top == project["version"], f"the newest CHANGELOG entry is {top}, the pyproject version {project['version']}"


@pytest.mark.parametrize("name", sorted(MEMBERS))
def test_workspace_dependencies_are_ranges(name):
    data = MEMBERS[name]["data"]
    for req in data["project"].get("dependencies", []):
        dep = dependency_names({"project": {"dependencies": [req]}})[0]
        if dep in MEMBERS:
            assert "==" not in req, f"{name} pins {req}: use a range"
            assert "<" in req and ">=" in req, f"{name} should depend on {req} with a >=,< range"
            assert dep in MEMBERS[name]["deps"], f"{name} lacks [tool.uv.sources] {dep} = {{ workspace = true }}"


def test_dependencies_flow_one_way():
    """equi-runs <- equi-groups <- e2cnn-core <- paper packages (equi-runs under all): no other edges."""
    assert MEMBERS["equi-runs"]["deps"] == []
    assert set(MEMBERS["equi-groups"]["deps"]) <= {"equi-runs"}
    for name, m in MEMBERS.items():
        if name in ("equi-runs", "equi-groups"):
            continue
        allowed = {"equi-runs", "equi-groups"} | ({"e2cnn-core"} if name != "e2cnn-core" else set())
        assert set(m["deps"]) <= allowed, f"{name} depends on {set(m['deps']) - allowed}"


def test_root_is_virtual_and_lists_members():
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "project" not in root
    assert root["tool"]["uv"]["workspace"]["members"] == ["shared/equi-runs", "shared/equi-groups", "packages/*"]
    assert (ROOT / "uv.lock").exists()


def test_readme_starts_with_the_two_commands_and_ci_calls_the_test_command():
    readme = (ROOT / "README.md").read_text()
    first_blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, re.S)[0]
    assert "tools/tour" in first_blocks and "tools/test" in first_blocks
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\s*(bash\s+)?tools/test\b", ci, re.M)
    for name in MEMBERS:
        assert name in readme, f"README's package table lacks {name}"


def test_release_rejects_a_wrong_tag(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "release.py"),
            "equi-groups",
            "equi-groups-v9.9.9",
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode != 0 and "does not match version" in proc.stderr


def test_release_builds_a_wheel(tmp_path):
    version = MEMBERS["equi-groups"]["data"]["project"]["version"]
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "release.py"),
            "equi-groups",
            f"equi-groups-v{version}",
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list(tmp_path.rglob("equi_groups-*.whl"))
