import pytest
import torch
from e2cnn_core import ELU, FieldType, GroupPooling, InnerBatchNorm, RestrictionModule, flip_rot2d, rot2d
from equi_groups import O2, CyclicGroup, DihedralGroup, irrep, regular, trivial
from equi_groups.testing import assert_equivariant


@pytest.mark.parametrize(
    "gs, sub",
    [
        (flip_rot2d(4), CyclicGroup(4)),
        (flip_rot2d(8), CyclicGroup(4)),
        (flip_rot2d(8), DihedralGroup(4)),
        (rot2d(8), CyclicGroup(4)),
        (flip_rot2d(4), DihedralGroup(1)),
        (flip_rot2d(-1), DihedralGroup(4)),
        (flip_rot2d(-1), CyclicGroup(4)),
        (rot2d(-1), CyclicGroup(4)),
    ],
    ids=str,
)
def test_restriction_matches_subgroup_action(gs, sub):
    g = gs.group
    reps = [irrep(g, (g.irreps(2) if not g.is_finite else g.irreps())[-1]), trivial(g)]
    if g.is_finite:
        reps.append(regular(g))
    t = FieldType(gs, reps)
    m = RestrictionModule(t, sub)
    assert m.out_type.group == sub and m.out_type.size == t.size
    # identity on data: the subgroup's action on out_type equals G's action on in_type for every element of H
    h_elems = [h for h in sub.elements() if m.out_type.gspace.is_grid_exact(h)]
    as_g = [sub.inclusion(g, h) for h in h_elems]
    x = t.random_input()
    for h, gh in zip(h_elems, as_g, strict=False):
        assert torch.allclose(m.out_type.transform(m(x), h), m(t.transform(x, gh)), atol=1e-5)
    # and the module is equivariant as a map of H-fields
    assert_equivariant(m, in_type=t.restrict(sub), out_type=m.out_type, x=x, elements=h_elems)
    assert isinstance(m.export(), torch.nn.Identity)


def test_restricted_regular_fields_feed_pointwise_modules():
    gs = flip_rot2d(16)
    t = FieldType(gs, [regular(gs.group)] * 2)
    m = RestrictionModule(t, CyclicGroup(16))
    u = m.out_type
    head = GroupPooling(u)
    act = ELU(u)
    bn = InnerBatchNorm(u)
    x = t.random_input(size=9)
    exact = [h for h in u.group.elements() if u.gspace.is_grid_exact(h)]
    for mod in (head, act, bn):
        assert_equivariant(mod, x=m(x), elements=exact)


def test_restriction_errors():
    gs = rot2d(8)
    t = FieldType(gs, [regular(gs.group)])
    with pytest.raises(ValueError, match="cannot restrict fields of C8 to C3"):
        RestrictionModule(t, CyclicGroup(3))
    with pytest.raises(ValueError, match="cannot restrict fields of C8 to D4"):
        RestrictionModule(t, DihedralGroup(4))
    with pytest.raises(ValueError, match="cannot restrict fields of D4 to D4"):
        RestrictionModule(FieldType(flip_rot2d(4, axis=0.0), [trivial(DihedralGroup(4))]), DihedralGroup(4, axis=0.4))
    with pytest.raises(ValueError, match="field type has 8 channels, input has 3"):
        RestrictionModule(t, CyclicGroup(4))(torch.randn(1, 3, 2, 2))
    assert O2().is_subgroup_of(O2())
