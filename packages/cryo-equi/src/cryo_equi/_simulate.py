"""Simulated particle stacks: Haar-random poses, Fourier-slice projection, RELION CTF, shifts and noise at an SNR."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ._ctf import Optics, ctf_2d
from ._geometry import matrix_to_euler, random_rotations
from ._projection import fft_centered, ifft_centered, project, shift_phase
from ._star import Particles


@dataclass(frozen=True)
class SimConfig:
    """Settings of a simulated data set (all recorded with the results).

    Args:
        n_particles: number of images.
        snr: signal variance / noise variance, both measured inside the particle mask (a disc of radius
            ``mask_radius`` pixels), the signal being the CTF-modulated, shifted projection.
        defocus_min, defocus_max: defocus U drawn uniformly in this range (Angstrom, underfocus positive).
        astigmatism: defocus V = U - a with a uniform in ``[0, astigmatism]`` (Angstrom); angle uniform in [0, 180).
        bfactor: CTF B-factor envelope (A^2).
        shift_std: standard deviation of the particle shifts (pixels, per axis; 0: centred particles).
        mask_radius: particle mask radius in pixels (None: 0.45 of the box).
        ctf: apply the CTF (False: perfect images).
    """

    n_particles: int = 1000
    snr: float = 0.1
    defocus_min: float = 10000.0
    defocus_max: float = 25000.0
    astigmatism: float = 500.0
    bfactor: float = 0.0
    shift_std: float = 0.0
    mask_radius: float | None = None
    ctf: bool = True


@dataclass(frozen=True)
class SimulatedData:
    """A simulated data set: images, true poses/shifts and the per-particle metadata.

    Attributes:
        images: ``(N, D, D)`` float32 noisy particle images.
        rotations: ``(N, 3, 3)`` float64 true poses.
        shifts: ``(N, 2)`` true translations in pixels (x, y) applied to the centred projections.
        particles: STAR metadata (origins ``= -shifts * pixel_size``).
        noise_std: the per-pixel noise standard deviation used.
    """

    images: np.ndarray
    rotations: np.ndarray
    shifts: np.ndarray
    particles: Particles
    noise_std: float


def disc_mask(box: int, radius: float) -> torch.Tensor:
    """Boolean ``(box, box)`` disc of ``radius`` pixels around ``box // 2``."""
    k = torch.arange(box) - box // 2
    y, x = torch.meshgrid(k, k, indexing="ij")
    return x**2 + y**2 <= radius**2


def apply_ctf_and_shift(clean: torch.Tensor, ctf: torch.Tensor | None, shifts: torch.Tensor | None) -> torch.Tensor:
    """Multiply centred projections ``(N, D, D)`` by the CTF in Fourier space and translate them by ``shifts``."""
    ft = fft_centered(clean, 2)
    if ctf is not None:
        ft = ft * ctf
    if shifts is not None:
        ft = ft * shift_phase(clean.shape[-1], shifts.to(clean.dtype))
    return ifft_centered(ft, 2).real


def simulate(volume: np.ndarray, optics: Optics, config: SimConfig, seed: int, batch: int = 256) -> SimulatedData:
    """Simulate particle images of ``volume`` (``(D, D, D)``, ``D == optics.box``) with a fixed seed.

    Raises:
        ValueError: when the volume's size differs from ``optics.box``.
    """
    d = optics.box
    if volume.shape != (d, d, d):
        raise ValueError(f"volume has shape {volume.shape}, expected a {d}^3 cube (the optics box size)")
    if config.snr <= 0:
        raise ValueError(f"snr must be positive, got {config.snr}")
    rng = np.random.default_rng(seed)
    n = config.n_particles
    rots = random_rotations(n, rng)
    du = rng.uniform(config.defocus_min, config.defocus_max, n)
    dv = du - rng.uniform(0.0, config.astigmatism, n)
    ang = rng.uniform(0.0, 180.0, n)
    shifts = rng.normal(0.0, config.shift_std, (n, 2)) if config.shift_std > 0 else np.zeros((n, 2))
    vol = torch.as_tensor(volume, dtype=torch.float64)
    signal = np.empty((n, d, d), dtype=np.float64)
    for lo in range(0, n, batch):
        sl = slice(lo, min(n, lo + batch))
        clean = project(vol, torch.as_tensor(rots[sl]))
        ctf = (
            ctf_2d(optics, torch.as_tensor(du[sl]), torch.as_tensor(dv[sl]), torch.as_tensor(ang[sl]), config.bfactor)
            if config.ctf
            else None
        )
        signal[sl] = apply_ctf_and_shift(clean, ctf, torch.as_tensor(shifts[sl])).numpy()
    radius = config.mask_radius if config.mask_radius is not None else 0.45 * d
    mask = disc_mask(d, radius).numpy()
    sig_var = float(signal[:, mask].var(axis=1).mean())
    noise_std = float(np.sqrt(sig_var / config.snr))
    images = (signal + rng.normal(0.0, noise_std, signal.shape)).astype(np.float32)
    rot, tilt, psi = matrix_to_euler(rots)
    parts = Particles(
        optics=optics,
        rot=rot,
        tilt=tilt,
        psi=psi,
        origin_x=-shifts[:, 0] * optics.pixel_size,
        origin_y=-shifts[:, 1] * optics.pixel_size,
        defocus_u=du,
        defocus_v=dv,
        defocus_angle=ang,
        bfactor=np.full(n, config.bfactor),
        image_names=tuple(f"{i + 1:06d}@particles.mrcs" for i in range(n)),
    )
    return SimulatedData(images, rots, shifts, parts, noise_std)


def write_dataset(out: str | Path, data: SimulatedData, stack_name: str = "particles.mrcs") -> tuple[Path, Path]:
    """Write ``particles.mrcs`` and ``particles.star`` (true poses) into ``out``; returns both paths."""
    from dataclasses import replace

    from ._mrc import write_mrc
    from ._star import write_star

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stack = write_mrc(out / stack_name, data.images, data.particles.optics.pixel_size)
    names = tuple(f"{i + 1:06d}@{stack_name}" for i in range(len(data.images)))
    star = write_star(out / Path(stack_name).with_suffix(".star").name, replace(data.particles, image_names=names))
    return stack, star


def read_dataset(star_path: str | Path, optics_group: int | None = None) -> tuple[np.ndarray, Particles]:
    """Read a RELION 3.1 particle STAR file and the ``.mrcs`` stacks it points to (resolved relative to the STAR
    file's folder; RELION's extraction writes one stack per micrograph).

    Args:
        optics_group: keep only this optics group's particles (see :func:`~cryo_equi.read_star`).

    Raises:
        ValueError: when a stack's image size differs from the STAR file's ``_rlnImageSize``, or the STAR file
            names more images than a stack holds.
    """
    from ._mrc import read_mrc
    from ._star import read_star, stack_locations

    star_path = Path(star_path)
    parts = read_star(star_path, optics_group=optics_group)
    names, loc = stack_locations(parts)
    d = parts.optics.box
    images = np.empty((len(parts), d, d), dtype=np.float32)
    for k, stack_name in enumerate(names):
        stack, _ = read_mrc(star_path.parent / stack_name)
        if stack.ndim == 2:
            stack = stack[None]
        if stack.shape[-1] != d or stack.shape[-2] != d:
            raise ValueError(
                f"{stack_name} holds {stack.shape[-2]} x {stack.shape[-1]} images but {star_path} says "
                f"_rlnImageSize {d}"
            )
        sel = np.flatnonzero(loc[:, 0] == k)
        idx = loc[sel, 1]
        if idx.max() >= len(stack):
            raise ValueError(f"{star_path} names image {idx.max() + 1} of {stack_name}, which holds {len(stack)}")
        images[sel] = stack[idx]
    return images, parts
