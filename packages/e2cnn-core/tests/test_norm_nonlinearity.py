import math

import pytest
import torch
from e2cnn_core import FieldType, NormNonLinearity, flip_rot2d, rot2d
from equi_groups import irrep, regular, trivial
from equi_groups.testing import assert_equivariant


def _type(gs):
    g = gs.group
    if g.is_finite:
        reps = [
            irrep(g, g.irreps()[-1]),
            regular(g),
            irrep(g, g.irreps()[2]),
            trivial(g),
            irrep(g, g.irreps()[2]),
        ]
    else:
        ids = g.irreps(3)
        reps = [irrep(g, ids[-1]), irrep(g, ids[1]), irrep(g, ids[-2]), irrep(g, ids[-1])]
    return FieldType(gs, reps)


def _modules(t):
    mods = [NormNonLinearity(t), NormNonLinearity(t, "n_sigmoid"), NormNonLinearity(t, "squash", bias=False)]
    with torch.no_grad():
        mods[0].core.log_bias.uniform_(-1, 1)
    return mods


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4), rot2d(-1), flip_rot2d(-1)], ids=str)
def test_norm_nonlinearity_exact_on_grid(gs):
    t = _type(gs)
    exact = [g for g in gs.group.testing_elements() if gs.is_grid_exact(g)]
    for m in _modules(t):
        assert_equivariant(m, x=t.random_input(), elements=exact)


@pytest.mark.parametrize("gs", [rot2d(8), flip_rot2d(8), rot2d(-1), flip_rot2d(-1)], ids=str)
def test_norm_nonlinearity_fiber(gs):
    t = _type(gs)
    x = torch.randn(6, t.size, generator=torch.Generator().manual_seed(0))
    for m in _modules(t):
        assert_equivariant(m, x=x)  # all testing elements, incl. random angles: exact on fibers


def test_norm_nonlinearity_values_by_hand():
    gs = rot2d(-1)
    t = FieldType(gs, [irrep(gs.group, 1)])
    m = NormNonLinearity(t)  # bias exp(0) = 1
    x = torch.tensor([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    y = m(x)
    assert torch.allclose(y[0], torch.tensor([3.0, 4.0]) * 4 / 5)
    assert torch.allclose(y[1], torch.zeros(2)) and torch.allclose(y[2], torch.zeros(2))
    s = NormNonLinearity(t, "squash", bias=False)(x)
    assert torch.allclose(s[0], torch.tensor([3.0, 4.0]) / 6)
    g = NormNonLinearity(t, "n_sigmoid")(x)
    assert math.isclose(g[0].norm().item(), 1 / (1 + math.exp(-4)), rel_tol=1e-6)


def test_norm_nonlinearity_export_and_errors():
    t = _type(flip_rot2d(4))
    x = t.random_input()
    for m in _modules(t):
        m.eval()
        assert (m.export()(x) - m(x)).abs().max().item() < 1e-5
    with pytest.raises(ValueError, match="squash"):
        NormNonLinearity(t, "squash")
    with pytest.raises(ValueError, match="unknown norm function"):
        NormNonLinearity(t, "n_elu")
    with pytest.raises(ValueError, match=f"field type has {t.size} channels, input has 3"):
        NormNonLinearity(t)(torch.randn(1, 3, 4, 4))
