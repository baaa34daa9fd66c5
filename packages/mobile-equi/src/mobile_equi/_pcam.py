"""PatchCamelyon (Veeling et al. 2018) from its official HDF5 files, read lazily with h5py.

The files are ``camelyonpatch_level_2_split_{train,valid,test}_{x,y}.h5``: dataset ``x`` of shape
``(N, 96, 96, 3)`` uint8 (RGB patches) and dataset ``y`` of shape ``(N, 1, 1, 1)`` uint8 (1: the centre
32x32 region holds tumour tissue). PCam cannot be installed from a package registry; give the folder that holds
the files. Everything is checked when the split is opened, before any patch is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PCAM_SPLITS: tuple[str, ...] = ("train", "valid", "test")
PCAM_SHAPE: tuple[int, int, int] = (96, 96, 3)


def pcam_files(root: str | Path, split: str) -> tuple[Path, Path]:
    """The ``x`` and ``y`` file paths of a split (not checked for existence)."""
    if split not in PCAM_SPLITS:
        raise ValueError(f"unknown PCam split {split!r}; expected one of {', '.join(PCAM_SPLITS)}")
    root = Path(root)
    return tuple(root / f"camelyonpatch_level_2_split_{split}_{k}.h5" for k in ("x", "y"))  # type: ignore[return-value]


class PCam:
    """One PCam split, opened lazily: ``len(split)``, ``split[i]`` or ``split[a:b]`` -> images, labels.

    Args:
        root: folder holding the split's two ``.h5`` files.
        split: ``train``, ``valid`` or ``test``.

    Raises:
        FileNotFoundError: a file is missing (the message names it and says where PCam comes from).
        ValueError: ``x`` is not ``(N, 96, 96, 3)`` uint8, ``y`` not ``(N, 1, 1, 1)`` (or ``(N,)``) integers,
            their lengths differ, or a label is not 0/1.

    Shapes:
        ``split[a:b]``: ``(b - a, 3, 96, 96)`` float32 in ``[0, 1]`` and ``(b - a,)`` int64.

    Examples:
        >>> PCam("/nonexistent", "test")
        Traceback (most recent call last):
        ...
        FileNotFoundError: PCam file /nonexistent/camelyonpatch_level_2_split_test_x.h5 is missing: ...
    """

    def __init__(self, root: str | Path, split: str) -> None:
        self.x_path, self.y_path = pcam_files(root, split)
        for p in (self.x_path, self.y_path):
            if not p.is_file():
                raise FileNotFoundError(
                    f"PCam file {p} is missing: download PatchCamelyon's HDF5 files "
                    "(github.com/basveeling/pcam) and pass the folder that holds them"
                )
        import h5py

        self._x_file = h5py.File(self.x_path, "r")
        self._y_file = h5py.File(self.y_path, "r")
        for f, key in ((self._x_file, "x"), (self._y_file, "y")):
            if key not in f:
                raise ValueError(f"{f.filename} has no dataset {key!r} (datasets: {', '.join(f.keys()) or 'none'})")
        self.x, self.y = self._x_file["x"], self._y_file["y"]
        if self.x.ndim != 4 or tuple(self.x.shape[1:]) != PCAM_SHAPE:
            raise ValueError(f"{self.x_path}: x has shape {tuple(self.x.shape)}, expected (N, 96, 96, 3)")
        if self.x.dtype != np.uint8:
            raise ValueError(f"{self.x_path}: x has dtype {self.x.dtype}, expected uint8")
        if not (self.y.ndim == 1 or (self.y.ndim == 4 and tuple(self.y.shape[1:]) == (1, 1, 1))):
            raise ValueError(f"{self.y_path}: y has shape {tuple(self.y.shape)}, expected (N, 1, 1, 1)")
        if not np.issubdtype(self.y.dtype, np.integer):
            raise ValueError(f"{self.y_path}: y has dtype {self.y.dtype}, expected an integer type (uint8)")
        if len(self.x) != len(self.y):
            raise ValueError(f"PCam {split}: x holds {len(self.x)} patches but y holds {len(self.y)} labels")

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, idx: int | slice) -> tuple[np.ndarray, np.ndarray]:
        sl = slice(idx, idx + 1) if isinstance(idx, int | np.integer) else idx
        x = np.asarray(self.x[sl], dtype=np.float32).transpose(0, 3, 1, 2) / 255.0
        y = np.asarray(self.y[sl]).reshape(-1).astype(np.int64)
        if y.size and (y.min() < 0 or y.max() > 1):
            raise ValueError(f"{self.y_path}: labels must be 0 or 1, found {sorted(set(y.tolist()))[:5]}")
        return (x[0], y[0]) if isinstance(idx, int | np.integer) else (x, y)

    def close(self) -> None:
        """Close both files."""
        self._x_file.close()
        self._y_file.close()

    def __enter__(self) -> PCam:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_pcam(root: str | Path, split: str, x: np.ndarray, y: np.ndarray) -> tuple[Path, Path]:
    """Write a split in PCam's exact format (``x``: ``(N, 96, 96, 3)`` uint8, ``y``: ``(N, 1, 1, 1)`` uint8);
    for tests and for small subsets."""
    import h5py

    xp, yp = pcam_files(root, split)
    Path(root).mkdir(parents=True, exist_ok=True)
    with h5py.File(xp, "w") as f:
        f.create_dataset("x", data=np.asarray(x, dtype=np.uint8), chunks=(1, 96, 96, 3), compression="gzip")
    with h5py.File(yp, "w") as f:
        f.create_dataset("y", data=np.asarray(y, dtype=np.uint8).reshape(-1, 1, 1, 1))
    return xp, yp
