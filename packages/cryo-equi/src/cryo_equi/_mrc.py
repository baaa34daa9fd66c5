"""MRC maps and image stacks (``mrcfile``): voxel size in Angstrom, data in ``[z, y, x]`` order."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_mrc(path: str | Path, data: np.ndarray, pixel_size: float, overwrite: bool = True) -> Path:
    """Write a map ``(D, D, D)`` or an image stack ``(N, D, D)`` (``.mrcs``) as float32 with its voxel size.

    Stacks are flagged as image stacks (``ispg = 0``), as RELION writes them.
    """
    import mrcfile

    path = Path(path)
    data = np.ascontiguousarray(data, dtype=np.float32)
    if data.ndim not in (2, 3):
        raise ValueError(f"MRC data must be 2D or 3D, got shape {data.shape}")
    with mrcfile.new(path, overwrite=overwrite) as m:
        m.set_data(data)
        if path.suffix == ".mrcs":
            m.set_image_stack()
        m.voxel_size = float(pixel_size)
    return path


def read_mrc(path: str | Path) -> tuple[np.ndarray, float]:
    """Read a map or stack: the data as float32 (``[z, y, x]`` or ``[n, y, x]``) and the voxel size (Angstrom, x).

    Raises:
        ValueError: for a file that is not a valid MRC (naming it and mrcfile's complaint).
    """
    import mrcfile

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"MRC file {path} does not exist")
    try:
        with mrcfile.open(path, permissive=False) as m:
            data = np.array(m.data, dtype=np.float32)
            pixel = float(m.voxel_size.x)
    except ValueError as e:
        raise ValueError(f"{path} is not a valid MRC file: {e}") from None
    return data, pixel


def read_map(path: str | Path) -> tuple[np.ndarray, float]:
    """Read a cubic density map; refuse anything else with the shape found."""
    data, pixel = read_mrc(path)
    if data.ndim != 3 or len(set(data.shape)) != 1:
        raise ValueError(f"{path}: a density map must be a cube, got shape {data.shape}")
    return data, pixel
