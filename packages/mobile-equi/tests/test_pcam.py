import h5py
import numpy as np
import pytest
from mobile_equi import PCam, write_pcam


def _write(root, n=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, 96, 96, 3), dtype=np.uint8)
    y = rng.integers(0, 2, n).astype(np.uint8)
    write_pcam(root, "valid", x, y)
    return x, y


def test_reads_the_official_format(tmp_path):
    x, y = _write(tmp_path)
    with h5py.File(tmp_path / "camelyonpatch_level_2_split_valid_y.h5") as f:
        assert f["y"].shape == (5, 1, 1, 1) and f["y"].dtype == np.uint8
    with PCam(tmp_path, "valid") as ds:
        assert len(ds) == 5
        xb, yb = ds[1:4]
        assert xb.shape == (3, 3, 96, 96) and xb.dtype == np.float32
        np.testing.assert_allclose(xb[0], x[1].transpose(2, 0, 1) / 255.0)
        np.testing.assert_array_equal(yb, y[1:4])
        x0, y0 = ds[0]
        assert x0.shape == (3, 96, 96) and y0 == y[0]


def test_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="camelyonpatch_level_2_split_train_x.h5 is missing"):
        PCam(tmp_path, "train")
    with pytest.raises(ValueError, match="unknown PCam split"):
        PCam(tmp_path, "val")


def _raw(root, x, y):
    with h5py.File(root / "camelyonpatch_level_2_split_test_x.h5", "w") as f:
        f["x"] = x
    with h5py.File(root / "camelyonpatch_level_2_split_test_y.h5", "w") as f:
        f["y"] = y


@pytest.mark.parametrize(
    "x, y, message",
    [
        (np.zeros((2, 64, 64, 3), np.uint8), np.zeros((2, 1, 1, 1), np.uint8), r"x has shape \(2, 64, 64, 3\)"),
        (np.zeros((2, 96, 96, 3), np.float32), np.zeros((2, 1, 1, 1), np.uint8), "x has dtype float32"),
        (np.zeros((2, 96, 96, 3), np.uint8), np.zeros((3, 1, 1, 1), np.uint8), "x holds 2 patches but y holds 3"),
        (np.zeros((2, 96, 96, 3), np.uint8), np.zeros((2, 2), np.uint8), r"y has shape \(2, 2\)"),
        (np.zeros((2, 96, 96, 3), np.uint8), np.zeros((2, 1, 1, 1), np.float32), "y has dtype float32"),
    ],
)
def test_rejects_wrong_shape_dtype_and_lengths(tmp_path, x, y, message):
    _raw(tmp_path, x, y)
    with pytest.raises(ValueError, match=message):
        PCam(tmp_path, "test")
