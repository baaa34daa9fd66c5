"""Analytic bases of steerable kernels on the plane for C_N, D_N (any axis), SO(2) and O(2).

Weiler & Cesa, "General E(2)-Equivariant Steerable CNNs", NeurIPS 2019 (the kernel constraint, its solution
for irreps, and the lift to any representation through the change of basis).

Maths. A kernel ``k: R^2 -> R^{d_out x d_in}`` is steerable iff ``k(g x) = rho_out(g) k(x) rho_in(g)^-1`` for
all ``g``. With ``rho = Q (psi_1 + psi_2 + ...) Q^T`` (``Representation.change_of_basis``/``irreps``) the
solutions are ``k = Q_out k' Q_in^T`` with ``k'`` block-wise a solution for one pair of irreps
``(psi_in, psi_out)``. The constraint acts on the angle only, so ``k'(x) = sum_i G_i(|x|) A_i(theta)`` with
Gaussian rings ``G_i`` (see :mod:`e2cnn_core._radial`) and angular parts ``A`` built from circular harmonics of
frequency ``k``.

Angular solutions, per pair of irreps. Identify ``R^2`` with ``C`` (``v -> v_0 + i v_1``): a 2-dimensional
irrep of rotation frequency ``n`` rotates by ``e^{i n t}``, the reflections of D_N/O(2) act as complex
conjugation ``z -> z*``; 1-dimensional irreps have rotation frequency ``0`` (or ``N/2`` for C_N/D_N with N
even: ``(-1)^r``) and, for groups with reflections, a sign ``eps = (-1)^j`` under the reflection. Let
``m``/``n`` be the input/output frequencies and ``theta'`` the angle measured from the reflection axis ``a``
(``a = 0`` without reflections). Every real-linear map is ``z -> alpha z + beta z*`` (2 -> 2),
``x -> gamma x`` (1 -> 2), ``z -> Re(delta z)`` (2 -> 1) or ``x -> f x`` (1 -> 1). Rotations by ``t`` require

* ``alpha(theta + t) = e^{i(n - m)t} alpha(theta)``, ``beta(theta + t) = e^{i(n + m)t} beta(theta)``,
  ``gamma, delta: e^{i(n - m)t}``, ``f``: ``e^{i(n - m)t}`` (a sign),

so each is ``c e^{i s theta'}`` with ``s = n -+ m`` for SO(2)/O(2) and ``s = n -+ m + t N`` (aliasing, any
integer ``t``) for C_N/D_N; the harmonic frequency of the element is ``k = |s|``. Without reflections ``c`` is
any complex number (2 real elements: phases 0 and pi/2); ``f`` is ``cos(k theta)`` or ``sin(k theta)`` (one
element if k = 0). The reflection ``theta' -> -theta'`` fixes the phase: ``alpha, beta``: ``c`` real;
``gamma``: ``c = eps_in c*``; ``delta``: ``c = eps_out c*``; ``f``: ``cos(k theta')`` if
``eps_in eps_out = 1`` else ``sin(k theta')`` (none for k = 0). At the origin every element with ``k > 0``
vanishes. An element of frequency ``k`` on ring ``r`` is kept iff ``k <= F(r)`` (the frequency cut-off);
after sampling on the filter grid each element ``B`` is normalised so that ``sum_x |B(x)|_F^2 = d_out`` and
dropped if its norm was below 1e-6 (as escnn does), so bases span escnn's space with the same dimension
under the same settings, as long as ``maximum_offset`` is ``None``: that setting is our extension (escnn
1.0.11 ignores it) and removes aliased frequencies, so the basis is then smaller than escnn's.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from equi_groups import O2, SO2, CyclicGroup, DihedralGroup, PlanarGroup, Representation

from ._radial import Cutoff, KernelGeometry, gaussian_rings, kernel_geometry


@dataclass(frozen=True)
class _Irrep:
    dim: int
    freq: int
    eps: int  # sign under the reflection (1-dim irreps of groups with reflections), else 1


def _group_params(group: PlanarGroup) -> tuple[int | None, bool, float]:
    """``(N or None, has_reflections, axis)``."""
    if isinstance(group, CyclicGroup):
        return group.N, False, 0.0
    if isinstance(group, DihedralGroup):
        return group.N, True, group.axis
    if isinstance(group, SO2):
        return None, False, 0.0
    if isinstance(group, O2):
        return None, True, 0.0
    raise ValueError(f"steerable kernels are implemented for C_N, D_N, SO2 and O2, got {group}")


def _irrep(group: PlanarGroup, psi: Hashable) -> _Irrep:
    dim = group.irrep_dim(psi)
    if isinstance(group, CyclicGroup | SO2):
        return _Irrep(dim, int(psi), 1)
    j, k = psi
    return _Irrep(dim, int(k), -1 if j else 1)


def _angular_elements(
    N: int | None, reflective: bool, a_in: _Irrep, a_out: _Irrep, k: int, max_offset: int | None
) -> list[tuple[str, int, float]]:
    """Angular solutions of harmonic frequency ``k``: ``(kind, s, phase)``, the angle being
    ``s theta' + phase``."""

    def offset_ok(s: int, target: int) -> bool:
        if N is None:
            return s == target
        if (s - target) % N:
            return False
        return max_offset is None or abs(s - target) // N <= max_offset

    signs = (k, -k) if k > 0 else (0,)
    both = (0.0, math.pi / 2)
    out: list[tuple[str, int, float]] = []
    n, m = a_out.freq, a_in.freq
    if a_in.dim == 2 and a_out.dim == 2:
        for kind, target in (("22a", n - m), ("22b", n + m)):
            for s in signs:
                if offset_ok(s, target):
                    out += [(kind, s, p) for p in ((0.0,) if reflective else both)]
    elif a_in.dim == 1 and a_out.dim == 2:
        for s in signs:
            if offset_ok(s, n - m):
                out += [
                    ("12", s, p)
                    for p in (((0.0,) if a_in.eps == 1 else (math.pi / 2,)) if reflective else both)
                ]
    elif a_in.dim == 2 and a_out.dim == 1:
        for s in signs:
            if offset_ok(s, n - m):
                out += [
                    ("21", s, p)
                    for p in (((0.0,) if a_out.eps == 1 else (math.pi / 2,)) if reflective else both)
                ]
    else:
        if any(offset_ok(s, n - m) for s in signs):
            eps = a_in.eps * a_out.eps
            if k == 0:
                if not reflective or eps == 1:
                    out.append(("11", 0, 0.0))
            elif reflective:
                out.append(("11", k, 0.0 if eps == 1 else -math.pi / 2))
            else:
                out += [("11", k, 0.0), ("11", k, -math.pi / 2)]
    return out


def _angular_matrix(kind: str, ang: np.ndarray) -> np.ndarray:
    """``(d_out, d_in, P)`` matrices of the element ``kind`` at angles ``ang`` (``s theta' + phase``)."""
    c, s = np.cos(ang), np.sin(ang)
    if kind == "22a":
        return np.stack([np.stack([c, -s]), np.stack([s, c])])
    if kind == "22b":
        return np.stack([np.stack([c, s]), np.stack([s, -c])])
    if kind == "12":
        return np.stack([np.stack([c]), np.stack([s])])
    if kind == "21":
        return np.stack([np.stack([c, -s])])
    return c[None, None]


def _polar(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rad = np.hypot(points[:, 0], points[:, 1])
    theta = np.arctan2(points[:, 1], points[:, 0])
    return rad, theta, rad < 1e-9


def _sample_elements(
    group: PlanarGroup, psi_in: Hashable, psi_out: Hashable, geometry: KernelGeometry, points: np.ndarray
) -> tuple[np.ndarray, list[float], list[int], list[bool]]:
    """Every analytic element (before normalisation) at ``points (P, 2)``: ``(E, d_out, d_in, P)`` and per
    element its ring radius, harmonic frequency and identity flag."""
    N, reflective, axis = _group_params(group)
    a_in, a_out = _irrep(group, psi_in), _irrep(group, psi_out)
    rad, theta, origin = _polar(points)
    rings = gaussian_rings(geometry, rad)
    top = max(int(math.floor(f + 1e-9)) for f in geometry.max_frequencies)
    mats, radius, freq, ident = [], [], [], []
    for k in range(top + 1):
        elems = _angular_elements(N, reflective, a_in, a_out, k, geometry.maximum_offset)
        use = [i for i, f in enumerate(geometry.max_frequencies) if k <= f + 1e-9]
        if not elems or not use:
            continue
        for kind, s, phase in elems:
            a = _angular_matrix(kind, s * (theta - axis) + phase)
            if k > 0:  # harmonics of positive frequency vanish at the origin
                a = a * (~origin)
            for i in use:
                mats.append(a * rings[i])
                radius.append(geometry.rings[i])
                freq.append(k)
                centre = geometry.rings[i] == 0 and k == 0 and phase == 0.0 and kind in ("22a", "11")
                ident.append(bool(centre and psi_in == psi_out))
    out = np.stack(mats) if mats else np.zeros((0, a_out.dim, a_in.dim, len(points)))
    return out, radius, freq, ident


@dataclass(frozen=True, eq=False)
class IrrepsBasis:
    """Sampled basis for one pair of irreps: ``samples (D, d_out, d_in, P)``; per element its ring ``radius``,
    harmonic frequency ``freq`` and whether it is the identity at the centre (``identity``); ``keep`` and
    ``scale`` say which analytic elements were kept and by what their grid samples were divided."""

    samples: np.ndarray
    radius: np.ndarray
    freq: np.ndarray
    identity: np.ndarray
    keep: np.ndarray
    scale: np.ndarray

    @property
    def dim(self) -> int:
        return self.samples.shape[0]


@functools.cache
def irreps_basis(
    group: PlanarGroup, psi_in: Hashable, psi_out: Hashable, geometry: KernelGeometry
) -> IrrepsBasis:
    """The analytic basis of kernels from irrep ``psi_in`` to irrep ``psi_out`` sampled on ``geometry``'s
    grid, normalised and with vanishing elements dropped (cached)."""
    samples, radius, freq, ident = _sample_elements(group, psi_in, psi_out, geometry, geometry.points())
    d_out = samples.shape[1]
    norms = np.sqrt((samples**2).sum(axis=(1, 2, 3)) / d_out)
    keep = norms >= 1e-6
    samples = samples[keep] / norms[keep, None, None, None]
    scale = norms[keep]
    for arr in (samples, keep, scale):
        arr.setflags(write=False)
    return IrrepsBasis(
        samples,
        np.asarray(radius, dtype=float)[keep],
        np.asarray(freq, dtype=int)[keep],
        np.asarray(ident, dtype=bool)[keep],
        keep,
        scale,
    )


@dataclass(frozen=True, eq=False)
class RepBasis:
    """Sampled basis for a pair of representations.

    Attributes:
        samples: ``(D, out_dim, in_dim, P)`` float64, ``P = kernel_size ** 2`` (row-major taps).
        radius, freq: ring radius and harmonic frequency of each element, ``(D,)``.
        in_pos, out_pos: index of the element's input/output irrep in ``rep.irreps``, ``(D,)``.
        identity: whether the element is the identity of its irrep at the centre (delta-orthogonal init),
        ``(D,)``.
    """

    samples: np.ndarray
    radius: np.ndarray
    freq: np.ndarray
    in_pos: np.ndarray
    out_pos: np.ndarray
    identity: np.ndarray

    @property
    def dim(self) -> int:
        return self.samples.shape[0]


def _offsets(group: PlanarGroup, irreps: Sequence[Hashable]) -> list[int]:
    out, i = [], 0
    for psi in irreps:
        out.append(i)
        i += group.irrep_dim(psi)
    return out


def _rep_basis_uncached(
    in_rep: Representation,
    out_rep: Representation,
    geometry: KernelGeometry,
    points: np.ndarray | None = None,
) -> RepBasis:
    """Lift the irreps bases through the changes of basis; at ``points`` instead of the grid if given (the
    same elements and normalisation as on the grid)."""
    group = in_rep.group
    if out_rep.group != group:
        raise ValueError(f"in_rep is a representation of {group}, out_rep of {out_rep.group}")
    qi, qo = np.asarray(in_rep.change_of_basis), np.asarray(out_rep.change_of_basis)
    ii, io = in_rep.irreps, out_rep.irreps
    oi, oo = _offsets(group, ii), _offsets(group, io)
    parts, radius, freq, ipos, opos, ident = [], [], [], [], [], []
    for b, psi_o in enumerate(io):
        do = group.irrep_dim(psi_o)
        q_out = qo[:, oo[b] : oo[b] + do]
        for a, psi_i in enumerate(ii):
            basis = irreps_basis(group, psi_i, psi_o, geometry)
            if basis.dim == 0:
                continue
            di = group.irrep_dim(psi_i)
            q_in = qi[:, oi[a] : oi[a] + di]
            values = basis.samples
            if points is not None:
                values = _sample_elements(group, psi_i, psi_o, geometry, points)[0][basis.keep]
                values = values / basis.scale[:, None, None, None]
            # (D, P, do, di) -> Q_out (.) Q_in^T -> (D, out_dim, in_dim, P)
            lifted = q_out @ np.moveaxis(values, 3, 1) @ q_in.T
            parts.append(np.moveaxis(lifted, 1, 3))
            radius.append(basis.radius)
            freq.append(basis.freq)
            ipos.append(np.full(basis.dim, a))
            opos.append(np.full(basis.dim, b))
            ident.append(basis.identity)
    P = geometry.num_points if points is None else len(points)
    if not parts:
        empty = np.zeros(0)
        samples = np.zeros((0, out_rep.dim, in_rep.dim, P))
        samples.setflags(write=False)
        return RepBasis(
            samples, empty, empty.astype(int), empty.astype(int), empty.astype(int), empty.astype(bool)
        )
    samples = np.concatenate(parts)
    samples.setflags(write=False)
    return RepBasis(
        samples,
        np.concatenate(radius),
        np.concatenate(freq),
        np.concatenate(ipos),
        np.concatenate(opos),
        np.concatenate(ident),
    )


@functools.cache
def rep_basis(in_rep: Representation, out_rep: Representation, geometry: KernelGeometry) -> RepBasis:
    """The steerable kernel basis for a pair of representations on ``geometry`` (cached on these values)."""
    return _rep_basis_uncached(in_rep, out_rep, geometry)


def kernel_basis(
    in_rep: Representation,
    out_rep: Representation,
    kernel_size: int,
    dilation: int = 1,
    sigma: float | Sequence[float] | None = None,
    frequencies_cutoff: Cutoff = None,
    rings: Sequence[float] | None = None,
    maximum_offset: int | None = None,
) -> torch.Tensor:
    """Basis of the kernels ``k(g x) = rho_out(g) k(x) rho_in(g)^-1`` sampled on the ``kernel_size`` pixel
    grid.

    Weiler & Cesa 2019; the maths is in this module's docstring. Settings default to escnn's ``R2Conv`` ones
    (see :func:`e2cnn_core._radial.kernel_geometry`).

    Returns:
        ``(D, out_rep.dim, in_rep.dim, kernel_size, kernel_size)`` float64 tensor; filter taps follow the
        pixel convention (row ``i`` is ``y = c - i``, column ``j`` is ``x = j - c``), ready for ``conv2d``.

    Examples:
        >>> from equi_groups import CyclicGroup, irrep, regular
        >>> C4 = CyclicGroup(4)
        >>> kernel_basis(irrep(C4, 0), irrep(C4, 1), 5).shape
        torch.Size([4, 2, 1, 5, 5])
        >>> kernel_basis(regular(C4), regular(C4), 3).shape[0]
        24
    """
    geometry = kernel_geometry(kernel_size, dilation, sigma, frequencies_cutoff, rings, maximum_offset)
    b = rep_basis(in_rep, out_rep, geometry)
    return torch.from_numpy(np.array(b.samples)).reshape(
        b.dim, out_rep.dim, in_rep.dim, kernel_size, kernel_size
    )


def sample_kernel_basis(
    in_rep: Representation, out_rep: Representation, geometry: KernelGeometry, points: np.ndarray
) -> np.ndarray:
    """The basis of :func:`kernel_basis` (same elements, same normalisation) evaluated at arbitrary points.

    Args:
        points: ``(P, 2)`` coordinates ``(x, y)`` (y upward).

    Returns:
        ``(D, out_rep.dim, in_rep.dim, P)`` float64.
    """
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must be (P, 2), got {pts.shape}")
    return _rep_basis_uncached(in_rep, out_rep, geometry, pts).samples
