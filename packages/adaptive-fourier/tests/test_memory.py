import sys

import pytest
import torch
from adaptive_fourier.experiments._memory import peak_rss_bytes

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")


@linux
def test_peak_rss_grows_with_the_work():
    def work(n):
        return lambda: torch.ones(n, 1024, 256).sum()  # n MiB of float32

    work(1)()
    small, big = peak_rss_bytes(work(1)), peak_rss_bytes(work(64))
    assert small is not None and big is not None
    assert big - small > 48 * 2**20  # the 64 MiB tensor shows (allocator slack aside)


@linux
def test_failing_work_gives_none():
    def boom():
        raise RuntimeError("no")

    assert peak_rss_bytes(boom) is None
