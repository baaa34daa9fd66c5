import numpy as np
import torch
from cryo_equi import CNNEncoder, D4Encoder, FourierVolume, d4_pose_matrix, prepare_images, render, transform_image
from e2cnn_core import flip_rot2d
from equi_groups.testing import assert_equivariant, equivariance_errors

D4 = flip_rot2d(4).group


def _encoder(box=32):
    torch.manual_seed(0)
    enc = D4Encoder(box=box, width=2, blocks=2).eval()
    # move the batch-norm statistics away from their defaults so that they are exercised
    with torch.no_grad():
        for m in enc.modules():
            if hasattr(m, "running_var") and m.running_var is not None:
                m.running_var.uniform_(0.5, 2.0)
                m.running_mean.normal_()
    return enc


def test_d4_encoder_network_is_equivariant_on_the_grid():
    enc = _encoder()
    x = prepare_images(torch.randn(3, 32, 32, generator=torch.Generator().manual_seed(1)))
    errs = assert_equivariant(enc.raw_e2, enc.in_type, enc.out_type, x=x)
    assert len(errs) == 8


def test_d4_encoder_pose_transforms_by_left_multiplication():
    # transforming the image by g maps the predicted pose A to G(g) A and the shift t to M(g) t, for all 8 elements
    # float64: in float32 the Gram-Schmidt step amplifies round-off of small raw outputs to ~2e-5 (measured)
    enc = _encoder().double()
    imgs = torch.randn(4, 32, 32, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    with torch.no_grad():
        rot, t = enc(imgs)
        for g in D4.elements():
            rot_g, t_g = enc(transform_image(imgs, g))
            gm = torch.as_tensor(d4_pose_matrix(g))
            assert (rot_g - gm @ rot).abs().max() < 1e-5, g
            assert (t_g - t @ gm[:2, :2].T).abs().max() < 1e-5, g


def test_pose_convention_renders_consistently_through_the_decoder():
    # the image of pose G(g) A equals the image of pose A transformed by g (odd box: the grid maps onto itself)
    torch.manual_seed(3)
    vol = FourierVolume(box=17, hidden=32, layers=2, features=16, scale=2.0).double()
    a = torch.linalg.qr(torch.randn(3, 3, 3, dtype=torch.float64))[0]
    a = a * torch.linalg.det(a)[:, None, None]  # proper rotations
    img = render(vol, a)
    for g in D4.elements():
        gm = torch.as_tensor(d4_pose_matrix(g))
        lhs = render(vol, gm @ a)
        rhs = transform_image(img, g)
        assert (lhs - rhs).abs().max() / img.abs().max() < 1e-9, g


def test_cnn_encoder_is_not_equivariant():
    # measured, not a tolerance: the baseline has no built-in symmetry (its error is of order 1)
    torch.manual_seed(0)
    enc = CNNEncoder(box=32, width=8, blocks=2).eval()
    d4 = _encoder()
    x = prepare_images(torch.randn(3, 32, 32, generator=torch.Generator().manual_seed(1)))
    errs = equivariance_errors(lambda v: enc.head(enc.features(v).mean((-2, -1))), d4.in_type, d4.out_type, x=x)
    assert max(errs.values()) > 1e-3


def test_decoder_is_hermitian_and_volume_real():
    vol = FourierVolume(box=12, hidden=16, layers=2, features=8)
    k = torch.randn(100, 3) * 5
    assert torch.equal(vol(-k), vol(k).conj())
    k0 = torch.zeros(1, 3)
    assert vol(k0).imag.item() == 0.0
    m = vol.to_volume()
    assert m.shape == (12, 12, 12) and m.dtype == torch.float32
    assert np.isfinite(m.numpy()).all()
