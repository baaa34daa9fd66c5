"""The point-cloud sweep (task ``clouds``): task keys, the clouds each key builds, the recorded settings."""

import pytest
from sheaf_homology._cli import build_parser, run_config
from sheaf_homology._config import CLOUD_SWEEP, ExperimentConfig, HeteroConfig, StratifiedConfig


def test_clouds_expand_to_one_task_per_density_and_noise():
    from sheaf_homology._experiments import cloud_key, task_keys

    keys = task_keys(["stratified", "clouds"], HeteroConfig())
    assert keys[0] == "stratified" and len(keys) == 1 + len(CLOUD_SWEEP)
    assert keys[1:] == [cloud_key(p, n) for p, n in CLOUD_SWEEP]
    assert cloud_key(200, 0.05) == "cloud_p200_n05" and cloud_key(100, 0.1) == "cloud_p100_n10"
    assert len(set(keys)) == len(keys)


def test_a_cloud_task_builds_clouds_of_its_density_and_noise():
    from sheaf_homology._experiments import _Graphs

    graphs = _Graphs(ExperimentConfig(), StratifiedConfig(clouds=(1, 1, 1)), HeteroConfig())
    gs, masks, cfg, extras = graphs.get("cloud_p100_n02", 0)
    assert gs.data.num_nodes == 300 and cfg.train.balanced
    assert [int(m.sum()) for m in masks] == [100, 100, 100]
    assert 0.0 < extras["singular_fraction"] < 0.5
    # the stratified task with that density and noise builds the very same clouds
    same = _Graphs(ExperimentConfig(), StratifiedConfig(clouds=(1, 1, 1), points=100, noise=0.02), HeteroConfig())
    assert bool((same.get("stratified", 0)[0].data.pos == gs.data.pos).all())
    with pytest.raises(ValueError, match="unknown task"):
        graphs.get("cloud_p123_n02", 0)


def test_the_sweep_is_recorded_only_by_runs_that_include_it(tmp_path):
    def config(*argv):
        return run_config(build_parser().parse_args(["reproduce", *argv, "--out", str(tmp_path)]))

    assert "cloud_sweep" not in config("--quick")
    assert "cloud_sweep" not in config("--tasks", "cora")
    assert config("--quick", "--tasks", "clouds")["cloud_sweep"] == [list(pn) for pn in CLOUD_SWEEP]
    assert "cloud_sweep" in config()  # the full run includes every task
