"""Release checks and build for one workspace member (see tools/release)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

from workspace import ROOT, dependency_names, find_uv, members


def fail(msg: str) -> None:
    raise SystemExit(f"release: {msg}")


def changelog_version(path: Path) -> str:
    if not path.exists():
        fail(f"{path} is missing")
    for line in path.read_text().splitlines():
        m = re.match(r"^## \[(\d+\.\d+\.\d+[^\]]*)\]", line)
        if m:
            return m.group(1)
    fail(f"{path} has no '## [X.Y.Z]' entry")
    return ""


def main() -> None:
    p = argparse.ArgumentParser(prog="tools/release")
    p.add_argument("name")
    p.add_argument("tag", nargs="?")
    p.add_argument("--out-dir", type=Path, default=ROOT / "dist")
    args = p.parse_args()
    ms = members()
    if args.name not in ms:
        fail(f"{args.name!r} is not a workspace member; members: {', '.join(sorted(ms))}")
    m = ms[args.name]
    version = m["data"]["project"]["version"]
    top = changelog_version(ROOT / m["dir"] / "CHANGELOG.md")
    if top != version:
        fail(f"CHANGELOG top entry is {top}, pyproject version is {version}")
    tag = args.tag
    if tag is None:
        tags = subprocess.run(
            ["git", "tag", "--points-at", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout
        found = [t for t in tags.split() if t.startswith(f"{args.name}-v")]
        if not found:
            fail(f"no {args.name}-v* tag at HEAD: tag it first (git tag {args.name}-v{version}) or pass TAG")
        tag = found[0]
    if tag != f"{args.name}-v{version}":
        fail(f"tag {tag} does not match version {version} (expected {args.name}-v{version})")
    out = args.out_dir / f"{args.name}-{version}"
    uv = find_uv()
    subprocess.run(
        [uv, "build", "--package", args.name, "--no-sources", "--out-dir", str(out)], cwd=ROOT, check=True
    )
    wheels = list(out.glob("*.whl"))
    sdists = list(out.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        fail(f"expected one wheel and one sdist in {out}, found {wheels + sdists}")
    with zipfile.ZipFile(wheels[0]) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(z.read(meta_name).decode())
        entry = next((n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt")), None)
        entry_text = z.read(entry).decode() if entry else ""
        files = z.namelist()
    check_metadata(meta, args.name, version, ms)
    if f"{args.name} =" not in entry_text:
        fail(f"wheel has no console script named {args.name}")
    if not any(f.endswith("py.typed") for f in files):
        fail("wheel lacks py.typed")
    other = {n.replace("-", "_") for n in ms if n != args.name}
    leaked = sorted({f.split("/")[0] for f in files} & other)
    if leaked:
        fail(f"wheel contains other members' code: {leaked}")
    with tarfile.open(sdists[0]) as t:
        if not any(n.endswith("PKG-INFO") for n in t.getnames()):
            fail("sdist lacks PKG-INFO")
    print(f"release: {args.name} {version} ({tag}) OK -> {out}")
    for f in sorted(out.iterdir()):
        print(f"  {f.name}")


def check_metadata(meta, name: str, version: str, ms: dict) -> None:
    if meta["Name"] != name or meta["Version"] != version:
        fail(f"wheel metadata says {meta['Name']} {meta['Version']}, expected {name} {version}")
    if not (meta.get_payload() or "").strip():
        fail("wheel has no long description (README)")
    for req in meta.get_all("Requires-Dist") or []:
        dep = dependency_names({"project": {"dependencies": [req]}})[0]
        if dep in ms and "==" in req:
            fail(f"pins workspace member with '==': {req}")
        if dep in ms and "file:" in req:
            fail(f"depends on a local path: {req}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
