"""The ``equi-runs`` command: check and summarise run folders' ``metrics.json`` files."""

from __future__ import annotations

from pathlib import Path

from ._cli import cli_main, make_parser
from ._io import RunError, read_json
from ._schema import SchemaError, validate_metrics


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.rglob("metrics.json"))
            if not found:
                raise RunError(f"{p} holds no metrics.json")
            out += found
        elif p.exists():
            out.append(p)
        else:
            raise RunError(f"{p} does not exist")
    return out


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "-" if v is None else str(v)


def _run(argv: list[str]) -> int:
    p = make_parser(
        "equi-runs",
        "Check metrics.json files against the equi-runs schema, or print their headline claims.\n\n"
        "  equi-runs validate DIR_OR_FILE ...   exit 1 if any file departs from the schema\n"
        "  equi-runs show DIR_OR_FILE ...       the headline table of each file",
    )
    sub = p.add_subparsers(dest="command", required=True)
    for name, text in (("validate", "check files against the schema"), ("show", "print the headline claims")):
        s = sub.add_parser(name, help=text)
        s.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="metrics.json files or folders")
    args = p.parse_args(argv)
    files = _files(args.paths)
    bad = 0
    for f in files:
        doc = read_json(f, what="metrics file", fix="rerun the command that wrote it")
        try:
            validate_metrics(doc)
        except SchemaError as e:
            bad += 1
            print(f"{f}: INVALID: {e}")
            continue
        if args.command == "validate":
            print(f"{f}: ok ({doc['package']} {doc['version']}, {len(doc['metrics'])} metrics)")
            continue
        print(f"{f} ({doc['package']} {doc['version']}, {doc['wall_seconds']:.0f} s)")
        for c in doc["headline"]:
            std = f" +- {_fmt(c['std'])}" if c["std"] is not None else ""
            print(f"  [{c['verdict']}] {c['claim']}: paper {_fmt(c['paper'])}, ours {_fmt(c['ours'])}{std}")
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``equi-runs`` command."""
    return cli_main(_run, argv, prog="equi-runs")


if __name__ == "__main__":
    raise SystemExit(main())
