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


def test_3d_adaptive_model_invariant_for_random_rotations_fixed_is_not():
    torch.manual_seed(0)
    pos = torch.randn(2, 12, 3, dtype=torch.float64)
    cloud = PointCloudType(Net3D(T3, "fixed", 1).space)
    out = _Invariant(SO3())
    els = SO3().sample(4, 0)
    for kind in ("adaptive", "adaptive_perlayer", "adaptive_canonical"):
        net = Net3D(T3, kind, 2).double().eval()
        assert_equivariant(net, cloud, out, x=pos, elements=els, atol=1e-9)
    fixed = Net3D(T3, "fixed", 1).double().eval()
    assert max(equivariance_errors(fixed, cloud, out, x=pos, elements=els).values()) > 1e-4


def test_smoke_config_is_small():
    assert SMOKE.task2d.n_train <= 200 and SMOKE.task3d.epochs == 1
