import pytest
import torch
from adaptive_fourier import AdaptiveFourierPointwise, FiberType, FourierSpace, normalise_rows
from equi_groups import O2, SO2, SO3
from equi_groups.testing import assert_equivariant

SPACES = [FourierSpace(SO2(), 3), FourierSpace(O2(), 2), FourierSpace(SO3(), 2),
          FourierSpace(SO3(), 3, sphere=True)]


class _Pair:
    """(features, A) with g acting on the features by rho(g) and on the rows by rho(g) (A -> A rho(g)^T)."""

    def __init__(self, space, channels, n):
        self.x, self.a = FiberType(space, channels), FiberType(space, n)
        self.group = space.group

    def transform(self, xa, g):
        return self.x.transform(xa[0], g), self.a.transform(xa[1], g)


@pytest.mark.parametrize("space", SPACES, ids=str)
@pytest.mark.parametrize("n", [1, 3, 16])
@pytest.mark.parametrize("back", ["mean", "ridge"])
def test_exactly_equivariant_for_any_n(space, n, back):
    torch.manual_seed(n)
    c = 2
    layer = AdaptiveFourierPointwise(space, c, n, back=back)
    a, _ = normalise_rows(torch.randn(3, n * space.dim, 5, dtype=torch.float64), space, n)
    x = torch.randn(3, c * space.dim, 5, dtype=torch.float64)
    out = FiberType(space, c)
    errs = assert_equivariant(lambda xa: layer(*xa), _Pair(space, c, n), out, x=(x, a),
                              elements=space.group.sample(5, 7), atol=1e-9)
    assert max(errs.values()) < 1e-9


@pytest.mark.parametrize("space", SPACES, ids=str)
def test_normalise_rows_equivariant_and_sampling_like(space):
    n = 4
    a = torch.randn(2, n * space.dim, 3, dtype=torch.float64)
    t = FiberType(space, n)
    assert_equivariant(lambda v: normalise_rows(v, space, n)[0], t, t, x=a, elements=space.group.sample(4, 1))
    rows, _ = normalise_rows(a * 100, space, n)  # far above eps: every block has norm sqrt(d)
    v = rows.reshape(2, n, space.dim, 3)
    for s, d, trivial in space.blocks:
        norms = v[:, :, s:s + d].norm(dim=2)
        assert torch.allclose(norms, torch.full_like(norms, 1.0 if trivial else d ** 0.5), atol=1e-6)


def test_degenerate_rows_no_nan_and_counted():
    sp = FourierSpace(SO3(), 3, sphere=True)
    n = 2
    a = torch.zeros(2, n * sp.dim, 4, requires_grad=True)
    rows, frac = normalise_rows(a, sp, n)
    assert frac.item() == 1.0 and torch.isfinite(rows).all()
    x = torch.randn(2, 3 * sp.dim, 4)
    y = AdaptiveFourierPointwise(sp, 3, n)(x, rows)
    y.sum().backward()
    assert torch.isfinite(y).all() and torch.isfinite(a.grad).all()
    # a zero row samples only the mean: the output is sigma(mean) in the trivial slot, 0 elsewhere
    v = y.detach().reshape(2, 3, sp.dim, 4)
    assert torch.allclose(v[:, :, 0], torch.nn.functional.elu(x.reshape(2, 3, sp.dim, 4)[:, :, 0]))
    assert v[:, :, 1:].abs().max() == 0
    _, half = normalise_rows(torch.cat([torch.zeros(1, n * sp.dim, 4), torch.randn(1, n * sp.dim, 4)]), sp, n)
    assert 0.4 < half.item() < 0.6


def test_bad_shapes():
    sp = FourierSpace(SO2(), 1)
    layer = AdaptiveFourierPointwise(sp, 2, 4)
    with pytest.raises(ValueError, match="A must be"):
        layer(torch.randn(1, 6, 3), torch.randn(1, 6, 3))
    with pytest.raises(ValueError, match="back must be"):
        AdaptiveFourierPointwise(sp, 2, 4, back="pinv")
