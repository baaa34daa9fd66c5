import dataclasses

import numpy as np
import pytest
import torch
from equi_groups.testing import assert_equivariant
from equi_runs import RunFolder
from mobile_equi import EquivariantMobileNetV2, gspace_for
from mobile_equi._cli import main
from mobile_equi.experiments import Split
from mobile_equi.experiments._data import NUCLEI_HARD, nuclei_task, validation_split
from mobile_equi.experiments._reproduce import tune
from mobile_equi.experiments._settings import settings_for
from mobile_equi.experiments._train import recalibrate_bn


def test_bn_recalibration_gives_the_exact_data_statistics():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3)).train()
    x = torch.randn(32, 1, 7, 7) * 2 + 1
    for _ in range(3):
        net(torch.randn(8, 1, 7, 7))  # stale running statistics of other data
    recalibrate_bn(net, x, batch=32)
    with torch.no_grad():
        h = net[0](x)
    torch.testing.assert_close(net[1].running_mean, h.mean((0, 2, 3)))
    torch.testing.assert_close(net[1].running_var, h.var((0, 2, 3), unbiased=True))
    assert net[1].momentum == 0.1 and not net.training


def test_bn_recalibration_reaches_e2cnn_batch_norm_and_keeps_invariance():
    torch.manual_seed(0)
    m = EquivariantMobileNetV2("D4", 2, in_channels=1, setting=[(1, 16, 1, 1), (6, 24, 1, 2)], stem=16, last=32)
    before = [b.clone() for n, b in m.named_buffers() if n.endswith("running_mean")]
    recalibrate_bn(m, torch.rand(16, 1, 17, 17) * 3, batch=8)
    after = [b for n, b in m.named_buffers() if n.endswith("running_mean")]
    assert len(after) > 3 and all(not torch.equal(a, b) for a, b in zip(before, after, strict=True))
    gs = gspace_for("D4")
    assert_equivariant(m.eval(), x=torch.rand(2, 1, 17, 17), elements=list(gs.group.elements()))


def test_validation_split_is_seeded_and_disjoint():
    x = np.arange(50, dtype=np.float32).reshape(50, 1, 1, 1)
    data = Split(x, np.arange(50) % 2)
    fit, val = validation_split(data, 0.2, seed=3)
    assert len(fit) == 40 and len(val) == 10
    assert set(fit.x.ravel()) | set(val.x.ravel()) == set(range(50)) and not set(fit.x.ravel()) & set(val.x.ravel())
    np.testing.assert_array_equal(validation_split(data, 0.2, seed=3)[1].x, val.x)
    with pytest.raises(ValueError, match="no training data"):
        validation_split(Split(x[:1], np.zeros(1, np.int64)), 0.5, seed=0)


def test_hard_nucleus_task_is_seeded_balanced_and_has_brighter_centres_for_nuclei():
    tr, te = nuclei_task(64, 40, 33, 0, **NUCLEI_HARD)
    tr2, _ = nuclei_task(64, 40, 33, 0, **NUCLEI_HARD)
    np.testing.assert_array_equal(tr.x, tr2.x)
    assert tr.x.shape == (64, 1, 33, 33) and te.x.shape == (40, 1, 33, 33)
    assert tr.y.sum() == 32 and te.y.sum() == 20
    centre = tr.x[:, 0, 14:19, 14:19].mean((1, 2))  # nuclei are bright: positives' centres inside one
    assert centre[tr.y == 1].mean() > centre[tr.y == 0].mean() + 0.1
    easy, _ = nuclei_task(64, 40, 33, 0)
    assert not np.array_equal(easy.x, tr.x)


def test_tune_searches_the_same_grid_for_every_model_and_resumes(tmp_path):
    s = settings_for(False, True, "nuclei-hard", tune=True)
    assert s.train.bn_recal and s.tune_lrs == (1e-3, 1e-2) and s.tune_epochs == (1, 2)
    s = dataclasses.replace(s, n_train=40, setting=((1, 16, 1, 1),), last=16)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 1, 9, 9)).astype(np.float32)
    data = (Split(x, (np.arange(40) % 2).astype(np.int64)), Split(x[:8], np.zeros(8, np.int64)), 2)
    with RunFolder(tmp_path / "run", package="mobile-equi", module_file=__file__, config=s.config()) as run:
        cfg, found = tune(run, s, "d4", data, progress=False)
        assert run.skipped == 0
        grid = sorted(k for k in found if k.startswith("tune_val_acc."))
        assert len(grid) == 3  # every lr at 1 epoch, then the best lr at 2 epochs
        assert cfg.lr == found["tune_lr.d4"] and cfg.epochs == found["tune_epochs.d4"] and cfg.bn_recal
        assert f"tune_val_acc.d4.lr{cfg.lr:.0e}_ep{cfg.epochs}" in found
        assert tune(run, s, "d4", data, progress=False) == (cfg, found)
        assert run.skipped == 3


def test_tune_arguments_are_checked_before_any_work(tmp_path, capsys):
    assert main(["reproduce", "--tune", "--epochs", "3", "--out", str(tmp_path / "o")]) == 2
    assert "leave out --epochs" in capsys.readouterr().err
    args = ["reproduce", "--dataset", "mnist-rot", "--n-train", "4500", "--n-test", "1000", "--out", str(tmp_path)]
    assert main(args) == 2
    assert "5,000 digits" in capsys.readouterr().err
