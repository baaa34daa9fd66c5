"""``equi-groups`` command line: ``reproduce`` (numerical check of every identity) and ``bench`` (timings)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ._bench3d import bench_3d
from ._fourier import FourierBasis, grid
from ._group import Group
from ._identities3d import identity_metrics_3d
from ._planar import O2, SO2, CyclicGroup, DihedralGroup
from ._representation import (
    Representation,
    band_limited_regular,
    from_irreps,
    irrep,
    quotient,
    regular,
    restrict,
    tensor_product,
)

GROUPS: tuple[Group, ...] = (
    CyclicGroup(4),
    CyclicGroup(8),
    CyclicGroup(16),
    DihedralGroup(4),
    DihedralGroup(8),
    DihedralGroup(16),
    SO2(),
    O2(),
)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
    os.replace(tmp, path)


def _reps(group: Group) -> list[Representation]:
    if group.is_finite:
        out = [irrep(group, i) for i in group.irreps()] + [regular(group)]
        if isinstance(group, DihedralGroup):
            out.append(quotient(group, CyclicGroup(group.N)))
        return out
    return [irrep(group, i) for i in group.irreps(4)] + [band_limited_regular(group, 3)]


def _max_err(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    return float(max(np.abs(a - b).max() for a, b in pairs))


def check_identities(group: Group, seed: int = 0) -> dict[str, float]:
    """Largest float64 error of each identity on ``group`` over a seeded Haar sample (plus testing elements)."""
    els = group.sample(8, seed=seed) + group.testing_elements()[:8]
    out: dict[str, float] = {}
    reps = _reps(group)
    out["homomorphism"] = _max_err([(r(g * h), r(g) @ r(h)) for r in reps for g in els for h in els[:4]])
    out["orthogonality"] = _max_err([(r(g) @ r(g).T, np.eye(r.dim)) for r in reps for g in els])
    out["decomposition"] = _max_err(
        [
            (r(g), r.change_of_basis @ from_irreps(group, r.irreps)(g) @ r.change_of_basis.T)
            for r in reps
            for g in els
        ]
    )
    small = [irrep(group, i) for i in (group.irreps() if group.is_finite else group.irreps(3))][:4]
    out["clebsch_gordan"] = _max_err(
        [
            (
                np.kron(a(g), b(g)),
                (t := tensor_product(a, b)).change_of_basis
                @ from_irreps(group, t.irreps)(g)
                @ t.change_of_basis.T,
            )
            for a in small
            for b in small
            for g in els[:4]
        ]
    )
    fb = FourierBasis(group) if group.is_finite else FourierBasis(group, 3)
    pts = group.elements() if group.is_finite else grid(group, "regular", 16)
    f = np.random.default_rng(seed).standard_normal(fb.dim)
    values = fb.inverse(f, pts)
    out["fourier_inversion"] = _max_err([(fb.transform(values, pts), f)])
    out["plancherel"] = float(abs((values**2).mean() - (f**2).sum()))
    sub = _subgroup(group)
    if sub is not None:
        out["restriction"] = _max_err(
            [
                (restrict(r, sub)(h), r(sub.inclusion(group, h)))
                for r in reps
                for h in sub.sample(4, seed=seed)
            ]
        )
    return out


def _subgroup(group: Group) -> Group | None:
    if isinstance(group, DihedralGroup):
        return CyclicGroup(group.N)
    if isinstance(group, CyclicGroup) and group.N % 2 == 0:
        return CyclicGroup(group.N // 2)
    if isinstance(group, O2):
        return DihedralGroup(6)
    if isinstance(group, SO2):
        return CyclicGroup(5)
    return None


def reproduce(out: Path, quick: bool, seeds: Sequence[int]) -> dict:
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    groups = GROUPS[:4] + GROUPS[6:] if quick else GROUPS
    metrics: dict[str, float | list | str] = {}
    for group in tqdm(groups, desc="groups"):
        for seed in seeds:
            for name, err in check_identities(group, seed).items():
                key = f"max_error.{name}.{group}"
                metrics[key] = max(err, float(metrics.get(key, 0.0)))
    metrics.update(identity_metrics_3d(seeds))  # SO3, O3 and their subgroups (see _identities3d.py)
    metrics["seeds"] = list(seeds)
    metrics["machine"] = f"{platform.machine()} {os.cpu_count()} cpu"
    _plot_fourier_error(out / "fourier_lstsq_error.png")
    _write_json(out / "metrics.json", metrics)
    return metrics


def _plot_fourier_error(path: Path) -> None:
    """Least-squares inversion error of band-limited SO(2) functions vs number of Haar samples."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    for L in (2, 4, 8):
        fb = FourierBasis(SO2(), L)
        ns, errs = [], []
        for n in range(2 * L + 1, 6 * L + 2, max(1, L // 2)):
            pts = grid(SO2(), "haar", n, seed=n)
            v = np.random.default_rng(n).standard_normal(fb.dim)
            noisy = fb.inverse(v, pts) + 1e-3 * np.random.default_rng(n + 1).standard_normal(n)
            ns.append(n)
            errs.append(float(np.abs(fb.transform(noisy, pts) - v).max()))
        ax.semilogy(ns, errs, marker="o", label=f"L={L}")
    ax.set_xlabel("Haar samples")
    ax.set_ylabel("max coefficient error (noise 1e-3)")
    ax.set_title("SO(2) least-squares Fourier inversion")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bench(out: Path, repeats: int = 5) -> dict:
    """Time building and decomposing representations; escnn's equivalents side by side when it is installed."""
    from ._representation import _decompose, _parse_atom

    out.mkdir(parents=True, exist_ok=True)
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
    res.update({f"3d.{k}": v for k, v in bench_3d(rounds=min(repeats, 3)).items()})  # see _bench3d.py
    res["machine"] = f"{platform.machine()} {os.cpu_count()} cpu"
    _write_json(out / "bench.json", res)
    return res


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="equi-groups", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser(
        "reproduce", help="check every identity numerically, write metrics.json and a figure"
    )
    rep.add_argument("--quick", action="store_true")
    rep.add_argument("--out", type=Path, required=True)
    rep.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    b = sub.add_parser(
        "bench", help="time decompositions and Fourier bases (escnn side by side if installed)"
    )
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.command == "reproduce":
        metrics = reproduce(args.out, args.quick, args.seeds)
        worst = max(v for k, v in metrics.items() if k.startswith("max_error."))
        print(
            f"largest identity error over all groups: {worst:.2e} (float64); wrote {args.out / 'metrics.json'}"
        )
        return 0 if worst < 1e-9 else 1
    res = bench(args.out, args.repeats)
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
