"""The learned grid model (issue #17, 0.2.2): per-lattice invariants, the 3 x 3 convolutional policy, aligned
transfers; an independent B_n element per grid cell, torus translations, exact unimodularity, same lattices,
and checks that fail for non-equivariant variants."""

import numpy as np
import pytest
import torch
from equi_groups import CyclicGroup, HyperoctahedralGroup
from equi_groups.testing import EquivarianceError, assert_equivariant
from lattice_nn import (
    FactorConfig,
    FactorReducer,
    GridPolicy,
    GridReducer,
    Invariant,
    align,
    fit_grid_policy,
    integer_det,
    integer_inverse,
    lattice_invariants,
    log_defect,
    mimo_grid,
    transfer,
    warm_savings,
)


class PerCell:
    """A grid of bases ``(R, C, n, n)`` under an independent signed permutation per cell.

    The testing element ``g`` acts on cell ``(r, c)`` as ``h_rc g`` with ``h_rc`` a fixed element drawn for that
    cell, so every cell moves by a different element. ``conjugate``: act on factors (``U -> M U M^T``) rather than
    on bases (``B -> M B``).
    """

    def __init__(self, n: int, rows: int, cols: int, conjugate: bool = False, seed: int = 0) -> None:
        self.group = HyperoctahedralGroup(n)
        h = iter(self.group.sample(rows * cols, seed=seed))
        self.h = [[next(h) for _ in range(cols)] for _ in range(rows)]
        self.conjugate = conjugate

    def matrices(self, g: object) -> torch.Tensor:
        return torch.stack(
            [
                torch.stack([torch.as_tensor(self.group.standard_matrix(self.group.compose(h, g))) for h in row])
                for row in self.h
            ]
        ).double()

    def transform(self, x: torch.Tensor, g: object) -> torch.Tensor:
        m = self.matrices(g)
        return m @ x.double() @ m.transpose(-1, -2) if self.conjugate else m @ x


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


def _policy(grid: torch.Tensor, periodic: bool = False) -> GridPolicy:
    """A random policy whose threshold is its median output on ``grid``: about half the lattices are warm-started."""
    torch.manual_seed(1)
    policy = GridPolicy(hidden=8).eval()
    with torch.no_grad():
        out = policy(policy.features(grid, periodic), periodic)
    v = out.flatten().sort().values
    policy.threshold = float(v[len(v) // 2 - 1] + v[len(v) // 2]) / 2  # midway: no lattice sits at the threshold
    return policy


def _flat(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(-1, x.shape[-2], x.shape[-1])


def _grid(n: int = 4, rows: int = 3, cols: int = 4, seed: int = 5) -> torch.Tensor:
    return torch.as_tensor(mimo_grid(n, rows, cols, seed=seed, rho_freq=0.99, rho_time=0.99))


def test_lattice_invariants_are_invariant_per_lattice() -> None:
    n = 5
    grid = _grid(n)
    f = lattice_invariants(grid)
    assert f.shape == (3, 4, 9) and torch.isfinite(f).all()
    assert torch.allclose(f[..., 0], log_defect(_flat(grid)).reshape(3, 4) / n)
    cells = PerCell(n, 3, 4)
    errs = assert_equivariant(lattice_invariants, cells, Invariant(cells.group), grid, elements=cells.group.sample(8))
    assert len(errs) == 8
    rng = np.random.default_rng(0)
    q = torch.as_tensor(np.linalg.qr(rng.standard_normal((3, 4, n, n)))[0])
    s = torch.as_tensor(rng.uniform(0.01, 100.0, size=(3, 4, 1, 1)))
    assert torch.allclose(lattice_invariants(s * grid @ q), f, atol=1e-10)
    # teeth: the raw first basis vector is not invariant
    with pytest.raises(EquivarianceError):
        assert_equivariant(lambda g: g[..., 0, :], PerCell(n, 3, 4), Invariant(HyperoctahedralGroup(n)), grid)


def test_align_recovers_a_signed_permutation_and_transfer_conjugates() -> None:
    n = 6
    group = HyperoctahedralGroup(n)
    rng = np.random.default_rng(2)
    by = torch.as_tensor(rng.standard_normal((5, n, n)))
    ms = torch.stack([torch.as_tensor(group.standard_matrix(g)) for g in group.sample(5, seed=3)]).double()
    bx = ms @ (by + 0.05 * torch.as_tensor(rng.standard_normal((5, n, n))))
    perm, sign = align(bx, by)
    p = torch.zeros(5, n, n, dtype=torch.float64)
    p.scatter_(-1, perm[..., None], sign[..., None].double())
    assert torch.equal(p, ms)
    u = torch.as_tensor(rng.integers(-3, 4, size=(5, n, n)))
    assert torch.equal(transfer(u, perm, sign).double(), ms @ u.double() @ ms.transpose(-1, -2))


def test_policy_is_exactly_translation_equivariant_on_a_torus() -> None:
    grid = _grid(4, 5, 4)
    policy = GridPolicy().eval()
    with torch.no_grad():
        for axis, size in ((0, 5), (1, 4)):
            f = lambda g: policy(policy.features(g, True), True)  # noqa: E731
            assert_equivariant(f, GridShift(size, axis), GridShift(size, axis), grid, atol=0.0)
        # teeth: with zero padding (a bounded grid) a wrap-around shift is not a symmetry
        g = lambda g: policy(policy.features(g, False), False)  # noqa: E731
        with pytest.raises(EquivarianceError):
            assert_equivariant(g, GridShift(5, 0), GridShift(5, 0), grid, atol=0.0)


def test_policy_inputs_are_invariant_per_lattice() -> None:
    n = 4
    grid = _grid(n, 3, 4)
    policy = GridPolicy()
    cells = PerCell(n, 3, 4)
    f = lambda g: policy.features(g)  # noqa: E731
    assert_equivariant(f, cells, Invariant(cells.group), grid, elements=cells.group.sample(4), atol=1e-9)
    s = torch.as_tensor(np.random.default_rng(1).uniform(0.01, 100.0, size=(3, 4, 1, 1)))
    assert torch.allclose(policy.features(s * grid), policy.features(grid), atol=1e-9)
    # the neighbour distance grows as the correlation drops
    dist = [
        float(policy.features(_grid(n, 4, 4).new_tensor(mimo_grid(n, 4, 4, 0, r, r)))[..., -1].mean())
        for r in (0.9, 0.999)
    ]
    assert dist[0] > dist[1] + 1.0


def test_learned_grid_is_equivariant_under_an_independent_bn_element_per_cell() -> None:
    n, rows, cols = 4, 3, 4
    grid = _grid(n, rows, cols)
    reducer = GridReducer(_model(), align=True, policy=_policy(grid))
    out = reducer.reduce(grid)
    assert 0 < int(out.scratch.sum()) < rows * cols and int(out.wave.max()) >= 1
    assert bool((out.source.abs().sum(-1) > 0).any())  # some lattices started from a neighbour's factor
    bases, factors = PerCell(n, rows, cols), PerCell(n, rows, cols, conjugate=True)
    els = bases.group.sample(5, seed=4)  # each acts as a different element on every cell
    errs = assert_equivariant(lambda g: reducer(g).double(), bases, factors, grid, elements=els, atol=0.0)
    assert len(errs) == 5
    assert_equivariant(lambda g: reducer.reduce(g).basis, bases, bases, grid, elements=els[:3], atol=1e-9)
    for what in ("moves", "scratch", "wave"):
        f = lambda g, w=what: getattr(reducer.reduce(g), w).double()  # noqa: E731
        assert_equivariant(f, bases, Invariant(bases.group), grid, elements=els[:3], atol=0.0)
    defect = lambda g: log_defect(_flat(reducer.reduce(g).basis))  # noqa: E731
    assert_equivariant(defect, bases, Invariant(bases.group), grid, elements=els[:3], atol=1e-9)


def test_without_alignment_or_with_raw_features_per_cell_bn_fails() -> None:
    n, rows, cols = 4, 3, 4
    grid = _grid(n, rows, cols)
    bases, factors = PerCell(n, rows, cols), PerCell(n, rows, cols, conjugate=True)
    els = bases.group.sample(4, seed=4)
    copying = GridReducer(_model(), align=False)  # the 0.2.1 model copies factors in the common labelling
    with pytest.raises(EquivarianceError):
        assert_equivariant(lambda g: copying(g).double(), bases, factors, grid, elements=els, atol=0.0)

    class RawPolicy(GridPolicy):
        def features(self, g: torch.Tensor, periodic: bool = False, alignments: object = None) -> torch.Tensor:
            return torch.cat([g[..., 0, :1].double(), super().features(g, periodic, alignments)[..., 1:]], -1)

    torch.manual_seed(2)
    raw = RawPolicy(hidden=8).eval()
    with torch.no_grad():
        v = raw(raw.features(grid)).flatten().sort().values
        raw.threshold = float(v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
    leaky = GridReducer(_model(), align=True, policy=raw)
    with pytest.raises(EquivarianceError):
        f = lambda g: leaky.reduce(g).scratch.double()  # noqa: E731
        assert_equivariant(f, bases, Invariant(bases.group), grid, elements=els, atol=0.0)


def test_learned_grid_is_translation_equivariant_on_a_torus() -> None:
    grid = _grid(4, 4, 3)
    reducer = GridReducer(_model(), periodic=True, align=True, policy=_policy(grid, periodic=True))
    f = lambda g: reducer(g).double()  # noqa: E731
    for axis, size in ((0, 4), (1, 3)):
        assert_equivariant(f, GridShift(size, axis), GridShift(size, axis), grid, atol=0.0)
    with pytest.raises(EquivarianceError):
        assert_equivariant(f, GridShift(4, 0), Invariant(CyclicGroup(4)), grid, atol=0.0)


@pytest.mark.parametrize("periodic", [False, True])
def test_learned_grid_is_exactly_unimodular_same_lattices_never_worse(periodic: bool) -> None:
    grid = _grid(5, 4, 5, seed=1)
    out = GridReducer(_model(), periodic=periodic, align=True, policy=_policy(grid, periodic)).reduce(grid)
    assert out.unimodular.dtype == torch.int64
    for u, b, red in zip(_flat(out.unimodular), _flat(grid).numpy(), _flat(out.basis).numpy(), strict=True):
        assert abs(integer_det(u)) == 1
        inv = integer_inverse(u)
        assert all(v.denominator == 1 for v in inv.ravel())
        np.testing.assert_allclose(inv.astype(float) @ red, b, atol=1e-8)
        assert log_defect(red) <= log_defect(b) + 1e-9


def test_alignment_changes_nothing_on_a_commonly_labelled_grid() -> None:
    # at rho = 0.999 every neighbour pair aligns to the identity (at rho = 0.99: 98% of the pairs at n = 5-16,
    # the others are matched differently because the antennas' vectors are themselves correlated)
    grid = torch.as_tensor(mimo_grid(5, 4, 4, seed=2, rho_freq=0.999, rho_time=0.999))
    a = GridReducer(_model(), align=False).reduce(grid)
    b = GridReducer(_model(), align=True).reduce(grid)
    assert torch.equal(a.unimodular, b.unimodular)


def test_fit_grid_policy_learns_the_correlation_regime() -> None:
    greedy = FactorReducer(FactorConfig(network=False))

    def base(b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = greedy.reduce(b)
        return out.unimodular, out.moves

    saving, alone = warm_savings(base, _grid(4, 4, 4))
    assert saving.shape == (4, 4) and bool((alone >= 0).all()) and float(saving.max()) <= 1.0
    policy, record = fit_grid_policy(base, 4, rhos=(0.7, 0.999), shape=(6, 6), steps=150, hidden=8)
    assert record["mse"] < record["mse_constant"]
    low, high = (torch.as_tensor(mimo_grid(4, 6, 6, seed=9, rho_freq=r, rho_time=r)) for r in (0.7, 0.999))
    assert policy.warm(high).double().mean() > policy.warm(low).double().mean()
    with pytest.raises(TypeError, match="policy"):
        GridReducer(policy="yes")
