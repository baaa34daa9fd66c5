import numpy as np
import torch
from mobile_equi import EquivariantMobileNetV2, mobilenet_v2
from mobile_equi.experiments import Split, TrainConfig, roc_auc, train_model
from mobile_equi.experiments._train import d4_transform, invariance_error, torch_fn


def test_roc_auc_against_hand_computed_cases():
    assert roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert roc_auc(np.array([1.0, 2.0]), np.array([0, 1])) == 1.0
    assert roc_auc(np.array([1.0, 1.0]), np.array([0, 1])) == 0.5  # a tie counts half


def test_d4_transform_is_a_group_action():
    x = np.random.default_rng(0).normal(size=(1, 1, 5, 5))
    np.testing.assert_array_equal(d4_transform(d4_transform(x, 1, False), 3, False), x)
    np.testing.assert_array_equal(d4_transform(d4_transform(x, 0, True), 0, True), x)


def test_invariance_error_separates_equivariant_and_plain_models():
    torch.manual_seed(0)
    kw = dict(n_classes=2, in_channels=1, setting=[(1, 16, 1, 1), (6, 24, 1, 2)], stem=16, last=64)
    eq = EquivariantMobileNetV2("D4", **kw).eval()
    eq.classifier[1].weight.data.normal_()
    pl = mobilenet_v2(width=1.0, **kw).eval()
    pl.classifier[1].weight.data.normal_()
    x = np.random.default_rng(0).normal(size=(4, 1, 17, 17)).astype(np.float32)
    assert invariance_error(torch_fn(eq), x) < 1e-5
    assert invariance_error(torch_fn(pl), x) > 1e-2


def test_training_lowers_the_loss_on_a_fixed_seed():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 1, 17, 17)).astype(np.float32)
    y = (x[:, 0, 8, 8] > 0).astype(np.int64)
    x[:, 0, 7:10, 7:10] += 3 * (2 * y[:, None, None] - 1)
    torch.manual_seed(0)
    m = EquivariantMobileNetV2("D4", 2, in_channels=1, setting=[(1, 16, 1, 1)], stem=16, last=32)
    losses = train_model(m, Split(x, y), TrainConfig(epochs=4, batch=16, lr=1e-2), seed=0)
    assert losses[-1] < losses[0]
