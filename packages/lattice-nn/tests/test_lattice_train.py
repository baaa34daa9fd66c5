import pytest
import torch
from lattice_nn import LatticeReducer, ReducerConfig, TrainConfig, train, validation_loss


@pytest.mark.xfail(strict=True, reason="known: straight-through training does not lower the held-out defect yet")
def test_loss_decreases_on_fixed_seed() -> None:
    """From a random (not zero) output layer, training lowers the held-out log defect on seed 0."""
    torch.manual_seed(0)
    model = LatticeReducer(ReducerConfig(zero_init=False, gain=1.0)).double()
    before = validation_loss(model, (6,), seed=123, sweeps=3)
    losses = train(model, TrainConfig(dims=(6,), steps=30, sweeps=2, lr=1e-3, batch=32, seed=0), progress=False)
    after = validation_loss(model, (6,), seed=123, sweeps=3)
    assert len(losses) == 30
    assert after < before


def test_classical_variant_has_nothing_to_train() -> None:
    assert train(LatticeReducer(ReducerConfig(variant="classical")), TrainConfig(steps=2), progress=False) == []
