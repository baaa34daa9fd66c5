"""Training loop: loss goes down on a fixed seed; an interrupted run resumes to the identical result."""

import torch
from e2cnn_core.experiments._data import DataConfig, build_dataset
from e2cnn_core.experiments._train import TrainConfig, evaluate, seed_everything, train_model
from torch import nn


def _tiny_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, stride=2),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, stride=2),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(128, 10),
    )


def test_loss_decreases_and_error_beats_chance():
    train, test = build_dataset(DataConfig(n_train=200, n_test=100, seed=0))
    seed_everything(0)
    model = _tiny_cnn()
    out = train_model(
        model,
        train,
        test,
        TrainConfig(epochs=4, batch_size=25, lr=1e-2, decay_start=100),
        seed=0,
        progress=False,
    )
    assert out["train_loss"][-1] < out["train_loss"][0] - 0.4
    assert out["test_error"] < 0.9  # chance is 0.9
    assert out["test_error"] == evaluate(model, test)


def test_resume_from_checkpoint_is_exact(tmp_path):
    train, test = build_dataset(DataConfig(n_train=100, n_test=50, seed=1))
    cfg = TrainConfig(epochs=3, batch_size=25, lr=3e-3, decay_start=1)
    seed_everything(5)
    full_model = _tiny_cnn()
    full = train_model(full_model, train, test, cfg, seed=5, progress=False)

    ckpt = tmp_path / "run" / "checkpoint.pt"
    seed_everything(5)
    part_model = _tiny_cnn()
    train_model(
        part_model,
        train,
        test,
        TrainConfig(**{**cfg.__dict__, "epochs": 1}),
        seed=5,
        checkpoint=ckpt,
        progress=False,
    )
    assert ckpt.exists() and not ckpt.with_name("checkpoint.pt.tmp").exists()
    seed_everything(123)  # a fresh process would re-initialise differently: the checkpoint must win
    resumed_model = _tiny_cnn()
    resumed = train_model(resumed_model, train, test, cfg, seed=5, checkpoint=ckpt, progress=False)
    assert resumed["train_loss"] == full["train_loss"]
    for a, b in zip(full_model.parameters(), resumed_model.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
