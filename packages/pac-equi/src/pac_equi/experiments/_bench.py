"""``pac-equi bench``: time the Fourier decomposition of equivariant layers against a dense SVD."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from equi_groups import group_from_str, regular
from equi_runs import provenance, write_json_atomic

from .._fourier import decomposed_sum, fourier_decompose

__all__ = ["bench"]

CASES = (("C4", 16), ("C8", 16), ("D4", 16), ("C16", 8), ("D8", 8))


def _time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench(out: Path, repeats: int = 3) -> dict:
    """For ``c`` regular fields in and out: best-of-``repeats`` seconds of the Fourier decomposition (blocks and
    their spectral norms) and of the dense spectral norm ``np.linalg.norm(W, 2)``; writes ``bench.json``."""
    rows = {}
    rng = np.random.default_rng(0)
    for name, c in CASES:
        group = group_from_str(name)
        rho = decomposed_sum([regular(group)] * c)
        q = np.asarray(rho.change_of_basis)
        # a random intertwiner assembled in the irrep basis
        shape = fourier_decompose(np.zeros((rho.dim, rho.dim)), rho, rho)
        from .._fourier import LayerDecomposition, _assemble

        blocks = tuple(
            type(b)(b.irrep, b.dim, b.type, b.m_out, b.m_in, rng.standard_normal((b.m_out, b.m_in, b.type)))
            for b in shape.blocks
        )
        W = q @ _assemble(LayerDecomposition(group, blocks, shape.shape, 0.0), rho.irreps, rho.irreps) @ q.T
        t_f = _time(lambda W=W, rho=rho: fourier_decompose(W, rho, rho).spectral_norm(), repeats)
        t_d = _time(lambda W=W: np.linalg.norm(W, 2), repeats)
        err = abs(fourier_decompose(W, rho, rho).spectral_norm() - np.linalg.norm(W, 2)) / np.linalg.norm(W, 2)
        rows[f"{name}x{c}"] = {"dim": rho.dim, "fourier_seconds": t_f, "dense_svd_seconds": t_d, "rel_error": err}
        print(f"{name:4s} {c:3d} regular fields (dim {rho.dim:4d}): Fourier {t_f * 1e3:8.2f} ms, dense SVD "
              f"{t_d * 1e3:8.2f} ms, |difference| {err:.1e}")
    res = {"repeats": repeats, "cases": rows, "provenance": provenance("pac-equi", __file__)}
    write_json_atomic(res, out / "bench.json")
    print(f"wrote {out / 'bench.json'}")
    return res
