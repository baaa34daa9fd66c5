import pytest
import torch
from e2cnn_core import FourierELU, FourierPointwise, flip_rot2d, rot2d
from equi_groups import grid
from equi_groups.testing import assert_equivariant, equivariance_errors


@pytest.mark.parametrize("gs", [rot2d(-1), flip_rot2d(-1)], ids=str)
@pytest.mark.parametrize("fn", ["p_elu", "p_relu"])
def test_fourier_exact_on_pixel_grid(gs, fn):
    m = FourierPointwise(gs, 3, max_frequency=3, function=fn, N=16)
    exact = [g for g in gs.group.testing_elements() if gs.is_grid_exact(g)]
    assert len(set(exact)) == (8 if gs.group.has_reflections else 4)
    assert_equivariant(m, x=m.in_type.random_input(), elements=exact)


@pytest.mark.parametrize("gs", [rot2d(-1), flip_rot2d(-1)], ids=str)
@pytest.mark.parametrize("N", [8, 12, 16])
def test_fourier_exact_on_fourier_grid_fibers(gs, N):
    m = FourierELU(gs, 4, max_frequency=3, N=N)
    x = torch.randn(8, m.in_type.size, generator=torch.Generator().manual_seed(0))
    # every element of the sampling grid (rotations by 2 pi k / N, with flips for O(2)) is exact
    assert_equivariant(m, x=x, elements=grid(gs.group, "regular", N))


@pytest.mark.parametrize("gs", [rot2d(-1), flip_rot2d(-1)], ids=str)
def test_fourier_off_grid_error_shrinks_with_N(gs):
    size = FourierELU(gs, 4, max_frequency=3).in_type.size
    x = torch.randn(16, size, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    angles = gs.group.sample(8, seed=3)

    def worst(N):
        m = FourierELU(gs, 4, max_frequency=3, N=N).double()
        return max(equivariance_errors(m, x=x, elements=angles).values())

    coarse, fine = worst(8), worst(64)
    assert fine < coarse / 4, (coarse, fine)


@pytest.mark.parametrize("gs", [rot2d(8), flip_rot2d(4), rot2d(4)], ids=str)
def test_fourier_finite_groups(gs):
    for L in [None, 1]:
        m = FourierELU(gs, 2, max_frequency=L)
        x = torch.randn(5, m.in_type.size, generator=torch.Generator().manual_seed(2))
        assert_equivariant(m, x=x, elements=gs.group.elements())
        exact = [g for g in gs.group.elements() if gs.is_grid_exact(g)]
        assert_equivariant(m, x=m.in_type.random_input(), elements=exact)


def test_fourier_matches_sampled_function_and_exports():
    gs = rot2d(-1)
    m = FourierPointwise(gs, 1, max_frequency=2, function="p_relu", N=32)
    # a function already >= 0 on the grid is unchanged by ReLU: v = e_0 (the constant function 1)
    v = torch.zeros(1, 5)
    v[0, 0] = 1.0
    assert torch.allclose(m(v), v, atol=1e-6)
    # least-squares projection: A A^+ is idempotent on the samples
    a, p = m.core.A, m.core.A_pinv
    assert torch.allclose(p @ a, torch.eye(5), atol=1e-5)
    x = m.in_type.random_input()
    assert (m.export()(x) - m(x)).abs().max().item() < 1e-6


def test_fourier_errors():
    with pytest.raises(ValueError, match="cannot resolve 7 Fourier coefficients"):
        FourierELU(rot2d(-1), 2, max_frequency=3, N=4)
    with pytest.raises(ValueError, match="give max_frequency"):
        FourierELU(rot2d(-1), 2, max_frequency=None)
    with pytest.raises(ValueError, match="unknown function"):
        FourierPointwise(rot2d(-1), 2, 2, function="p_swish")
    m = FourierELU(flip_rot2d(-1), 2, max_frequency=2)
    with pytest.raises(ValueError, match=f"field type has {m.in_type.size} channels, input has 5"):
        m(torch.randn(2, 5, 3, 3))
