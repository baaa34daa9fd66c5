import pytest
import torch
from e2cnn_core import FieldType, GroupPooling, NormPool, flip_rot2d, rot2d
from equi_groups import CyclicGroup, irrep, quotient, regular, trivial
from equi_groups.testing import assert_equivariant


def _perm(gs):
    g = gs.group
    return FieldType(gs, [regular(g), trivial(g), quotient(g, CyclicGroup(2)), regular(g), trivial(g)])


def _any(gs):
    g = gs.group
    ids = g.irreps(3) if not g.is_finite else g.irreps()
    reps = [irrep(g, ids[-1]), trivial(g), irrep(g, ids[1]) + irrep(g, ids[-1])]
    return FieldType(gs, reps + ([regular(g)] if g.is_finite else []))


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4), rot2d(8), flip_rot2d(8)], ids=str)
def test_group_pooling_invariant(gs):
    m = GroupPooling(_perm(gs))
    assert m.out_type.size == 5 and all(r.is_trivial() for r in m.out_type.reps)
    exact = [g for g in gs.group.elements() if gs.is_grid_exact(g)]
    assert_equivariant(m, x=m.in_type.random_input(), elements=exact)
    assert_equivariant(m, x=torch.randn(3, m.in_type.size), elements=gs.group.elements())


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4), rot2d(-1), flip_rot2d(-1)], ids=str)
def test_norm_pool_invariant(gs):
    m = NormPool(_any(gs))
    exact = [g for g in gs.group.testing_elements() if gs.is_grid_exact(g)]
    assert_equivariant(m, x=m.in_type.random_input(), elements=exact)
    assert_equivariant(m, x=torch.randn(3, m.in_type.size))


def test_group_pooling_values_export_errors():
    gs = rot2d(4)
    t = _perm(gs)
    m = GroupPooling(t)
    x = t.random_input()
    ref = torch.stack([x[:, s].amax(1) for s in t.field_slices()], 1)
    assert torch.equal(m(x), ref)
    assert torch.equal(m.export()(x), ref)
    n = NormPool(_any(gs))
    xa = n.in_type.random_input()
    ref = torch.stack([xa[:, s].norm(dim=1) for s in n.in_type.field_slices()], 1)
    assert torch.allclose(n(xa), ref, atol=1e-6) and torch.allclose(n.export()(xa), ref, atol=1e-6)
    with pytest.raises(ValueError, match=r"GroupPooling .* field 0 has .*irrep"):
        GroupPooling(FieldType(gs, [irrep(gs.group, 1)]))
    with pytest.raises(ValueError, match="field type has 12 channels, input has 4"):
        m(torch.randn(1, 4, 3, 3))
