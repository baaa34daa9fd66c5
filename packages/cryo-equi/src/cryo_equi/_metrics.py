"""Metrics: pose error after global alignment over both hands, Fourier shell correlation, convergence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: ``diag(1, 1, -1)``: the mirror that relates the two hands of a reconstruction.
MIRROR = np.diag([1.0, 1.0, -1.0])


def _project_so3(m: np.ndarray) -> np.ndarray:
    u, _, vt = np.linalg.svd(m)
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


def _geodesic_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    tr = np.trace(np.swapaxes(a, -1, -2) @ b, axis1=-2, axis2=-1)
    return np.rad2deg(np.arccos(np.clip((tr - 1) / 2, -1.0, 1.0)))


@dataclass(frozen=True)
class PoseAlignment:
    """Result of :func:`align_poses`: ``pred ~ H true H Q`` for the better hand ``H`` (``I`` or ``diag(1,1,-1)``).

    Attributes:
        errors_deg: per-particle geodesic error in degrees after alignment.
        rotation: the global rotation ``Q``.
        mirrored: whether the reconstruction is the mirror image (``H = diag(1, 1, -1)``).
    """

    errors_deg: np.ndarray
    rotation: np.ndarray
    mirrored: bool

    @property
    def median(self) -> float:
        return float(np.median(self.errors_deg))

    @property
    def mean(self) -> float:
        return float(np.mean(self.errors_deg))


def align_poses(pred: np.ndarray, true: np.ndarray, iterations: int = 3) -> PoseAlignment:
    """Align predicted poses to the true ones up to a global rotation and the hand, then measure geodesic errors.

    A reconstruction ``V'(r) = V(Q r)`` (any rotation ``Q``) explains the images with poses ``A Q``; its mirror
    image with poses ``H A H Q``, ``H = diag(1, 1, -1)``. For each hand ``Q`` is the least-squares (Procrustes)
    solution, refitted on the half of the particles with the smallest errors (robust to unconverged poses); the
    candidate (hand, iteration) with the smallest median error wins.

    Args:
        pred, true: ``(N, 3, 3)`` rotations.

    Examples:
        >>> from cryo_equi._geometry import random_rotations
        >>> r = random_rotations(50, np.random.default_rng(0))
        >>> q = random_rotations(1, np.random.default_rng(1))[0]
        >>> round(align_poses(r @ q, r).median, 3)
        0.0
        >>> al = align_poses(MIRROR @ r @ MIRROR @ q, r)
        >>> al.mirrored, round(al.median, 3)
        (True, 0.0)
    """
    pred = np.asarray(pred, dtype=np.float64)
    true = np.asarray(true, dtype=np.float64)
    if pred.shape != true.shape or pred.shape[1:] != (3, 3):
        raise ValueError(f"pred {pred.shape} and true {true.shape} must both be (N, 3, 3)")
    best: PoseAlignment | None = None
    for mirrored in (False, True):
        b = MIRROR @ true @ MIRROR if mirrored else true
        keep = np.ones(len(b), dtype=bool)
        for _ in range(iterations):
            q = _project_so3((np.swapaxes(b[keep], -1, -2) @ pred[keep]).sum(0))
            err = _geodesic_deg(b @ q, pred)
            keep = err <= np.median(err)
            res = PoseAlignment(err, q, mirrored)
            if best is None or res.median < best.median:
                best = res
    assert best is not None
    return best


def fsc(map1: np.ndarray, map2: np.ndarray) -> np.ndarray:
    """Fourier shell correlation of two cubic maps, one value per shell ``0 .. D/2 - 1`` (shells 1 pixel wide).

    ``FSC(s) = Re sum F1 conj(F2) / sqrt(sum |F1|^2 sum |F2|^2)`` over the voxels with ``round(|k|) = s``.
    """
    if map1.shape != map2.shape or len(set(map1.shape)) != 1 or map1.ndim != 3:
        raise ValueError(f"FSC needs two cubes of one size, got {map1.shape} and {map2.shape}")
    d = map1.shape[0]
    f1 = np.fft.fftshift(np.fft.fftn(np.fft.ifftshift(map1)))
    f2 = np.fft.fftshift(np.fft.fftn(np.fft.ifftshift(map2)))
    k = np.arange(d) - d // 2
    kz, ky, kx = np.meshgrid(k, k, k, indexing="ij")
    shell = np.rint(np.sqrt(kx**2 + ky**2 + kz**2)).astype(int).ravel()
    n = d // 2
    num = np.bincount(shell, (f1 * np.conj(f2)).real.ravel(), minlength=n + 1)[:n]
    p1 = np.bincount(shell, (np.abs(f1) ** 2).ravel(), minlength=n + 1)[:n]
    p2 = np.bincount(shell, (np.abs(f2) ** 2).ravel(), minlength=n + 1)[:n]
    return num / np.sqrt(np.maximum(p1 * p2, 1e-30))


def fsc_resolution(curve: np.ndarray, box: int, pixel_size: float, threshold: float) -> float:
    """Resolution (Angstrom) where the FSC first crosses ``threshold``: ``box * pixel / s`` with ``s`` the shell
    of the crossing, interpolated linearly between the shells on either side; ``2 * pixel`` (Nyquist) when it
    never drops below.

    Examples:
        >>> round(fsc_resolution(np.array([1.0, 0.9, 0.6, 0.1]), box=8, pixel_size=1.0, threshold=0.5), 3)
        3.636
    """
    below = np.nonzero(curve < threshold)[0]
    below = below[below > 0]
    if len(below) == 0:
        return 2.0 * pixel_size
    s1 = below[0]
    a, b = curve[s1 - 1], curve[s1]
    s = (s1 - 1) + (a - threshold) / (a - b) if a != b else float(s1 - 1)
    if s <= 0:
        return float("inf")
    return float(box * pixel_size / s)


def best_shift_alignment(moving: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``moving`` translated by the integer shift that maximises its cross-correlation with ``ref`` (periodic)."""
    cc = np.fft.ifftn(np.fft.fftn(ref) * np.conj(np.fft.fftn(moving))).real
    shift = np.unravel_index(np.argmax(cc), cc.shape)
    return np.roll(moving, shift, axis=(0, 1, 2))


def convergence(errors_per_epoch: list[float], threshold_deg: float) -> int | None:
    """The first epoch (1-based) whose median pose error is below ``threshold_deg`` and stays below it; None if never.

    Examples:
        >>> convergence([90.0, 40.0, 8.0, 12.0, 5.0, 4.0], threshold_deg=10.0)
        5
    """
    epoch = None
    for i, e in enumerate(errors_per_epoch, start=1):
        if e < threshold_deg:
            epoch = epoch or i
        else:
            epoch = None
    return epoch
