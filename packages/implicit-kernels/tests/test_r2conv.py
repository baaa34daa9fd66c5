"""ImplicitR2Conv: exact on the pixel grid's symmetries, the eval cache equals the training path (with grads)."""

from __future__ import annotations

import pytest
import torch
from e2cnn_core import FieldType, R2Conv, flip_rot2d, rot2d
from equi_groups import irrep, regular, standard, trivial
from equi_groups.testing import assert_equivariant, equivariance_errors
from implicit_kernels import ImplicitR2Conv

torch.set_num_threads(1)


def _types(gs, mixed=False):
    G = gs.group
    if G.is_finite:
        t_in = FieldType(gs, [regular(G), trivial(G)] + ([irrep(G, G.irreps()[1])] if mixed else []))
        t_out = FieldType(gs, [regular(G)] * 2 + ([standard(G)] if mixed else []))
    else:
        t_in = FieldType(gs, [trivial(G), standard(G)])
        t_out = FieldType(gs, [standard(G), trivial(G), irrep(G, G.irreps(2)[-1])])
    return t_in, t_out


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4), rot2d(8), flip_rot2d(8)], ids=str)
def test_exact_on_grid_elements(gs):
    t_in, t_out = _types(gs, mixed=True)
    torch.manual_seed(0)
    conv = ImplicitR2Conv(t_in, t_out, 5, padding=2).double()
    x = t_in.random_input(size=11, dtype=torch.float64)
    elements = [g for g in gs.group.testing_elements() if gs.is_grid_exact(g)]
    errs = assert_equivariant(conv, x=x, elements=elements, atol=1e-12)
    assert len(errs) >= 4


def test_continuous_rotation_on_a_disc_is_measured():
    """SO(2) on a masked disc, the official notebook's relative metric: sum |y1 - y2| / sum (|y1| + |y2|) over
    8 random angles; interpolation of the rotated input dominates, so we compare with the analytic R2Conv."""
    gs = rot2d(-1)
    t_in, t_out = _types(gs)
    ours, analytic = [], []
    for seed in range(3):  # the error depends on the random filter's smoothness: average over initialisations
        torch.manual_seed(seed)
        ours.append(disc_error(ImplicitR2Conv(t_in, t_out, 7, padding=3).double().eval(), gs, t_in, t_out))
        analytic.append(disc_error(R2Conv(t_in, t_out, 7, padding=3).double().eval(), gs, t_in, t_out))
    assert sum(ours) < 2 * sum(analytic), (ours, analytic)


def disc_error(conv, gs, t_in, t_out, size=65, blur=9, angles=8):
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    c = (size - 1) / 2
    mask = (((yy - c) ** 2 + (xx - c) ** 2) <= (c - 4) ** 2).double()
    gen = torch.Generator().manual_seed(0)
    noise = torch.randn(1, t_in.size, size + blur - 1, size + blur - 1, generator=gen, dtype=torch.float64)
    x = torch.nn.functional.avg_pool2d(noise, blur, 1) * mask
    errs = []
    with torch.no_grad():
        y = conv(x) * mask
        for g in gs.group.sample(angles, seed=3):
            a, b = conv(t_in.transform(x, g)) * mask, t_out.transform(y, g) * mask
            errs.append(float((a - b).abs().sum() / (a.abs() + b.abs()).sum()))
    return sum(errs) / len(errs)


def test_a_non_equivariant_filter_fails():
    gs = rot2d(4)
    t_in, t_out = _types(gs)
    conv = ImplicitR2Conv(t_in, t_out, 5, padding=2).double()
    conv.points = conv.points + torch.tensor([0.3, 0.0], dtype=torch.float64)  # off-centre taps
    x = t_in.random_input(size=11, dtype=torch.float64)
    errs = equivariance_errors(conv, x=x)
    assert max(errs.values()) > 1e-3


def test_eval_cache_equals_training_path_and_keeps_gradients():
    gs = flip_rot2d(4)
    t_in, t_out = _types(gs)
    torch.manual_seed(0)
    conv = ImplicitR2Conv(t_in, t_out, 3, padding=1).double()
    x = t_in.random_input(size=7, dtype=torch.float64)

    def grads():
        conv.zero_grad()
        out = conv(x)
        out.square().sum().backward()
        return out.detach(), [p.grad.clone() for p in conv.parameters()]

    conv.train()
    y_train, g_train = grads()
    conv.eval()
    y_eval, g_eval = grads()
    assert torch.equal(y_train, y_eval)
    for a, b in zip(g_train, g_eval, strict=True):
        assert torch.allclose(a, b, rtol=0, atol=1e-14)
    with torch.no_grad():
        y1 = conv(x)
        first = conv._cache[0]
        y2 = conv(x)
        assert conv._cache[0] is first  # cached
        assert torch.allclose(y1, y_train, atol=1e-14) and torch.equal(y1, y2)
        conv.kernel.log_sigma.add_(0.1)  # a parameter change invalidates the cache
        assert not torch.allclose(conv(x), y1)


def test_export_matches():
    gs = rot2d(8)
    t_in, t_out = _types(gs)
    conv = ImplicitR2Conv(t_in, t_out, 5, padding=2, stride=2).eval()
    x = t_in.random_input(size=12)
    plain = conv.export()
    assert isinstance(plain, torch.nn.Conv2d)
    assert torch.allclose(plain(x), conv(x), atol=1e-6)


def test_same_constructor_shape_as_r2conv():
    gs = rot2d(4)
    t_in, t_out = _types(gs)
    x = t_in.random_input(size=9)
    a = R2Conv(t_in, t_out, 5, padding=2, stride=1)(x)
    b = ImplicitR2Conv(t_in, t_out, 5, padding=2, stride=1)(x)
    assert a.shape == b.shape


def test_bad_input():
    gs = rot2d(4)
    t_in, t_out = _types(gs)
    conv = ImplicitR2Conv(t_in, t_out, 3)
    with pytest.raises(ValueError, match="channels"):
        conv(torch.randn(1, t_in.size + 1, 5, 5))
    with pytest.raises(ValueError, match="kernel_size"):
        ImplicitR2Conv(t_in, t_out, 0)
    with pytest.raises(ValueError, match="lives on"):
        ImplicitR2Conv(t_in, FieldType(rot2d(8), [trivial(rot2d(8).group)]), 3)
