import math

import numpy as np
import pytest
import torch
from learned_equivariance.experiments._data import (
    DataConfig,
    draw_transforms,
    load_digits,
    make_split,
    transform_digits,
)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_split_shapes_labels_and_determinism(digits):
    cfg = DataConfig("C4", n_train=2, n_val=1, n_test=1, size=14, seed=3)
    x, y, a, f = make_split(cfg, "train", digits)
    assert x.shape == (200, 1, 14, 28) and y.tolist() == list(np.repeat(np.arange(100), 2))
    x2, *_ = make_split(cfg, "train", digits)
    assert torch.equal(x, x2)
    other, *_ = make_split(DataConfig("C4", 2, 1, 1, 14, seed=4), "train", digits)
    assert not torch.equal(x, other)
    assert np.allclose(np.mod(a, math.pi / 2), 0) or np.allclose(np.mod(a, math.pi / 2) % (math.pi / 2), 0)
    assert not f.any()


def test_transform_rules():
    rng = np.random.default_rng(0)
    a, f = draw_transforms("C1", 50, rng)
    assert (a == 0).all() and not f.any()
    a, f = draw_transforms("C3", 200, rng)
    assert set(np.round(np.degrees(a).ravel()).astype(int)) == {0, 120, 240}
    a, f = draw_transforms("D4", 200, rng)
    assert 0.3 < f.mean() < 0.7
    a, f = draw_transforms("mixed", 400, rng)
    upright = (a == 0).all(1)
    assert 0.4 < upright.mean() < 0.6 and not f.any()


def test_rotation_by_90_degrees_is_exact_and_counter_clockwise():
    d = torch.zeros(1, 28, 28)
    d[0, 2, 14] = 1.0  # a pixel above the centre
    out = transform_digits(d, np.array([math.pi / 2]), np.array([False]), 28)
    r, c = np.unravel_index(int(out[0].argmax()), (28, 28))
    assert c < 14 and abs(r - 13.5) < 1.0  # moved to the left: counter-clockwise
    assert torch.allclose(transform_digits(d, np.array([0.0]), np.array([False]), 28), d, atol=1e-6)


def test_splits_use_disjoint_digit_pools(digits):
    from learned_equivariance.experiments._data import POOLS

    spans = sorted(POOLS.values())
    assert all(a[1] <= b[0] for a, b in zip(spans[:-1], spans[1:], strict=True))


def test_bad_split_is_refused(digits):
    with pytest.raises(ValueError, match="split must be"):
        make_split(DataConfig(), "training", digits)
