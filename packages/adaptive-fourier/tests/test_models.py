import math

import pytest
import torch
from adaptive_fourier import PointCloudType
from adaptive_fourier.experiments._config import SMOKE, Task2D, Task3D
from adaptive_fourier.experiments._models import Net2D, Net3D
from e2cnn_core import FieldType, rot2d
from equi_groups import SO2, SO3, trivial
from equi_groups.testing import assert_equivariant, equivariance_errors

T2 = Task2D(channels=(2, 3, 3))
T3 = Task3D(channels=3, points=12)


class _Invariant:
    def __init__(self, group):
        self.group = group

    def transform(self, x, g):
        return x


@pytest.mark.parametrize("kind, n", [("adaptive", 1), ("adaptive", 5), ("adaptive_ridge", 3), ("adaptive_perlayer", 2),
                                     ("adaptive_canonical", 3), ("fixed", 4)])
def test_2d_model_exact_on_90_degree_rotations(kind, n):
    torch.manual_seed(0)
    net = Net2D(T2, kind, n).double().eval()
    t0 = FieldType(rot2d(-1), [trivial(SO2())])
    x = torch.randn(2, 1, 29, 29, dtype=torch.float64)
    els = [SO2().from_o2(0, k * math.pi / 2) for k in range(4)]
    assert_equivariant(net, t0, _Invariant(SO2()), x=x, elements=els)


def test_2d_conjugated_nonlinearities_exact_only_for_adaptive():
    torch.manual_seed(0)
    x = torch.randn(3, 1, 29, 29)
    rho = torch.as_tensor(Net2D(T2, "fixed", 1).space.rep(SO2().from_o2(0, 0.7)), dtype=torch.float32)
    for kind, small in (("adaptive", True), ("fixed", False)):
        net = Net2D(T2, kind, 1).eval()
        with torch.no_grad():
            diff = (net(x, rot=rho) - net(x)).abs().max().item()
            errs: list = []
            net(x, rot=rho, layer_errors=errs)
        assert (diff < 1e-5) == small and len(errs) == 3


@pytest.mark.parametrize("conv", ["tfn", "isotropic"])
def test_3d_adaptive_model_invariant_for_random_rotations_fixed_is_not(conv):
    from dataclasses import replace

    cfg = replace(T3, conv=conv)
    torch.manual_seed(0)
    pos = torch.randn(2, 12, 3, dtype=torch.float64)
    cloud = PointCloudType(Net3D(cfg, "fixed", 1).space)
    out = _Invariant(SO3())
    els = SO3().sample(4, 0)
    for kind in ("adaptive", "adaptive_perlayer", "adaptive_canonical"):
        net = Net3D(cfg, kind, 2).double().eval()
        assert_equivariant(net, cloud, out, x=pos, elements=els, atol=1e-9)
        assert (net(pos + torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)) - net(pos)).abs().max() < 1e-9
    fixed = Net3D(cfg, "fixed", 1).double().eval()
    assert max(equivariance_errors(fixed, cloud, out, x=pos, elements=els).values()) > 1e-4


def test_3d_model_conv_choice():
    from dataclasses import replace

    from adaptive_fourier import TFNConv

    assert T3.conv == "tfn" and all(isinstance(m, TFNConv) for m in Net3D(T3, "adaptive", 1).convs)
    assert not hasattr(Net3D(replace(T3, conv="isotropic"), "adaptive", 1), "convs")
    with pytest.raises(ValueError, match="conv must be"):
        Net3D(replace(T3, conv="cg"), "adaptive", 1)


def test_smoke_config_is_small():
    assert SMOKE.task2d.n_train <= 200 and SMOKE.task3d.epochs == 1


O2_VARIANTS = [("adaptive", "image", "normalise"), ("adaptive", "features", "normalise"),
               ("adaptive", "image", "orth"), ("adaptive_normpool", "image", "normalise")]


@pytest.mark.parametrize("kind, generator, rows", O2_VARIANTS)
def test_o2_model_exact_on_rotations_and_flips_and_conjugation(kind, generator, rows):
    from dataclasses import replace

    from e2cnn_core import flip_rot2d
    from equi_groups import O2

    cfg = replace(T2, group="o2", generator=generator, rows=rows, channels=(1, 2, 2))
    torch.manual_seed(0)
    net = Net2D(cfg, kind, 3).double().eval()
    t0 = FieldType(flip_rot2d(-1), [trivial(O2())])
    x = torch.randn(2, 1, 29, 29, dtype=torch.float64)
    els = [O2().from_o2(f, k * math.pi / 2) for f in (0, 1) for k in range(4)]
    assert_equivariant(net, t0, _Invariant(O2()), x=x, elements=els)
    with torch.no_grad():  # every nonlinearity conjugated by random rotations and reflections: unchanged
        y = net(x)
        for g in O2().sample(4, 1):
            rho = torch.as_tensor(net.space.rep(g), dtype=torch.float64)
            assert (net(x, rot=rho) - y).abs().max().item() < 1e-10, (kind, g)


def test_o2_fixed_grid_not_exact_for_random_reflections():
    from dataclasses import replace

    from equi_groups import O2

    torch.manual_seed(0)
    net = Net2D(replace(T2, group="o2", channels=(1, 2, 2)), "fixed", 3).double().eval()
    x = torch.randn(2, 1, 29, 29, dtype=torch.float64)
    g = O2().from_o2(1, 0.3)
    rho = torch.as_tensor(net.space.rep(g), dtype=torch.float64)
    with torch.no_grad():
        assert (net(x, rot=rho) - net(x)).abs().max().item() > 1e-6


def test_features_generator_sees_more_than_the_image_generator():
    """A blank border: the image generator's 5x5 windows there are blank (degenerate rows), the features
    generator reads a wider neighbourhood and degenerates on fewer pixels."""
    from dataclasses import replace

    torch.manual_seed(0)
    x = torch.zeros(4, 1, 29, 29)
    x[:, :, 11:18, 11:18] = torch.rand(4, 1, 7, 7)
    fracs = {}
    for gen in ("image", "features"):
        torch.manual_seed(0)
        net = Net2D(replace(T2, generator=gen), "adaptive", 2).eval()
        with torch.no_grad():
            net.sampling(x)
        fracs[gen] = net.degenerate()
    assert fracs["features"] < fracs["image"]


def test_normpool_is_2d_only():
    with pytest.raises(ValueError, match="2D model"):
        Net3D(T3, "adaptive_normpool", 1)
