import numpy as np
import pytest
import torch
from e2cnn_core import (
    FieldType,
    GNormBatchNorm,
    IIDBatchNorm2d,
    InnerBatchNorm,
    NormBatchNorm,
    flip_rot2d,
    rot2d,
)
from equi_groups import CyclicGroup, irrep, quotient, regular, trivial
from equi_groups.testing import assert_equivariant

GRID = [rot2d(4), flip_rot2d(4)]


def _perm_type(gs):
    g = gs.group
    return FieldType(gs, [regular(g), trivial(g), regular(g), quotient(g, CyclicGroup(2)), trivial(g)])


def _any_type(gs):
    g = gs.group
    ids = g.irreps()
    return FieldType(gs, [regular(g), irrep(g, ids[-1]), trivial(g), irrep(g, ids[1]), regular(g)])


def _no_trivial_type(gs):
    g = gs.group
    ids = g.irreps()
    return FieldType(gs, [irrep(g, ids[-1]), irrep(g, ids[1]), irrep(g, ids[-1])])


def _trained(m, steps=3):
    gen = torch.Generator().manual_seed(5)
    m.train()
    for _ in range(steps):
        m(2.0 + 3.0 * torch.randn(4, m.in_type.size, 6, 6, generator=gen))
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
    return m


def _all(gs):
    return [
        InnerBatchNorm(_perm_type(gs)),
        IIDBatchNorm2d(_any_type(gs)),
        GNormBatchNorm(_any_type(gs)),
        NormBatchNorm(_no_trivial_type(gs)),
        IIDBatchNorm2d(_any_type(gs), momentum=None, affine=False),
    ]


@pytest.mark.parametrize("gs", GRID, ids=str)
def test_batchnorm_equivariant_eval_and_train(gs):
    for m in _all(gs):
        m = _trained(m)
        x = m.in_type.random_input(batch=3) * 2 + 1
        assert_equivariant(m, x=x)  # eval mode: running statistics
        m.train()
        # training mode: batch statistics of a transformed batch are the transformed statistics
        assert_equivariant(lambda v, m=m: m(v), m.in_type, m.out_type, x=x)


@pytest.mark.parametrize("gs", [rot2d(8), flip_rot2d(8)], ids=str)
def test_batchnorm_fibers_all_elements(gs):
    for m in _all(gs):
        m = _trained(m)
        x = torch.randn(7, m.in_type.size, generator=torch.Generator().manual_seed(0)) + 1
        assert_equivariant(m, x=x, elements=gs.group.elements())


@pytest.mark.parametrize("gs", GRID, ids=str)
def test_batchnorm_export_equal(gs):
    for m in _all(gs):
        m = _trained(m).eval()
        x = m.in_type.random_input() * 3 + 1
        e = m.export()
        assert all(type(mod).__module__.startswith("torch") for mod in e.modules())
        assert (e(x) - m(x)).abs().max().item() < 1e-5


def test_inner_batchnorm_by_hand():
    gs = rot2d(4)
    g = gs.group
    t = FieldType(gs, [regular(g), trivial(g), regular(g)])  # non-contiguous equal-size fields
    m = InnerBatchNorm(t, momentum=0.1)
    x = torch.randn(3, 9, 4, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2 + 1
    m = m.double()
    with torch.no_grad():
        m.weight.copy_(torch.tensor([2.0, 3.0, 0.5]))
        m.bias.copy_(torch.tensor([0.1, -1.0, 2.0]))
    y = m(x).detach().numpy()
    xn = x.numpy()
    for f, sl in enumerate([slice(0, 4), slice(4, 5), slice(5, 9)]):
        block = xn[:, sl]
        mu, var = block.mean(), block.var()
        ref = (block - mu) / np.sqrt(var + 1e-5) * m.weight[f].item() + m.bias[f].item()
        assert np.allclose(y[:, sl], ref, atol=1e-10)
        assert np.isclose(m.running_mean[f].item(), 0.1 * mu)
        assert np.isclose(m.running_var[f].item(), 0.9 + 0.1 * block.var(ddof=1))


def test_iid_and_gnorm_batchnorm_by_hand():
    gs = rot2d(4)
    g = gs.group
    t = FieldType(gs, [regular(g), irrep(g, 1)])
    x = torch.randn(5, 6, 3, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64) + 2
    xn = x.numpy()
    iid = IIDBatchNorm2d(t, affine=False).double()
    y = iid(x).detach().numpy()
    reg = xn[:, :4]
    mu = reg.mean()  # regular: invariant subspace = constant vectors, mean = mean over its channels
    var = ((reg - mu) ** 2).mean()
    assert np.allclose(y[:, :4], (reg - mu) / np.sqrt(var + 1e-5), atol=1e-10)
    vec = xn[:, 4:]
    assert np.allclose(y[:, 4:], vec / np.sqrt((vec**2).mean() + 1e-5), atol=1e-10)  # no mean: irrep 1
    n = 5 * 9 * 2
    assert np.isclose(iid.running_var[1].item(), 0.9 + 0.1 * (vec**2).mean() * n / (n - 1))

    gn = GNormBatchNorm(t, affine=False).double()
    y = gn(x).detach().numpy()
    q = regular(g).change_of_basis
    xr = np.einsum("ij,bjhw->bihw", q.T, reg)
    ids = regular(g).irreps  # (0, 1, 2): dims 1, 2, 1
    pieces, start = [], 0
    for psi in ids:
        d = g.irrep_dim(psi)
        p = xr[:, start : start + d]
        m = p.mean() if psi == 0 else 0.0
        pieces.append((p - m) / np.sqrt(((p - m) ** 2).mean() + 1e-5))
        start += d
    ref = np.einsum("ij,bjhw->bihw", q, np.concatenate(pieces, 1))
    assert np.allclose(y[:, :4], ref, atol=1e-10)


def test_norm_batchnorm_by_hand_and_errors():
    gs = flip_rot2d(4)
    g = gs.group
    t = FieldType(gs, [irrep(g, (1, 1)), irrep(g, (1, 0))])
    m = NormBatchNorm(t, affine=False).double()
    x = torch.randn(4, 3, 2, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64) + 1
    y = m(x).detach().numpy()
    xn = x.numpy()
    assert np.allclose(y[:, :2], xn[:, :2] / np.sqrt((xn[:, :2] ** 2).mean() + 1e-5))
    assert np.allclose(y[:, 2:], xn[:, 2:] / np.sqrt((xn[:, 2:] ** 2).mean() + 1e-5))
    with pytest.raises(ValueError, match="field 1 .* contains 1 trivial"):
        NormBatchNorm(FieldType(gs, [irrep(g, (1, 1)), regular(g)]))


def test_batchnorm_errors():
    gs = rot2d(4)
    g = gs.group
    with pytest.raises(ValueError, match=r"InnerBatchNorm .* field 1 has .*irrep\(1\)"):
        InnerBatchNorm(FieldType(gs, [regular(g), irrep(g, 1)]))
    m = InnerBatchNorm(FieldType(gs, [regular(g)]))
    with pytest.raises(ValueError, match="field type has 4 channels, input has 8"):
        m(torch.randn(2, 8, 3, 3))
    with pytest.raises(ValueError, match="field type has 4 channels, input has 3"):
        IIDBatchNorm2d(FieldType(gs, [regular(g)]))(torch.randn(2, 3, 3, 3))


def test_inner_batchnorm_regular_fields_match_batchnorm3d():
    gs = rot2d(8)
    t = FieldType(gs, [regular(gs.group)] * 3)
    m = InnerBatchNorm(t, momentum=0.2)
    ref = torch.nn.BatchNorm3d(3, momentum=0.2)
    gen = torch.Generator().manual_seed(4)
    for _ in range(3):
        x = torch.randn(4, 24, 5, 5, generator=gen) * 3 + 1
        y = m(x)
        assert torch.allclose(y, ref(x.view(4, 3, 8, 5, 5)).view(4, 24, 5, 5), atol=1e-5)
    assert torch.allclose(m.running_mean, ref.running_mean) and torch.allclose(m.running_var, ref.running_var)
    assert m.num_batches_tracked.item() == 3


def _generic_reference(m, x):
    """The training-mode function written with plain autograd ops (no fused kernel), for comparison."""
    dims = (0, *range(2, x.dim()))
    var_c, mu = torch.var_mean(x, dim=dims, unbiased=False)
    mean = torch.zeros_like(mu) if m.P is None else m.P.to(x.dtype) @ mu
    dev = var_c + (mu - mean) ** 2
    gsize = m.group_size.to(x.dtype)
    var = torch.zeros_like(gsize).index_add(0, m.group, dev) / gsize
    inv = torch.rsqrt(var + m.eps)
    if m.weight is not None:
        inv = inv * m.weight.to(x.dtype)
    scale = inv.index_select(0, m.group)
    shift = -mean * scale
    if m.bias is not None:
        shift = shift + m.T.to(x.dtype) @ m.bias.to(x.dtype)
    view = (1, -1) + (1,) * (x.dim() - 2)
    return x * scale.view(view) + shift.view(view), mean, var


@pytest.mark.parametrize("gs", GRID, ids=str)
@pytest.mark.parametrize("kind", ["iid", "iid_noaffine", "norm"])
def test_fused_shared_variance_norm_matches_autograd_reference(gs, kind):
    t = _no_trivial_type(gs) if kind == "norm" else _any_type(gs)
    m = {
        "iid": lambda: IIDBatchNorm2d(t),
        "iid_noaffine": lambda: IIDBatchNorm2d(t, affine=False),
        "norm": lambda: NormBatchNorm(t),
    }[kind]().double()
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=torch.float64) + 0.5)
    x = (1.5 + 2.0 * torch.randn(3, t.size, 4, 5, generator=gen, dtype=torch.float64)).requires_grad_()
    gy = torch.randn(3, t.size, 4, 5, generator=gen, dtype=torch.float64)
    ref, mean, var = _generic_reference(m, x)
    params = [x, *m.parameters()]
    ref_grads = torch.autograd.grad((ref * gy).sum(), params)
    m.train()
    y = m(x)
    grads = torch.autograd.grad((y * gy).sum(), params)
    assert torch.allclose(y, ref, atol=1e-10)
    for g, r in zip(grads, ref_grads, strict=True):
        assert torch.allclose(g, r, atol=1e-9), (g - r).abs().max()
    n = 3 * 4 * 5 * m.group_size.double()
    assert torch.allclose(m.running_mean.double(), 0.1 * mean.detach())
    assert torch.allclose(m.running_var.double(), 0.9 + 0.1 * var.detach() * n / (n - 1))
    # and an independent finite-difference check of the hand-written backward
    assert torch.autograd.gradcheck(lambda x_, *p: m(x_), (x.detach()[:, :, :2, :3].requires_grad_(),))


def test_inner_batch_norm_then_inplace_elu_has_the_gradients_of_the_out_of_place_version():
    """The single-block fast path returns an untracked view (no CopySlices for a following in-place op):
    gradients and running statistics must equal those of the out-of-place computation."""
    from e2cnn_core import ELU, rot2d
    from equi_groups import regular

    gs = rot2d(4)
    t = FieldType(gs, [regular(gs.group)] * 3)
    results = []
    for inplace in (True, False):
        torch.manual_seed(0)
        bn, act = InnerBatchNorm(t), ELU(t, inplace=inplace)
        with torch.no_grad():
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
        x = (3 * torch.randn(4, t.size, 5, 5) + 1).requires_grad_(True)
        y = act(bn(x))
        (y * torch.linspace(-1, 1, y.numel()).view_as(y)).sum().backward()
        stats = (bn.running_mean.clone(), bn.running_var.clone())
        results.append((y.detach(), x.grad, bn.weight.grad, bn.bias.grad, *stats))
    for a, b in zip(*results, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


def test_inner_batch_norm_accepts_channels_last_inputs():
    from e2cnn_core import rot2d
    from equi_groups import regular

    gs = rot2d(4)
    bn = InnerBatchNorm(FieldType(gs, [regular(gs.group)] * 2))
    x = torch.randn(3, 8, 5, 5)
    torch.manual_seed(0)
    y = bn(x)
    bn.running_mean.zero_(), bn.running_var.fill_(1.0), bn.num_batches_tracked.zero_()
    torch.testing.assert_close(bn(x.to(memory_format=torch.channels_last)), y, rtol=1e-6, atol=1e-6)
