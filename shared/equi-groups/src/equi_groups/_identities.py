"""The identities ``equi-groups reproduce`` checks numerically on every group (float64, seeded samples)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from equi_runs import save_figure

from ._fourier import FourierBasis, grid
from ._group import Group
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


def _reps(group: Group) -> list[Representation]:
    if group.is_finite:
        out = [irrep(group, i) for i in group.irreps()] + [regular(group)]
        if isinstance(group, DihedralGroup):
            out.append(quotient(group, CyclicGroup(group.N)))
        return out
    return [irrep(group, i) for i in group.irreps(4)] + [band_limited_regular(group, 3)]


def max_err(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    return float(max(np.abs(a - b).max() for a, b in pairs))


def check_identities(group: Group, seed: int = 0) -> dict[str, float]:
    """Largest float64 error of each identity on ``group`` over a seeded Haar sample (plus testing elements)."""
    els = group.sample(8, seed=seed) + group.testing_elements()[:8]
    out: dict[str, float] = {}
    reps = _reps(group)
    out["homomorphism"] = max_err([(r(g * h), r(g) @ r(h)) for r in reps for g in els for h in els[:4]])
    out["orthogonality"] = max_err([(r(g) @ r(g).T, np.eye(r.dim)) for r in reps for g in els])
    out["decomposition"] = max_err(
        [(r(g), r.change_of_basis @ from_irreps(group, r.irreps)(g) @ r.change_of_basis.T) for r in reps for g in els]
    )
    small = [irrep(group, i) for i in (group.irreps() if group.is_finite else group.irreps(3))][:4]
    out["clebsch_gordan"] = max_err(
        [
            (
                np.kron(a(g), b(g)),
                (t := tensor_product(a, b)).change_of_basis @ from_irreps(group, t.irreps)(g) @ t.change_of_basis.T,
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
    out["fourier_inversion"] = max_err([(fb.transform(values, pts), f)])
    out["plancherel"] = float(abs((values**2).mean() - (f**2).sum()))
    sub = _subgroup(group)
    if sub is not None:
        out["restriction"] = max_err(
            [(restrict(r, sub)(h), r(sub.inclusion(group, h))) for r in reps for h in sub.sample(4, seed=seed)]
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


def plot_fourier_error(path: Path) -> None:
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
    save_figure(fig, path)
