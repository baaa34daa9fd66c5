"""R2ConvTransposed and R2Upsampling: exact equivariance on the grid, export, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from e2cnn_core._field_type import FieldType
from e2cnn_core._gspace import flip_rot2d, rot2d
from e2cnn_core._r2conv_transposed import R2ConvTransposed
from e2cnn_core._r2upsampling import R2Upsampling
from equi_groups import CyclicGroup, change_basis, irrep, quotient, regular, trivial
from equi_groups.testing import assert_equivariant


def _grid_elements(gs) -> list:
    return [g for g in gs.group.testing_elements() if gs.is_grid_exact(g)]


def _types(gs) -> tuple[FieldType, FieldType]:
    G = gs.group
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(G.order(), G.order())))
    t_in = FieldType(gs, [regular(G), irrep(G, G.irreps()[2]), trivial(G)])
    t_out = FieldType(gs, [quotient(G, CyclicGroup(2)), change_basis(regular(G), q), irrep(G, G.irreps()[1])])
    return t_in, t_out


@pytest.mark.parametrize(
    "kw",
    [
        {"kernel_size": 3, "padding": 1},
        {"kernel_size": 4, "stride": 2, "padding": 1},
        {"kernel_size": 5, "stride": 2, "padding": 2, "dilation": 2},
        {"kernel_size": 1, "stride": 3},
    ],
    ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()),
)
@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4), flip_rot2d(8, math.pi / 4)], ids=str)
def test_transposed_is_equivariant_and_exports(gs, kw) -> None:
    t_in, t_out = _types(gs)
    conv = R2ConvTransposed(t_in, t_out, **kw)
    with torch.no_grad():
        conv.bias.normal_()
    x = t_in.random_input(size=7)
    assert_equivariant(conv, x=x, elements=_grid_elements(gs))
    conv.eval()
    plain = conv.export()
    assert isinstance(plain, torch.nn.ConvTranspose2d)
    assert (plain(x) - conv(x)).abs().max() < 1e-5


def test_transposed_grouped() -> None:
    gs = flip_rot2d(4)
    G = gs.group
    t_in = FieldType(gs, [regular(G), trivial(G)] * 2)
    t_out = FieldType(gs, [irrep(G, (1, 1))] * 2)
    conv = R2ConvTransposed(t_in, t_out, 3, groups=2)
    assert conv.export().weight.shape == (t_in.size, t_out.size // 2, 3, 3)
    assert_equivariant(conv, x=t_in.random_input(size=7), elements=_grid_elements(gs))
    with pytest.raises(ValueError, match="groups=3 does not divide the 2 fields of out_type"):
        R2ConvTransposed(FieldType(gs, [trivial(G)] * 3), t_out, 3, groups=3)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4, math.pi / 4)], ids=str)
def test_upsampling_is_equivariant_and_exports(gs, mode) -> None:
    t_in, _ = _types(gs)
    up = R2Upsampling(t_in, 2, mode=mode)
    x = t_in.random_input(size=7)
    assert_equivariant(up, x=x, elements=_grid_elements(gs))
    assert (up.export()(x) - up(x)).abs().max() < 1e-6
    assert up(x).shape[-1] == 14
    assert R2Upsampling(t_in, size=(21, 21), mode=mode)(x).shape[-2:] == (21, 21)


def test_upsampling_errors() -> None:
    t_in, _ = _types(rot2d(4))
    with pytest.raises(ValueError, match="mode must be one of"):
        R2Upsampling(t_in, 2, mode="area")
    with pytest.raises(ValueError, match="field type has"):
        R2Upsampling(t_in)(torch.zeros(1, 3, 4, 4))


def test_eval_mode_gradients_equal_train_mode_gradients() -> None:
    gs = rot2d(4)
    t_in, t_out = _types(gs)
    conv = R2ConvTransposed(t_in, t_out, 3, stride=2, padding=1)
    x = t_in.random_input(size=5)
    grads = {}
    for train in (True, False):
        conv.train(train)
        conv.zero_grad(set_to_none=True)
        conv(x).pow(2).sum().backward()
        grads[train] = (conv.weights.grad.clone(), conv.bias.grad.clone())
    assert grads[False][0].abs().sum() > 0 and grads[False][1].abs().sum() > 0
    for a, b in zip(grads[False], grads[True], strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)
