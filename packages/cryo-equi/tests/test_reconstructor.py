import numpy as np
import torch
from cryo_equi import CNNEncoder, FourierVolume, Reconstructor, lowpass, project, random_rotations, render


def test_decoder_fits_images_with_known_poses():
    # the forward model and the implicit volume can explain projections: the loss falls on a fixed seed
    torch.manual_seed(0)
    vol = torch.zeros(12, 12, 12, dtype=torch.float64)
    vol[4:8, 5:7, 3:9] = 1.0
    rots = torch.as_tensor(random_rotations(32, np.random.default_rng(0)))
    imgs = project(vol, rots).float()
    imgs = imgs / imgs.std()
    dec = FourierVolume(box=12, hidden=32, layers=2, features=16)
    opt = torch.optim.Adam(dec.parameters(), lr=5e-3)
    losses = []
    for _ in range(25):
        loss = ((render(dec, rots.float(), kmax=4.0) - lowpass(imgs, 4.0)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses[::5]


def test_symmetric_loss_is_the_per_image_minimum():
    torch.manual_seed(1)
    enc = CNNEncoder(box=12, width=4, blocks=2).eval()
    dec = FourierVolume(box=12, hidden=16, layers=2, features=8)
    imgs = torch.randn(6, 12, 12)
    plain = Reconstructor(enc, dec, predict_shifts=False, symmetric=False)
    sym = Reconstructor(enc, dec, predict_shifts=False, symmetric=True)
    with torch.no_grad():
        assert sym.loss(imgs).item() <= plain.loss(imgs).item() + 1e-7
        rot180 = torch.rot90(imgs[:, 1:, 1:], 2, dims=(-2, -1))
        flipped = imgs.clone()
        flipped[:, 1:, 1:] = rot180
        per_a = plain._loss(imgs, None, None)
        per_b = plain._loss(flipped, None, None)
        assert torch.allclose(sym.loss(imgs), torch.minimum(per_a, per_b).mean())
