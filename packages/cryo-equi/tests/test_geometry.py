import numpy as np
import pytest
import torch
from cryo_equi import (
    d4_image_matrix,
    d4_pose_matrix,
    euler_to_matrix,
    matrix_to_euler,
    random_rotations,
    transform_image,
)
from e2cnn_core import flip_rot2d

D4 = flip_rot2d(4).group


def test_euler_matches_relion_matrix_elements():
    # RELION's Euler_angles2matrix, element by element (alpha = rot, beta = tilt, gamma = psi)
    a, b, g = np.deg2rad([30.0, 50.0, -70.0])
    ca, sa, cb, sb, cg, sg = np.cos(a), np.sin(a), np.cos(b), np.sin(b), np.cos(g), np.sin(g)
    cc, cs, sc, ss = cb * ca, cb * sa, sb * ca, sb * sa
    expected = np.array(
        [
            [cg * cc - sg * sa, cg * cs + sg * ca, -cg * sb],
            [-sg * cc - cg * sa, -sg * cs + cg * ca, sg * sb],
            [sc, ss, cb],
        ]
    )
    got = euler_to_matrix(np.array([30.0]), np.array([50.0]), np.array([-70.0]))[0]
    assert np.abs(got - expected).max() < 1e-12


def test_euler_round_trip_including_poles():
    r = random_rotations(200, np.random.default_rng(0))
    r = np.concatenate([r, euler_to_matrix(np.array([10.0, 0.0]), np.array([0.0, 180.0]), np.array([25.0, 40.0]))])
    back = euler_to_matrix(*matrix_to_euler(r))
    assert np.abs(back - r).max() < 1e-9


def test_random_rotations_are_rotations_and_cover_so3():
    r = random_rotations(4000, np.random.default_rng(1))
    assert np.abs(r @ r.transpose(0, 2, 1) - np.eye(3)).max() < 1e-12
    assert np.allclose(np.linalg.det(r), 1.0)
    # Haar measure: E[R] = 0 (measured: each entry's mean is within 4 standard errors of 0, std error 1/sqrt(3N))
    assert np.abs(r.mean(0)).max() < 4 / np.sqrt(3 * len(r))


@pytest.mark.parametrize("d", [5, 6])
def test_transform_image_moves_points_by_the_d4_matrix(d):
    c = d // 2
    img = torch.zeros(d, d)
    points = {(c, c + 1): 1.0, (c + 2, c + 1): 2.0}  # (row, col)
    for (r, col), v in points.items():
        img[r, col] = v
    for g in D4.elements():
        m = np.rint(d4_image_matrix(g)).astype(int)
        out = transform_image(img, g)
        for (r, col), v in points.items():
            x, y = m @ np.array([col - c, r - c])
            assert out[y + c, x + c] == v, g


def test_pose_matrices_form_a_representation():
    for g in D4.elements():
        for h in D4.elements():
            assert np.allclose(d4_pose_matrix(g * h), d4_pose_matrix(g) @ d4_pose_matrix(h))
        assert np.isclose(np.linalg.det(d4_pose_matrix(g)), 1.0)
