import pytest
import torch
from e2cnn_core import FieldType, GatedNonLinearity, flip_rot2d, rot2d
from equi_groups import irrep, regular, trivial
from equi_groups.testing import assert_equivariant


def _type(gs):
    g = gs.group
    ids = g.irreps(3) if not g.is_finite else g.irreps()
    gated = [irrep(g, ids[-1]), irrep(g, ids[1]), irrep(g, ids[-1])]
    if g.is_finite:
        gated.append(regular(g))
    else:
        gated.append(irrep(g, ids[2]))
    return FieldType(gs, [trivial(g)] * len(gated) + gated), len(gated)


@pytest.mark.parametrize(
    "gs", [rot2d(4), flip_rot2d(4), rot2d(8), flip_rot2d(8), rot2d(-1), flip_rot2d(-1)], ids=str
)
def test_gated_equivariant(gs):
    t, n = _type(gs)
    m = GatedNonLinearity(t, n)
    exact = [g for g in gs.group.testing_elements() if gs.is_grid_exact(g)]
    assert_equivariant(m, x=t.random_input(), elements=exact)
    assert_equivariant(m, x=torch.randn(4, t.size))  # fibers: every testing element


def test_gated_values_and_export():
    gs = rot2d(-1)
    g = gs.group
    t = FieldType(gs, [trivial(g), trivial(g), irrep(g, 1), irrep(g, 2)])
    m = GatedNonLinearity(t, 2)
    x = torch.tensor([[0.0, 2.0, 1.0, 2.0, 3.0, 4.0]])
    s2 = torch.sigmoid(torch.tensor(2.0))
    assert torch.allclose(m(x), torch.tensor([[0.5, 1.0, 3 * s2, 4 * s2]]))
    xi = t.random_input()
    assert (m.export()(xi) - m(xi)).abs().max().item() < 1e-6


def test_gated_errors():
    gs = rot2d(4)
    g = gs.group
    with pytest.raises(ValueError, match="gate field 0 must be trivial"):
        GatedNonLinearity(FieldType(gs, [irrep(g, 2), irrep(g, 1)]), 1)
    with pytest.raises(ValueError, match="3 fields"):
        GatedNonLinearity(FieldType(gs, [trivial(g), irrep(g, 1), irrep(g, 1)]), 1)
