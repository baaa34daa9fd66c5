"""Numerical check of every identity on the subgroups of O(3) (used by ``equi-groups reproduce``).

``check_identities_3d(group, seed)`` returns the largest float64 error of each identity on one group of
:data:`GROUPS_3D`; ``equi-groups reproduce`` runs it as one unit per group and seed.
"""

from __future__ import annotations

import numpy as np

from ._axial import AxialGroup
from ._fourier import FourierBasis, grid
from ._group import Group, GroupElement
from ._harmonics import spherical_harmonics
from ._identities import max_err
from ._o3 import O3
from ._polyhedral import PolyhedralGroup
from ._representation import (
    Representation,
    band_limited_regular,
    from_irreps,
    irrep,
    quotient,
    regular,
    restrict,
    standard,
    tensor_product,
)
from ._so3 import SO3

GROUPS_3D: tuple[Group, ...] = (
    SO3(),
    O3(),
    PolyhedralGroup("octa"),
    PolyhedralGroup("ico"),
    PolyhedralGroup("octa", True),
    AxialGroup(0, "x"),
    AxialGroup(0, "", True),
    AxialGroup(4, "m"),
)

#: A proper subgroup of each group for the restriction identity.
_SUBGROUPS: dict[str, Group] = {
    "SO3": PolyhedralGroup("ico"),
    "O3": AxialGroup(0, "m"),
    "Octa": AxialGroup(4, "x"),
    "Ico": AxialGroup(2, "x"),
    "FullOcta": AxialGroup(4, "", True),
    "O2x": AxialGroup(6, "x"),
    "SO2z_Inv": AxialGroup(4, "", True),
    "D4m": AxialGroup(2, "m"),
}

_BAND = 3  # band limit of the continuous groups' representations and Fourier bases


def _reps(group: Group) -> list[Representation]:
    if group.is_finite:
        out = [irrep(group, i) for i in group.irreps()] + [regular(group), standard(group)]
        if isinstance(group, PolyhedralGroup):
            out.append(quotient(group, AxialGroup(2, "x")))
        return out
    return [irrep(group, i) for i in group.irreps(_BAND)] + [standard(group), band_limited_regular(group, 2)]


def _euler_quadrature(L: int) -> np.ndarray:
    """Rotations ``(n, 3, 3)`` and weights of a product rule on SO(3) exact up to degree ``2 L`` (Wigner-D)."""
    n = 2 * L + 2
    a = 2 * np.pi * np.arange(n) / n
    z, w = np.polynomial.legendre.leggauss(L + 1)
    mats, weights = [], []
    for ai in a:
        for zi, wi in zip(z, w, strict=True):
            for gi in a:
                ca, sa, cg, sg = np.cos(ai), np.sin(ai), np.cos(gi), np.sin(gi)
                sb = np.sqrt(1 - zi * zi)
                rz1 = np.array([[ca, -sa, 0], [sa, ca, 0], [0, 0, 1]])
                ry = np.array([[zi, 0, sb], [0, 1, 0], [-sb, 0, zi]])
                rz2 = np.array([[cg, -sg, 0], [sg, cg, 0], [0, 0, 1]])
                mats.append(rz1 @ ry @ rz2)
                weights.append(wi / 2 / n**2)
    return np.array(mats), np.array(weights)


def _fourier_grid(group: Group, seed: int) -> tuple[list[GroupElement], np.ndarray | None]:
    """Grid and Haar weights (exact quadrature) when available."""
    if group.is_finite:
        els = group.elements()
        return els, np.full(len(els), 1.0 / len(els))
    if isinstance(group, SO3 | O3):
        mats, w = _euler_quadrature(_BAND)
        bits = (0, 1) if isinstance(group, O3) else (0,)
        return [group.from_o3(i, m) for i in bits for m in mats], np.concatenate([w / len(bits)] * len(bits))
    return group.sample(60, seed=seed), None


def check_identities_3d(group: Group, seed: int = 0) -> dict[str, float]:
    """Largest float64 error of each identity on ``group`` over seeded samples and its testing elements."""
    els = group.sample(6, seed=seed) + group.testing_elements()[:6]
    reps = _reps(group)
    out: dict[str, float] = {}
    out["homomorphism"] = max_err([(r(g * h), r(g) @ r(h)) for r in reps for g in els for h in els[:3]])
    out["orthogonality"] = max_err([(r(g) @ r(g).T, np.eye(r.dim)) for r in reps for g in els])
    out["decomposition"] = max_err(
        [(r(g), r.change_of_basis @ from_irreps(group, r.irreps)(g) @ r.change_of_basis.T) for r in reps for g in els]
    )
    small = [irrep(group, i) for i in (group.irreps() if group.is_finite else group.irreps(2))][:5]
    pairs = []
    for a in small:
        for b in small:
            t = tensor_product(a, b)
            pairs += [(np.kron(a(g), b(g)), t(g)) for g in els[:3]]
    out["clebsch_gordan"] = max_err(pairs)
    sub = _SUBGROUPS[str(group)]
    out["restriction"] = max_err(
        [(restrict(r, sub)(h), r(sub.inclusion(group, h))) for r in reps[:6] for h in sub.sample(3, seed=seed)]
    )
    fb = FourierBasis(group) if group.is_finite else FourierBasis(group, _BAND)
    pts, weights = _fourier_grid(group, seed)
    f = np.random.default_rng(seed).standard_normal(fb.dim)
    values = fb.inverse(f, pts)
    out["fourier_inversion"] = max_err([(fb.transform(values, pts), f)])
    if weights is not None:
        out["plancherel"] = float(abs(weights @ values**2 - f @ f))
    if isinstance(group, SO3 | O3):
        thomson = grid(group, "thomson", 120, seed=seed)
        out["fourier_inversion_thomson"] = max_err([(fb.transform(fb.inverse(f, thomson), thomson), f)])
        x = np.random.default_rng(seed).standard_normal((8, 3))
        errs = []
        for l in range(9):
            rho = irrep(group, l if isinstance(group, SO3) else (l, (-1) ** l))
            errs += [(spherical_harmonics(l, group.act(g, x)), spherical_harmonics(l, x) @ rho(g).T) for g in els]
        out["spherical_harmonics"] = max_err(errs)
    return out
