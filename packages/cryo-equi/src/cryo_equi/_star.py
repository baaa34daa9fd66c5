"""Particle STAR files in RELION 3.1+ conventions (``starfile``): an optics table and a particles table.

- ``data_optics``: ``_rlnOpticsGroup``, ``_rlnOpticsGroupName``, ``_rlnVoltage`` (kV), ``_rlnSphericalAberration``
  (mm), ``_rlnAmplitudeContrast``, ``_rlnImagePixelSize`` (A), ``_rlnImageSize`` (px), ``_rlnImageDimensionality``.
- ``data_particles``: ``_rlnImageName`` (``000001@stack.mrcs``, 1-based), ``_rlnAngleRot/Tilt/Psi`` (ZYZ Euler
  angles in degrees, see :mod:`cryo_equi._geometry`), ``_rlnOriginXAngst/YAngst`` (Angstrom), ``_rlnDefocusU/V``
  (A), ``_rlnDefocusAngle`` (deg), ``_rlnCtfBfactor`` (A^2), ``_rlnOpticsGroup``.

Several optics groups are read when they share ``_rlnImageSize`` and ``_rlnImagePixelSize`` (one reconstruction
grid): each particle keeps its group (voltage, Cs, amplitude contrast per group; :meth:`Particles.ctf`). Groups that
differ in box or pixel size are refused with a one-line error, or one of them is selected with ``optics_group=``.

Origins: the particle's centre sits at the image centre minus the origin (RELION re-extracts a particle at
``rlnCoordinate - rlnOrigin``), so an image is its centred projection translated by ``-origin / pixel_size``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ._ctf import Optics

if TYPE_CHECKING:
    import torch

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
    """Per-particle metadata (arrays of length ``N``) of one or several optics groups.

    Args:
        optics: the optics (of the first group when there are several: box and pixel size are shared by all).
        rot, tilt, psi: Euler angles in degrees (RELION ZYZ).
        origin_x, origin_y: ``_rlnOriginXAngst/YAngst`` in Angstrom.
        defocus_u, defocus_v, defocus_angle: Angstrom, Angstrom, degrees.
        bfactor: ``_rlnCtfBfactor`` (A^2), one per particle.
        image_names: ``index@stack`` strings (1-based index).
        optics_groups: ``_rlnOpticsGroup`` of each particle (``None``: every particle is in group 1, ``optics``).
        group_optics: ``(group number, Optics)`` of every group (empty: one group 1 with ``optics``).
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
    optics_groups: np.ndarray | None = None
    group_optics: tuple[tuple[int, Optics], ...] = ()

    def __post_init__(self) -> None:
        groups = dict(self.group_optics) if self.group_optics else {1: self.optics}
        for g, o in groups.items():
            if (o.box, o.pixel_size) != (self.optics.box, self.optics.pixel_size):
                raise ValueError(
                    f"optics group {g} has box {o.box} px and pixel size {o.pixel_size} A but the particles' grid is "
                    f"{self.optics.box} px at {self.optics.pixel_size} A"
                )
        if self.optics_groups is not None:
            if len(self.optics_groups) != len(self.rot):
                raise ValueError(f"{len(self.optics_groups)} optics group numbers for {len(self.rot)} particles")
            unknown = sorted(set(np.unique(self.optics_groups).tolist()) - set(groups))
            if unknown:
                raise ValueError(f"particles refer to optics group(s) {unknown} that are not defined")

    def __len__(self) -> int:
        return len(self.rot)

    def groups(self) -> dict[int, Optics]:
        """Every optics group: number -> :class:`Optics`."""
        return dict(self.group_optics) if self.group_optics else {1: self.optics}

    def group_of(self) -> np.ndarray:
        """The optics group number of every particle, ``(N,)`` int."""
        if self.optics_groups is None:
            return np.ones(len(self), dtype=int)
        return np.asarray(self.optics_groups, dtype=int)

    def ctf(self, phase_shift_deg: float = 0.0) -> torch.Tensor:
        """Every particle's CTF ``(N, box, box)`` (float64, :func:`~cryo_equi.ctf_2d`) with its own optics group
        and ``_rlnCtfBfactor``."""
        import torch

        from ._ctf import ctf_2d

        out = torch.empty(len(self), self.optics.box, self.optics.box, dtype=torch.float64)
        of = self.group_of()
        for g, o in self.groups().items():
            sel = np.flatnonzero(of == g)
            if len(sel) == 0:
                continue
            args = (torch.as_tensor(a[sel]) for a in (self.defocus_u, self.defocus_v, self.defocus_angle))
            out[sel] = ctf_2d(o, *args, torch.as_tensor(self.bfactor[sel]), phase_shift_deg)
        return out


def write_star(path: str | Path, particles: Particles) -> Path:
    """Write a RELION 3.1 particle STAR file (optics + particles tables, every optics group)."""
    import pandas as pd
    import starfile

    groups = sorted(particles.groups().items())
    optics = pd.DataFrame(
        {
            "rlnOpticsGroup": [g for g, _ in groups],
            "rlnOpticsGroupName": [f"opticsGroup{g}" for g, _ in groups],
            "rlnVoltage": [o.voltage_kv for _, o in groups],
            "rlnSphericalAberration": [o.cs_mm for _, o in groups],
            "rlnAmplitudeContrast": [o.amplitude_contrast for _, o in groups],
            "rlnImagePixelSize": [o.pixel_size for _, o in groups],
            "rlnImageSize": [o.box for _, o in groups],
            "rlnImageDimensionality": [2] * len(groups),
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
            "rlnOpticsGroup": particles.group_of(),
        }
    )
    path = Path(path)
    starfile.write({"optics": optics, "particles": parts}, path, overwrite=True)
    return path


def read_star(path: str | Path, box: int | None = None, optics_group: int | None = None) -> Particles:
    """Read a RELION 3.1+ particle STAR file (every optics group, or the one named by ``optics_group``).

    Args:
        box: the image size the caller's stack has; a different ``_rlnImageSize`` is refused.
        optics_group: keep only the particles of this ``_rlnOpticsGroup``.

    Raises:
        ValueError: a pre-3.1 file (no optics table), a missing column (named), optics groups that differ in box
            or pixel size (unless one is selected), particles in an undefined group, an unknown ``optics_group``,
            or a box size that does not match.
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
    groups: dict[int, Optics] = {}
    for _, row in optics.iterrows():
        g = int(row["rlnOpticsGroup"])
        if g in groups:
            raise ValueError(f"{path}: optics group {g} is defined twice in data_optics")
        groups[g] = Optics(
            voltage_kv=float(row["rlnVoltage"]),
            cs_mm=float(row["rlnSphericalAberration"]),
            amplitude_contrast=float(row["rlnAmplitudeContrast"]),
            pixel_size=float(row["rlnImagePixelSize"]),
            box=int(row["rlnImageSize"]),
        )
    if not groups:
        raise ValueError(f"{path}: data_optics defines no optics group")
    of = parts["rlnOpticsGroup"].to_numpy(dtype=int)
    unknown = sorted(set(np.unique(of).tolist()) - set(groups))
    if unknown:
        raise ValueError(f"{path}: particles refer to optics group(s) {unknown} not defined in data_optics")
    if optics_group is not None:
        if optics_group not in groups:
            raise ValueError(f"{path} has no optics group {optics_group} (groups: {sorted(groups)})")
        parts = parts[of == optics_group].reset_index(drop=True)
        groups = {optics_group: groups[optics_group]}
        of = np.full(len(parts), optics_group)
    grids = {(o.box, o.pixel_size) for o in groups.values()}
    if len(grids) > 1:
        desc = ", ".join(f"group {g}: {o.box} px at {o.pixel_size:g} A" for g, o in sorted(groups.items()))
        raise ValueError(
            f"{path}: optics groups differ in box or pixel size ({desc}); cryo-equi reconstructs on one grid: "
            "re-extract them alike, or read one with optics_group="
        )
    first = groups[min(groups)]
    size = first.box
    if box is not None and size != box:
        raise ValueError(f"{path}: _rlnImageSize is {size} but the image stack is {box} x {box}")
    n = len(parts)
    bfac = parts["rlnCtfBfactor"].to_numpy(float) if "rlnCtfBfactor" in parts.columns else np.zeros(n)

    def col(c: str) -> np.ndarray:
        return parts[c].to_numpy(dtype=np.float64)

    one = len(groups) == 1 and 1 in groups
    return Particles(
        optics=first,
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
        optics_groups=None if one else of,
        group_optics=() if one else tuple(sorted(groups.items())),
    )


def stack_locations(particles: Particles) -> tuple[list[str], np.ndarray]:
    """The stack files the particles point into (in order of first use) and, per particle, ``(stack number,
    0-based index)`` as an ``(N, 2)`` int array."""
    stacks: dict[str, int] = {}
    loc = np.empty((len(particles.image_names), 2), dtype=np.int64)
    for k, name in enumerate(particles.image_names):
        i, sep, s = name.partition("@")
        if not sep or not i.strip().isdigit() or int(i) < 1:
            raise ValueError(f"_rlnImageName {name!r} is not of the form index@stack.mrcs (1-based index)")
        loc[k] = (stacks.setdefault(s, len(stacks)), int(i) - 1)
    return list(stacks), loc


def stack_indices(particles: Particles) -> tuple[str, np.ndarray]:
    """The stack file all particles point into and their 0-based indices (for a single stack; several stacks:
    :func:`stack_locations`)."""
    stacks, loc = stack_locations(particles)
    if len(stacks) != 1:
        raise ValueError(f"particles point into {len(stacks)} stacks ({stacks[:3]}...); use stack_locations")
    return stacks[0], loc[:, 1]
