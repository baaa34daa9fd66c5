import pytest
import torch
from e2cnn_core import FieldDropout, FieldType, PointwiseDropout, flip_rot2d, rot2d
from equi_groups import irrep, regular, trivial
from equi_groups.testing import assert_equivariant


def test_field_dropout_drops_whole_fields():
    gs = rot2d(4)
    g = gs.group
    t = FieldType(gs, [regular(g), irrep(g, 1), trivial(g)] * 20)
    m = FieldDropout(t, p=0.5)
    torch.manual_seed(0)
    x = torch.ones(8, t.size, 3, 3)
    y = m(x)
    for s in t.field_slices():
        block = y[:, s]
        per_sample = block.flatten(1)
        assert ((per_sample == 0).all(1) | (per_sample == 2.0).all(1)).all()
    dropped = (y.flatten(2) == 0).all(2).float().mean().item()
    assert 0.35 < dropped < 0.65
    m.eval()
    assert torch.equal(m(x), x)


def test_pointwise_dropout_and_eval_equivariance():
    for gs in (rot2d(4), flip_rot2d(4)):
        g = gs.group
        t = FieldType(gs, [regular(g), trivial(g)])
        for m in (
            FieldDropout(FieldType(gs, [regular(g), irrep(g, (1, 1) if g.has_reflections else 1)]), 0.3),
            PointwiseDropout(t, 0.3),
        ):
            assert_equivariant(m, x=m.in_type.random_input())
            x = m.in_type.random_input()
            assert torch.equal(m.export().eval()(x), m.eval()(x))
    t = FieldType(rot2d(4), [regular(rot2d(4).group)])
    m = PointwiseDropout(t, 0.5)
    torch.manual_seed(0)
    y = m(torch.ones(4, 4, 8, 8))
    assert set(y.unique().tolist()) == {0.0, 2.0}


def test_dropout_errors():
    gs = rot2d(4)
    with pytest.raises(ValueError, match=r"field 0 has .*irrep\(1\)"):
        PointwiseDropout(FieldType(gs, [irrep(gs.group, 1)]))
    with pytest.raises(ValueError, match=r"in \[0, 1\), got 1.0"):
        FieldDropout(FieldType(gs, [irrep(gs.group, 1)]), p=1.0)


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4)], ids=str)
def test_field_dropout_in_train_mode_commutes_with_the_group_for_the_same_draw(gs):
    """In training mode the mask is drawn per (sample, field): with the same random draw, dropping then
    transforming equals transforming then dropping, exactly, and whole fields are dropped together."""
    G = gs.group
    t = FieldType(gs, [regular(G), irrep(G, (1, 1) if G.has_reflections else 1), trivial(G)] * 4)
    m = FieldDropout(t, p=0.5).train()
    x = t.random_input(batch=3, size=5)
    torch.manual_seed(1)
    y = m(x)
    kept = [(y[:, s] != 0).flatten(1).any(1) for s in t.field_slices()]
    assert 0 < int(torch.stack(kept).sum()) < 3 * len(t)  # some fields dropped, some kept
    for s, k in zip(t.field_slices(), kept, strict=True):
        torch.testing.assert_close(y[k][:, s], 2.0 * x[k][:, s], rtol=0, atol=0)
        assert (y[~k][:, s] == 0).all()
    for g in [g for g in G.testing_elements() if gs.is_grid_exact(g)]:
        torch.manual_seed(1)
        torch.testing.assert_close(m(t.transform(x, g)), t.transform(y, g), rtol=0, atol=1e-6)
