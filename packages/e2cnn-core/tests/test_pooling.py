import pytest
import torch
from e2cnn_core import (
    FieldType,
    PointwiseAdaptiveAvgPool2d,
    PointwiseAdaptiveMaxPool2d,
    PointwiseAvgPool2d,
    PointwiseAvgPoolAntialiased2d,
    PointwiseMaxPool2d,
    PointwiseMaxPoolAntialiased2d,
    flip_rot2d,
    rot2d,
)
from equi_groups import CyclicGroup, irrep, quotient, regular, trivial
from equi_groups.testing import assert_equivariant, equivariance_errors

GRID = [rot2d(4), flip_rot2d(4)]


def _perm(gs):
    g = gs.group
    return FieldType(gs, [regular(g), trivial(g), quotient(g, CyclicGroup(2))])


def _any(gs):
    g = gs.group
    return FieldType(gs, [regular(g), irrep(g, g.irreps()[-1]), trivial(g), irrep(g, g.irreps()[2])])


def _cases(gs):
    p, a = _perm(gs), _any(gs)
    # (module, spatial size): sizes chosen so the windows cover the input symmetrically
    return [
        (PointwiseMaxPool2d(p, 2), 16),
        (PointwiseMaxPool2d(p, 3, stride=2, padding=1), 17),
        (PointwiseAvgPool2d(a, 2), 16),
        (PointwiseAvgPool2d(a, 3, stride=2, padding=1), 15),
        (PointwiseMaxPoolAntialiased2d(p, 2, sigma=0.6), 16),
        (PointwiseMaxPoolAntialiased2d(p, 3, stride=2, padding=1, sigma=0.66), 17),
        (PointwiseAvgPoolAntialiased2d(a, sigma=0.66, stride=2), 17),
        (PointwiseAvgPoolAntialiased2d(a, sigma=1.0, stride=1, padding=1), 12),
        (PointwiseAdaptiveAvgPool2d(a, 1), 9),
        (PointwiseAdaptiveAvgPool2d(a, 3), 12),
        (PointwiseAdaptiveMaxPool2d(p, 1), 10),
        (PointwiseAdaptiveMaxPool2d(p, 2), 10),
    ]


@pytest.mark.parametrize("gs", GRID, ids=str)
def test_pooling_exact_on_grid(gs):
    for m, n in _cases(gs):
        assert_equivariant(m, x=m.in_type.random_input(size=n))


@pytest.mark.parametrize("gs", GRID, ids=str)
def test_pooling_export_equal(gs):
    for m, n in _cases(gs):
        x = m.in_type.random_input(size=n)
        e = m.export()
        assert all(type(mod).__module__.startswith("torch.nn") for mod in e.modules()), type(e)
        assert (e(x) - m(x)).abs().max().item() < 1e-5, type(m).__name__


def test_asymmetric_windows_break_equivariance():
    # the exactness above is not free: 2x2 windows on an odd grid drop a border row and fail
    m = PointwiseMaxPool2d(_perm(rot2d(4)), 2)
    x = m.in_type.random_input(size=17)
    assert max(equivariance_errors(m, x=x).values()) > 1e-2


def test_antialiasing_reduces_off_grid_error():
    gs = rot2d(8)
    t = FieldType(gs, [regular(gs.group)] * 2)
    r = torch.linspace(-1, 1, 33)
    smooth = torch.exp(
        -4 * (r[:, None] ** 2 + r[None, :] ** 2)
    )  # a smooth input, so resampling error is small
    x = smooth * torch.randn(2, t.size, 1, 1, generator=torch.Generator().manual_seed(0))
    odd = [g for g in gs.group.elements() if not gs.is_grid_exact(g)]
    plain = max(
        equivariance_errors(PointwiseMaxPool2d(t, 3, stride=2, padding=1), x=x, elements=odd).values()
    )
    aa = max(
        equivariance_errors(
            PointwiseMaxPoolAntialiased2d(t, 3, stride=2, padding=1), x=x, elements=odd
        ).values()
    )
    assert aa < plain


def test_gaussian_filter_and_shapes():
    from e2cnn_core._pooling import gaussian_filter

    f = gaussian_filter(0.66, 5)
    assert torch.isclose(f.sum(), torch.tensor(1.0))
    assert torch.equal(f, torch.rot90(f)) and torch.equal(f, f.flip(0))
    m = PointwiseAvgPoolAntialiased2d(_any(rot2d(4)), sigma=0.66, stride=2)
    assert m.filter.shape[-1] == 5 and tuple(m(m.in_type.random_input(size=28)).shape[2:]) == (14, 14)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        gaussian_filter(0.0, 3)


def test_pooling_errors():
    gs = rot2d(4)
    t = FieldType(gs, [regular(gs.group), irrep(gs.group, 1)])
    for cls in (PointwiseMaxPool2d, PointwiseMaxPoolAntialiased2d):
        with pytest.raises(ValueError, match=r"field 1 has .*irrep\(1\)"):
            cls(t, 2)
    with pytest.raises(ValueError, match="field 1"):
        PointwiseAdaptiveMaxPool2d(t, 1)
    m = PointwiseAvgPool2d(t, 2)
    with pytest.raises(ValueError, match="field type has 6 channels, input has 4"):
        m(torch.randn(1, 4, 8, 8))
