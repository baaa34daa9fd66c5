"""Data: deterministic stratified splits of real MNIST digits, rotation convention, IDX and CIFAR readers."""

import gzip
import math
import pickle

import numpy as np
import pytest
import torch
from e2cnn_core import flip_rot2d
from e2cnn_core.experiments._data import (
    DataConfig,
    build_dataset,
    load_cifar10,
    load_fashion_mnist,
    load_mnist_5k,
    read_idx,
    rotate,
)


def test_mnist_5k_is_real_and_balanced():
    x, y = load_mnist_5k()
    assert x.shape == (5000, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [500] * 10
    assert x.max() == 255 and 0.05 < (x > 0).mean() < 0.4  # ink on a dark background


def test_split_is_deterministic_stratified_and_disjoint():
    cfg = DataConfig(n_train=200, n_test=100, seed=3)
    tr1, te1 = build_dataset(cfg)
    tr2, te2 = build_dataset(cfg)
    assert torch.equal(tr1.images, tr2.images) and torch.equal(te1.labels, te2.labels)
    assert torch.equal(tr1.angles, tr2.angles)
    assert torch.bincount(tr1.labels).tolist() == [20] * 10
    assert torch.bincount(te1.labels).tolist() == [10] * 10
    assert not set(tr1.indices.tolist()) & set(te1.indices.tolist())
    tr3, _ = build_dataset(DataConfig(n_train=200, n_test=100, seed=4))
    assert not torch.equal(tr1.indices, tr3.indices)
    assert tr1.images.shape == (200, 1, 29, 29)
    assert not tr1.flips.any()


def test_rot_flip_variant_reflects_about_half():
    tr, _ = build_dataset(DataConfig(dataset="mnist-rot-flip", n_train=400, n_test=100))
    assert 0.35 < tr.flips.float().mean() < 0.65


def test_rotate_matches_gspace_on_exact_elements():
    gs = flip_rot2d(4)
    x = torch.randn(2, 1, 29, 29)
    for g in gs.group.elements():
        f, t = gs.group.to_o2(g)
        y = rotate(x, torch.full((2,), t), torch.full((2,), f))
        assert (y - gs.transform_grid(x, g)).abs().max() < 1e-4, g


def test_rotate_by_angle_moves_mass_around_the_centre():
    x = torch.zeros(1, 1, 29, 29)
    x[0, 0, 14, 24] = 1.0  # a point 10 px right of the centre
    y = rotate(x, torch.tensor([math.pi / 6]))
    i, j = divmod(int(y.flatten().argmax()), 29)
    # counter-clockwise by 30 degrees: (10, 0) -> (8.66, 5) in (x right, y up)
    assert (i, j) == (14 - 5, 14 + 9)


def test_bad_config_names_the_value():
    with pytest.raises(ValueError, match="'mnist'"):
        DataConfig(dataset="mnist")
    with pytest.raises(ValueError, match="30"):
        DataConfig(size=30)


def _write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_idx_reader_and_fashion_loader(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 40), ("t10k", 20)):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n) % 10)
    x, y = load_fashion_mnist(tmp_path, train=True)
    assert x.shape == (40, 28, 28) and y.tolist() == (np.arange(40) % 10).tolist()
    np.testing.assert_array_equal(read_idx(tmp_path / "t10k-labels-idx1-ubyte.gz"), np.arange(20) % 10)
    tr, te = build_dataset(DataConfig(dataset="fashion-rot", n_train=20, n_test=10), fashion_root=tmp_path)
    assert tr.images.shape == (20, 1, 29, 29) and len(te) == 10
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as f:
        f.write(b"\x01\x02\x08\x01" + b"\x00" * 8)
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(bad)
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path / "nowhere")


def test_cifar10_pickle_loader(tmp_path):
    rng = np.random.default_rng(1)
    root = tmp_path / "cifar-10-batches-py"
    root.mkdir()
    batches = {}
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        data = rng.integers(0, 256, (4, 3072), dtype=np.uint8)
        batches[name] = data
        with open(root / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": [i, 1, 2, 3], b"batch_label": name.encode()}, f)
    x, y = load_cifar10(root, train=True)
    assert x.shape == (20, 3, 32, 32) and x.dtype == np.uint8
    assert y[:4].tolist() == [0, 1, 2, 3] and y[4] == 1
    # channel-major layout: the first 1024 bytes are the red plane
    np.testing.assert_array_equal(x[0, 0].ravel(), batches["data_batch_1"][0, :1024])
    xt, yt = load_cifar10(root, train=False)
    assert xt.shape == (4, 3, 32, 32) and yt[0] == 5
    with pytest.raises(FileNotFoundError, match="cifar-10-batches-py"):
        load_cifar10(tmp_path / "missing")


def test_idx_reader_names_the_file_for_a_short_header_and_huge_dims(tmp_path):
    short = tmp_path / "short-idx3-ubyte"
    short.write_bytes(b"\x00\x00\x08\x03" + b"\x00\x00\x00\x05")  # 3 dims announced, one given
    with pytest.raises(ValueError, match=r"short-idx3-ubyte: truncated IDX header: 3 dimensions need a 16-byte"):
        read_idx(short)
    huge = tmp_path / "huge-idx3-ubyte"
    huge.write_bytes(b"\x00\x00\x08\x03" + b"\xff\xff\xff\xff" * 3 + b"\x00" * 10)
    with pytest.raises(ValueError, match=r"huge-idx3-ubyte: header says shape \(4294967295, 4294967295, 4294967295\)"):
        read_idx(huge)
    with pytest.raises(ValueError) as err:
        read_idx(huge)
    assert "-" not in str(err.value).split("bytes of data")[0].split("(")[-1]  # no negative byte counts


def _cifar_folder(tmp_path, first_batch: dict) -> object:
    root = tmp_path / "cifar-10-batches-py"
    root.mkdir()
    good = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 9]}
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        with open(root / name, "wb") as f:
            pickle.dump(first_batch if i == 0 else good, f)
    return root


@pytest.mark.parametrize(
    "batch,message",
    [
        ({b"data": np.zeros((10, 3072), np.uint8), b"labels": [0, 1, 2]}, "10 images but 3 labels"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [3, 10]}, r"labels span \[3, 10\], expected 0..9"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [-1, 2]}, r"labels span \[-1, 2\]"),
        ({b"data": np.full((2, 3072), 0.5), b"labels": [0, 1]}, "b'data' has dtype float64, expected integer pixels"),
        ({b"data": np.full((2, 3072), 300), b"labels": [0, 1]}, r"pixel values span \[300, 300\]"),
    ],
    ids=["count", "label10", "label-1", "float", "range"],
)
def test_cifar_loader_rejects_inconsistent_batches(tmp_path, batch, message):
    root = _cifar_folder(tmp_path, batch)
    with pytest.raises(ValueError, match="data_batch_1: " + message):
        load_cifar10(root, train=True)


class _Exploit:
    def __reduce__(self):
        import os

        return (os.system, ("touch pwned-by-cifar",))


def test_cifar_loader_refuses_a_pickle_that_would_run_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = _cifar_folder(tmp_path, {b"data": _Exploit(), b"labels": [0]})
    with pytest.raises(ValueError, match=r"refusing to load (posix|os|nt)\.system"):
        load_cifar10(root, train=True)
    assert not (tmp_path / "pwned-by-cifar").exists()


def _write_amat(path, n, seed):
    """A file in the format of the original MNIST-rot files: per line 784 floats in [0, 1] and the label,
    each written as ``%.18e`` and separated by spaces (as ``numpy.savetxt`` writes them)."""
    rng = np.random.default_rng(seed)
    pixels = rng.uniform(0, 1, (n, 784)) * (rng.uniform(0, 1, (n, 784)) < 0.2)
    labels = np.arange(n) % 10
    np.savetxt(path, np.concatenate([pixels, labels[:, None]], 1), fmt="%.18e")
    return pixels.reshape(n, 28, 28), labels


def test_mnist_rot_amat_reader_and_split(tmp_path):
    from e2cnn_core.experiments._data import load_mnist_rot_amat, read_amat

    px, lab = _write_amat(tmp_path / "mnist_all_rotation_normalized_float_train_valid.amat", 30, 0)
    _write_amat(tmp_path / "mnist_all_rotation_normalized_float_test.amat", 20, 1)
    x, y = load_mnist_rot_amat(tmp_path, train=True)
    assert x.shape == (30, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x, px, rtol=0, atol=1e-7)  # row-major 28x28, as stored
    assert y.tolist() == lab.tolist()
    tr, te = build_dataset(DataConfig(dataset="mnist-rot-amat", n_train=20, n_test=10, path=str(tmp_path)))
    assert tr.images.shape == (20, 1, 29, 29) and te.images.shape == (10, 1, 29, 29)
    torch.testing.assert_close(tr.images[:, 0, :28, :28], torch.from_numpy(px[:20]).float())  # padded, not rotated
    assert (tr.images[:, 0, 28] == 0).all() and (tr.images[:, 0, :, 28] == 0).all()
    assert torch.isnan(tr.angles).all() and te.labels.tolist() == (np.arange(10) % 10).tolist()
    with pytest.raises(ValueError, match="holds 20 digits, 30 requested"):
        build_dataset(DataConfig(dataset="mnist-rot-amat", n_train=20, n_test=30, path=str(tmp_path)))
    with pytest.raises(ValueError, match="goes with dataset 'mnist-rot-amat' only"):
        DataConfig(dataset="mnist-rot", path=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="mnist_all_rotation_normalized_float_test.amat"):
        load_mnist_rot_amat(tmp_path / "elsewhere", train=False)
    bad = tmp_path / "bad.amat"
    bad.write_text("0.5 " * 784 + "3\n" + "0.5 " * 700 + "3\n")
    with pytest.raises(ValueError, match="bad.amat: line 2 has 701 values; expected 785"):
        read_amat(bad)
    bad.write_text("0.5 " * 784 + "12\n")
    with pytest.raises(ValueError, match=r"bad.amat: labels must be integers in 0..9"):
        read_amat(bad)
    bad.write_text("2.5 " * 784 + "1\n")
    with pytest.raises(ValueError, match=r"bad.amat: pixel values span \[2.5, 2.5\]"):
        read_amat(bad)
