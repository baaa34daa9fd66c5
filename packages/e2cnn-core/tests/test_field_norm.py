import numpy as np
import pytest
import torch
from e2cnn_core import FieldNorm, FieldType, flip_rot2d, rot2d
from equi_groups import irrep, regular, trivial
from equi_groups.testing import assert_equivariant


def _type(gs):
    g = gs.group
    ids = g.irreps(2) if not g.is_finite else g.irreps()
    reps = [irrep(g, ids[-1]), trivial(g) + irrep(g, ids[1]), irrep(g, ids[-1])]
    if g.is_finite:
        reps.insert(1, regular(g))
    return FieldType(gs, reps)


def _module(t):
    m = FieldNorm(t)
    with torch.no_grad():
        for p in m.parameters():
            p.uniform_(0.5, 1.5)
    return m


@pytest.mark.parametrize(
    "gs", [rot2d(4), flip_rot2d(4), rot2d(8), flip_rot2d(8), rot2d(-1), flip_rot2d(-1)], ids=str
)
def test_field_norm_equivariant(gs):
    t = _type(gs)
    m = _module(t)
    exact = [g for g in gs.group.testing_elements() if gs.is_grid_exact(g)]
    assert_equivariant(m, x=t.random_input() + 1, elements=exact)
    assert_equivariant(m, x=torch.randn(5, t.size) + 1)  # fibers: all testing elements (random angles too)


def test_field_norm_by_hand_and_export():
    gs = rot2d(4)
    g = gs.group
    t = FieldType(gs, [regular(g), irrep(g, 1)])
    m = FieldNorm(t, affine=False).double()
    x = torch.randn(2, 6, 3, 3, dtype=torch.float64) + 1
    y = m(x).numpy()
    xn = x.numpy()
    reg = xn[:, :4] - xn[:, :4].mean(1, keepdims=True)
    assert np.allclose(y[:, :4], reg / np.sqrt((reg**2).mean(1, keepdims=True) + 1e-5))
    vec = xn[:, 4:]
    assert np.allclose(y[:, 4:], vec / np.sqrt((vec**2).mean(1, keepdims=True) + 1e-5))
    t2 = _type(flip_rot2d(4))
    m2 = _module(t2)
    xi = t2.random_input()
    assert (m2.export()(xi) - m2(xi)).abs().max().item() < 1e-5
    with pytest.raises(ValueError, match=f"field type has {t2.size} channels, input has 2"):
        m2(torch.randn(1, 2, 3, 3))
