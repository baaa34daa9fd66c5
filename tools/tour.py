"""Run ``<package> reproduce --quick --out tour/<package>`` for every member and gather one report."""

from __future__ import annotations

import argparse
import json
import math
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from workspace import ROOT, members, ordered  # noqa: E402


def fmt(v: object) -> str:
    if isinstance(v, float):
        if v == 0 or math.isnan(v):
            return str(v)
        return f"{v:.3e}" if abs(v) < 1e-3 or abs(v) >= 1e5 else f"{v:.4g}"
    return str(v)


def flatten(prefix: str, obj: object) -> dict[str, object]:
    if isinstance(obj, dict):
        out: dict[str, object] = {}
        for k, v in obj.items():
            out.update(flatten(f"{prefix}.{k}" if prefix else str(k), v))
        return out
    return {prefix: obj}


def main() -> int:
    p = argparse.ArgumentParser(prog="tools/tour")
    p.add_argument("--only", nargs="+", default=None, help="run only these packages")
    p.add_argument("--out", type=Path, default=ROOT / "tour")
    args = p.parse_args()
    ms = members()
    names = ordered(ms, args.only or sorted(ms))
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str]] = []
    status: dict[str, str] = {}
    figures: dict[str, list[str]] = {}
    for name in names:
        out = args.out / name
        beside = Path(sys.executable).parent / name  # the environment running the tour first
        exe = str(beside) if beside.exists() else shutil.which(name)
        if exe is None:
            status[name] = "no command"
            continue
        print(f"== {name} reproduce --quick", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run([exe, "reproduce", "--quick", "--out", str(out)], cwd=ROOT)
        secs = time.perf_counter() - t0
        metrics_path = out / "metrics.json"
        if proc.returncode != 0 or not metrics_path.exists():
            status[name] = f"FAILED (exit {proc.returncode}, {secs:.0f} s)"
            continue
        status[name] = f"ok ({secs:.0f} s)"
        for key, value in flatten("", json.loads(metrics_path.read_text())).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                rows.append((name, key, fmt(value)))
        figures[name] = sorted(str(f.relative_to(args.out)) for f in out.rglob("*.png"))
    lines = [
        "# equilab tour: quick reproductions",
        "",
        f"Machine: {platform.machine()}, {platform.system()}, Python {platform.python_version()}; "
        f"written by `tools/tour` on {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "| package | status | figures |",
        "|---|---|---|",
    ]
    for name in names:
        figs = ", ".join(f"[{Path(f).name}]({f})" for f in figures.get(name, [])) or "-"
        lines.append(f"| {name} | {status[name]} | {figs} |")
    lines += ["", "| package | metric | value |", "|---|---|---|"]
    lines += [f"| {a} | {b.replace('|', chr(92) + '|')} | {c} |" for a, b, c in rows]
    report = "\n".join(lines) + "\n"
    (args.out / "REPORT.md").write_text(report)
    print(report)
    return 1 if any(s.startswith("FAILED") for s in status.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
