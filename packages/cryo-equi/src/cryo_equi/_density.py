"""Atomic models (PDB / mmCIF, read with gemmi) to density maps: one isotropic Gaussian per atom."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

#: Gaussian width per Angstrom of resolution, ``sigma = 0.225 * resolution`` (the convention of ChimeraX molmap).
SIGMA_PER_RESOLUTION = 0.225


def default_structure() -> Path:
    """Adenylate kinase in its open state (PDB 4AKE, 3,341 atoms): ``adk_open.pdb`` shipped by MDAnalysisTests.

    Raises:
        FileNotFoundError: naming the extra to install when MDAnalysisTests is absent.
    """
    spec = importlib.util.find_spec("MDAnalysisTests")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the default structure (adenylate kinase, adk_open.pdb) ships with MDAnalysisTests: "
            "pip install 'cryo-equi[data]', or pass --structure PATH (any PDB/mmCIF) or --map PATH (an MRC map)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "adk_open.pdb"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the installed MDAnalysisTests")
    return path


def read_atoms(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Atom coordinates ``(A, 3)`` (Angstrom, x/y/z) and atomic numbers ``(A,)`` of the first model of a PDB/mmCIF.

    Elements missing from the file (e.g. CHARMM PDBs without the element column) are guessed from the atom name.
    """
    import gemmi

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"structure file {path} does not exist")
    try:
        st = gemmi.read_structure(str(path))
    except (RuntimeError, ValueError) as e:
        raise ValueError(f"{path} is not a readable PDB/mmCIF file: {e}") from None
    if len(st) == 0:
        raise ValueError(f"{path} holds no model")
    xyz, z = [], []
    for chain in st[0]:
        for res in chain:
            for atom in res:
                el = atom.element
                if el.atomic_number == 0:
                    el = gemmi.Element(atom.name.strip()[:1] or "C")
                xyz.append(atom.pos.tolist())
                z.append(el.atomic_number)
    if not xyz:
        raise ValueError(f"{path} holds no atoms")
    return np.asarray(xyz, dtype=np.float64), np.asarray(z, dtype=np.float64)


def atoms_to_density(
    xyz: np.ndarray,
    weights: np.ndarray,
    box: int,
    pixel_size: float,
    resolution: float,
    center: bool = True,
) -> np.ndarray:
    """Sum of Gaussians ``w_a exp(-|r - r_a|^2 / (2 sigma^2))`` on a ``box^3`` grid, ``sigma = 0.225 resolution``.

    Args:
        xyz: ``(A, 3)`` coordinates in Angstrom (x, y, z).
        weights: ``(A,)`` atom weights (atomic numbers).
        box: grid size; voxel ``[z, y, x]`` sits at ``((x, y, z) - box // 2) * pixel_size``.
        pixel_size: Angstrom per voxel.
        resolution: Angstrom; sets the Gaussian width.
        center: move the weighted centre of the atoms to the grid centre first.

    Returns:
        ``(box, box, box)`` float32 map in MRC order ``[z, y, x]``, normalised to maximum 1.
    """
    if resolution <= 0 or pixel_size <= 0:
        raise ValueError(f"resolution ({resolution}) and pixel_size ({pixel_size}) must be positive")
    xyz = np.asarray(xyz, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if center:
        xyz = xyz - (w[:, None] * xyz).sum(0) / w.sum()
    sigma = SIGMA_PER_RESOLUTION * resolution / pixel_size  # in voxels
    pos = xyz / pixel_size  # voxels from the centre
    grid = np.arange(box) - box // 2
    g = [np.exp(-((grid[None, :] - pos[:, i, None]) ** 2) / (2 * sigma**2)) for i in range(3)]  # (A, box) per axis
    gzy = (w[:, None, None] * g[2][:, :, None] * g[1][:, None, :]).reshape(len(w), -1)  # (A, box*box) [z, y]
    vol = (gzy.T @ g[0]).reshape(box, box, box)
    peak = vol.max()
    if peak <= 0:
        raise ValueError(f"the atoms fall outside a {box}^3 grid of {pixel_size} A voxels")
    return (vol / peak).astype(np.float32)


def structure_radius(xyz: np.ndarray, weights: np.ndarray) -> float:
    """Largest distance (Angstrom) of an atom from the weighted centre."""
    c = (weights[:, None] * xyz).sum(0) / weights.sum()
    return float(np.linalg.norm(xyz - c, axis=1).max())
