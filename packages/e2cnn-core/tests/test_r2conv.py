"""R2Conv: exact equivariance on the pixel grid, export, eval cache, initialisation and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from e2cnn_core._field_type import FieldType
from e2cnn_core._gspace import flip_rot2d, rot2d
from e2cnn_core._init import deltaorthonormal_init, generalized_he_init
from e2cnn_core._r2conv import R2Conv
from equi_groups import CyclicGroup, change_basis, irrep, quotient, regular, trivial
from equi_groups import band_limited_regular as blr
from equi_groups.testing import assert_equivariant


def _grid_elements(gs) -> list:
    return [g for g in gs.group.testing_elements() if gs.is_grid_exact(g)]


def _randomize_bias(conv: R2Conv) -> R2Conv:
    if conv.bias is not None:
        with torch.no_grad():
            conv.bias.copy_(torch.randn(conv.bias.shape, generator=torch.Generator().manual_seed(1)))
    return conv


def _orth(n: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(n, n)))
    return q


def _types(gs) -> dict[str, FieldType]:
    G = gs.group
    ids = G.irreps(3)
    out = {
        "trivial": FieldType(gs, [trivial(G)] * 2),
        "irreps": FieldType(gs, [irrep(G, i) for i in ids]),
        "mixed": FieldType(gs, [irrep(G, ids[-1]), trivial(G), irrep(G, ids[1]), irrep(G, ids[-1])]),
    }
    if G.is_finite:
        reg = regular(G)
        out["regular"] = FieldType(gs, [reg] * 2)
        out["quotient"] = FieldType(gs, [quotient(G, CyclicGroup(2)), reg])
        out["basis"] = FieldType(gs, [change_basis(reg, _orth(reg.dim, 0)), irrep(G, ids[1])])
    else:
        out["bandlimited"] = FieldType(gs, [blr(G, 2)] * 2)
        r = blr(G, 2)
        out["basis"] = FieldType(gs, [change_basis(r, _orth(r.dim, 0)), irrep(G, ids[1])])
    return out


SPACES = [
    rot2d(4),
    flip_rot2d(4),
    flip_rot2d(4, 0.0),
    flip_rot2d(4, math.pi / 4),
    rot2d(8),
    flip_rot2d(8),
    rot2d(-1),
    flip_rot2d(-1),
]


@pytest.mark.parametrize("gs", SPACES, ids=str)
def test_r2conv_is_exactly_equivariant_for_grid_elements(gs) -> None:
    types = _types(gs)
    names = list(types)
    # every type as input and as output (a cyclic pairing keeps the test fast), plus each type to itself
    pairs = [(a, names[(k + 1) % len(names)]) for k, a in enumerate(names)] + [(a, a) for a in names[-2:]]
    for a, b in pairs:
        conv = _randomize_bias(R2Conv(types[a], types[b], 5, padding=2))
        x = types[a].random_input(size=11)
        assert_equivariant(conv, x=x, elements=_grid_elements(gs))


@pytest.mark.parametrize(
    "kw",
    [
        {"kernel_size": 1},
        {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": 3, "dilation": 2, "padding": 2},
        {"kernel_size": 7, "padding": 3, "padding_mode": "reflect"},
        {"kernel_size": 5, "frequencies_cutoff": 3.0, "sigma": 0.5, "rings": [0.0, 1.0, 2.0, 2.5]},
        {"kernel_size": 3, "bias": False},
    ],
    ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()),
)
@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4)], ids=str)
def test_r2conv_options_keep_equivariance(gs, kw) -> None:
    types = _types(gs)
    conv = _randomize_bias(R2Conv(types["quotient"], types["mixed"], **kw))
    x = types["quotient"].random_input(size=13)
    assert_equivariant(conv, x=x, elements=_grid_elements(gs))


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4)], ids=str)
def test_grouped_convolution(gs) -> None:
    G = gs.group
    block_in = [regular(G), irrep(G, G.irreps()[1])]
    block_out = [quotient(G, CyclicGroup(2)), trivial(G)]
    t_in, t_out = FieldType(gs, block_in * 2), FieldType(gs, block_out * 2)
    conv = _randomize_bias(R2Conv(t_in, t_out, 3, padding=1, groups=2))
    assert conv.export().weight.shape[1] == t_in.size // 2
    assert_equivariant(conv, x=t_in.random_input(size=9), elements=_grid_elements(gs))


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(8), rot2d(-1)], ids=str)
def test_export_equals_module(gs) -> None:
    types = _types(gs)
    a, b = list(types)[-1], list(types)[1]
    conv = _randomize_bias(R2Conv(types[a], types[b], 5, padding=1, stride=2)).eval()
    x = types[a].random_input(size=15)
    plain = conv.export()
    assert isinstance(plain, torch.nn.Conv2d)
    assert (plain(x) - conv(x)).abs().max() < 1e-5


def test_eval_cache_follows_weight_updates() -> None:
    gs = rot2d(4)
    t = FieldType(gs, [regular(gs.group)])
    conv = R2Conv(t, t, 3, padding=1).eval()
    x = t.random_input()
    y0 = conv(x)
    assert conv(x) is not y0 and torch.equal(conv(x), y0)
    with torch.no_grad():
        conv.weights.mul_(2.0)
    assert torch.allclose(conv(x), 2 * y0 - conv.expand_parameters()[1][None, :, None, None], atol=1e-5)
    conv.train()
    y = conv(x)
    y.sum().backward()
    assert conv.weights.grad is not None and conv.weights.grad.abs().sum() > 0


def test_bias_lives_on_trivial_irreps_only() -> None:
    gs = rot2d(4)
    G = gs.group
    t_out = FieldType(gs, [regular(G), irrep(G, 1), trivial(G)])
    conv = R2Conv(FieldType(gs, [trivial(G)]), t_out, 3)
    assert conv.bias.numel() == 2  # one trivial irrep in the regular field, one trivial field
    conv_none = R2Conv(FieldType(gs, [trivial(G)]), FieldType(gs, [irrep(G, 1)]), 3)
    assert conv_none.bias is None


def test_he_init_gives_unit_filter_norm_per_channel() -> None:
    gs = flip_rot2d(4)
    t_in = FieldType(gs, [regular(gs.group)] * 8)
    t_out = FieldType(gs, [regular(gs.group)] * 8)
    conv = R2Conv(t_in, t_out, 5, initialize=False)
    norms = []
    for seed in range(20):
        generalized_he_init(conv.weights.data, conv.basisexpansion, torch.Generator().manual_seed(seed))
        norms.append((conv.expand_parameters()[0] ** 2).sum(dim=(1, 2, 3)).mean().item())
    assert abs(np.mean(norms) - 1.0) < 0.1


@pytest.mark.parametrize("gs", [rot2d(8), flip_rot2d(4), rot2d(-1)], ids=str)
def test_delta_orthogonal_init_has_orthogonal_centre(gs) -> None:
    G = gs.group
    rep = regular(G) if G.is_finite else blr(G, 2)
    t = FieldType(gs, [rep] * 3)
    conv = R2Conv(t, t, 5, initialize=False)
    deltaorthonormal_init(conv.weights.data, conv.basisexpansion, torch.Generator().manual_seed(0))
    filt = conv.expand_parameters()[0].double()
    centre = filt[:, :, 2, 2]
    assert torch.allclose(centre @ centre.T, torch.eye(t.size, dtype=torch.float64), atol=1e-5)
    filt[:, :, 2, 2] = 0
    assert filt.abs().max() < 1e-6


def test_clear_errors() -> None:
    gs = rot2d(4)
    G = gs.group
    t = FieldType(gs, [regular(G)] * 3)
    with pytest.raises(ValueError, match="kernel_size must be a positive integer, got 0"):
        R2Conv(t, t, 0)
    with pytest.raises(ValueError, match="groups=2 does not divide the 3 fields"):
        R2Conv(t, t, 3, groups=2)
    mixed = FieldType(gs, [regular(G), trivial(G)])
    with pytest.raises(ValueError, match="identical copies"):
        R2Conv(mixed, mixed, 3, groups=2)
    with pytest.raises(ValueError, match="field type has 12 channels, input has 5"):
        R2Conv(t, t, 3)(torch.zeros(1, 5, 7, 7))
    with pytest.raises(ValueError, match="in_type lives on"):
        R2Conv(t, FieldType(rot2d(8), [regular(CyclicGroup(8))]), 3)
    with pytest.raises(ValueError, match="empty"):
        R2Conv(FieldType(gs, [trivial(G)]), FieldType(gs, [irrep(G, 1)]), 1)


def test_restricted_field_types() -> None:
    """D4 fields restricted to C4 (irreps with a change of basis) feed a C4 convolution."""
    gs = flip_rot2d(4)
    G = gs.group
    t = FieldType(gs, [regular(G), irrep(G, (1, 1))]).restrict(CyclicGroup(4))
    out = FieldType(t.gspace, [regular(CyclicGroup(4))] * 2)
    conv = _randomize_bias(R2Conv(t, out, 3, padding=1))
    assert_equivariant(conv, x=t.random_input(size=9), elements=_grid_elements(t.gspace))


def test_double_precision_and_recompute() -> None:
    gs = flip_rot2d(4)
    t = FieldType(gs, [regular(gs.group)])
    conv = R2Conv(t, t, 3, padding=1, recompute=True).double()
    x = t.random_input(size=9, dtype=torch.float64)
    errs = assert_equivariant(conv, x=x, elements=_grid_elements(gs))
    assert max(errs.values()) < 1e-12


def test_basis_buffers_are_contiguous_for_restricted_and_changed_basis_fields():
    # a non-contiguous basis buffer is copied in full by every training forward pass (the slowdown once seen
    # in D16|5C16); the buffers must be stored as C-contiguous (D, d_out * d_in * P) matrices
    gs = flip_rot2d(4)
    t_in = FieldType(gs, [regular(gs.group)] * 2).restrict(CyclicGroup(4))
    sub = t_in.gspace
    t_out = FieldType(sub, [regular(sub.group), change_basis(regular(sub.group), _orth(4, 1))])
    conv = R2Conv(t_in, t_out, 3, padding=1)
    bufs = [b for name, b in conv.basisexpansion.named_buffers() if name.startswith("basis_")]
    assert bufs
    for b in bufs:
        assert b.dim() == 2 and b.is_contiguous(), (tuple(b.shape), b.stride())


def _grads_in_mode(conv, x, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    conv.train(train)
    conv.zero_grad(set_to_none=True)
    (conv(x) * torch.linspace(-1, 1, conv.out_type.size)[None, :, None, None]).sum().backward()
    return conv.weights.grad.clone(), conv.bias.grad.clone()


def test_eval_mode_expands_with_autograd_and_matches_train_mode_gradients() -> None:
    gs = flip_rot2d(4)
    t_in = FieldType(gs, [regular(gs.group), trivial(gs.group)])
    t_out = FieldType(gs, [regular(gs.group), trivial(gs.group)] * 2)
    conv = R2Conv(t_in, t_out, 3, padding=1)
    x = t_in.random_input(size=7)
    gw_train, gb_train = _grads_in_mode(conv, x, True)
    gw_eval, gb_eval = _grads_in_mode(conv, x, False)
    assert gw_eval.abs().sum() > 0 and gb_eval.abs().sum() > 0
    torch.testing.assert_close(gw_eval, gw_train, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(gb_eval, gb_train, rtol=1e-6, atol=1e-6)
    # without grad the eval filter is cached; with frozen weights too
    with torch.no_grad():
        y = conv(x)
    assert conv._cache.value is not None and not conv._cache.value[0].requires_grad
    conv.weights.requires_grad_(False)
    conv.bias.requires_grad_(False)
    assert torch.equal(conv(x), y)


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4), flip_rot2d(3)], ids=str)
@pytest.mark.parametrize("kernel_size,padding", [(4, 1), (4, 2), (6, 3)])
def test_even_kernel_sizes_are_exactly_equivariant_on_the_grid(gs, kernel_size, padding) -> None:
    G = gs.group
    t_in = FieldType(gs, [regular(G), trivial(G)])
    t_out = FieldType(gs, [regular(G)] * 2)
    conv = _randomize_bias(R2Conv(t_in, t_out, kernel_size, padding=padding))
    elements = _grid_elements(gs)
    assert len(elements) == (2 if G.N == 3 else 4 if not G.has_reflections else 8)
    errs = assert_equivariant(conv, x=t_in.random_input(size=9), elements=elements)
    assert max(errs.values()) < 1e-5
