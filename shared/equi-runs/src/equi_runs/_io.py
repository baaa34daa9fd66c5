"""Atomic writes and safe reads: nothing is ever half-written, a corrupt file is named with the way out."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any


class RunError(Exception):
    """A user-facing error: the command line prints its message as one line and exits with status 2."""


class CorruptFileError(RunError):
    """A run file (unit result, checkpoint, run record) that cannot be read; the message names it."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_replace(tmp: Path, path: Path) -> None:
    os.replace(tmp, path)
    try:  # make the rename durable where the platform allows it
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes_atomic(data: bytes, path: str | Path) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A reader (or a killed writer) sees either the old file or the whole new one, never a part.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _fsync_replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _clean(obj: Any) -> Any:
    """JSON-safe copy: tuples to lists, non-finite floats to None (strict JSON has no NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy / torch scalars
        return _clean(obj.item())
    return obj


def write_json_atomic(data: Any, path: str | Path) -> Path:
    """Write ``data`` as indented, key-sorted, strict JSON (NaN/inf become null), atomically.

    Examples:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.json"
        >>> _ = write_json_atomic({"b": float("nan"), "a": (1, 2)}, p)
        >>> read_json(p)
        {'a': [1, 2], 'b': None}
    """
    text = json.dumps(_clean(data), indent=2, sort_keys=True, allow_nan=False) + "\n"
    return write_bytes_atomic(text.encode(), path)


def read_json(path: str | Path, what: str = "run file", fix: str = "delete it or rerun with --fresh") -> Any:
    """Read a JSON file; a missing, empty or corrupt file raises :class:`CorruptFileError` naming it."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise CorruptFileError(f"cannot read {what} {path}: {e.strerror or e}") from None
    if not text.strip():
        raise CorruptFileError(f"{what} {path} is empty: {fix}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise CorruptFileError(f"{what} {path} is not valid JSON ({e.msg} at line {e.lineno}): {fix}") from None


def save_torch_atomic(obj: Any, path: str | Path) -> Path:
    """``torch.save`` through a temporary file and a rename (torch is imported here, not at module load)."""
    import io

    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    return write_bytes_atomic(buf.getvalue(), path)


def load_torch(path: str | Path, what: str = "checkpoint", fix: str = "delete it or rerun with --fresh") -> Any:
    """``torch.load(path, weights_only=True, map_location="cpu")``: tensors, containers and plain values only,
    never code. Any failure (truncated, empty, not a torch file, refused object) raises
    :class:`CorruptFileError` naming the file and the way out."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise CorruptFileError(f"{what} {path} does not exist")
    if path.stat().st_size == 0:
        raise CorruptFileError(f"{what} {path} is empty: {fix}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # UnpicklingError, EOFError, RuntimeError (zip), ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CorruptFileError(f"{what} {path} cannot be loaded safely ({first[:200]}): {fix}") from None


def save_figure(fig: Any, path: str | Path, dpi: int = 120) -> Path:
    """Save a matplotlib figure as PNG atomically and close it."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    try:
        import matplotlib.pyplot as plt

        plt.close(fig)
    except ImportError:  # pragma: no cover - a figure implies matplotlib
        pass
    return write_bytes_atomic(buf.getvalue(), path)
