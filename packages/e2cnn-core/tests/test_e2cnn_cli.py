"""CLI smoke tests on tiny configurations: reproduce (and its resume), bench, train-cifar."""

import json
import pickle

import numpy as np
from e2cnn_core._cli import main
from equi_runs import validate_metrics


def test_reproduce_smoke_writes_metrics_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["reproduce", "--smoke", "--out", str(out), "--no-progress"]) == 0
    doc = json.loads((out / "metrics.json").read_text())
    validate_metrics(doc)
    metrics = doc["metrics"]
    for name in ("C1", "C4"):
        assert doc["per_seed"][f"test_error.{name}"].keys() == {"0", "1"}
        assert metrics[f"test_error.{name}"] == np.mean([metrics[f"test_error.{name}.seed{s}"] for s in (0, 1)])
        assert metrics[f"export_max_abs_err.{name}"] < 1e-5
        assert metrics[f"export_test_error.{name}"] == metrics[f"test_error.{name}"]
    assert doc["seeds"] == [0, 1] and doc["config"]["data"]["n_train"] == 100 and doc["complete"]
    assert [h["metric"] for h in doc["headline"]][-1] == "export_max_abs_err.max"
    assert (out / "test_error.png").stat().st_size > 1000
    unit = out / "units" / "C4-seed0"
    assert (unit / "result.json").exists() and not (unit / "checkpoint.pt").exists()
    # the finished unit keeps its weights: `export` rebuilds the model and writes a deployable file
    assert main(["export", str(unit / "model.pt"), "--format", "torchscript", "--out", str(tmp_path / "c4.ts")]) == 0
    assert (tmp_path / "c4.ts").stat().st_size > 1000
    # a rerun finds the finished units and reports the same numbers without training again
    before = (unit / "result.json").stat().st_mtime_ns
    assert main(["reproduce", "--smoke", "--out", str(out), "--no-progress"]) == 0
    again = json.loads((out / "metrics.json").read_text())
    assert again["metrics"]["test_error.C4"] == metrics["test_error.C4"] and len(again["wall_pieces"]) == 2
    assert (unit / "result.json").stat().st_mtime_ns == before
    assert "C4" in capsys.readouterr().out


def test_reproduce_refuses_a_changed_setting_and_a_corrupt_unit(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["reproduce", "--smoke", "--models", "C1", "--seeds", "0", "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["reproduce", "--smoke", "--models", "C1", "--epochs", "2", "--out", str(out)]) == 2
    assert "train.epochs: 1 -> 2" in capsys.readouterr().err
    (out / "units" / "C1-seed0" / "result.json").write_text("{")
    assert main(["reproduce", "--smoke", "--models", "C1", "--seeds", "0", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "C1-seed0" in err and "--fresh" in err and "Traceback" not in err


def test_export_refuses_a_file_that_is_not_a_model(tmp_path, capsys):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a torch file")
    assert main(["export", str(bad), "--format", "onnx", "--out", str(tmp_path / "m.onnx")]) == 2
    assert "model.pt" in capsys.readouterr().err


def test_parser_name_lists_match_the_code():
    from e2cnn_core._cli import BENCH_MODEL_NAMES, DATASETS
    from e2cnn_core.experiments._bench import BENCH_MODELS
    from e2cnn_core.experiments._settings import DATASETS as REAL_DATASETS

    assert DATASETS == REAL_DATASETS and tuple(BENCH_MODELS) == BENCH_MODEL_NAMES


def test_bench_smoke_has_the_issue_keys(tmp_path):
    out = tmp_path / "bench"
    args = [
        "bench",
        "--out",
        str(out),
        "--models",
        "C8",
        "--batch",
        "2",
        "--size",
        "29",
        "--repeats",
        "1",
        "--warmup",
        "0",
        "--no-progress",
        "--no-escnn",
    ]
    assert main(args) == 0
    r = json.loads((out / "bench.json").read_text())["C8"]
    for k in (
        "build_s",
        "train_ms",
        "eval_ms",
        "export_ms",
        "plain_train_ms",
        "plain_eval_ms",
        "escnn_build_s",
        "escnn_train_ms",
        "escnn_eval_ms",
        "train_vs_plain",
        "export_vs_plain",
    ):
        assert k in r
    assert r["train_ms"] > 0 and r["escnn_train_ms"] is None and r["export_max_abs_err"] < 1e-5
    assert r["export_standalone_max_abs_err"] < 1e-5  # the pt2 file loaded with e2cnn_core/equi_groups blocked


def test_train_cifar_on_a_generated_pickle(tmp_path):
    root = tmp_path / "cifar-10-batches-py"
    root.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]:
        with open(root / name, "wb") as f:
            pickle.dump(
                {
                    b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8),
                    b"labels": rng.integers(0, 10, 4).tolist(),
                },
                f,
            )
    out = tmp_path / "wrn"
    args = [
        "train-cifar",
        "--data",
        str(root),
        "--out",
        str(out),
        "--depth",
        "10",
        "--widen",
        "1",
        "--groups",
        "2",
        "2",
        "1",
        "--epochs",
        "1",
        "--batch-size",
        "10",
        "--no-progress",
    ]
    assert main(args) == 0
    doc = json.loads((out / "metrics.json").read_text())
    validate_metrics(doc)
    assert doc["per_seed"]["test_error"].keys() == {"0"} and doc["config"]["groups"] == [2, 2, 1]


def test_reproduce_on_mnist_rot_amat_files(tmp_path):
    rng = np.random.default_rng(0)
    for name, n in (("train_valid", 100), ("test", 50)):
        data = np.concatenate([rng.uniform(0, 1, (n, 784)), (np.arange(n) % 10)[:, None]], 1)
        np.savetxt(tmp_path / f"mnist_all_rotation_normalized_float_{name}.amat", data, fmt="%.18e")
    out = tmp_path / "run"
    args = ["reproduce", "--smoke", "--models", "C1", "--dataset", "mnist-rot-amat", "--data", str(tmp_path)]
    assert main([*args, "--out", str(out), "--no-progress"]) == 0
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["config"]["data"]["dataset"] == "mnist-rot-amat"
    assert doc["config"]["data"]["path"] == str(tmp_path) and doc["config"]["data"]["n_train"] == 100
    assert set(doc["per_seed"]["test_error.C1"]) == {"0", "1"}
