"""Kernel geometry: sampling grid, Gaussian rings for the radial part and the frequency cut-off per ring.

Defaults follow escnn's ``R2Conv`` (Weiler & Cesa 2019 and its escnn implementation), so that the same
settings give the same basis:

* rings: ``ceil(s / 2)`` radii evenly spaced in ``[0, (s - 1) // 2]``, times ``dilation`` (``s`` = kernel size);
* sigma: 0.6 for every ring but the outermost (0.4); 0.005 for a ring at radius 0 (a delta at the centre pixel);
* frequency cut-off ``F(r)``: the policy ``-1`` (escnn's default), with ``R = s // 2``:
  ``F(0) = 0``, ``F(R) = 2`` and ``F(r) = min(2 r, 2 r - (r + 1) mod 2)`` otherwise. Policies ``-2`` and
  ``-3`` and a linear cut-off ``F(r) = c r`` (any other float ``c``) or a callable ``r -> F(r)`` can be chosen
  instead.

A basis element of angular frequency ``k`` on the ring of radius ``r`` is kept iff ``k <= F(r)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Cutoff = float | Callable[[float], float] | None


@dataclass(frozen=True)
class KernelGeometry:
    """Where and how a steerable kernel is sampled (a hashable value: bases are cached on it).

    Args:
        kernel_size: side ``s`` of the square filter.
        dilation: spacing of the filter taps (the sampling points are scaled by it).
        rings: radii of the Gaussian rings of the radial profile.
        sigma: width of each ring.
        max_frequencies: the frequency cut-off ``F(r)`` of each ring.
        maximum_offset: our extension (escnn 1.0.11 ignores its argument of that name): for C_N / D_N, keep
            only angular frequencies ``k = |s0 + t N|`` with ``|t| <= maximum_offset`` (``s0`` the frequency
            the rotation constraint asks for). ``None`` (default): no such limit, escnn's basis.

    Examples:
        >>> g = kernel_geometry(5)
        >>> g.rings, g.sigma, g.max_frequencies
        ((0.0, 1.0, 2.0), (0.005, 0.6, 0.4), (0.0, 2.0, 2.0))
    """

    kernel_size: int
    dilation: int
    rings: tuple[float, ...]
    sigma: tuple[float, ...]
    max_frequencies: tuple[float, ...]
    maximum_offset: int | None = None

    @property
    def num_points(self) -> int:
        return self.kernel_size**2

    def points(self) -> np.ndarray:
        """``(s * s, 2)`` float64 coordinates ``(x, y)`` of the taps, row-major over the ``(s, s)`` filter,
        with x to the right and y upward (the pixel convention of :mod:`e2cnn_core._gspace`)."""
        s, d = self.kernel_size, self.dilation
        c = d * (s - 1) / 2
        idx = np.arange(s) * d - c
        x = np.tile(idx, s)
        y = -np.repeat(idx, s)
        return np.stack([x, y], 1)


def _fco1(max_radius: float) -> Callable[[float], float]:
    def f(r: float) -> float:
        return 0 if r == 0.0 else min(2 * r, 2 if r == max_radius else 2 * r - (r + 1) % 2)

    return f


def _fco2(max_radius: float) -> Callable[[float], float]:
    def f(r: float) -> float:
        return 0 if r == 0.0 else min(2 * r, 1 if r == max_radius else 2 * r - (r + 1) % 2)

    return f


def _fco3(max_radius: float) -> Callable[[float], float]:
    def f(r: float) -> float:
        return 0 if r == 0.0 else 1 if r == max_radius else 2

    return f


def kernel_geometry(
    kernel_size: int,
    dilation: int = 1,
    sigma: float | Sequence[float] | None = None,
    frequencies_cutoff: Cutoff = None,
    rings: Sequence[float] | None = None,
    maximum_offset: int | None = None,
) -> KernelGeometry:
    """Resolve the radial/angular sampling settings (escnn's defaults when ``None``) into a
    :class:`KernelGeometry`.

    Args:
        kernel_size: filter side (>= 1).
        dilation: filter dilation (>= 1).
        sigma: one width for every ring, or one per ring.
        frequencies_cutoff: ``None`` or ``-1.0``/``-2.0``/``-3.0`` (escnn's policies), another float ``c``
            (``F(r) = c r``) or a callable ``r -> F(r)``.
        rings: radii of the rings, each in ``[0, dilation * (kernel_size - 1) / sqrt(2)]``.
        maximum_offset: see :class:`KernelGeometry`.
    """
    if not isinstance(kernel_size, int | np.integer) or kernel_size < 1:
        raise ValueError(f"kernel_size must be a positive integer, got {kernel_size!r}")
    if not isinstance(dilation, int | np.integer) or dilation < 1:
        raise ValueError(f"dilation must be a positive integer, got {dilation!r}")
    max_radius = dilation * (kernel_size - 1) / 2 * math.sqrt(2)
    if rings is None:
        n_rings = math.ceil(kernel_size / 2)
        rings = [float(v) * dilation for v in np.linspace(0, (kernel_size - 1) // 2, n_rings)]
    rings = tuple(float(r) for r in rings)
    if not rings:
        raise ValueError("rings must contain at least one radius")
    for r in rings:
        if not 0 <= r <= max_radius + 1e-9:
            raise ValueError(
                f"ring radius {r} is outside [0, {max_radius:.4g}] for kernel_size {kernel_size}"
            )
    if sigma is None:
        sig = [0.6] * (len(rings) - 1) + [0.4]
        sig = [0.005 if r == 0.0 else s for r, s in zip(rings, sig, strict=True)]
    elif isinstance(sigma, int | float):
        sig = [float(sigma)] * len(rings)
    else:
        sig = [float(s) for s in sigma]
        if len(sig) != len(rings):
            raise ValueError(f"sigma has {len(sig)} entries, expected one per ring ({len(rings)})")
    if any(s <= 0 for s in sig):
        raise ValueError(f"every sigma must be > 0, got {sig}")
    if frequencies_cutoff is None:
        frequencies_cutoff = -1.0
    if isinstance(frequencies_cutoff, int | float):
        c = float(frequencies_cutoff)
        policy = {-1.0: _fco1, -2.0: _fco2, -3.0: _fco3}.get(c)
        fn = policy(kernel_size // 2) if policy is not None else (lambda r, c=c: c * r)
    elif callable(frequencies_cutoff):
        fn = frequencies_cutoff
    else:
        raise ValueError(
            f"frequencies_cutoff must be None, a float or a callable, got {frequencies_cutoff!r}"
        )
    if maximum_offset is not None and (
        not isinstance(maximum_offset, int | np.integer) or maximum_offset < 0
    ):
        raise ValueError(f"maximum_offset must be None or an integer >= 0, got {maximum_offset!r}")
    return KernelGeometry(
        int(kernel_size),
        int(dilation),
        rings,
        tuple(sig),
        tuple(float(fn(r)) for r in rings),
        None if maximum_offset is None else int(maximum_offset),
    )


def gaussian_rings(geometry: KernelGeometry, radii: np.ndarray) -> np.ndarray:
    """``(n_rings, P)``: ``exp(-(|x| - r_i)^2 / (2 sigma_i^2))`` at the given point radii ``(P,)``."""
    r = np.asarray(geometry.rings)[:, None]
    s = np.asarray(geometry.sigma)[:, None]
    return np.exp(-0.5 * (radii[None, :] - r) ** 2 / s**2)
