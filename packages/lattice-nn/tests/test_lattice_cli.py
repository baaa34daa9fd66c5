import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from equi_runs import RunFolder, validate_metrics
from lattice_nn._cli import main
from lattice_nn._config import ReproduceConfig


def _cli_subprocess(*argv: str) -> tuple[int, str, bool]:
    """Run ``main(argv)`` in a fresh interpreter: (exit status, stderr, whether torch was imported)."""
    code = textwrap.dedent(
        f"""
        import sys
        from lattice_nn._cli import main
        try:
            rc = main({list(argv)!r})
        except SystemExit as e:
            rc = e.code
        print("RC", rc, "TORCH", "torch" in sys.modules)
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    last = p.stdout.strip().splitlines()[-1].split()
    return int(last[1]), p.stderr, last[3] == "True"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["reproduce", "--seeds", "0", "0"], "--seeds names 0 twice"),
        (["reproduce", "--seeds", "-1"], "-1 is negative"),
        (["reproduce", "--threads", "0"], "0 is not positive"),
        (["bench", "--repeats", "0"], "0 is not positive"),
        (["bench", "--repeats", "two"], "'two' is not an integer"),
        (["bench", "--checkpoint", "no/such/file.pt"], "'no/such/file.pt' is not a file"),
        (["reprodce"], "invalid choice: 'reprodce' (choose from"),
        (["grid", "--checkpoint", "no/such/file.pt"], "'no/such/file.pt' is not a file"),
        (["grid", "--repeats", "0"], "0 is not positive"),
        (["scale", "--models", "no/such/dir"], "'no/such/dir' is not a folder"),
        (["scale", "--models", ".", "--seeds", "1", "1"], "--seeds names 1 twice"),
        (["scale", "--models", ".", "--seeds", "0"], "has no factor model"),
    ],
)
def test_bad_values_exit_2_before_torch(tmp_path: Path, argv: list[str], message: str) -> None:
    rc, err, torch_loaded = _cli_subprocess(*argv[:1], "--out", str(tmp_path / "out"), *argv[1:])
    assert rc == 2 and message in err, err
    assert not torch_loaded
    assert "Traceback" not in err


def test_changed_config_refused_naming_the_field_before_torch(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with RunFolder(out, package="lattice-nn", module_file=__file__, config=ReproduceConfig.smoke().run_config()):
        pass
    rc, err, torch_loaded = _cli_subprocess("reproduce", "--quick", "--out", str(out))
    assert rc == 2 and "dims: [4] -> [4, 8]" in err and "eval_per_kind: 20 -> 50" in err, err
    assert not torch_loaded


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "file.txt"
    f.write_text("x")
    rc, err, torch_loaded = _cli_subprocess("reproduce", "--quick", "--out", str(f))
    assert rc == 2 and "is not a folder" in err and not torch_loaded, err


def test_stale_metrics_without_run_record_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a 0.1 folder: metrics.json and ours_seed0.pt from an older run must not look finished
    (tmp_path / "metrics.json").write_text("{}")
    (tmp_path / "ours_seed0.pt").write_bytes(b"")
    assert main(["reproduce", "--smoke", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "without a run record" in capsys.readouterr().err


def test_corrupt_unit_result_named_with_the_way_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with RunFolder(tmp_path, package="lattice-nn", module_file=__file__, config=ReproduceConfig.smoke().run_config()):
        pass
    bad = tmp_path / "units" / "ours-seed0" / "result.json"
    bad.parent.mkdir(parents=True)
    bad.write_text('{"key": "ours-seed0", "res')
    assert main(["reproduce", "--smoke", "--seeds", "0", "--out", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "--fresh" in err and "delete" in err, err


def test_help_is_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["reproduce", "--help"], ["bench", "--help"], ["grid", "--help"], ["scale", "--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        text = capsys.readouterr().out
        assert "--out" in text or "reproduce" in text
        assert "``" not in text and ":class:" not in text and "--smoke" not in text


def _smoke(out: Path, *seeds: str) -> dict:
    assert main(["reproduce", "--smoke", "--seeds", *seeds, "--out", str(out), "--no-progress"]) == 0
    return json.loads((out / "metrics.json").read_text())


def test_resume_keeps_finished_units_and_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    part = _smoke(tmp_path / "a", "0")
    units = sorted(os.listdir(tmp_path / "a" / "units"))
    assert part["complete"] and units == ["baselines-n4", "ours-seed0", "pivot-seed0", "st-seed0"]
    done = tmp_path / "a" / "units" / "ours-seed0" / "result.json"
    before = (done.read_bytes(), done.stat().st_mtime_ns)
    resumed = _smoke(tmp_path / "a", "0", "1")
    assert (done.read_bytes(), done.stat().st_mtime_ns) == before  # not recomputed
    assert len(resumed["wall_pieces"]) == 2
    whole = _smoke(tmp_path / "b", "0", "1")
    assert resumed["metrics"] == whole["metrics"] and resumed["per_seed"] == whole["per_seed"]
    validate_metrics(resumed)
    # the finished model is kept in its unit folder and loads safely
    from lattice_nn import FactorConfig, FactorReducer, LatticeReducer, ReducerConfig

    state = torch.load(tmp_path / "a" / "units" / "ours-seed1" / "ours_seed1.pt", weights_only=True)
    FactorReducer(FactorConfig()).load_state_dict(state)  # strict: every parameter present
    state = torch.load(tmp_path / "a" / "units" / "pivot-seed1" / "pivot_seed1.pt", weights_only=True)
    LatticeReducer(ReducerConfig()).load_state_dict(state)
    m = resumed["metrics"]
    assert m["log_defect.ours.n4.std"] is not None  # two seeds: sample std
    assert resumed["per_seed"]["log_defect.ours.n4"].keys() == {"0", "1"}
    assert m["log_defect.ours.n4"] < m["log_defect.input.n4"]


class _Evil:
    def __reduce__(self):  # runs on plain pickle.load / torch.load(weights_only=False)
        return (os.system, (f"touch {self.marker}",))


def test_bench_refuses_unsafe_or_foreign_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = _Evil()
    evil.marker = str(tmp_path / "pwned")
    torch.save({"w": evil}, tmp_path / "evil.pt")
    assert main(["bench", "--checkpoint", str(tmp_path / "evil.pt"), "--out", str(tmp_path / "b1")]) == 2
    err = capsys.readouterr().err
    assert "evil.pt cannot be loaded safely" in err, err
    assert not (tmp_path / "pwned").exists()
    torch.save({"w": torch.zeros(2)}, tmp_path / "other.pt")
    assert main(["bench", "--checkpoint", str(tmp_path / "other.pt"), "--out", str(tmp_path / "b2")]) == 2
    assert "is not a lattice-nn model state" in capsys.readouterr().err


def test_bench_writes_schema_metrics_and_loads_a_checkpoint(tmp_path: Path) -> None:
    from lattice_nn import FactorConfig, FactorReducer
    from lattice_nn._config import bench_config
    from lattice_nn._experiments import bench

    ckpt = tmp_path / "model.pt"
    torch.save(FactorReducer(FactorConfig()).state_dict(), ckpt)
    cfg = bench_config(1, ckpt, None)
    with RunFolder(tmp_path / "b", package="lattice-nn", module_file=__file__, config=cfg) as run:
        doc = bench(run, dims=(4,), repeats=1, progress=False, checkpoint=ckpt)
    data = json.loads((tmp_path / "b" / "metrics.json").read_text())
    validate_metrics(data)
    assert data["metrics"]["ms_per_basis.ours.n4"] > 0 and data["metrics"]["ms_per_basis.lll.n4"] > 0
    assert data["metrics"]["ms_per_basis.greedy.n4"] > 0
    assert ("ms_per_basis.ours_gpu.n4" in data["metrics"]) == torch.cuda.is_available()
    assert doc["metrics"] == data["metrics"]
    assert data["headline"][0]["metric"] == "cpu_speedup.ours_over_lll.n4"
    assert data["metrics"]["cpu_ms_per_basis.ours.n4"] > 0 and data["metrics"]["cpu_ms_per_basis.lll.n4"] > 0


def test_tiny_reproduce_writes_metrics_and_figures(tmp_path: Path) -> None:
    from lattice_nn._experiments import reproduce

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
        factor_steps=2,
        factor_batch=6,
    )
    with RunFolder(tmp_path, package="lattice-nn", module_file=__file__, config=cfg.run_config()) as run:
        doc = reproduce(run, cfg, progress=False)
    data = json.loads((tmp_path / "metrics.json").read_text())
    validate_metrics(data)
    m = data["metrics"]
    for key in (
        "log_defect.input.n4",
        "log_defect.ours.n4",
        "log_defect.lll.n4",
        "log_defect.classical.n4",
        "log_defect.greedy.n4",
        "log_defect.ours_st.n4",
        "log_defect.pivot.n4",
        "log_defect_budget.ours.s1.n4",
        "log_defect_budget.ours.n4",
        "log_defect_budget.classical.n4",
        "log_defect_budget.greedy.n4",
        "log_defect_budget.pivot.s1.n4",
        "log_defect_budget.classical.s2.n4",
        "equivariance_error.bn.pivot.generic.n4",
        "log_defect.ablation_no_bn.n4",
        "equivariance_error.bn.ours.generic.n4",
        "invariance_error.on.ours.qary.n4",
        "ties.qary.n4",
        "ratio.ours_over_lll.n4",
    ):
        assert key in m and m[key] == doc["metrics"][key], key
    assert m["log_defect.ours.n4.std"] is None  # one seed: no sample std
    assert data["seeds"] == [0] and data["complete"]
    assert sorted(os.listdir(tmp_path / "units")) == [
        "ablation-no_bn-n4-seed0",
        "ablation-no_gram-n4-seed0",
        "baselines-n4",
        "ours-seed0",
        "pivot-seed0",
        "st-seed0",
    ]
    assert m["log_defect.ours.n4"] < m["log_defect.input.n4"]
    for fig in ("log_defect.png", "defect_vs_sweeps.png", "training_loss.png"):
        assert (tmp_path / fig).stat().st_size > 0
    assert torch.get_default_dtype() == torch.float32  # reproduce restores the global torch settings


def test_grid_experiment_writes_schema_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lattice_nn._extend as ext
    from lattice_nn import FactorConfig, FactorReducer
    from lattice_nn._config import grid_config

    monkeypatch.setattr(ext, "GRID_SHAPE", (3, 3))
    monkeypatch.setattr(ext, "GRID_DIMS", (4,))
    small = {"seeds": [1000], "shape": [4, 4], "steps": 20, "hidden": 4, "threshold": 0.15, "lr": 0.01}
    monkeypatch.setattr(ext, "GRID_POLICY", small)
    ckpt = tmp_path / "model.pt"
    torch.save(FactorReducer(FactorConfig()).state_dict(), ckpt)
    with RunFolder(tmp_path / "g", package="lattice-nn", module_file=__file__, config=grid_config(1, ckpt, 1)) as run:
        doc = ext.grid_experiment(run, progress=False, checkpoint=ckpt)
    validate_metrics(doc)
    m = doc["metrics"]
    for method in ("ours", "greedy", "lll"):
        for mode in ("grid", "grid_aligned", "grid_learned", "alone"):
            assert m[f"log_defect.{mode}_{method}.rho0.99.n4"] < m["log_defect.input.rho0.99.n4"]
            assert m[f"cpu_ms_per_lattice.{mode}_{method}.rho0.99.n4"] >= 0
    assert m["factor_ratio.grid_over_alone.greedy.rho0.999.n4"] <= 1.0
    assert 0.0 <= m["scratch.rho0.9.n4"] <= 1.0 and m["policy_mse.n4"] >= 0
    assert (tmp_path / "g" / "units" / "policy-n4" / "policy_n4.pt").is_file()
    assert [c["metric"] for c in doc["headline"]] == [
        "time_ratio.grid_learned_over_alone.ours.rho0.99.n4",
        "time_ratio.learned_over_grid.ours.rho0.9.n4",
    ]
    from lattice_nn._table import grid_table

    assert "learned" in grid_table(doc)


def test_scale_evaluates_a_reproduce_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lattice_nn._extend as ext
    from lattice_nn import FactorConfig, FactorReducer
    from lattice_nn._config import scale_checkpoint

    monkeypatch.setattr(ext, "SCALE_DIMS", (5, 6))
    monkeypatch.setattr(ext, "SCALE_EVAL_PER_KIND", 1)
    monkeypatch.setattr(ext, "BKZ20_TRAINED_DIMS", (4,))
    monkeypatch.setattr(ext, "BKZ20_TRAINED_PER_KIND", 1)
    models = tmp_path / "models"
    for seed in (0, 1):
        path = scale_checkpoint(models, seed)
        path.parent.mkdir(parents=True)
        torch.save(FactorReducer(FactorConfig()).state_dict(), path)
    with RunFolder(tmp_path / "s", package="lattice-nn", module_file=__file__, config={"test": 1}) as run:
        doc = ext.scale(run, models, (0, 1), progress=False)
    validate_metrics(doc)
    m = doc["metrics"]
    assert m["log_defect.bkz20.n5"] <= m["log_defect.input.n5"] and "log_defect.bkz.n6" in m
    assert m["log_defect.bkz20.n4"] <= m["log_defect.input.n5"]
    assert m["log_defect.ours.n6"] == pytest.approx(m["log_defect.greedy.n6"])  # zero network = greedy
    assert set(doc["per_seed"]["ratio.ours_over_lll.n5"]) == {"0", "1"}
    assert [c["metric"] for c in doc["headline"]] == ["ratio.ours_over_lll.n5", "ratio.ours_over_lll.n6"]
