import numpy as np
import pytest
from cryo_equi import align_poses, atoms_to_density, convergence, fsc, fsc_resolution, random_rotations
from cryo_equi._metrics import MIRROR


def test_alignment_recovers_global_rotation_and_hand():
    rng = np.random.default_rng(0)
    r = random_rotations(300, rng)
    q = random_rotations(1, rng)[0]
    al = align_poses(r @ q, r)
    assert not al.mirrored and np.abs(al.rotation - q).max() < 1e-8 and al.median < 1e-3
    al = align_poses(MIRROR @ r @ MIRROR @ q, r)
    assert al.mirrored and al.median < 1e-3


def test_alignment_error_of_known_perturbation():
    rng = np.random.default_rng(1)
    r = random_rotations(500, rng)
    # perturb every pose by exactly 10 degrees about a random axis: median and mean error are 10
    axes = rng.normal(size=(500, 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    t = np.deg2rad(10.0)
    k = np.zeros((500, 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axes[:, 2], axes[:, 1], -axes[:, 0]
    k = k - k.transpose(0, 2, 1)
    pert = np.eye(3) + np.sin(t) * k + (1 - np.cos(t)) * k @ k
    al = align_poses(pert @ r, r)
    assert al.mean == pytest.approx(10.0, abs=0.5)
    # random predictions are far off (median geodesic angle of a Haar rotation is about 126 deg; aligned lower)
    assert align_poses(random_rotations(500, rng), r).median > 60


def _map():
    rng = np.random.default_rng(2)
    return atoms_to_density(rng.normal(0, 5, (60, 3)), np.ones(60), box=32, pixel_size=1.0, resolution=3.0)


def test_fsc_of_a_map_with_itself_is_one():
    m = _map()
    assert np.allclose(fsc(m, m), 1.0)
    assert fsc_resolution(fsc(m, m), 32, 1.0, 0.143) == 2.0  # Nyquist


def test_fsc_with_independent_noise_follows_signal_to_noise():
    # two maps = signal + independent white noise: FSC(s) ~ S(s) / (S(s) + N) per shell (S, N: power per voxel)
    m = _map().astype(np.float64)
    rng = np.random.default_rng(3)
    sigma = 0.05
    a, b = m + rng.normal(0, sigma, m.shape), m + rng.normal(0, sigma, m.shape)
    curve = fsc(a, b)
    f = np.fft.fftshift(np.fft.fftn(np.fft.ifftshift(m)))
    k = np.arange(32) - 16
    kz, ky, kx = np.meshgrid(k, k, k, indexing="ij")
    shell = np.rint(np.sqrt(kx**2 + ky**2 + kz**2)).astype(int).ravel()
    s_pow = np.bincount(shell, (np.abs(f) ** 2).ravel())[:16] / np.bincount(shell)[:16]
    n_pow = sigma**2 * m.size
    expected = s_pow / (s_pow + n_pow)
    assert np.abs(curve[1:] - expected[1:]).max() < 0.15  # measured: shells hold 6..3000 voxels
    assert curve[1] > 0.9 and curve[-1] < 0.2  # it falls from low to high frequency


def test_fsc_resolution_and_convergence_hand_cases():
    assert fsc_resolution(np.array([1.0, 0.9, 0.5, 0.1]), 8, 2.0, 0.143) == pytest.approx(
        16 / (2 + 0.357 / 0.4), rel=1e-9
    )
    assert convergence([50.0, 30.0, 9.0], 10.0) == 3
    assert convergence([50.0, 9.0, 30.0], 10.0) is None
