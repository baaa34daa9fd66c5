import math

import pytest
import torch
from adaptive_fourier import (
    AdaptiveConv,
    AdaptiveFourierPointwise,
    AdaptiveMLP,
    BlockLinear,
    CanonicalConv,
    CanonicalMLP,
    FiberType,
    FourierSpace,
    SamplingDownsample,
)
from e2cnn_core import FieldType, flip_rot2d, rot2d
from equi_groups import O2, SO2, SO3, trivial
from equi_groups.testing import assert_equivariant


def _square(group):
    """The square grid's symmetries in ``group`` (exact on pixels)."""
    els = [group.from_o2(0, k * math.pi / 2) for k in range(4)]
    if group.has_reflections:
        els += [group.from_o2(1, k * math.pi / 2) for k in range(4)]
    return els


@pytest.mark.parametrize("gspace, group", [(rot2d(-1), SO2()), (flip_rot2d(-1), O2())])
@pytest.mark.parametrize("method", ["index", "conv", "avg"])
def test_conv_generator_nonlinearity_and_downsampling_exact_on_the_grid(gspace, group, method):
    torch.manual_seed(0)
    sp, n = FourierSpace(group, 2), 3
    t_in = FieldType(gspace, [trivial(group)])
    gen = AdaptiveConv(t_in, sp, n).double()
    down = SamplingDownsample(gspace, sp, n, method).double()
    t_a = FieldType(gspace, [sp.rep] * n)
    x = torch.randn(2, 1, 15, 15, dtype=torch.float64)
    els = _square(group)
    assert_equivariant(gen, t_in, t_a, x=x, elements=els)
    assert_equivariant(lambda v: down(gen(v)), t_in, t_a, x=x, elements=els)
    assert down(gen(x)).shape[-2:] == (8, 8)
    # the whole adaptive nonlinearity on features, with A from the image
    t_f = FieldType(gspace, [sp.rep] * 2)
    act = AdaptiveFourierPointwise(sp, 2, n)
    feats = torch.randn(2, t_f.size, 15, 15, dtype=torch.float64)

    class Both:
        group = gspace.group

        @staticmethod
        def transform(p, g):
            return t_in.transform(p[0], g), t_f.transform(p[1], g)

    assert_equivariant(lambda p: act(p[1], gen(p[0])), Both(), t_f, x=(x, feats), elements=els)


def test_mlp_generator_exact_for_random_so3_and_degenerate_counted():
    torch.manual_seed(0)
    sp, n = FourierSpace(SO3(), 3, sphere=True), 4
    gen = AdaptiveMLP(sp, in_channels=3, N=n).double()
    t_in, t_a = FiberType(sp, 3), FiberType(sp, n)
    x = torch.randn(2, 3 * sp.dim, 6, dtype=torch.float64)
    errs = assert_equivariant(gen, t_in, t_a, x=x, elements=SO3().sample(6, 2))
    assert max(errs.values()) < 1e-9
    a = gen(torch.zeros(1, 3 * sp.dim, 2, dtype=torch.float64))
    assert torch.isfinite(a).all() and gen.degenerate == 1.0


def test_block_linear_equivariant_so2():
    sp = FourierSpace(SO2(), 3)
    lin = BlockLinear(sp, 2, 3).double()
    t2, t3 = FiberType(sp, 2), FiberType(sp, 3)
    assert_equivariant(lin, t2, t3, x=torch.randn(4, 2 * sp.dim, 5, dtype=torch.float64),
                       elements=SO2().sample(5, 0))


def test_canonical_grids_exact_sampling_like_and_degenerate_safe():
    torch.manual_seed(1)
    sp = FourierSpace(SO2(), 2)
    t0 = FieldType(rot2d(-1), [trivial(SO2())])
    gen = CanonicalConv(t0, sp, 4).double()
    x = torch.randn(2, 1, 15, 15, dtype=torch.float64)
    assert_equivariant(gen, t0, FieldType(rot2d(-1), [sp.rep] * 4), x=x, elements=_square(SO2()))
    rows = gen(x).reshape(2, 4, sp.dim, 15, 15)  # a turned regular grid: |row|^2 = F where v is not small
    norms = rows.norm(dim=2)
    assert norms.max() <= sp.dim ** 0.5 + 1e-9 and ((norms - sp.dim ** 0.5).abs() < 1e-3).float().mean() > 0.9
    assert gen.downsample(None).shape[-1] == 8
    ss = FourierSpace(SO3(), 3, sphere=True)
    g3 = CanonicalMLP(ss, 3, 5).double()
    assert_equivariant(g3, FiberType(ss, 3), FiberType(ss, 5), x=torch.randn(2, 48, 7, dtype=torch.float64),
                       elements=SO3().sample(4, 1))
    z = torch.zeros(1, 48, 3, dtype=torch.float64, requires_grad=True)
    a = g3(z)
    a.sum().backward()
    assert torch.isfinite(a).all() and torch.isfinite(z.grad).all() and g3.degenerate == 1.0
