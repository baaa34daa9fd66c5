"""Command-line conventions shared by every equilab package.

- Lists are space-separated values: ``--models C8 D4``, ``--seeds 0 1 2``.
- Every name is validated by the parser, before torch or any data is imported, and the error lists the choices.
- ``--out``, ``--quick``, ``--fresh``, ``--seeds``, ``--threads``, ``--device``, ``--no-progress`` are spelled,
  typed and documented the same everywhere (:func:`add_run_options`).
- A user-facing error (:class:`equi_runs.RunError`) is one line and exit status 2; Ctrl-C is one line and 130
  (:func:`cli_main`).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ._io import RunError

_DEVICE = re.compile(r"^(cpu|mps|cuda(:\d+)?)$")


def make_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` whose help keeps the description's line breaks (plain text, no markup)."""
    return argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def _int_at_least(text: str, low: int, need: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if v < low:
        raise argparse.ArgumentTypeError(f"{v} is {need}")
    return v


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _int_at_least(text, 1, "not positive (need >= 1)")


def nonnegative_int(text: str) -> int:
    """argparse type: an integer >= 0 (e.g. a seed)."""
    return _int_at_least(text, 0, "negative (need >= 0)")


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (v > 0 and v != float("inf")):
        raise argparse.ArgumentTypeError(f"{text} is not a positive finite number")
    return v


def device_name(text: str) -> str:
    """argparse type: ``cpu``, ``cuda``, ``cuda:N`` or ``mps`` (availability is checked by :func:`resolve_device`)."""
    if not _DEVICE.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a device: use cpu, cuda, cuda:N or mps")
    return text


def add_run_options(
    p: argparse.ArgumentParser,
    *,
    quick: str | None = None,
    seeds: Sequence[int] | str | None = None,
    threads: int | None = None,
    device: bool = True,
    fresh: bool = True,
) -> None:
    """Add the shared options to a ``reproduce``/``bench`` sub-parser.

    Args:
        quick: help text of ``--quick`` (what the quick run does, and how long it takes); None: no ``--quick``.
        seeds: the default seeds shown in the help, as numbers or a phrase such as ``"0 1 2 (--quick: 0)"``
            (None: no ``--seeds``).
        threads: default torch CPU threads (None: torch's choice).
        device: add ``--device``.
        fresh: add ``--fresh`` (for commands that resume).
    """
    p.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder (a rerun resumes in it)")
    if quick is not None:
        p.add_argument("--quick", action="store_true", help=quick)
    if fresh:
        p.add_argument("--fresh", action="store_true", help="delete earlier results in --out and start over")
    if seeds is not None:
        default = "default: " + (seeds if isinstance(seeds, str) else " ".join(map(str, seeds)))
        p.add_argument("--seeds", nargs="+", type=nonnegative_int, default=None, metavar="N", help=f"seeds ({default})")
    shown = "torch's choice" if threads is None else str(threads)
    p.add_argument(
        "--threads", type=positive_int, default=threads, metavar="N", help=f"torch CPU threads (default: {shown})"
    )
    if device:
        p.add_argument(
            "--device", type=device_name, default=None, help="cpu, cuda, cuda:N or mps (default: cuda if present)"
        )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def check_unique(values: Sequence[object] | None, option: str) -> None:
    """Refuse a list option that names a value twice (``--seeds 0 0``)."""
    if values is None:
        return
    seen: set[object] = set()
    dup = [v for v in values if v in seen or seen.add(v)]  # type: ignore[func-returns-value]
    if dup:
        raise RunError(f"{option} names {dup[0]!r} twice")


def check_choices(values: Sequence[str] | None, valid: Sequence[str], option: str) -> None:
    """Refuse unknown names in a list option, listing the valid ones (for choices only known after parsing)."""
    if values is None:
        return
    bad = [v for v in values if v not in valid]
    if bad:
        raise RunError(f"{option}: unknown {', '.join(map(repr, bad))}; choose from {' '.join(valid)}")


def resolve_device(name: str | None) -> str:
    """The torch device to use: ``name``, or ``cuda`` when available, else ``cpu``; refuses an absent device."""
    import torch

    if name is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RunError(f"--device {name}: no CUDA device is available here (use --device cpu)")
        idx = int(name.split(":")[1]) if ":" in name else 0
        if idx >= torch.cuda.device_count():
            raise RunError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) here")
    if name == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise RunError("--device mps: MPS is not available here (use --device cpu)")
    return name


def apply_threads(threads: int | None) -> None:
    """Set torch's CPU thread count when given (imports torch)."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


def cli_main(run: Callable[[list[str]], int | None], argv: Sequence[str] | None = None, prog: str = "") -> int:
    """Run a command-line handler: a :class:`RunError` prints ``prog: error: message`` and returns 2; Ctrl-C
    outside a run folder prints one line and returns 130. Other exceptions (bugs) keep their traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    prog = prog or Path(sys.argv[0]).name
    try:
        return int(run(args) or 0)
    except RunError as e:
        print(f"{prog}: error: {e}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted before any result was saved", file=sys.stderr, flush=True)
        return 130
