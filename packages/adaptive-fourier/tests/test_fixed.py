import pytest
import torch
from adaptive_fourier import FiberType, FourierELU, FourierPointwise, FourierSpace
from e2cnn_core import FourierPointwise as E2FourierPointwise
from e2cnn_core import flip_rot2d, rot2d
from equi_groups import O2, SO2, SO3
from equi_groups.testing import equivariance_errors


@pytest.mark.parametrize("gspace, group, L, N, grid", [(rot2d(-1), SO2(), 3, 8, "regular"),
                                                        (rot2d(-1), SO2(), 2, 11, "random"),
                                                        (flip_rot2d(-1), O2(), 2, 6, "regular")])
def test_matches_e2cnn_core(gspace, group, L, N, grid):
    ours = FourierPointwise(FourierSpace(group, L), channels=3, N=N, grid=grid)
    ref = E2FourierPointwise(gspace, channels=3, max_frequency=L, N=N, grid=grid)
    x = torch.randn(2, ref.in_type.size, 5, 5)
    assert torch.equal(ours.A, ref.A)
    assert (ours(x) - ref(x)).abs().max().item() < 1e-6


def test_export_equal_and_any_n_accepted():
    act = FourierELU(FourierSpace(SO2(), 2), channels=2, N=1)  # e2cnn-core refuses N = 1
    x = torch.randn(3, 10, 4)
    assert torch.equal(act.export()(x), act(x))
    with pytest.raises(ValueError, match="expected 10 channels"):
        act(torch.randn(3, 9, 4))


def test_equivariance_improves_with_n_and_is_exact_on_the_grid():
    sp = FourierSpace(SO2(), 3)
    x = torch.randn(4, 2 * sp.dim, 3, dtype=torch.float64)
    t = FiberType(sp, 2)
    rand = SO2().sample(8, 0)
    errs = []
    for n in (1, 4, 16, 64):
        act = FourierPointwise(sp, 2, N=n).double()
        act.core.A, act.core.back = act.core.A.double(), act.core.back.double()
        errs.append(max(equivariance_errors(act, t, t, x=x, elements=rand).values()))
    assert errs[0] > 10 * errs[-1] and errs[-1] < 0.05
    act = FourierPointwise(sp, 2, N=8)
    grid_el = [SO2().from_o2(0, 2 * torch.pi * k / 8) for k in range(8)]
    assert max(equivariance_errors(act, t, t, x=x.float(), elements=grid_el).values()) < 1e-5


def test_sphere_and_so3_fixed_layers_run():
    for sp, n in ((FourierSpace(SO3(), 3, sphere=True), 16), (FourierSpace(SO3(), 1), 24)):
        for back in ("pinv", "mean"):
            act = FourierPointwise(sp, 2, N=n, grid="thomson", back=back)
            y = act(torch.randn(2, 2 * sp.dim, 7))
            assert y.shape == (2, 2 * sp.dim, 7) and torch.isfinite(y).all()
