"""Read the workspace's members from pyproject files (stdlib only, usable before any sync).

python3 tools/workspace.py members          name<TAB>dir<TAB>import_name, dependencies first
python3 tools/workspace.py closure NAME     NAME and its workspace dependencies, dependencies first
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def members() -> dict[str, dict]:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    out: dict[str, dict] = {}
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        for path in sorted(ROOT.glob(pattern)):
            if not (path / "pyproject.toml").exists():
                continue
            data = tomllib.loads((path / "pyproject.toml").read_text())
            name = data["project"]["name"]
            sources = data.get("tool", {}).get("uv", {}).get("sources", {})
            workspace_deps = [k for k, v in sources.items() if isinstance(v, dict) and v.get("workspace")]
            out[name] = {
                "dir": str(path.relative_to(ROOT)),
                "import": name.replace("-", "_"),
                "data": data,
                "deps": workspace_deps,
            }
    return out


def ordered(ms: dict[str, dict], names: list[str]) -> list[str]:
    seen: list[str] = []

    def visit(n: str) -> None:
        if n not in ms:
            raise SystemExit(f"{n!r} is not a workspace member; members: {', '.join(sorted(ms))}")
        for d in ms[n]["deps"]:
            visit(d)
        if n not in seen:
            seen.append(n)

    for n in names:
        visit(n)
    return seen


def find_uv() -> str:
    """The uv executable: $UV (set by tools/_env.sh), then PATH, then pip's --user install location."""
    import os
    import shutil
    import site

    for cand in (os.environ.get("UV"), shutil.which("uv"), str(Path(site.getuserbase()) / "bin" / "uv")):
        if cand and Path(cand).exists():
            return cand
    raise SystemExit("uv not found: run tools/test or tools/tour once (they install it)")


def dependency_names(data: dict) -> list[str]:
    return [
        re.split(r"[\s<>=!~;\[]", d, maxsplit=1)[0].lower() for d in data["project"].get("dependencies", [])
    ]


def main(argv: list[str]) -> None:
    ms = members()
    if argv[:1] == ["members"]:
        names = ordered(ms, sorted(ms))
    elif argv[:1] == ["closure"] and len(argv) == 2:
        names = ordered(ms, [argv[1]])
    else:
        raise SystemExit(__doc__)
    for n in names:
        print(f"{n}\t{ms[n]['dir']}\t{ms[n]['import']}")


if __name__ == "__main__":
    main(sys.argv[1:])
