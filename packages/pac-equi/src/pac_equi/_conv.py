"""Fourier decomposition of a ``k x k`` steerable convolution as an intertwiner on (channels x filter offsets).

For a filter ``k: Omega -> R^{C_out x C_in}`` on the ``k x k`` offsets ``Omega`` with ``k(h x) = rho_out(h) k(x)
rho_in(h)^-1``, the unfolded matrix ``K[o, (c, x)] = k(x)[o, c]`` (the map from an input patch to one output pixel)
is an intertwiner ``rho_in (x) pi_Omega -> rho_out`` for every ``h`` that maps the pixel grid onto itself
(``pi_Omega`` permutes the offsets). On a square grid those are the rotations by multiples of 90 degrees and the
axis-aligned flips, so the decomposition is taken over the **grid subgroup** ``H`` of ``G`` (``C8, C16 -> C4``,
``D8 -> D4``; ``C4, D4`` and their subgroups are kept). ``rho_in (x) pi_Omega`` is split into irreps with
Clebsch-Gordan bases, never as a dense ``(C_in k^2)^2`` change of basis. ``||K||_2`` bounds the convolution's
operator norm by ``k ||K||_2`` (stride 1: each input pixel lies in at most ``k^2`` patches).
"""

from __future__ import annotations

import functools

import numpy as np
from equi_groups import (
    O2,
    CyclicGroup,
    DihedralGroup,
    PlanarGroup,
    Representation,
    decompose,
    irrep,
    tensor_product,
)

from ._fourier import LayerDecomposition, decompose_in_irrep_basis, decomposed_sum

__all__ = ["decompose_conv_filter", "grid_subgroup", "offset_representation"]


def _grid_exact(group: PlanarGroup) -> bool:
    return all(np.abs(m - np.round(m)).max() < 1e-9 for m in (group.standard_matrix(g) for g in group.elements()))


def grid_subgroup(group: PlanarGroup) -> PlanarGroup:
    """The largest subgroup of ``group`` among ``C1, C2, C4, D1, D2, D4`` (same reflection axis) whose elements all
    map the square pixel grid onto itself.

    Examples:
        >>> from equi_groups import SO2
        >>> str(grid_subgroup(CyclicGroup(16))), str(grid_subgroup(DihedralGroup(8))), str(grid_subgroup(SO2()))
        ('C4', 'D4', 'C4')
    """
    candidates: list[PlanarGroup] = []
    if isinstance(group, DihedralGroup | O2):
        axis = getattr(group, "axis", 0.0)
        candidates += [DihedralGroup(n, axis) for n in (4, 2, 1)]
    candidates += [CyclicGroup(n) for n in (4, 2, 1)]
    for h in candidates:
        if h.is_subgroup_of(group) and _grid_exact(h):
            return h
    return CyclicGroup(1)  # pragma: no cover - C1 is always a grid subgroup


def _offset_permutation(group: PlanarGroup, k: int, g: object) -> np.ndarray:
    c = (k - 1) / 2
    m = np.round(group.standard_matrix(g)).astype(int)  # type: ignore[arg-type]
    perm = np.zeros((k * k, k * k))
    for i in range(k):
        for j in range(k):
            x, y = j - c, c - i
            x2, y2 = m @ np.array([x, y])
            perm[int(round(c - y2)) * k + int(round(x2 + c)), i * k + j] = 1.0
    return perm


@functools.cache
def offset_representation(group: PlanarGroup, k: int) -> Representation:
    """``pi_Omega``: the permutation representation of a grid group on the ``k x k`` filter offsets (row-major,
    x right, y up), decomposed into irreps."""
    if not _grid_exact(group):
        raise ValueError(f"{group} does not map the pixel grid onto itself; use grid_subgroup({group})")
    return decompose(group, functools.partial(_offset_permutation, group, k), k * k)


def _restricted(reps: tuple[Representation, ...], h: PlanarGroup) -> Representation:
    if reps[0].group == h:
        return decomposed_sum(reps)
    cache: dict[Representation, Representation] = {}
    return decomposed_sum([cache.setdefault(r, r.restrict(h)) for r in reps])


def decompose_conv_filter(
    filt: np.ndarray, in_reps: tuple[Representation, ...], out_reps: tuple[Representation, ...]
) -> tuple[LayerDecomposition, PlanarGroup, np.ndarray]:
    """Fourier blocks of the unfolded filter of a steerable convolution over its grid subgroup.

    Args:
        filt: ``(C_out, C_in, k, k)`` float64 filter (e.g. ``R2Conv.expand_parameters()[0]``).
        in_reps, out_reps: the fields' representations (of the convolution's group ``G``).

    Returns:
        ``(decomposition, H, K)``: the blocks over ``H = grid_subgroup(G)`` (``residual`` measures how far the
        filter is from an ``H``-intertwiner), ``H``, and the unfolded ``(C_out, C_in k^2)`` matrix ``K``.
    """
    filt = np.asarray(filt, dtype=np.float64)
    c_out, c_in, k, k2 = filt.shape
    if k != k2:
        raise ValueError(f"filter must be square, got {k}x{k2}")
    group = in_reps[0].group
    h = grid_subgroup(group)
    rin, rout, rom = _restricted(tuple(in_reps), h), _restricted(tuple(out_reps), h), offset_representation(h, k)
    if (rin.dim, rout.dim) != (c_in, c_out):
        raise ValueError(f"filter is {c_out}x{c_in}, representations have dims {rout.dim}x{rin.dim}")
    K = filt.reshape(c_out, c_in * k * k)
    A = np.einsum("ao,acx,ci,xj->oij", np.asarray(rout.change_of_basis), filt.reshape(c_out, c_in, k * k),
                  np.asarray(rin.change_of_basis), np.asarray(rom.change_of_basis), optimize=True)
    off_in = np.cumsum([0] + [h.irrep_dim(p) for p in rin.irreps])
    off_om = np.cumsum([0] + [h.irrep_dim(p) for p in rom.irreps])
    cols, ids = [], []
    cg_cache: dict[tuple, Representation] = {}
    for i, psi in enumerate(rin.irreps):
        for j, phi in enumerate(rom.irreps):
            key = (psi, phi)
            if key not in cg_cache:
                cg_cache[key] = tensor_product(irrep(h, psi), irrep(h, phi))
            cg = cg_cache[key]
            blk = A[:, off_in[i] : off_in[i + 1], off_om[j] : off_om[j + 1]].reshape(c_out, -1)
            cols.append(blk @ np.asarray(cg.change_of_basis))
            ids += list(cg.irreps)
    Wp = np.concatenate(cols, 1)
    dec = decompose_in_irrep_basis(Wp, h, tuple(rout.irreps), tuple(ids), float(np.linalg.norm(K)))
    return dec, h, K
