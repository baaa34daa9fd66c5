import pytest
import torch
from adaptive_fourier import AdaptiveFourierPointwise, FiberType, FourierSpace, normalise_rows, orthogonalise_rows
from equi_groups import O2, SO2, SO3
from equi_groups.testing import assert_equivariant

SPACES = [FourierSpace(SO2(), 2), FourierSpace(O2(), 2), FourierSpace(SO3(), 3, sphere=True)]


@pytest.mark.parametrize("space", SPACES, ids=str)
@pytest.mark.parametrize("n", [1, 3, 24])
def test_orthogonalise_rows_exactly_equivariant(space, n):
    torch.manual_seed(n)
    t = FiberType(space, n)
    a = torch.randn(2, n * space.dim, 4, dtype=torch.float64)
    errs = assert_equivariant(lambda v: orthogonalise_rows(v, space, n), t, t, x=a,
                              elements=space.group.sample(5, 3), atol=1e-9)
    assert max(errs.values()) < 1e-9


@pytest.mark.parametrize("n", [2, 5, 12])
def test_orthogonal_rows_or_columns(n):
    sp = FourierSpace(SO2(), 2)  # F = 5
    f = sp.dim
    q = orthogonalise_rows(torch.randn(3, n * f, 2, dtype=torch.float64), sp, n, iters=40)
    q = q.reshape(3, n, f, 2).permute(0, 3, 1, 2)  # (B, P, N, F)
    if n >= f:  # columns: A^T A / N = I, so A^T / N is the pseudo-inverse
        assert torch.allclose(q.transpose(-1, -2) @ q / n, torch.eye(f, dtype=q.dtype), atol=1e-8)
    else:  # rows: orthogonal, squared norm F like sampling rows
        assert torch.allclose(q @ q.transpose(-1, -2), f * torch.eye(n, dtype=q.dtype), atol=1e-8)


def test_orthogonalise_degenerate_rows_finite_with_gradient():
    sp = FourierSpace(SO2(), 2)
    n = 4
    raw = torch.zeros(2, n * sp.dim, 3, requires_grad=True)  # blank: every non-trivial block vanishes
    a, frac = normalise_rows(raw, sp, n)
    q = orthogonalise_rows(a, sp, n)
    assert frac.item() == 1.0 and torch.isfinite(q).all()
    # rank 1 (only the mean is sampled): the rows stay (multiples of) the mean-only row
    rows = q.detach().reshape(2, n, sp.dim, 3)
    assert rows[:, :, 0].min() > 0.5 and rows[:, :, 1:].abs().max() < 1e-6
    layer = AdaptiveFourierPointwise(sp, 2, n, orthogonalise=True)
    layer(torch.randn(2, 2 * sp.dim, 3), a).sum().backward()
    assert torch.isfinite(raw.grad).all()


def test_orthogonalise_option_matches_function_and_exports():
    sp = FourierSpace(SO2(), 2)
    n = 6
    a, _ = normalise_rows(torch.randn(2, n * sp.dim, 3), sp, n)
    x = torch.randn(2, 3 * sp.dim, 3)
    layer = AdaptiveFourierPointwise(sp, 3, n, orthogonalise=True)
    ref = AdaptiveFourierPointwise(sp, 3, n)(x, orthogonalise_rows(a, sp, n))
    assert torch.allclose(layer(x, a), ref) and torch.allclose(layer.export()(x, a), ref)
