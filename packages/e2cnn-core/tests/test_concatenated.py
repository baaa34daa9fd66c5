import pytest
import torch
from e2cnn_core import ConcatenatedNonLinearity, FieldType, flip_rot2d, rot2d
from equi_groups import CyclicGroup, irrep, quotient, regular, trivial
from equi_groups.testing import assert_equivariant


def _type(gs):
    g = gs.group
    reps = [regular(g), trivial(g), irrep(g, g.irreps()[-1])]
    if g.has_reflections:
        reps += [irrep(g, (1, 0)), quotient(g, CyclicGroup(g.N))]
    return FieldType(gs, reps)


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4), rot2d(8), flip_rot2d(8), rot2d(2)], ids=str)
@pytest.mark.parametrize("fn", ["c_relu", "c_elu", "c_tanh"])
def test_concatenated_equivariant(gs, fn):
    t = _type(gs)
    m = ConcatenatedNonLinearity(t, fn)
    assert m.out_type.size == 2 * t.size
    exact = [g for g in gs.group.elements() if gs.is_grid_exact(g)]
    assert_equivariant(m, x=t.random_input(), elements=exact)
    assert_equivariant(m, x=torch.randn(4, t.size), elements=gs.group.elements())


def test_concatenated_values_export_errors():
    gs = flip_rot2d(4)
    t = _type(gs)
    m = ConcatenatedNonLinearity(t)
    x = torch.tensor([[1.0, -2.0] + [0.0] * (t.size - 2)])
    assert m(x)[0, :4].tolist() == [1.0, 0.0, 0.0, 2.0]
    xi = t.random_input()
    assert (m.export()(xi) - m(xi)).abs().max().item() == 0.0
    ConcatenatedNonLinearity(FieldType(gs, [irrep(gs.group, (1, 1))]))  # D4's (1,1): signed permutations
    d8 = flip_rot2d(8)
    with pytest.raises(ValueError, match=r"signed-permutation.*field 1"):
        ConcatenatedNonLinearity(FieldType(d8, [trivial(d8.group), irrep(d8.group, (1, 1))]))
    so2 = rot2d(-1)
    with pytest.raises(ValueError, match="signed-permutation"):
        ConcatenatedNonLinearity(FieldType(so2, [trivial(so2.group)]))
