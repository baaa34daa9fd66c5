"""Timings of the 3D part (used by ``equi-groups bench``), side by side with e3nn and escnn when installed.

* Wigner-D matrices of ``n`` Haar rotations (given as matrices) for l = 0..6: ours (numpy, float64) and e3nn's
  ``Irrep(l, 1).D_from_matrix`` (torch, float64), interleaved rounds, medians.
* Clebsch-Gordan coefficients for all l1, l2 <= 4 (all l3), from cold caches: ours and e3nn's ``wigner_3j``.
* Decompositions, once each from a cold in-process cache: tensor products ``D_l1 (x) D_l2`` (l1, l2 <= 2) and the
  restrictions of ``D_l`` (l <= 4) to the octahedral group; ours and escnn's (escnn may also read its disk cache).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from ._clebsch_gordan import cg_decomposition, clebsch_gordan
from ._grids3d import so3_grid
from ._harmonics import wigner_D
from ._polyhedral import PolyhedralGroup, _irreps, _rotations, _tables
from ._representation import _decompose, irrep, restrict, tensor_product
from ._so3 import SO3


def _time(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _clear_ours() -> None:
    for f in (clebsch_gordan, cg_decomposition, tensor_product, restrict, _decompose, _irreps, _tables, _rotations):
        f.cache_clear()


def bench_3d(
    n_rotations: int = 100_000, rounds: int = 3, max_degree: int = 6, with_escnn: bool = True
) -> dict[str, float | str]:
    """Median wall-clock times (ms) and e3nn/escnn-to-ours ratios; see the module docstring."""
    res: dict[str, float | str] = {"wigner_d.n_rotations": float(n_rotations), "rounds": float(rounds)}
    rot = so3_grid("haar", n_rotations, seed=0)
    try:
        import torch
        from e3nn import o3
    except Exception as err:  # noqa: BLE001 - e3nn is optional; any import failure means "not available"
        o3, torch = None, None
        res["e3nn"] = f"not available: {type(err).__name__}"
    else:
        import e3nn

        res["e3nn"] = e3nn.__version__
        rot_t = torch.tensor(rot)
    times: dict[str, list[float]] = {}
    for _ in range(rounds):  # interleaved: each round times every case once
        for l in range(max_degree + 1):
            times.setdefault(f"wigner_d_ms.l{l}.equi_groups", []).append(_time(lambda l=l: wigner_D(l, rot)))
            if o3 is not None:
                times.setdefault(f"wigner_d_ms.l{l}.e3nn", []).append(
                    _time(lambda l=l: o3.Irrep(l, 1).D_from_matrix(rot_t))
                )

        def ours_cg() -> None:
            _clear_ours()
            for l1 in range(5):
                for l2 in range(5):
                    cg_decomposition(l1, l2)

        times.setdefault("clebsch_gordan_ms.l4.equi_groups", []).append(_time(ours_cg))
        if o3 is not None:

            def e3nn_cg() -> None:
                from e3nn.o3 import _wigner

                _wigner._so3_clebsch_gordan.cache_clear()
                _wigner._su2_clebsch_gordan.cache_clear()
                for l1 in range(5):
                    for l2 in range(5):
                        for l3 in range(abs(l1 - l2), l1 + l2 + 1):
                            o3.wigner_3j(l1, l2, l3, dtype=torch.float64)

            times.setdefault("clebsch_gordan_ms.l4.e3nn", []).append(_time(e3nn_cg))
    for key, ts in times.items():
        res[key] = 1e3 * float(np.median(ts))
    for key in list(res):
        if key.endswith(".e3nn") and isinstance(res[key], float):
            base = key[: -len(".e3nn")]
            res[f"{base}.ratio_e3nn_over_ours"] = res[key] / res[f"{base}.equi_groups"]
    _bench_escnn(res, with_escnn)
    return res


def _bench_escnn(res: dict[str, float | str], with_escnn: bool) -> None:
    octa = PolyhedralGroup("octa")

    def ours() -> None:
        _clear_ours()
        for l1 in range(3):
            for l2 in range(3):
                _ = tensor_product(irrep(SO3(), l1), irrep(SO3(), l2)).change_of_basis
        for l in range(5):
            _ = restrict(irrep(SO3(), l), octa).change_of_basis

    res["decompose_ms.so3_tensor_l2_and_octa_restrict_l4.equi_groups"] = 1e3 * _time(ours)
    if not with_escnn:
        return
    try:
        import escnn
        import escnn.group as eg
    except Exception as err:  # noqa: BLE001 - escnn is optional
        res["escnn"] = f"not available: {type(err).__name__}"
        return
    res["escnn"] = escnn.__version__

    def theirs() -> None:
        so3 = eg.so3_group(4)
        for l1 in range(3):
            for l2 in range(3):
                _ = so3.irrep(l1).tensor(so3.irrep(l2)).change_of_basis
        for l in range(5):
            _ = so3.irrep(l).restrict("octa").change_of_basis

    res["decompose_ms.so3_tensor_l2_and_octa_restrict_l4.escnn"] = 1e3 * _time(theirs)
    res["decompose.ratio_escnn_over_ours"] = (
        res["decompose_ms.so3_tensor_l2_and_octa_restrict_l4.escnn"]
        / res["decompose_ms.so3_tensor_l2_and_octa_restrict_l4.equi_groups"]
    )
