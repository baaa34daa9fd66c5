"""``equi-groups bench``: building and decomposing representations, escnn's equivalents side by side."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ._fourier import FourierBasis, grid
from ._planar import O2, CyclicGroup, DihedralGroup
from ._representation import quotient, regular


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bench(repeats: int = 5) -> dict:
    """Time building and decomposing representations; escnn's equivalents side by side when it is installed."""
    from ._representation import _decompose, _parse_atom

    res: dict[str, float | str] = {}
    cases = {
        "regular_D16": lambda: regular(DihedralGroup(16)),
        "regular_C16": lambda: regular(CyclicGroup(16)),
        "quotient_D16_C16": lambda: quotient(DihedralGroup(16), CyclicGroup(16)),
    }
    for name, make in cases.items():

        def cold(make=make):
            _decompose.cache_clear()
            _parse_atom.cache_clear()
            return make().change_of_basis

        res[f"decompose_ms.{name}"] = 1e3 * _median_time(cold, repeats)
        r = make()
        g = r.group.sample(1, seed=0)[0]
        res[f"matrix_us.{name}"] = 1e6 * _median_time(lambda r=r, g=g: r(g), 50)
    fb = FourierBasis(O2(), 3)
    pts = grid(O2(), "regular", 16)
    res["fourier_sampling_matrix_ms.O2_L3_N16"] = 1e3 * _median_time(lambda: fb.sampling_matrix(pts), repeats)
    try:
        import escnn.group as eg
    except Exception as err:  # noqa: BLE001 - escnn is optional; any import failure means "not available"
        res["escnn"] = f"not available: {type(err).__name__}"
    else:
        res["escnn"] = "1.0.11"
        res["escnn_decompose_ms.regular_D16"] = 1e3 * _median_time(
            lambda: eg.dihedral_group(16).regular_representation.change_of_basis, 1
        )
        res["escnn_decompose_ms.regular_C16"] = 1e3 * _median_time(
            lambda: eg.cyclic_group(16).regular_representation.change_of_basis, 1
        )
    return res
