import json

import pytest
import torch
from lattice_nn._cli import main
from lattice_nn._experiments import bench


def test_bench_writes_keys(tmp_path) -> None:
    res = bench(tmp_path, dims=(4,), repeats=1, progress=False)
    data = json.loads((tmp_path / "bench.json").read_text())
    assert data["ms_per_basis.ours.n4"] > 0 and data["ms_per_basis.lll.n4"] > 0
    assert res["ms_per_basis.ours.n4"] == data["ms_per_basis.ours.n4"]


def test_cli_needs_out() -> None:
    with pytest.raises(SystemExit):
        main(["reproduce", "--quick"])


def test_tiny_reproduce_writes_metrics_and_figures(tmp_path) -> None:
    from lattice_nn._experiments import ReproduceConfig, reproduce

    cfg = ReproduceConfig(
        dims=(4,),
        seeds=(0,),
        eval_per_kind=3,
        train_steps=2,
        train_batch=6,
        ablation_steps=1,
        ablation_batch=6,
        budgets=(1, 2),
        equivariance_samples=1,
        baselines=("input", "lll"),
    )
    metrics = reproduce(tmp_path, cfg, progress=False)
    data = json.loads((tmp_path / "metrics.json").read_text())
    for key in (
        "log_defect.input.n4",
        "log_defect.ours.n4",
        "log_defect.lll.n4",
        "log_defect.classical.n4",
        "log_defect_budget.ours.s1.n4",
        "log_defect_budget.classical.s2.n4",
        "log_defect.ablation_no_bn.n4",
        "equivariance_error.bn.ours.generic.n4",
        "invariance_error.on.ours.qary.n4",
        "ties.qary.n4",
    ):
        assert key in data and data[key] == metrics[key], key
    assert data["seeds"] == [0]
    assert data["log_defect.ours.n4"] < data["log_defect.input.n4"]
    for fig in ("log_defect.png", "defect_vs_sweeps.png", "training_loss.png"):
        assert (tmp_path / fig).stat().st_size > 0
    assert torch.get_default_dtype() == torch.float32  # reproduce restores the global torch settings
