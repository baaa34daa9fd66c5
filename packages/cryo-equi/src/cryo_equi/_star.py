"""Particle STAR files in RELION 3.1+ conventions (``starfile``): an optics table and a particles table.

- ``data_optics``: ``_rlnOpticsGroup``, ``_rlnOpticsGroupName``, ``_rlnVoltage`` (kV), ``_rlnSphericalAberration``
  (mm), ``_rlnAmplitudeContrast``, ``_rlnImagePixelSize`` (A), ``_rlnImageSize`` (px), ``_rlnImageDimensionality``.
- ``data_particles``: ``_rlnImageName`` (``000001@stack.mrcs``, 1-based), ``_rlnAngleRot/Tilt/Psi`` (ZYZ Euler
  angles in degrees, see :mod:`cryo_equi._geometry`), ``_rlnOriginXAngst/YAngst`` (Angstrom), ``_rlnDefocusU/V``
  (A), ``_rlnDefocusAngle`` (deg), ``_rlnCtfBfactor`` (A^2), ``_rlnOpticsGroup``.

Origins: the particle's centre sits at the image centre minus the origin (RELION re-extracts a particle at
``rlnCoordinate - rlnOrigin``), so an image is its centred projection translated by ``-origin / pixel_size``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._ctf import Optics

OPTICS_COLUMNS = (
    "rlnOpticsGroup",
    "rlnVoltage",
    "rlnSphericalAberration",
    "rlnAmplitudeContrast",
    "rlnImagePixelSize",
    "rlnImageSize",
)
PARTICLE_COLUMNS = (
    "rlnImageName",
    "rlnAngleRot",
    "rlnAngleTilt",
    "rlnAnglePsi",
    "rlnOriginXAngst",
    "rlnOriginYAngst",
    "rlnDefocusU",
    "rlnDefocusV",
    "rlnDefocusAngle",
    "rlnOpticsGroup",
)


@dataclass(frozen=True)
class Particles:
    """Per-particle metadata of one optics group (arrays of length ``N``).

    Args:
        optics: the optics group.
        rot, tilt, psi: Euler angles in degrees (RELION ZYZ).
        origin_x, origin_y: ``_rlnOriginXAngst/YAngst`` in Angstrom.
        defocus_u, defocus_v, defocus_angle: Angstrom, Angstrom, degrees.
        bfactor: ``_rlnCtfBfactor`` (A^2), one per particle.
        image_names: ``index@stack`` strings (1-based index).
    """

    optics: Optics
    rot: np.ndarray
    tilt: np.ndarray
    psi: np.ndarray
    origin_x: np.ndarray
    origin_y: np.ndarray
    defocus_u: np.ndarray
    defocus_v: np.ndarray
    defocus_angle: np.ndarray
    bfactor: np.ndarray
    image_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.rot)


def write_star(path: str | Path, particles: Particles) -> Path:
    """Write a RELION 3.1 particle STAR file (optics + particles tables)."""
    import pandas as pd
    import starfile

    o = particles.optics
    optics = pd.DataFrame(
        {
            "rlnOpticsGroup": [1],
            "rlnOpticsGroupName": ["opticsGroup1"],
            "rlnVoltage": [o.voltage_kv],
            "rlnSphericalAberration": [o.cs_mm],
            "rlnAmplitudeContrast": [o.amplitude_contrast],
            "rlnImagePixelSize": [o.pixel_size],
            "rlnImageSize": [o.box],
            "rlnImageDimensionality": [2],
        }
    )
    parts = pd.DataFrame(
        {
            "rlnImageName": list(particles.image_names),
            "rlnAngleRot": particles.rot,
            "rlnAngleTilt": particles.tilt,
            "rlnAnglePsi": particles.psi,
            "rlnOriginXAngst": particles.origin_x,
            "rlnOriginYAngst": particles.origin_y,
            "rlnDefocusU": particles.defocus_u,
            "rlnDefocusV": particles.defocus_v,
            "rlnDefocusAngle": particles.defocus_angle,
            "rlnCtfBfactor": particles.bfactor,
            "rlnOpticsGroup": np.ones(len(particles), dtype=int),
        }
    )
    path = Path(path)
    starfile.write({"optics": optics, "particles": parts}, path, overwrite=True)
    return path


def read_star(path: str | Path, box: int | None = None) -> Particles:
    """Read a RELION 3.1+ particle STAR file with one optics group.

    Args:
        box: the image size the caller's stack has; a different ``_rlnImageSize`` is refused.

    Raises:
        ValueError: a pre-3.1 file (no optics table), a missing column (named), several optics groups, or a
            box size that does not match.
    """
    import starfile

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"STAR file {path} does not exist")
    try:
        blocks = starfile.read(path, always_dict=True)
    except Exception as e:  # starfile raises several types on malformed input
        raise ValueError(f"{path} is not a readable STAR file: {e}") from None
    if "optics" not in blocks or "particles" not in blocks:
        raise ValueError(
            f"{path} has blocks {sorted(blocks)}; a RELION 3.1+ particle file needs data_optics and data_particles"
        )
    optics, parts = blocks["optics"], blocks["particles"]
    for table, cols, name in ((optics, OPTICS_COLUMNS, "data_optics"), (parts, PARTICLE_COLUMNS, "data_particles")):
        missing = [c for c in cols if c not in table.columns]
        if missing:
            raise ValueError(f"{path}: {name} lacks column(s) {', '.join('_' + c for c in missing)}")
    if len(optics) != 1:
        raise ValueError(f"{path} has {len(optics)} optics groups; cryo-equi reads one")
    row = optics.iloc[0]
    size = int(row["rlnImageSize"])
    if box is not None and size != box:
        raise ValueError(f"{path}: _rlnImageSize is {size} but the image stack is {box} x {box}")
    opt = Optics(
        voltage_kv=float(row["rlnVoltage"]),
        cs_mm=float(row["rlnSphericalAberration"]),
        amplitude_contrast=float(row["rlnAmplitudeContrast"]),
        pixel_size=float(row["rlnImagePixelSize"]),
        box=size,
    )
    n = len(parts)
    bfac = parts["rlnCtfBfactor"].to_numpy(float) if "rlnCtfBfactor" in parts.columns else np.zeros(n)

    def col(c: str) -> np.ndarray:
        return parts[c].to_numpy(dtype=np.float64)

    return Particles(
        optics=opt,
        rot=col("rlnAngleRot"),
        tilt=col("rlnAngleTilt"),
        psi=col("rlnAnglePsi"),
        origin_x=col("rlnOriginXAngst"),
        origin_y=col("rlnOriginYAngst"),
        defocus_u=col("rlnDefocusU"),
        defocus_v=col("rlnDefocusV"),
        defocus_angle=col("rlnDefocusAngle"),
        bfactor=bfac,
        image_names=tuple(str(s) for s in parts["rlnImageName"]),
    )


def stack_indices(particles: Particles) -> tuple[str, np.ndarray]:
    """The stack file all particles point into and their 0-based indices (one stack per file is supported)."""
    stacks, idx = set(), []
    for name in particles.image_names:
        if "@" not in name:
            raise ValueError(f"_rlnImageName {name!r} is not of the form index@stack.mrcs")
        i, s = name.split("@", 1)
        stacks.add(s)
        idx.append(int(i) - 1)
    if len(stacks) != 1:
        raise ValueError(f"particles point into {len(stacks)} stacks ({sorted(stacks)[:3]}...); cryo-equi reads one")
    return stacks.pop(), np.asarray(idx)
