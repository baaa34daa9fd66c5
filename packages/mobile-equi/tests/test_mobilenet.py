import pytest
import torch
from equi_groups.testing import EquivarianceError, assert_equivariant
from mobile_equi import EquivariantInvertedResidual, EquivariantMobileNetV2, ReLU6, gspace_for

TINY = dict(width=1.0, setting=[(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 1, 2)], stem=16, last=64)


def _exact(group):
    gs = gspace_for(group)
    return [g for g in gs.group.elements() if gs.is_grid_exact(g)]


def _trained_like(m):
    """Random batch-norm statistics, so that the check does not pass on a near-identity network."""
    m.train()
    with torch.no_grad():
        for _ in range(2):
            m(torch.randn(8, m.in_type.size, 33, 33))
        if hasattr(m, "classifier"):
            m.classifier[1].weight.normal_()
    return m.eval()


@pytest.mark.parametrize("group", ["C4", "C8", "D4", "D8"])
def test_logits_are_exactly_invariant_on_odd_grids(group):
    torch.manual_seed(0)
    m = _trained_like(EquivariantMobileNetV2(group, n_classes=3, in_channels=3, **TINY))
    errs = assert_equivariant(m, x=torch.randn(2, 3, 33, 33), elements=_exact(group), atol=1e-4)
    assert len(errs) == (8 if group[0] == "D" else 4)


def test_even_grid_breaks_invariance():
    """A stride-2 layer on an even grid samples asymmetric positions: the check must catch it."""
    torch.manual_seed(0)
    m = _trained_like(EquivariantMobileNetV2("D4", n_classes=3, in_channels=3, **TINY))
    with pytest.raises(EquivarianceError):
        assert_equivariant(m, x=torch.randn(2, 3, 32, 32), elements=_exact("D4"), atol=1e-4)


def test_block_is_equivariant_and_has_a_residual():
    from e2cnn_core import FieldType
    from equi_groups import regular

    gs = gspace_for("D4")
    t = FieldType(gs, [regular(gs.group)] * 2)
    blk = EquivariantInvertedResidual(t, t, 1, 3).eval()
    assert blk.use_res
    assert_equivariant(blk, x=torch.randn(2, 16, 9, 9), elements=_exact("D4"))
    # the 3x3 convolution is per field: groups = number of hidden fields
    convs = [m for m in blk.export().modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.groups for c in convs] == [1, 6, 1] and convs[1].kernel_size == (3, 3)


def test_relu6_clamps_and_is_equivariant():
    from e2cnn_core import FieldType
    from equi_groups import regular

    gs = gspace_for("C8")
    act = ReLU6(FieldType(gs, [regular(gs.group)] * 2))
    x = 10 * torch.randn(2, 16, 5, 5)
    torch.testing.assert_close(act(x), x.clamp(0, 6))
    assert_equivariant(act, x=x, elements=_exact("C8"))


@pytest.mark.parametrize("group", ["D4", "C8"])
def test_export_matches_the_model(group):
    torch.manual_seed(1)
    m = _trained_like(EquivariantMobileNetV2(group, n_classes=2, in_channels=1, **TINY))
    x = torch.randn(4, 1, 33, 33)
    plain = m.export()
    names = {type(mod).__module__.split(".")[0] for mod in plain.modules()}
    assert names <= {"torch", "mobile_equi"}  # torch built-ins and the two torch-only blocks
    torch.testing.assert_close(plain(x), m(x), atol=1e-5, rtol=0)


def test_fields_follow_the_width_and_group_order():
    m = EquivariantMobileNetV2("D8", n_classes=2, **{**TINY, "width": 2.0})
    # stem: 16 channels * 2 / 16 = 2 regular fields of D8 (16 channels each)
    assert m.features[0].out_type.size == 32
    with pytest.raises(ValueError, match="unknown group"):
        EquivariantMobileNetV2("D5")
