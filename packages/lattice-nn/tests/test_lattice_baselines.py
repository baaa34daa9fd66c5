import numpy as np
import pytest
from lattice_nn import (
    bkz_transform,
    generate,
    integer_det,
    lll_transform,
    log_defect,
    pairwise_reduction_transform,
)


def _lagrange(b: np.ndarray) -> np.ndarray:
    """Textbook Lagrange-Gauss reduction of a 2D basis, written out independently of the package."""
    u, v = b[0].astype(float), b[1].astype(float)
    if u @ u > v @ v:
        u, v = v, u
    while True:
        v = v - np.round((u @ v) / (u @ u)) * u
        if v @ v >= u @ u:
            return np.array([u, v])
        u, v = v, u


def test_hand_checked_gauss_example() -> None:
    # b1 = (4, 1), b2 = (9, 2): det -1, so the lattice is Z^2. By hand: mu = 38/17 -> 2, b2 - 2 b1 = (1, 0);
    # swap; mu = 4 -> (4, 1) - 4 (1, 0) = (0, 1). Reduced basis {(1, 0), (0, 1)}.
    b = np.array([[4.0, 1.0], [9.0, 2.0]])
    np.testing.assert_allclose(_lagrange(b), [[1.0, 0.0], [0.0, 1.0]])
    for fn in (lll_transform, bkz_transform, pairwise_reduction_transform):
        red = fn(b).astype(float) @ b
        np.testing.assert_allclose(np.sort(np.linalg.norm(red, axis=1)), [1.0, 1.0])


@pytest.mark.parametrize("seed", range(5))
def test_fpylll_lll_matches_lagrange_in_2d(seed: int) -> None:
    rng = np.random.default_rng(seed)
    b = rng.integers(-50, 50, size=(2, 2)).astype(float)
    b[1] += 7 * b[0]  # make it far from reduced
    if abs(np.linalg.det(b)) < 1:
        b[0, 0] += 1
    ref = np.sort(np.linalg.norm(_lagrange(b), axis=1))
    u = lll_transform(b)
    assert abs(integer_det(u)) == 1
    np.testing.assert_allclose(np.sort(np.linalg.norm(u.astype(float) @ b, axis=1)), ref, rtol=1e-9)
    np.testing.assert_allclose(
        np.sort(np.linalg.norm(pairwise_reduction_transform(b).astype(float) @ b, axis=1)), ref, rtol=1e-9
    )


def test_baselines_reduce_and_are_unimodular() -> None:
    for b in generate("qary", 6, 3, seed=0):
        for fn in (lll_transform, bkz_transform, pairwise_reduction_transform):
            u = fn(b)
            assert abs(integer_det(u)) == 1
            assert log_defect(u.astype(float) @ b) < log_defect(b)
