"""Equivariance and kernel-constraint measurements written into metrics.json (fixed seeds, no training)."""

from __future__ import annotations

import torch
from e2cnn_core import FieldType, flip_rot2d, rot2d
from equi_groups import O3, SO2, SO3, CyclicGroup, DihedralGroup, direct_sum, irrep, regular, standard, trivial
from equi_groups.testing import equivariance_errors

from .._kernel import ImplicitKernel
from .._point_conv import ImplicitPointConv
from .._r2conv import ImplicitR2Conv


def kernel_residual(G, dtype: torch.dtype = torch.float32) -> float:
    """Largest relative residual ``|k(g x) - rho_out(g) k(x) rho_in(g)^T| / max|k|`` over testing elements and
    8 random ones, 64 random positions."""
    ins = [standard(G), trivial(G)]
    outs = [standard(G), regular(G)] if G.is_finite else [standard(G), trivial(G)]
    torch.manual_seed(0)
    k = ImplicitKernel(G, ins, outs).to(dtype)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, k.n, generator=gen, dtype=dtype) * 0.6
    elements = list(G.testing_elements()) + ([] if G.is_finite else G.sample(8, seed=1))
    ro, ri = direct_sum(*outs), direct_sum(*ins)
    with torch.no_grad():
        y = k(x)
        worst = 0.0
        for g in elements:
            m = torch.as_tensor(G.standard_matrix(g), dtype=dtype)
            rhs = torch.as_tensor(ro(g), dtype=dtype) @ y @ torch.as_tensor(ri(g), dtype=dtype).T
            worst = max(worst, float((k(x @ m.T) - rhs).abs().max() / y.abs().max()))
    return worst


def point_conv_error_o3() -> float:
    """O(3) point convolution, float64, random rotations and reflections, plus a translation."""
    G = O3()
    torch.manual_seed(0)
    conv = ImplicitPointConv(G, [standard(G), trivial(G)], [irrep(G, (2, 1)), standard(G)], edge_dim=2).double()
    gen = torch.Generator().manual_seed(0)
    pos = torch.randn(20, 3, generator=gen, dtype=torch.float64)
    ei = torch.randint(0, 20, (2, 80), generator=gen)
    ea = torch.randn(80, 2, generator=gen, dtype=torch.float64)
    x = torch.randn(20, 4, generator=gen, dtype=torch.float64)
    shift = torch.tensor([0.3, -1.0, 2.0], dtype=torch.float64)
    with torch.no_grad():
        errs = equivariance_errors(
            lambda d: conv(d[0], d[1] + shift, *d[2:]),
            conv.in_type,
            conv.out_type,
            x=(x, pos, ei, ea),
            elements=list(G.testing_elements()) + G.sample(16, seed=2),
        )
    return max(errs.values())


def grid_exact_error() -> float:
    """C4 and D4 pixel-grid elements, float64 (exact up to round-off)."""
    worst = 0.0
    for gs in (rot2d(4), flip_rot2d(4)):
        G = gs.group
        t_in = FieldType(gs, [regular(G), trivial(G)])
        t_out = FieldType(gs, [regular(G), standard(G)])
        torch.manual_seed(0)
        conv = ImplicitR2Conv(t_in, t_out, 5, padding=2).double().eval()
        with torch.no_grad():
            errs = equivariance_errors(conv, x=t_in.random_input(size=15, dtype=torch.float64))
        worst = max(worst, max(errs.values()))
    return worst


def measure() -> dict[str, float]:
    out = {
        f"kernel_residual.{name}": kernel_residual(G)
        for name, G in (("C8", CyclicGroup(8)), ("D4", DihedralGroup(4)), ("SO2", SO2()), ("SO3", SO3()), ("O3", O3()))
    }
    out["equivariance.point_conv_o3_float64"] = point_conv_error_o3()
    out["equivariance.grid_c4_d4_float64"] = grid_exact_error()
    out["kernel_residual.max_float32"] = max(v for k, v in out.items() if k.startswith("kernel_residual."))
    return out
