import numpy as np
import pytest
import torch
from mobile_equi import EquivariantMobileNetV2, SimulatedInt8
from mobile_equi.experiments._train import invariance_error, torch_fn


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    kw = dict(n_classes=2, in_channels=1, setting=[(1, 16, 1, 1), (6, 24, 2, 2)], stem=16, last=64)
    m = EquivariantMobileNetV2("D4", **kw)
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(torch.rand(16, 1, 33, 33))
        m.classifier[1].weight.normal_()
    return m.eval().export()


def test_per_field_scales_keep_invariance_that_per_channel_scales_break(model):
    x = np.random.default_rng(0).random((8, 1, 33, 33)).astype(np.float32)
    cal = torch.rand(32, 1, 33, 33, generator=torch.Generator().manual_seed(1))
    field = invariance_error(torch_fn(SimulatedInt8(model, cal, "per_field", 8)), x)
    channel = invariance_error(torch_fn(SimulatedInt8(model, cal, "per_channel", 8)), x)
    assert field < 1e-9 < 1e-3 < channel


def test_simulation_is_close_to_float_and_rounds(model):
    cal = torch.rand(32, 1, 33, 33, generator=torch.Generator().manual_seed(1))
    q = SimulatedInt8(model, cal, "per_field", 8)
    x = torch.rand(4, 1, 33, 33)
    ref = model(x)
    err = (q(x) - ref).abs().max()
    assert 0 < err < 0.1 * ref.abs().max()
    with pytest.raises(ValueError, match="unknown scheme"):
        SimulatedInt8(model, cal, "per_row", 8)
