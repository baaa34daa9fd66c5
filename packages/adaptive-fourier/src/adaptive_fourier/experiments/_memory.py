"""Process peak memory of one piece of work: run it in a forked child and read the child's peak resident set.

Linux only (``/proc/self/status`` and ``/proc/self/clear_refs``); elsewhere :func:`peak_rss_bytes` returns None.
The child trims the C heap (``malloc_trim``), resets its peak RSS (``clear_refs`` 5), runs ``fn`` and reports
``VmHWM - VmRSS`` (start): the extra resident memory ``fn`` needed at its peak (tensors, autograd buffers,
allocator overhead), free of what the parent already held. A forked child must not enter the parent's OpenMP
thread pool (it would wait forever on threads that were not copied): it runs ``fn`` with one torch thread, and the
parent gives up (kills the child, returns None) after ``timeout`` seconds.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
from collections.abc import Callable

__all__ = ["peak_rss_bytes"]


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def _supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork") and os.path.exists("/proc/self/clear_refs")


def peak_rss_bytes(fn: Callable[[], object], timeout: float = 600.0) -> int | None:
    """Peak extra resident memory (bytes) of ``fn()`` run in a forked child (one torch thread); None where this
    cannot be measured, when ``fn`` fails, or after ``timeout`` seconds.

    Call ``fn`` once in the parent first (warm-up), so that lazy initialisation is not counted.
    """
    if not _supported():
        return None
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into the caller's code
        code = 1
        try:
            os.close(r)
            if "torch" in sys.modules:
                sys.modules["torch"].set_num_threads(1)
            try:
                ctypes.CDLL("libc.so.6").malloc_trim(0)
            except OSError:
                pass
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            start = _status_kib("VmRSS")
            fn()
            peak = _status_kib("VmHWM")
            os.write(w, str(max(0, peak - start) * 1024).encode())
            code = 0
        except BaseException:  # noqa: BLE001 - report nothing, the parent returns None
            pass
        finally:
            os._exit(code)
    os.close(w)
    data = b""
    try:
        while True:
            ready, _, _ = select.select([r], [], [], timeout)
            if not ready:  # the child hangs: give up on it
                os.kill(pid, signal.SIGKILL)
                data = b""
                break
            chunk = os.read(r, 64)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    return int(data) if data and status == 0 else None
