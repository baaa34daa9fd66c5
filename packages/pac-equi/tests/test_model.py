"""The study network: exact equivariance (fibres, and 90-degree image rotations), intertwiner layers, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from equi_groups import group_from_str, regular
from equi_groups.testing import assert_equivariant
from pac_equi.experiments._config import PolarConfig, TrainConfig, budget_width, count_parameters
from pac_equi.experiments._data import polar_field_index, polar_sample
from pac_equi.experiments._model import PolarNet, PolarNetConfig
from pac_equi.experiments._study import layer_report
from pac_equi.experiments._train import train_to_margin


@pytest.mark.parametrize("name", ["C2", "C8", "D4", "D8"])
def test_polarnet_is_invariant_on_fibres(name):
    torch.manual_seed(0)
    net = PolarNet(PolarNetConfig(name, width=2)).double()
    x = torch.randn(3, net.in_type.dim, dtype=torch.float64)
    errs = assert_equivariant(net, x=x)
    assert max(errs.values()) < 1e-10


def test_polarnet_is_invariant_to_image_rotations_by_90_degrees():
    torch.manual_seed(0)
    net = PolarNet(PolarNetConfig("C4", width=3)).double()
    img = torch.rand(2, 1, 29, 29, dtype=torch.float64)
    a = net(net.features(img))
    b = net(net.features(torch.rot90(img, 1, (-2, -1))))
    assert torch.allclose(a, b, atol=1e-10)
    # a C1 network is not invariant: the check above can fail
    plain = PolarNet(PolarNetConfig("C1", width=3)).double()
    assert not torch.allclose(plain(plain.features(img)), plain(plain.features(torch.rot90(img, 1, (-2, -1)))))


def test_polar_index_carries_the_regular_representation():
    G = group_from_str("D4")
    pc = PolarConfig(n_radii=2, n_angles=32)
    idx = polar_field_index(G, pc)
    assert sorted(idx.tolist()) == list(range(pc.dim))
    # rotating the angles by 90 degrees (a shift by 8 samples) acts on each field as regular(D4)(r)
    samples = np.random.default_rng(0).standard_normal((pc.n_radii, pc.n_angles))
    g = G.element(0, 1)  # rotation by 2 pi / 4
    moved = np.roll(samples, 8, axis=1)  # [g f](theta) = f(theta - pi/2)
    x, y = samples.reshape(-1)[idx], moved.reshape(-1)[idx]
    rho = regular(G)(g)
    for f in range(len(idx) // 8):
        assert np.allclose(y[8 * f : 8 * f + 8], rho @ x[8 * f : 8 * f + 8])
    with pytest.raises(ValueError, match="multiple of 32"):
        PolarConfig(n_angles=48)


def test_polar_sample_reads_the_right_pixels():
    img = torch.zeros(1, 1, 29, 29, dtype=torch.float64)
    img[0, 0, 14, 14 + 5] = 1.0  # 5 pixels right of the centre: angle 0, radius 5
    pc = PolarConfig(n_radii=13, n_angles=32, r_max=13.0)
    s = polar_sample(img, pc)[0]
    r, j = np.unravel_index(int(torch.argmax(s)), s.shape)
    assert r == 4 and j in (0, 31)


def test_layers_are_intertwiners_and_parameters_counted():
    net = PolarNet(PolarNetConfig("C8", width=3))
    rows = layer_report(net)
    assert [n for n, _, _ in rows] == ["W1", "W2", "W3"]
    assert all(d.residual < 1e-10 for _, _, d in rows)
    assert net.num_parameters() == count_parameters(8, 3, PolarConfig().dim)
    assert sum(d.num_parameters() for _, _, d in rows) == net.num_parameters()
    c = budget_width(8, 12000, 384)
    assert count_parameters(8, c, 384) <= 12000 < count_parameters(8, c + 1, 384)


def test_training_reaches_the_margin_on_a_fixed_seed():
    torch.manual_seed(0)
    y = torch.arange(100) % 10
    x = 0.1 * torch.randn(100, 384)
    x[torch.arange(100), 8 * y] += 3.0  # separable
    net = PolarNet(PolarNetConfig("C1", width=8))
    cfg = TrainConfig(gamma=0.5, quantile=0.1, lr=1e-2, max_epochs=40, batch_size=50)
    info = train_to_margin(net, x, y, cfg, seed=0)
    assert info["reached"] and info["epochs"] < 40
    assert info["loss"] < 1.0  # from log(10) = 2.3 at initialisation
