"""Run folders: a grid of units, each saved atomically when it finishes; reruns resume, a changed setting is refused.

Layout of ``--out DIR``::

    DIR/run.json               package, config, config hash, pieces: one per invocation with its wall time and the
                               git commit / dirty flag it started from (rewritten after every unit)
    DIR/units/<key>/result.json  one finished unit (written once, atomically) with the commit that computed it
    DIR/units/<key>/checkpoint.pt  an unfinished unit's last checkpoint (packages that checkpoint)
    DIR/metrics.json           the schema'd summary (see :mod:`equi_runs._schema`), rewritten as units finish
    DIR/*.png                  figures
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from ._io import CorruptFileError, RunError, load_torch, read_json, save_torch_atomic, write_json_atomic
from ._provenance import code_version, provenance
from ._schema import SCHEMA, aggregate, validate_metrics

RUN_RECORD = "run.json"
RUN_SCHEMA = "equi-runs/run/1"


class ConfigMismatchError(RunError):
    """An existing run folder was made with other settings than this command's."""


def config_hash(config: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of ``config`` (key order does not matter, tuples equal lists)."""
    text = json.dumps(json.loads(json.dumps(config, sort_keys=True)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _flatten(prefix: str, obj: Any, out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = list(obj) if isinstance(obj, tuple) else obj
    return out


def config_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Human-readable differences ``field: old -> new`` between two (nested) configs.

    Examples:
        >>> config_diff({"train": {"epochs": 4}, "width": 1}, {"train": {"epochs": 2}, "width": 1})
        ['train.epochs: 4 -> 2']
    """
    a = _flatten("", json.loads(json.dumps(old)), {})
    b = _flatten("", json.loads(json.dumps(new)), {})
    return [
        f"{k}: {a.get(k, '(absent)')} -> {b.get(k, '(absent)')}"
        for k in sorted(a.keys() | b.keys())
        if a.get(k, "(absent)") != b.get(k, "(absent)")
    ]


def prepare_out(out: str | Path) -> Path:
    """Create ``out`` (a folder) and check it can be written, before any work starts.

    Raises :class:`RunError` with one line when ``out`` is an existing file or cannot be written.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunError(f"--out {out} exists and is not a folder: choose a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise RunError(f"--out {out} cannot be written: {e.strerror or e}") from None
    return out


def resume_command(argv: Sequence[str] | None = None) -> str:
    """The command line that resumes this run: the same arguments without ``--fresh``."""
    argv = list(sys.argv if argv is None else argv)
    prog = Path(argv[0]).name if argv else "?"
    return shlex.join([prog, *[a for a in argv[1:] if a != "--fresh"]])


def _safe_key(parts: Sequence[Any]) -> str:
    key = "-".join(str(p) for p in parts)
    return re.sub(r"[^A-Za-z0-9._=+-]", "_", key)


class Unit:
    """One cell of a run's grid (e.g. model C8, seed 1): its folder, its result once finished, its checkpoint.

    Obtain units from :meth:`RunFolder.unit`; do not construct them directly.
    """

    def __init__(self, run: RunFolder, key: str):
        self.run = run
        self.key = key
        self.dir = run.out / "units" / key
        self.result_path = self.dir / "result.json"
        self.checkpoint_path = self.dir / "checkpoint.pt"

    @property
    def done(self) -> bool:
        """Whether this unit finished (its result file exists)."""
        return self.result_path.exists()

    def load(self) -> dict[str, Any]:
        """The finished unit's result; a corrupt file or one made under another config raises a one-line error."""
        fix = f"delete {self.dir} (that unit is recomputed) or rerun with --fresh"
        rec = read_json(self.result_path, what="unit result", fix=fix)
        if not (isinstance(rec, dict) and isinstance(rec.get("result"), dict) and "config_sha256" in rec):
            raise CorruptFileError(f"unit result {self.result_path} is not an equi-runs unit record: {fix}")
        if rec["config_sha256"] != self.run.config_sha256:
            raise ConfigMismatchError(f"unit {self.result_path} was computed under another config: {fix}")
        return rec["result"]

    def save(self, result: Mapping[str, Any], seconds: float | None = None) -> None:
        """Store the finished unit's result atomically, drop its checkpoint, and record the elapsed time."""
        write_json_atomic(
            {
                "key": self.key,
                "config_sha256": self.run.config_sha256,
                "seconds": seconds,
                "code": dict(self.run.code),
                "result": dict(result),
            },
            self.result_path,
        )
        self.checkpoint_path.unlink(missing_ok=True)
        self.run._unit_finished()

    def load_checkpoint(self) -> Any | None:
        """The unit's last checkpoint (``torch.load(weights_only=True)``), or None when there is none."""
        if not self.checkpoint_path.exists():
            return None
        fix = f"delete {self.checkpoint_path} (the unit restarts) or rerun with --fresh"
        return load_torch(self.checkpoint_path, fix=fix)

    def save_checkpoint(self, state: Any) -> None:
        """Write the unit's checkpoint atomically (tensors, containers and plain values only)."""
        save_torch_atomic(state, self.checkpoint_path)


class RunFolder:
    """A resumable run in ``out``: units saved as they finish, settings checked against earlier pieces.

    Use it as a context manager: inside, Ctrl-C (or SIGTERM) prints one line saying what is saved and the
    command that resumes, and the process exits with status 130 instead of a traceback.

    Args:
        out: the run folder (created; an existing file or an unwritable folder is refused at once).
        package: distribution name, recorded with the results.
        module_file: a file of the package (``__file__``), to record its git commit.
        config: every setting the units depend on (epochs, width, data size, ...). The grid's own axes
            (which models, which seeds) do not belong here: a rerun may add models or seeds.
        fresh: delete earlier units and records in ``out`` and start over.
        argv: the command line (default ``sys.argv``), recorded and used for the resume hint.
        device: recorded in the provenance.

    Examples:
        >>> import tempfile
        >>> out = tempfile.mkdtemp()
        >>> with RunFolder(out, package="equi-runs", module_file=__file__, config={"epochs": 2}) as run:
        ...     unit = run.unit("C8", "seed0")
        ...     if not unit.done:
        ...         unit.save({"test_error": 0.1})
        ...     unit.load()["test_error"]
        0.1
        >>> RunFolder(out, package="equi-runs", module_file=__file__, config={"epochs": 3})
        Traceback (most recent call last):
        ...
        equi_runs._run.ConfigMismatchError: ... was run with other settings (epochs: 2 -> 3): ...
    """

    def __init__(
        self,
        out: str | Path,
        *,
        package: str,
        module_file: str | Path,
        config: Mapping[str, Any],
        fresh: bool = False,
        argv: Sequence[str] | None = None,
        device: str | None = None,
    ):
        self.out = prepare_out(out)
        self.package = package
        self.module_file = module_file
        self.config = json.loads(json.dumps(config))
        self.config_sha256 = config_hash(self.config)
        self.argv = list(sys.argv if argv is None else argv)
        self.device = device
        self.total_units: int | None = None
        self.skipped = 0
        self._t0 = time.perf_counter()
        self._started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        # the code this piece runs (at its start; metrics.json's provenance is taken when it is written)
        code = code_version(module_file, exclude=self.out)
        self.code = {"git_commit": code["git_commit"], "git_dirty": code["git_dirty"]}
        if fresh:
            self._clear()
        record_path = self.out / RUN_RECORD
        self.pieces: list[dict[str, Any]] = []
        if record_path.exists():
            fix = "rerun with --fresh to start over, or choose another --out"
            rec = read_json(record_path, what="run record", fix=fix)
            if not isinstance(rec, dict) or rec.get("schema") != RUN_SCHEMA:
                raise CorruptFileError(f"run record {record_path} is not an {RUN_SCHEMA} record: {fix}")
            if rec.get("package") != package:
                raise ConfigMismatchError(f"{self.out} holds a run of {rec.get('package')}, not {package}: {fix}")
            if rec.get("config_sha256") != self.config_sha256:
                diff = "; ".join(config_diff(rec.get("config", {}), self.config)) or "config differs"
                raise ConfigMismatchError(f"{self.out} was run with other settings ({diff}): {fix}")
            self.pieces = list(rec.get("wall_pieces", []))
        elif (self.out / "units").exists() or (self.out / "metrics.json").exists():
            raise ConfigMismatchError(
                f"{self.out} holds results without a run record (an older version?): rerun with --fresh or "
                "choose another --out"
            )
        self._save_record()

    # --- records ---------------------------------------------------------------------------------------------
    def _clear(self) -> None:
        shutil.rmtree(self.out / "units", ignore_errors=True)
        for name in (RUN_RECORD, "metrics.json"):
            (self.out / name).unlink(missing_ok=True)

    def _piece(self) -> dict[str, Any]:
        return {"started": self._started, "seconds": time.perf_counter() - self._t0, "argv": self.argv, **self.code}

    def _save_record(self) -> None:
        write_json_atomic(
            {
                "schema": RUN_SCHEMA,
                "package": self.package,
                "config": self.config,
                "config_sha256": self.config_sha256,
                "wall_pieces": [*self.pieces, self._piece()],
            },
            self.out / RUN_RECORD,
        )

    def _unit_finished(self) -> None:
        self._save_record()

    @property
    def wall_pieces(self) -> list[dict[str, Any]]:
        """Earlier pieces of this run plus the current one (its seconds so far)."""
        return [*self.pieces, self._piece()]

    # --- units -----------------------------------------------------------------------------------------------
    def unit(self, *parts: Any) -> Unit:
        """The unit named by ``parts`` (e.g. ``run.unit("C8", "seed1")`` -> ``units/C8-seed1``)."""
        if not parts:
            raise ValueError("a unit needs a name")
        return Unit(self, _safe_key(parts))

    def finished_units(self) -> list[str]:
        """Keys of every finished unit in the folder."""
        return sorted(p.parent.name for p in (self.out / "units").glob("*/result.json"))

    # --- metrics ---------------------------------------------------------------------------------------------
    def metrics(
        self,
        metrics: Mapping[str, Any],
        *,
        per_seed: Mapping[str, Mapping[Any, float]] | None = None,
        headline: Sequence[Mapping[str, Any]] = (),
        seeds: Sequence[int] = (),
        version: str,
        complete: bool = True,
    ) -> dict[str, Any]:
        """The schema'd metrics document of this run (validated). Means of ``per_seed`` fill ``metrics``."""
        per_seed = {k: {str(s): float(v) for s, v in d.items()} for k, d in (per_seed or {}).items()}
        flat = {**aggregate(per_seed), **dict(metrics)}
        pieces = self.wall_pieces
        doc = {
            "schema": SCHEMA,
            "package": self.package,
            "version": version,
            "command": [Path(self.argv[0]).name if self.argv else self.package, *self.argv[1:]],
            "config": self.config,
            "provenance": provenance(self.package, self.module_file, self.device, exclude=self.out),
            "wall_seconds": sum(p["seconds"] for p in pieces),
            "wall_pieces": pieces,
            "complete": bool(complete),
            "seeds": [int(s) for s in seeds],
            "metrics": flat,
            "per_seed": per_seed,
            "headline": [dict(c) for c in headline],
        }
        doc = json.loads(json.dumps(doc, default=float))
        validate_metrics(doc)
        return doc

    def write_metrics(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Build (see :meth:`metrics`), validate and write ``metrics.json`` atomically; returns the document."""
        doc = self.metrics(*args, **kwargs)
        self._save_record()
        write_json_atomic(doc, self.out / "metrics.json")
        return doc

    # --- interruption ----------------------------------------------------------------------------------------
    def interrupted_message(self) -> str:
        done = len(self.finished_units())
        of = f" of {self.total_units}" if self.total_units is not None else ""
        return (
            f"interrupted: {done}{of} units finished and saved in {self.out}; resume with: {resume_command(self.argv)}"
        )

    def __enter__(self) -> RunFolder:
        self._old_term = None
        if threading.current_thread() is threading.main_thread():

            def _term(signum: int, frame: FrameType | None) -> None:
                raise KeyboardInterrupt

            self._old_term = signal.signal(signal.SIGTERM, _term)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if self._old_term is not None:
            signal.signal(signal.SIGTERM, self._old_term)
        if exc_type is KeyboardInterrupt:
            try:
                self._save_record()
            finally:
                print(self.interrupted_message(), file=sys.stderr, flush=True)
            raise SystemExit(130)
        if exc_type is None:
            self._save_record()
        return False


__all__ = ["ConfigMismatchError", "RunFolder", "Unit", "config_diff", "config_hash", "prepare_out", "resume_command"]
