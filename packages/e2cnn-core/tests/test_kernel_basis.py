"""Analytic steerable kernel bases: kernel constraint, and escnn as an oracle (same dimension, same span)."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
from e2cnn_core._kernel_basis import kernel_basis, rep_basis
from e2cnn_core._radial import kernel_geometry
from equi_groups import O2, SO2, CyclicGroup, DihedralGroup, irrep, quotient, regular
from equi_groups import direct_sum as dsum

FINITE_N = (1, 2, 3, 4, 5, 8)


def _groups() -> list:
    out = [CyclicGroup(n) for n in FINITE_N]
    out += [DihedralGroup(n, 0.0) for n in FINITE_N]
    out += [DihedralGroup(4, math.pi / 2), DihedralGroup(3, 0.3), DihedralGroup(1, math.pi / 2)]
    return out + [SO2(), O2()]


def _irreps(G) -> tuple:
    return G.irreps(3)


# ------------------------------------------------------------------------------------------------- constraint
def _rotate_points(G, g, pts: np.ndarray) -> np.ndarray:
    return pts @ G.standard_matrix(g).T


@pytest.mark.parametrize("G", _groups(), ids=str)
def test_kernel_constraint_on_random_points(G) -> None:
    """Evaluate the sampled basis at points g x: the analytic basis is sampled on arbitrary points through a
    custom grid, so we check k(g x) = rho_out(g) k(x) rho_in(g)^-1 at random continuous points and
    elements."""
    from e2cnn_core._kernel_basis import _angular_elements, _angular_matrix, _group_params, _irrep

    N, refl, axis = _group_params(G)
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(9, 2))
    th = np.arctan2(pts[:, 1], pts[:, 0])
    elements = G.generators() + G.sample(6, seed=3)
    worst, count = 0.0, 0
    for pi in _irreps(G):
        for po in _irreps(G):
            ai, ao = _irrep(G, pi), _irrep(G, po)
            for k in range(7):
                for kind, s, ph in _angular_elements(N, refl, ai, ao, k, None):
                    count += 1
                    a = _angular_matrix(kind, s * (th - axis) + ph)
                    for g in elements:
                        gp = _rotate_points(G, g, pts)
                        ag = _angular_matrix(kind, s * (np.arctan2(gp[:, 1], gp[:, 0]) - axis) + ph)
                        rhs = np.einsum("ab,bcp,dc->adp", G.irrep_matrix(po, g), a, G.irrep_matrix(pi, g))
                        worst = max(worst, float(np.abs(ag - rhs).max()))
    assert count > 0
    assert worst < 1e-6


@pytest.mark.parametrize("G", [CyclicGroup(4), DihedralGroup(4), DihedralGroup(4, math.pi / 4)], ids=str)
def test_sampled_basis_is_equivariant_on_the_grid(G) -> None:
    """On the pixel grid, 90-degree rotations and axis flips permute the taps: the sampled basis satisfies the
    constraint exactly there, for a representation with a change of basis."""
    from e2cnn_core._gspace import GSpace2D

    gs = GSpace2D(G)
    rin = regular(G) + irrep(G, G.irreps()[2])
    rout = quotient(G, CyclicGroup(2)) if isinstance(G, CyclicGroup) else regular(G)
    b = kernel_basis(rin, rout, 5)
    for g in G.elements():
        if not gs.is_grid_exact(g):
            continue
        moved = gs.transform_grid(b, ~g)  # k(g x) on the grid: [g^-1 k](x) = k(g x)
        ro, ri = torch.as_tensor(rout(g)), torch.as_tensor(rin(g))
        rhs = torch.einsum("ab,dbcij,ec->daeij", ro, b, ri)
        assert (moved - rhs).abs().max() < 1e-10


def test_geometry_defaults_follow_escnn() -> None:
    g = kernel_geometry(7)
    assert g.rings == (0.0, 1.0, 2.0, 3.0)
    assert g.sigma == (0.005, 0.6, 0.6, 0.4)
    assert g.max_frequencies == (0.0, 2.0, 3.0, 2.0)
    assert kernel_geometry(5, frequencies_cutoff=3.0).max_frequencies == (0.0, 3.0, 6.0)
    assert kernel_geometry(5, dilation=2).rings == (0.0, 2.0, 4.0)


def test_maximum_offset_limits_aliasing() -> None:
    G = CyclicGroup(2)
    full = kernel_basis(irrep(G, 0), irrep(G, 0), 7).shape[0]
    none = kernel_basis(irrep(G, 0), irrep(G, 0), 7, maximum_offset=0).shape[0]
    assert none < full


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="ring radius 9"):
        kernel_geometry(3, rings=[0.0, 9.0])
    with pytest.raises(ValueError, match="sigma has 1 entries"):
        kernel_geometry(5, sigma=[0.5])
    with pytest.raises(ValueError, match="kernel_size"):
        kernel_geometry(0)


def test_basis_is_cached_value() -> None:
    G = DihedralGroup(8)
    g = kernel_geometry(5)
    assert rep_basis(regular(G), regular(G), g) is rep_basis(regular(G), regular(G), kernel_geometry(5))


# ------------------------------------------------------------------------------------------------- escnn
# oracle
def _escnn_space(G):
    from escnn import gspaces

    if isinstance(G, CyclicGroup):
        return gspaces.rot2dOnR2(G.N)
    if isinstance(G, DihedralGroup):
        return gspaces.flipRot2dOnR2(G.N, axis=G.axis)
    if isinstance(G, SO2):
        return gspaces.rot2dOnR2(-1, maximum_frequency=10)
    return gspaces.flipRot2dOnR2(-1, maximum_frequency=10)


@functools.cache
def _matched_elements(G) -> tuple[list, list]:
    """Pairs (escnn element, our element) acting on the plane by the same matrix."""
    gs = _escnn_space(G)
    E = gs.fibergroup
    if G.is_finite:
        esc = list(E.elements)
    else:
        rng = np.random.default_rng(5)
        angles = rng.uniform(0, 2 * np.pi, 7)
        if isinstance(G, SO2):
            esc = [E.element(float(t)) for t in angles]
        else:
            esc = [E.element((f, float(t))) for f in (0, 1) for t in angles]
    ours = []
    for e in esc:
        m = np.asarray(gs.basespace_action(e), dtype=float)
        f = int(np.linalg.det(m) < 0)
        r = m @ np.diag([1.0, -1.0]) if f else m
        ours.append(G.from_o2(f, math.atan2(r[1, 0], r[0, 0])))
    return esc, ours


def _intertwiner(esc_rep, our_rep, G) -> np.ndarray:
    """Invertible T with esc_rep(e) T = T our_rep(g) on matched elements."""
    esc, ours = _matched_elements(G)
    n = our_rep.dim
    rows = []
    for e, g in zip(esc, ours, strict=True):
        a, b = np.asarray(esc_rep(e), dtype=float), our_rep(g)
        rows.append(np.kron(np.eye(n), a) - np.kron(b.T, np.eye(n)))
    _, s, vt = np.linalg.svd(np.concatenate(rows), full_matrices=False)
    null = vt[int(np.sum(s > 1e-8)) :]
    assert len(null), f"{esc_rep} and {our_rep} are not equivalent"
    coef = np.random.default_rng(0).normal(size=len(null))
    t = (coef @ null).reshape(n, n).T
    assert np.linalg.cond(t) < 1e8, "no invertible intertwiner found"
    return t


def _escnn_irrep(G, psi):
    """The escnn irrep with the same character as ours."""
    E = _escnn_space(G).fibergroup
    if isinstance(G, SO2):
        cands = [E.irrep(k) for k in range(8)]
    elif isinstance(G, O2):
        cands = [E.irrep(0, 0), E.irrep(1, 0)] + [E.irrep(1, k) for k in range(1, 8)]
    else:
        cands = list(E.irreps())
    esc, ours = _matched_elements(G)
    ours_chi = np.array([np.trace(G.irrep_matrix(psi, g)) for g in ours])
    for c in cands:
        chi = np.array([np.trace(np.asarray(c(e))) for e in esc])
        if np.allclose(chi, ours_chi, atol=1e-8):
            return c
    raise AssertionError(f"no escnn irrep matches {psi}")


def _escnn_basis(G, esc_in, esc_out, **kw) -> np.ndarray:
    """escnn's R2Conv basis for one pair of representations: (D, out, in, P) float64, by one-hot expansion."""
    from escnn import nn as enn

    gs = _escnn_space(G)
    try:
        conv = enn.R2Conv(enn.FieldType(gs, [esc_in]), enn.FieldType(gs, [esc_out]), initialize=False, **kw)
    except ValueError as err:  # escnn refuses an empty basis
        assert "empty" in str(err)
        return np.zeros((0, esc_out.size, esc_in.size, kw["kernel_size"] ** 2))
    blocks = [m for m in conv.basisexpansion.modules() if hasattr(m, "sampled_basis")]
    if len(blocks) == 1:  # one field in, one field out: escnn's sampled basis is the whole basis
        b = blocks[0].sampled_basis
        return b.reshape(b.shape[0], esc_out.size, esc_in.size, -1).double().numpy()
    D = conv.basisexpansion.dimension()
    out = []
    with torch.no_grad():
        for d in range(D):
            w = torch.zeros(D)
            w[d] = 1.0
            out.append(conv.basisexpansion(w).reshape(esc_out.size, esc_in.size, -1).double().numpy())
    return np.stack(out)


def _residual(a: np.ndarray, b: np.ndarray) -> float:
    """Largest relative residual of projecting the rows of ``a`` onto the row space of ``b``."""
    if len(a) == 0:
        return 0.0
    q, _ = np.linalg.qr(b.T)
    proj = (a @ q) @ q.T
    return float((np.linalg.norm(a - proj, axis=1) / np.linalg.norm(a, axis=1)).max())


def _compare(G, our_in, our_out, esc_in, esc_out, **kw) -> None:
    ks = kw["kernel_size"]
    ours = kernel_basis(our_in, our_out, ks, **{k: v for k, v in kw.items() if k != "kernel_size"}).numpy()
    ours = ours.reshape(len(ours), our_out.dim, our_in.dim, ks * ks)
    theirs = _escnn_basis(G, esc_in, esc_out, **kw)
    assert len(ours) == len(theirs), f"{G} {our_in} -> {our_out}: dimension {len(ours)}, escnn {len(theirs)}"
    if len(ours) == 0:
        return
    t_in, t_out = _intertwiner(esc_in, our_in, G), _intertwiner(esc_out, our_out, G)
    mapped = np.einsum("ab,dbcp,ce->daep", t_out, ours, np.linalg.inv(t_in))
    flat_o, flat_t = mapped.reshape(len(mapped), -1), theirs.reshape(len(theirs), -1)
    assert _residual(flat_t, flat_o) < 1e-6
    assert _residual(flat_o, flat_t) < 1e-6


@pytest.mark.parametrize("G", _groups(), ids=str)
def test_irreps_pairs_match_escnn(G) -> None:
    pytest.importorskip("escnn")
    for pi in _irreps(G):
        for po in _irreps(G):
            _compare(G, irrep(G, pi), irrep(G, po), _escnn_irrep(G, pi), _escnn_irrep(G, po), kernel_size=5)


@pytest.mark.parametrize(
    "kw",
    [
        {"kernel_size": 3},
        {"kernel_size": 7},
        {"kernel_size": 5, "frequencies_cutoff": 3.0, "sigma": 0.5},
        {"kernel_size": 5, "frequencies_cutoff": -3.0, "rings": [0.0, 1.5, 2.5]},
        {"kernel_size": 5, "dilation": 2, "frequencies_cutoff": -2.0},
        {"kernel_size": 4},
        {"kernel_size": 6, "dilation": 2},
    ],
    ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()),
)
@pytest.mark.parametrize("G", [CyclicGroup(5), DihedralGroup(4), SO2(), O2()], ids=str)
def test_settings_match_escnn(G, kw) -> None:
    pytest.importorskip("escnn")
    ids = _irreps(G)
    our = dsum(*[irrep(G, p) for p in ids])
    from escnn.group import directsum

    esc = directsum([_escnn_irrep(G, p) for p in ids])
    _compare(G, our, our, esc, esc, **kw)


def _finite_reps(G) -> list:
    """(ours, escnn) pairs of regular and quotient representations."""
    E = _escnn_space(G).fibergroup
    out = [(regular(G), E.regular_representation)]
    N = G.N
    for M in (d for d in range(1, N) if N % d == 0 and d > 1):
        out.append(
            (
                quotient(G, CyclicGroup(M)),
                E.quotient_representation(M if isinstance(G, CyclicGroup) else (None, M)),
            )
        )
    if isinstance(G, DihedralGroup) and N > 1:
        out.append((quotient(G, CyclicGroup(N)), E.quotient_representation((None, N))))
        out.append((quotient(G, DihedralGroup(1, G.axis)), E.quotient_representation((0, 1))))
    return out


@pytest.mark.parametrize(
    "G", [CyclicGroup(n) for n in FINITE_N] + [DihedralGroup(n) for n in FINITE_N], ids=str
)
def test_regular_and_quotient_match_escnn(G) -> None:
    pytest.importorskip("escnn")
    reps = _finite_reps(G)
    pairs = [(a, b) for a in reps for b in reps]
    if G.order() > 10:  # D8: every quotient to and from the regular representation (keeps the test < 10 s)
        pairs = [(a, b) for a, b in pairs if reps[0] in (a, b)]
    for (our_in, esc_in), (our_out, esc_out) in pairs:
        _compare(G, our_in, our_out, esc_in, esc_out, kernel_size=5)
    # mixed: regular -> an irrep with a change of basis
    psi = G.irreps()[-1]
    _compare(G, reps[0][0], irrep(G, psi), reps[0][1], _escnn_irrep(G, psi), kernel_size=5)


@pytest.mark.parametrize("G", [CyclicGroup(3), CyclicGroup(8), DihedralGroup(6, 0.4), SO2(), O2()], ids=str)
def test_lifted_basis_satisfies_constraint_at_continuous_elements(G) -> None:
    """k(g x) = rho_out(g) k(x) rho_in(g)^-1 for the public basis (lifted through changes of basis),
    evaluated at random points x and g x for random elements g (continuous angles for SO2/O2)."""
    from e2cnn_core._kernel_basis import sample_kernel_basis
    from equi_groups import band_limited_regular, change_basis

    base = regular(G) if G.is_finite else band_limited_regular(G, 2)
    q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(base.dim, base.dim)))
    rin = change_basis(base, q)
    rout = dsum(irrep(G, _irreps(G)[1]), base)
    geometry = kernel_geometry(7)
    pts = np.random.default_rng(2).uniform(-3, 3, size=(20, 2))
    k = sample_kernel_basis(rin, rout, geometry, pts)
    assert k.shape[0] > 0
    worst = 0.0
    for g in G.sample(8, seed=4):
        kg = sample_kernel_basis(rin, rout, geometry, pts @ G.standard_matrix(g).T)
        rhs = np.einsum("ab,dbcp,ec->daep", rout(g), k, rin(g))
        worst = max(worst, float(np.abs(kg - rhs).max()))
    assert worst < 1e-6
    grid = sample_kernel_basis(rin, rout, geometry, geometry.points())
    assert np.allclose(grid, rep_basis(rin, rout, geometry).samples)


@pytest.mark.parametrize("N", [3, 4])
def test_a_model_built_with_both_libraries_defaults_matches_escnn(N) -> None:
    """Porting: ``flip_rot2d(N)`` and ``R2Conv`` with default settings (odd and even kernel sizes) give escnn's
    ``flipRot2dOnR2(N)`` model: the same group of plane matrices (odd N tells the reflection axis apart), the
    same parameter count per layer and the same basis span."""
    pytest.importorskip("escnn")
    import inspect

    from e2cnn_core import FieldType, R2Conv, flip_rot2d
    from equi_groups import trivial
    from escnn import gspaces
    from escnn import nn as enn

    gs, esc_gs = flip_rot2d(N), gspaces.flipRot2dOnR2(N)
    G, E = gs.group, esc_gs.fibergroup
    assert inspect.signature(gspaces.flipRot2dOnR2).parameters["axis"].default == pytest.approx(G.axis)

    def matrices(ms) -> set:
        return {tuple(np.round(np.asarray(m, dtype=float), 6).ravel() + 0.0) for m in ms}

    ours_m = matrices(G.standard_matrix(g) for g in G.elements())
    assert matrices(esc_gs.basespace_action(e) for e in E.elements) == ours_m
    axis0 = DihedralGroup(N, 0.0)
    assert (matrices(axis0.standard_matrix(g) for g in axis0.elements()) == ours_m) == (N % 2 == 0)

    layers = [(trivial(G), E.trivial_representation, 2, 5), (regular(G), E.regular_representation, 3, 4)]
    for our_rep, esc_rep, n_out, ks in layers:
        reg_out = [regular(G)] * n_out
        ours = R2Conv(FieldType(gs, [our_rep] * 2), FieldType(gs, reg_out), ks)
        theirs = enn.R2Conv(
            enn.FieldType(esc_gs, [esc_rep] * 2), enn.FieldType(esc_gs, [E.regular_representation] * n_out), ks
        )
        assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
        _compare(G, our_rep, regular(G), esc_rep, E.regular_representation, kernel_size=ks)
