import numpy as np
import torch
from cryo_equi import atoms_to_density, euler_to_matrix, project, random_rotations, shift_images


def test_identity_pose_is_the_sum_along_z():
    v = torch.randn(17, 17, 17, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    img = project(v, torch.eye(3, dtype=torch.float64)[None])[0]
    assert (img - v.sum(0)).abs().max() < 1e-10


def test_projection_of_rotated_volume_equals_rotated_pose():
    # V_Q(r) = V(Q^T r) with Q a 90-degree rotation about z (exact on the grid: np.rot90 of the [y, x] axes);
    # then proj(V_Q, A) = proj(V, A Q) for any pose A (Fourier-slice consistency)
    v = torch.randn(17, 17, 17, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    q = torch.tensor([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=torch.float64)
    # V_Q at (x, y, z) = V(Q^T (x, y, z)) = V(y, -x, z): index [z, y, x] reads V[z, c - (x - c), c + (y - c)]
    c = 8
    vq = torch.empty_like(v)
    for y in range(17):
        for x in range(17):
            vq[:, y, x] = v[:, 2 * c - x, y]
    a = torch.as_tensor(random_rotations(4, np.random.default_rng(2)))
    lhs = project(vq, a)
    rhs = project(v, a @ q)
    assert (lhs - rhs).abs().max() / rhs.abs().max() < 1e-10


def test_gaussian_atom_lands_where_the_pose_puts_it():
    # one atom at p: its image in pose A peaks at (A p)_xy (V(A^T r) is largest at r = A p); the trilinear
    # interpolation of the slice apodises the image slightly (sinc^2), pulling the centroid a little inwards
    p = np.array([[6.0, -3.0, 4.0]])
    vol = torch.as_tensor(atoms_to_density(p, np.ones(1), box=32, pixel_size=1.0, resolution=6.0, center=False))
    rots = random_rotations(5, np.random.default_rng(3))
    imgs = project(vol.double(), torch.as_tensor(rots))
    k = torch.arange(32, dtype=torch.float64) - 16
    for img, r in zip(imgs, rots, strict=True):
        w = img.clamp(min=0)
        cy = (w.sum(1) * k).sum() / w.sum()
        cx = (w.sum(0) * k).sum() / w.sum()
        expected = r @ p[0]
        assert abs(cx - expected[0]) < 0.3 and abs(cy - expected[1]) < 0.3, (cx, cy, expected)  # measured <= 0.18


def test_tilt_90_projects_along_x():
    v = torch.randn(17, 17, 17, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    a = torch.as_tensor(euler_to_matrix(np.array([0.0]), np.array([90.0]), np.array([0.0])))
    # A = Ry(-90): A^T (kx, ky, 0) = (0, ky, -kx): the image is the sum over x, image-x = -z
    expected = v.sum(2).T.flip(1)
    assert (project(v, a)[0] - expected).abs().max() < 1e-10


def test_shift_moves_image_by_whole_pixels():
    img = torch.zeros(1, 16, 16, dtype=torch.float64)
    img[0, 8, 8] = 1.0
    out = shift_images(img, torch.tensor([[3.0, -2.0]], dtype=torch.float64))
    assert out[0, 6, 11].item() > 1 - 1e-10
