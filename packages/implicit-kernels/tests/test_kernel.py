"""The implicit kernel satisfies the steerable kernel constraint k(g x) = rho_out(g) k(x) rho_in(g)^T."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from equi_groups import (
    O2,
    O3,
    SO2,
    SO3,
    AxialGroup,
    CyclicGroup,
    DihedralGroup,
    direct_sum,
    inversion_group,
    irrep,
    mirror_group,
    regular,
    standard,
    trivial,
)
from implicit_kernels import ImplicitKernel

torch.set_num_threads(1)


def _reps(G):
    irreps = [p for p in G.irreps(2) if p != trivial(G).irreps[0]][:2] if not G.is_finite else G.irreps()[1:3]
    ins = [standard(G), trivial(G)] + [irrep(G, p) for p in irreps[:1]]
    outs = [regular(G)] if G.is_finite and G.order() <= 8 else [irrep(G, p) for p in irreps]
    return ins, outs + [standard(G)]


GROUPS = [
    CyclicGroup(4),
    CyclicGroup(8),
    DihedralGroup(4),
    DihedralGroup(6),
    SO2(),
    O2(),
    SO3(),
    O3(),
    mirror_group(),
    inversion_group(),
    AxialGroup(0),
    AxialGroup(0, inversion=True),
    AxialGroup(0, flip="x"),
    AxialGroup(0, flip="m"),
    AxialGroup(4, flip="x"),
]


def _constraint_residual(G, k, dtype, elements):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(32, k.n, generator=gen, dtype=dtype) * 0.6
    z = torch.randn(32, k.attr_dim, generator=gen, dtype=dtype) if k.attr_dim else None
    y = k(x, z)
    ro, ri = direct_sum(*k.out_reps), direct_sum(*k.in_reps)
    worst = 0.0
    for g in elements:
        m = torch.as_tensor(G.standard_matrix(g), dtype=dtype)
        lhs = k(x @ m.T, z)
        rhs = torch.as_tensor(ro(g), dtype=dtype) @ y @ torch.as_tensor(ri(g), dtype=dtype).T
        worst = max(worst, float((lhs - rhs).abs().max() / y.abs().max().detach()))
    return worst, float(y.abs().max().detach())


@pytest.mark.parametrize("G", GROUPS, ids=str)
def test_kernel_constraint_float32(G):
    torch.manual_seed(0)
    ins, outs = _reps(G)
    k = ImplicitKernel(G, ins, outs, attr_dim=2)
    elements = list(G.testing_elements()) + ([] if G.is_finite else G.sample(5, seed=1))
    res, peak = _constraint_residual(G, k, torch.float32, elements)
    assert peak > 1e-3  # not the (trivially equivariant) zero kernel
    assert res < 1e-5, f"{G}: relative constraint residual {res:.2e}"


@pytest.mark.parametrize("G", [SO2(), O3()], ids=str)
def test_kernel_constraint_float64_is_round_off(G):
    torch.manual_seed(0)
    ins, outs = _reps(G)
    k = ImplicitKernel(G, ins, outs).double()
    res, _ = _constraint_residual(G, k, torch.float64, G.sample(8, seed=2))
    assert res < 1e-12


def test_a_broken_kernel_fails_the_constraint():
    """The check can fail: scrambling the output's change of basis breaks equivariance."""
    G = CyclicGroup(4)
    k = ImplicitKernel(G, [regular(G)], [regular(G)]).double()
    k.scatter = k.scatter.flip(0)
    res, _ = _constraint_residual(G, k, torch.float64, G.testing_elements())
    assert res > 1e-2


def test_kernel_is_expressive():
    """The kernel is not confined to a small subspace: its values over positions span the constraint's
    solution space at a fixed radius for C4 regular -> regular (dimension = 16 / 4 * 4 angular samples...)."""
    G = CyclicGroup(4)
    torch.manual_seed(0)
    k = ImplicitKernel(G, [regular(G)], [regular(G)], channels=16).double()
    t = torch.linspace(0, 2 * np.pi, 64, dtype=torch.float64)[:-1]
    x = 0.7 * torch.stack([t.cos(), t.sin()], 1)
    with torch.no_grad():
        y = k(x).reshape(len(x), -1)
    # the kernel varies with the angle well beyond frequency 1
    spec = torch.fft.rfft(y, dim=0).abs().sum(1)
    assert (spec[2:5] > 1e-3 * spec.max()).all()


def test_attributes_are_used_and_checked():
    G = O3()
    k = ImplicitKernel(G, [trivial(G)], [standard(G)], attr_dim=3).double()
    x = torch.randn(4, 3, dtype=torch.float64)
    a, b = torch.zeros(4, 3, dtype=torch.float64), torch.ones(4, 3, dtype=torch.float64)
    assert (k(x, a) - k(x, b)).abs().max() > 1e-6
    with pytest.raises(ValueError, match=r"attributes must be \(4, 3\)"):
        k(x)
    with pytest.raises(ValueError, match=r"positions must be \(P, 3\)"):
        k(torch.randn(4, 2, dtype=torch.float64), a)


def test_envelope_width_is_learnable():
    G = SO2()
    k = ImplicitKernel(G, [trivial(G)], [trivial(G)], sigma=0.5)
    assert abs(float(k.sigma) - 0.5) < 1e-6
    k(torch.randn(8, 2)).sum().backward()
    assert k.log_sigma.grad is not None and k.log_sigma.grad.abs() > 0


@pytest.mark.parametrize("G", [CyclicGroup(8), O2(), SO3(), O3(), AxialGroup(0, flip="m")], ids=str)
def test_kernel_with_iid_batch_norm_satisfies_the_constraint(G):
    torch.manual_seed(0)
    ins, outs = _reps(G)
    k = ImplicitKernel(G, ins, outs, attr_dim=2, batch_norm=True).double()
    elements = list(G.testing_elements()) + ([] if G.is_finite else G.sample(5, seed=1))
    res, peak = _constraint_residual(G, k, torch.float64, elements)  # training mode: batch statistics
    # plain batch norm amplified the lift's round-off channels by 1/sqrt(eps) here (O2: 3e-8)
    assert peak > 1e-3 and res < 1e-10, f"{G}: {res:.2e}"
    k.eval()
    res, _ = _constraint_residual(G, k, torch.float64, elements)  # eval mode: running statistics
    assert res < 1e-10, f"{G}: {res:.2e}"


def test_iid_batch_norm_normalises_each_field():
    from implicit_kernels._irreps import IrrepBatchNorm, trivial_id

    G = SO3()
    t = trivial_id(G)
    spec = ((t, 3), (next(p for p in G.irreps(1) if p != t), 2))
    bn = IrrepBatchNorm(G, spec)
    gen = torch.Generator().manual_seed(0)
    xs = [5.0 + 3.0 * torch.randn(400, 3, 1, generator=gen), 4.0 * torch.randn(400, 2, 3, generator=gen)]
    ys = bn(xs)
    assert torch.allclose(ys[0].mean(0), torch.zeros(3, 1), atol=1e-4)
    assert torch.allclose(ys[0].square().mean((0, 2)), torch.ones(3), atol=1e-3)
    assert torch.allclose(ys[1].square().mean((0, 2)), torch.ones(2), atol=1e-3)
    assert float(bn.running_var_1.min()) > 1.0  # the running statistics moved towards 16
    bn.eval()
    assert not torch.allclose(bn(xs)[1], ys[1])  # eval: the running statistics, not the batch's
