"""Provenance of a result: code version, environment and machine, recorded next to every metrics.json."""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import os
import platform
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any


def _dist_version(name: str) -> str | None:
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return None


def _requirement_name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", req, maxsplit=1)[0].lower()


def dependency_versions(package: str) -> dict[str, str | None]:
    """Installed versions of ``package``, its declared (non-extra) dependencies, python's numpy and torch."""
    out: dict[str, str | None] = {package: _dist_version(package)}
    try:
        reqs = md.requires(package) or []
    except md.PackageNotFoundError:
        reqs = []
    for req in reqs:
        if "extra ==" in req:
            continue
        name = _requirement_name(req)
        out[name] = _dist_version(name)
    for name in ("numpy", "torch"):
        out.setdefault(name, _dist_version(name))
    return dict(sorted(out.items()))


def _find_checkout(start: Path) -> Path | None:
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d
    return None


def _git(root: Path, *args: str) -> str | None:
    try:
        p = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


@cache
def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, ``platform.processor()`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def code_version(module_file: str | Path, exclude: str | Path | None = None) -> dict[str, Any]:
    """Git commit and dirty flag of the checkout holding ``module_file`` (None when installed from a wheel),
    and the sha256 of that checkout's ``uv.lock`` when present.

    ``exclude`` is a folder whose changes do not make the checkout dirty: a run's own output folder, so that
    a run writing into a committed ``results/`` folder does not mark itself dirty.
    """
    root = _find_checkout(Path(module_file).resolve().parent)
    if root is None:
        return {"git_commit": None, "git_dirty": None, "uv_lock_sha256": None}
    commit = _git(root, "rev-parse", "HEAD")
    spec: list[str] = []
    if exclude is not None:
        try:
            rel = Path(exclude).resolve().relative_to(root.resolve())
        except ValueError:  # the folder is outside the checkout: nothing to exclude
            rel = None
        if rel is not None and rel.parts:
            spec = ["--", ".", f":(exclude){rel.as_posix()}"]
    status = _git(root, "status", "--porcelain", "--untracked-files=no", *spec)
    lock = root / "uv.lock"
    return {
        "git_commit": commit,
        "git_dirty": None if status is None else bool(status),
        "uv_lock_sha256": hashlib.sha256(lock.read_bytes()).hexdigest() if lock.exists() else None,
    }


def provenance(
    package: str, module_file: str | Path, device: str | None = None, exclude: str | Path | None = None
) -> dict[str, Any]:
    """Everything a reader needs to know where a number came from.

    Args:
        package: distribution name (``"e2cnn-core"``); its declared dependencies' versions are recorded.
        module_file: a file of the package (``__file__``), to find its git checkout.
        device: the device the run used (``"cpu"``, ``"cuda:0"``); None when not applicable.
        exclude: the run's output folder, whose changes do not count as a dirty checkout.

    Torch is not imported here: its thread count is recorded only when the package already imported it.
    """
    torch = sys.modules.get("torch")
    info: dict[str, Any] = {
        **code_version(module_file, exclude),
        "python": platform.python_version(),
        "versions": dependency_versions(package),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads() if torch is not None else None,
        "device": device,
    }
    if torch is not None and device is not None and str(device).startswith("cuda"):
        try:
            info["gpu"] = torch.cuda.get_device_name(torch.device(device))
        except Exception:  # noqa: BLE001 - provenance never fails a run
            info["gpu"] = None
    return info
