"""The grid extension (issue #17): correlated MIMO grids, exact unimodularity, same lattices, B_n per lattice,
O(n) / scale invariance per lattice, grid translations, shared computation."""

import numpy as np
import pytest
import torch
from equi_groups import CyclicGroup
from equi_groups.testing import EquivarianceError, assert_equivariant
from lattice_nn import (
    AmbientRotation,
    BasisRows,
    Conjugation,
    FactorConfig,
    FactorReducer,
    GridReducer,
    Invariant,
    integer_det,
    integer_inverse,
    lll_transform,
    log_defect,
    mimo_grid,
)


class GridShift:
    """A grid ``(R, C, ...)`` under the cyclic translations of one grid axis (a torus)."""

    def __init__(self, size: int, axis: int) -> None:
        self.group = CyclicGroup(size)
        self.axis = axis

    def transform(self, x: torch.Tensor, g: object) -> torch.Tensor:
        return torch.roll(x, shifts=g.value[0], dims=self.axis)


def _model() -> FactorReducer:
    torch.manual_seed(0)  # random output layers and weak priors: the network's choices matter
    return FactorReducer(FactorConfig(zero_init=False, gain_prior=0.5, prior=1.0)).double().eval()


def _flat(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(-1, x.shape[-2], x.shape[-1])


def test_mimo_grid_is_seeded_and_correlated_like_the_model() -> None:
    a = mimo_grid(4, 6, 7, seed=3, rho_freq=0.9, rho_time=0.5)
    assert a.shape == (6, 7, 4, 4)
    np.testing.assert_array_equal(a, mimo_grid(4, 6, 7, seed=3, rho_freq=0.9, rho_time=0.5))
    assert not np.array_equal(a, mimo_grid(4, 6, 7, seed=4, rho_freq=0.9, rho_time=0.5))
    big = mimo_grid(3, 40, 40, seed=0, rho_freq=0.9, rho_time=0.5)
    x = big.reshape(40, 40, -1)
    corr_f = np.mean(x[1:] * x[:-1]) / np.mean(x * x)
    corr_t = np.mean(x[:, 1:] * x[:, :-1]) / np.mean(x * x)
    assert abs(corr_f - 0.9) < 0.05 and abs(corr_t - 0.5) < 0.08, (corr_f, corr_t)
    with pytest.raises(ValueError, match="rho_freq"):
        mimo_grid(4, 2, 2, seed=0, rho_freq=1.0)


@pytest.mark.parametrize("periodic", [False, True])
def test_grid_is_exactly_unimodular_same_lattices_and_never_worse(periodic: bool) -> None:
    grid = torch.as_tensor(mimo_grid(5, 4, 5, seed=1, rho_freq=0.99, rho_time=0.99))
    out = GridReducer(_model(), periodic=periodic).reduce(grid)
    assert out.unimodular.dtype == torch.int64 and out.unimodular.shape == (4, 5, 5, 5)
    assert 0 < int(out.anchor.sum()) < 20 and int(out.wave.max()) >= 1
    assert bool((out.source.abs().sum(-1) > 0).any())  # some lattices started from a neighbour's factor
    for u, b, red in zip(_flat(out.unimodular), _flat(grid).numpy(), _flat(out.basis).numpy(), strict=True):
        assert abs(integer_det(u)) == 1
        inv = integer_inverse(u)
        assert all(v.denominator == 1 for v in inv.ravel())
        np.testing.assert_allclose(inv.astype(float) @ red, b, atol=1e-8)
        assert log_defect(red) <= log_defect(b) + 1e-9


def test_grid_is_translation_equivariant_on_a_torus() -> None:
    grid = torch.as_tensor(mimo_grid(4, 4, 3, seed=2, rho_freq=0.99, rho_time=0.99))
    reducer = GridReducer(_model(), periodic=True)
    f = lambda g: reducer(g).double()  # noqa: E731
    for axis, size in ((0, 4), (1, 3)):
        errs = assert_equivariant(f, GridShift(size, axis), GridShift(size, axis), grid, atol=0.0)
        assert len(errs) == size
    # the check has teeth: the output is not translation-invariant, and a bounded grid is not a torus
    with pytest.raises(EquivarianceError):
        assert_equivariant(f, GridShift(4, 0), Invariant(CyclicGroup(4)), grid, atol=0.0)
    bounded = GridReducer(_model(), periodic=False)
    with pytest.raises(EquivarianceError):
        assert_equivariant(lambda g: bounded(g).double(), GridShift(4, 0), GridShift(4, 0), grid, atol=0.0)


def test_grid_is_bn_equivariant_in_every_lattice() -> None:
    n = 4
    grid = torch.as_tensor(mimo_grid(n, 2, 3, seed=5, rho_freq=0.99, rho_time=0.99))
    reducer = GridReducer(_model())
    errs = assert_equivariant(lambda g: reducer(g).double(), BasisRows(n), Conjugation(n), grid, atol=1e-9)
    assert len(errs) >= 8
    assert_equivariant(lambda g: reducer.reduce(g).basis, BasisRows(n), BasisRows(n), grid, atol=1e-9)


def test_grid_is_on_and_scale_invariant_per_lattice() -> None:
    n = 4
    grid = torch.as_tensor(mimo_grid(n, 3, 2, seed=6, rho_freq=0.99, rho_time=0.99))
    reducer = GridReducer(_model())
    rot = AmbientRotation(n)
    assert_equivariant(lambda g: reducer(g).double(), rot, Invariant(rot.group), grid, atol=0.0)
    # an independent rotation / reflection and scale for every lattice
    rng = np.random.default_rng(0)
    q = torch.as_tensor(np.linalg.qr(rng.standard_normal((3, 2, n, n)))[0])
    s = torch.as_tensor(rng.uniform(0.01, 100.0, size=(3, 2, 1, 1)))
    assert torch.equal(reducer(s * grid @ q), reducer(grid))


def test_sharing_saves_moves_at_equal_defect_on_correlated_grids() -> None:
    n = 6
    grid = torch.as_tensor(mimo_grid(n, 6, 6, seed=0, rho_freq=0.999, rho_time=0.999))
    greedy = FactorReducer(FactorConfig(network=False))
    joint = GridReducer(greedy).reduce(grid)
    alone = greedy.reduce(_flat(grid))
    assert joint.moves.float().mean() < 0.6 * alone.moves.float().mean()
    d_joint, d_alone = log_defect(_flat(joint.basis)).mean(), log_defect(alone.basis).mean()
    assert d_joint <= 1.02 * d_alone, (d_joint, d_alone)


def test_grid_takes_lll_as_base_and_refuses_bad_input() -> None:
    grid = torch.as_tensor(mimo_grid(4, 3, 3, seed=0))

    def lll(b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        u = torch.stack([torch.as_tensor(lll_transform(x.numpy())) for x in b])
        return u, torch.zeros(len(b), dtype=torch.int64)

    out = GridReducer(lll).reduce(grid)
    assert all(abs(integer_det(u)) == 1 for u in _flat(out.unimodular))
    assert log_defect(_flat(out.basis)).mean() < 0.5 * log_defect(_flat(grid)).mean()
    with pytest.raises(ValueError, match="rows, cols"):
        GridReducer().reduce(grid[0])
    bad = grid.clone()
    bad[1, 2, 0] = 0.0
    with pytest.raises(ValueError, match="grid is singular"):
        GridReducer().reduce(bad)
    with pytest.raises(TypeError, match="reducer"):
        GridReducer(reducer=3)
