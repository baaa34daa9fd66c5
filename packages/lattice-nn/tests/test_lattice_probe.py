"""Bad inputs found by the 0.1 reliability probe (issue #17), one test each."""

import numpy as np
import pytest
import torch
from lattice_nn import (
    FactorConfig,
    FactorReducer,
    LatticeReducer,
    ReducerConfig,
    check_basis,
    is_unimodular,
    lll_transform,
    log_defect,
)


def _classical() -> LatticeReducer:
    return LatticeReducer(ReducerConfig(variant="classical"))


def _factor() -> FactorReducer:
    torch.manual_seed(0)
    return FactorReducer(FactorConfig(zero_init=False))  # random network: not just the greedy rule


def _ill_conditioned(n: int = 8, seed: int = 1) -> np.ndarray:
    """A short, badly scaled basis hidden by a product of integer row moves (log defect about 35)."""
    rng = np.random.default_rng(seed)
    u = np.eye(n)
    for _ in range(30):
        i, j = rng.choice(n, 2, replace=False)
        u[i] += rng.integers(-3, 4) * u[j]
    return u @ (rng.standard_normal((n, n)) * np.logspace(0, 3, n)[:, None])


def _knapsack(n: int = 8, seed: int = 0) -> np.ndarray:
    """Knapsack-type integer basis: rows ``e_i`` with a last column of integers in [1e9, 1e10)."""
    rng = np.random.default_rng(seed)
    k = np.eye(n)
    k[:, -1] = rng.integers(10**9, 10**10, size=n)
    return k


def test_zero_sweeps_is_the_identity_and_negative_is_refused() -> None:
    b = torch.as_tensor(np.random.default_rng(0).standard_normal((3, 5, 5)))
    out = _classical().reduce(b, sweeps=0)  # 0.1 ran the default 6 sweeps (``sweeps or config.sweeps``)
    assert torch.equal(out.unimodular, torch.eye(5, dtype=torch.int64).expand(3, 5, 5))
    assert not torch.equal(_classical().reduce(b, sweeps=1).unimodular, out.unimodular)
    for bad in (-1, 1.5, True):  # 0.1 returned the identity for -1 without a word
        with pytest.raises(ValueError, match="sweeps"):
            _classical().reduce(b, sweeps=bad)


@pytest.mark.parametrize("make", [_classical, _factor])
def test_float32_ill_conditioned_basis_never_gets_worse(make) -> None:
    b64 = _ill_conditioned()
    b32 = torch.as_tensor(b64, dtype=torch.float32)
    before = float(log_defect(b32.double()))
    assert before > 30
    with torch.no_grad():
        out = make().reduce(b32)  # 0.1: 39.8 -> 48.0 in float32 (moves decided on a float32 Gram matrix)
    assert out.basis.dtype == torch.float32
    after = float(log_defect(out.unimodular.double() @ b32.double()))
    assert after <= before
    assert after < 1.0  # the float64 moves reduce it as they do a float64 input
    assert is_unimodular(out.unimodular[0])


def test_keep_if_better_restores_the_identity_when_moves_would_increase_the_defect() -> None:
    from lattice_nn._reducer import keep_if_better

    b = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]], dtype=torch.float64)
    bad = torch.tensor([[[1, 1], [0, 1]]])  # shears an orthogonal basis: defect 0 -> 0.35
    assert torch.equal(keep_if_better(b, bad), torch.eye(2, dtype=torch.int64)[None])


def test_float32_defect_is_measured_in_float64() -> None:
    b64 = _ill_conditioned()
    d32 = log_defect(torch.as_tensor(b64, dtype=torch.float32))
    assert d32.dtype == torch.float32
    assert abs(float(d32) - float(log_defect(b64))) < 1e-2


@pytest.mark.parametrize("make", [_classical, _factor])
def test_large_integer_knapsack_basis_is_accepted_and_reduced(make) -> None:
    k = _knapsack()
    check_basis(k)  # 0.1 refused it as singular: slogdet(B B^T) squared the conditioning
    before = float(log_defect(k))
    assert 90 < before < 200
    with torch.no_grad():
        out = make().reduce(k)
    assert is_unimodular(out.unimodular[0])
    np.testing.assert_array_equal(out.unimodular[0].numpy() @ k, out.basis[0].numpy())  # exact integers
    assert float(log_defect(out.basis[0])) < 0.1 * before
    u = lll_transform(k)  # the integer basis goes to fpylll unscaled (0.1 scaled it to 2^20 and lost the lattice)
    assert is_unimodular(u)
    assert float(log_defect(u @ k)) < 0.1 * before


def test_singular_bases_are_still_refused() -> None:
    with pytest.raises(ValueError, match="singular"):
        check_basis(np.array([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(ValueError, match="singular"):
        check_basis(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1e-200]]))
