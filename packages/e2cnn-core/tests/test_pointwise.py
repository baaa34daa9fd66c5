import pytest
import torch
from e2cnn_core import ELU, FieldType, LeakyReLU, PointwiseNonLinearity, ReLU, flip_rot2d, rot2d
from equi_groups import CyclicGroup, DihedralGroup, irrep, quotient, regular, trivial
from equi_groups.testing import assert_equivariant

GRID = [rot2d(4), flip_rot2d(4)]
FIBER = [rot2d(8), flip_rot2d(8), rot2d(3), flip_rot2d(5, axis=0.3)]


def _perm_type(gs):
    g = gs.group
    sub = CyclicGroup(1) if not g.has_reflections else DihedralGroup(1, g.axis)
    return FieldType(gs, [regular(g), trivial(g), quotient(g, sub), regular(g)])


def _modules(t):
    return [
        ReLU(t),
        ELU(t, alpha=0.7),
        LeakyReLU(t, 0.2),
        PointwiseNonLinearity(t, "p_sigmoid"),
        PointwiseNonLinearity(t, "p_tanh"),
    ]


@pytest.mark.parametrize("gs", GRID, ids=str)
def test_pointwise_exact_on_grid(gs):
    t = _perm_type(gs)
    for m in _modules(t):
        assert_equivariant(m, x=t.random_input())


@pytest.mark.parametrize("gs", FIBER, ids=str)
def test_pointwise_fiber_all_elements(gs):
    t = _perm_type(gs)
    x = torch.randn(5, t.size, generator=torch.Generator().manual_seed(1))
    for m in _modules(t):
        assert_equivariant(m, x=x, elements=gs.group.elements())


def test_pointwise_restricted_regular_is_allowed():
    gs = flip_rot2d(8)
    t = FieldType(gs, [regular(gs.group)] * 2).restrict(CyclicGroup(8))
    exact = [g for g in t.group.elements() if t.gspace.is_grid_exact(g)]
    assert len(exact) == 4
    assert_equivariant(ELU(t), x=t.random_input(), elements=exact)
    assert_equivariant(ELU(t), x=torch.randn(3, t.size), elements=t.group.elements())


def test_pointwise_export_equal():
    t = _perm_type(rot2d(4))
    x = t.random_input()
    for m in _modules(t):
        m.eval()
        assert (m.export()(x) - m(x)).abs().max().item() < 1e-5


@pytest.mark.parametrize("cls", [ReLU, ELU, LeakyReLU])
def test_pointwise_rejects_irrep_fields(cls):
    gs = rot2d(4)
    t = FieldType(gs, [regular(gs.group), irrep(gs.group, 1)])
    with pytest.raises(ValueError, match=r"field 1 has .*irrep\(1\)"):
        cls(t)


def test_pointwise_rejects_so2_fields_and_bad_name():
    gs = rot2d(-1)
    with pytest.raises(ValueError, match="permutation"):
        ELU(FieldType(gs, [irrep(gs.group, 1)]))
    ELU(FieldType(gs, [trivial(gs.group)]))  # scalars are fine
    with pytest.raises(ValueError, match="unknown pointwise function"):
        PointwiseNonLinearity(FieldType(gs, [trivial(gs.group)]), "p_swish")


def test_pointwise_channel_mismatch():
    gs = rot2d(4)
    m = ReLU(FieldType(gs, [regular(gs.group)]))
    with pytest.raises(ValueError, match="field type has 4 channels, input has 5"):
        m(torch.randn(1, 5, 3, 3))


def test_pointwise_would_fail_on_non_equivariant():
    # the check has teeth: ELU on a rotated (irrep) basis is not equivariant
    gs = rot2d(4)
    t = FieldType(gs, [irrep(gs.group, 1)])
    with pytest.raises(AssertionError):
        assert_equivariant(torch.nn.ELU(), t, t, x=t.random_input())
