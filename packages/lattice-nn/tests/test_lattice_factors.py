"""The factor model (issue #17): exact unimodularity, same lattice, symmetries, budgets, both gradient paths."""

import numpy as np
import pytest
import torch
from equi_groups.testing import assert_equivariant
from lattice_nn import (
    AmbientRotation,
    BasisRows,
    Conjugation,
    FactorConfig,
    FactorReducer,
    FactorTrainConfig,
    Invariant,
    factor_validation_loss,
    generate,
    integer_det,
    integer_inverse,
    log_defect,
    train_factors,
)


def _model(**kw: object) -> FactorReducer:
    torch.manual_seed(0)  # random (not zero) output layers: the network really changes the factors
    return FactorReducer(FactorConfig(zero_init=False, **kw)).double().eval()


def _greedy() -> FactorReducer:
    return FactorReducer(FactorConfig(network=False))


@pytest.mark.parametrize("kind", ["gaussian", "qary", "mimo"])
@pytest.mark.parametrize("n", [3, 6])
def test_factors_are_exactly_unimodular_same_lattice_and_never_worse(kind: str, n: int) -> None:
    bases = generate(kind, n, 5, seed=1)
    with torch.no_grad():
        out = _model().reduce(torch.as_tensor(bases))
    assert out.unimodular.dtype == torch.int64
    for u, b, red in zip(out.unimodular, bases, out.basis.numpy(), strict=True):
        assert abs(integer_det(u)) == 1
        inv = integer_inverse(u)
        assert all(v.denominator == 1 for v in inv.ravel())
        np.testing.assert_allclose(inv.astype(float) @ red, b, atol=1e-8)
        assert log_defect(red) <= log_defect(b) + 1e-9
    assert np.mean(log_defect(out.basis.numpy())) < 0.5 * np.mean(log_defect(bases))


def test_zero_network_is_the_greedy_rule_and_reduces_2d_fully() -> None:
    bases = torch.as_tensor(generate("mimo", 6, 6, seed=3))
    zero = FactorReducer(FactorConfig())  # zero-initialised output layers
    assert torch.equal(zero(bases), _greedy()(bases))
    out = _greedy().reduce(torch.tensor([[4.0, 1.0], [9.0, 2.0]]))
    np.testing.assert_allclose(np.sort(np.abs(out.basis[0].numpy()).sum(-1)), [1.0, 1.0])


def test_budget_of_moves_is_respected() -> None:
    bases = torch.as_tensor(generate("gaussian", 8, 6, seed=0))
    model = _model()
    for budget in (0, 1, 5):
        out = model.reduce(bases, moves=budget)
        assert int(out.moves.max()) <= budget
    assert torch.equal(model.reduce(bases, moves=0).unimodular, torch.eye(8, dtype=torch.int64).expand(6, 8, 8))
    d = [float(log_defect(model.reduce(bases, moves=k).basis).mean()) for k in (2, 6, 20)]
    assert d[0] > d[1] > d[2]  # every factor shortens a vector
    for bad in (-1, 2.5):
        with pytest.raises(ValueError, match="moves"):
            model.reduce(bases, moves=bad)
    with pytest.raises(ValueError, match="mode"):
        model.reduce(bases, mode="argmax")


@pytest.mark.parametrize("n", [4, 5])
def test_factors_are_bn_equivariant(n: int) -> None:
    model = _model(gain_prior=0.5, prior=1.0)  # weak priors: the network's outputs decide
    x = torch.as_tensor(generate("gaussian", n, 1, seed=2)[0])
    budget = n  # a budget: the network's choices show before the fixed point
    assert not torch.equal(model.reduce(x, moves=budget).unimodular, _greedy().reduce(x, moves=budget).unimodular)
    errs = assert_equivariant(
        lambda b: model.reduce(b, moves=budget).unimodular[0].double(), BasisRows(n), Conjugation(n), x, atol=1e-6
    )
    assert len(errs) >= 8
    assert_equivariant(lambda b: model.reduce(b, moves=budget).basis[0], BasisRows(n), BasisRows(n), x, atol=1e-6)


def test_factors_are_on_and_scale_invariant() -> None:
    n = 5
    model = _model()
    x = torch.as_tensor(generate("mimo", n, 1, seed=4)[0])
    rot = AmbientRotation(n)
    assert_equivariant(lambda b: model(b)[0].double(), rot, Invariant(rot.group), x, atol=1e-6)
    assert_equivariant(
        lambda b: torch.as_tensor(log_defect(model.reduce(b).basis)), rot, Invariant(rot.group), x, atol=1e-6
    )
    for scale in (1e-3, 7.0, 1e4):
        assert torch.equal(model(x * scale), model(x))


def test_sampled_and_relaxed_modes_carry_gradients() -> None:
    model = _model()
    bases = torch.as_tensor(generate("gaussian", 5, 4, seed=0))
    out = model.reduce(bases, moves=6, mode="sample", generator=torch.Generator().manual_seed(0))
    out.log_prob.sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.net.node_head.parameters())
    assert all(abs(integer_det(u)) == 1 for u in out.unimodular)
    model.zero_grad()
    out = model.reduce(bases, moves=6, mode="relaxed")
    from lattice_nn import log_defect_from_gram

    np.testing.assert_allclose(
        log_defect_from_gram(out.gram).detach().numpy(), log_defect(out.basis).numpy(), atol=1e-8
    )  # the straight-through Gram chain is the exact Gram matrix in value
    log_defect_from_gram(out.gram).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.net.head.parameters())


@pytest.mark.parametrize("method", ["reinforce", "straight_through"])
def test_training_runs_and_selection_never_loses_to_greedy(method: str) -> None:
    model = FactorReducer(FactorConfig())
    kinds = ("gaussian", "mimo")
    before = factor_validation_loss(model, (5,), seed=10**6, count=4, moves_per_dim=2, kinds=kinds)
    cfg = FactorTrainConfig(method=method, dims=(5,), steps=4, batch=8, log_every=2, val_count=4)
    losses = train_factors(model, cfg, progress=False)
    assert len(losses) == 4
    after = factor_validation_loss(model, (5,), seed=10**6, count=4, moves_per_dim=2, kinds=kinds)
    assert after <= before


@pytest.mark.slow
def test_reinforce_beats_the_greedy_rule_on_held_out_lattices() -> None:
    """From the zero network (= greedy), REINFORCE lowers the held-out defect at a budget of 2n factors."""
    torch.manual_seed(0)
    model = FactorReducer(FactorConfig())
    before = factor_validation_loss(model, (8,), seed=123, count=16, moves_per_dim=2)
    cfg = FactorTrainConfig(dims=(8,), steps=40, batch=24, kinds=("gaussian", "qary", "mimo"))
    train_factors(model, cfg, progress=False, select=False)
    after = factor_validation_loss(model, (8,), seed=123, count=16, moves_per_dim=2)
    assert after < before - 0.02, (before, after)


def test_inference_path_equals_the_autograd_path_bit_for_bit() -> None:
    """The in-place no-grad network path is the same arithmetic as the differentiable one."""
    model = _model()
    bases = torch.as_tensor(generate("mimo", 6, 8, seed=5))
    net = model.net
    g = bases @ bases.transpose(-1, -2)
    h = torch.linalg.inv(g)
    with torch.no_grad():
        fast = net(g, h, None)
    with torch.enable_grad():
        slow = net(g, h, None)
    for a, b in zip(fast, slow, strict=True):
        assert torch.equal(a, b.detach())
    with torch.no_grad():
        u = model(bases)
    with torch.enable_grad():
        assert torch.equal(model(bases), u)
