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


def _doc(tmp_path, name, seeds, acc, config=None):
    import json

    from equi_runs import RunFolder

    run = RunFolder(tmp_path / name, package="sheaf-homology", module_file=__file__, config=config or {"a": 1})
    per_seed = {"acc.hetero_h10.lhs": dict(zip(seeds, acc, strict=True))}
    doc = run.metrics({}, per_seed=per_seed, seeds=seeds, version="0")
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def test_merged_table_pools_the_seeds_of_runs_with_the_same_settings(tmp_path):
    from sheaf_homology._table import merged_table

    a = _doc(tmp_path, "a", [0, 1], [0.7, 0.8])
    b = _doc(tmp_path, "b", [2, 3, 4], [0.9, 0.6, 0.5])
    text = merged_table([a, b])
    assert "seeds [0, 1, 2, 3, 4]" in text and "| hetero_h10 | 70.0 +- 15.8 |" in text, text
    with pytest.raises(ValueError, match="disjoint seeds"):
        merged_table([a, a])
    with pytest.raises(ValueError, match="identical settings"):
        merged_table([a, _doc(tmp_path, "c", [5], [0.5], config={"a": 2})])
