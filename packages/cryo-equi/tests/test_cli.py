import json
import os
import signal
import subprocess
import sys
import time

import pytest
from cryo_equi._cli import main

PY = sys.executable


def _run_main(args, **kw):
    code = (
        f"import sys\nfrom cryo_equi._cli import main\n"
        f"try:\n    rc = main({args!r})\nexcept SystemExit as e:\n    rc = e.code\n"
        "print('torch imported:', 'torch' in sys.modules)\nsys.exit(rc)\n"
    )
    return subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=120, **kw)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reproduce", "--out", "X", "--encoders", "cnn", "resnet"], "invalid choice: 'resnet'"),
        (["reproduce", "--out", "X", "--seeds", "0", "0"], "--seeds names 0 twice"),
        (["reproduce", "--out", "X", "--seeds", "-1"], "-1 is negative"),
        (["bench", "--out", "X", "--repeats", "0"], "0 is not positive"),
        (["diagnose", "--out", "X", "--seeds", "1", "1"], "--seeds names 1 twice"),
        (["reproduce", "--out", "X", "--quick", "--gpu-scale"], "--gpu-scale and --quick exclude each other"),
        (["simulate", "--out", "X", "--snr", "0"], "0 is not a positive finite number"),
        (["simulate", "--out", "X", "--structure", "missing.pdb"], "missing.pdb does not exist"),
    ],
)
def test_bad_arguments_exit_2_before_torch_is_imported(tmp_path, args, message):
    args = [str(tmp_path / "out") if a == "X" else a for a in args]
    r = _run_main(args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    if "invalid choice" in message:
        assert "cnn" in r.stderr and "cnn_symloss" in r.stderr and "d4" in r.stderr
    assert "torch imported: False" in r.stdout


def test_out_file_and_changed_config_are_refused_before_torch(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = _run_main(["reproduce", "--smoke", "--out", str(f)])
    assert r.returncode == 2 and "exists and is not a folder" in r.stderr
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text(
        json.dumps(
            {
                "schema": "equi-runs/run/1",
                "package": "cryo-equi",
                "config": {"data": {"box": 99}},
                "config_sha256": "0",
                "wall_pieces": [],
            }
        )
    )
    r = _run_main(["reproduce", "--smoke", "--out", str(out)])
    assert r.returncode == 2 and "data.box: 99 -> 16" in r.stderr
    assert "torch imported: False" in r.stdout


def test_help_is_plain_text(capsys):
    with pytest.raises(SystemExit):
        main(["reproduce", "--help"])
    text = capsys.readouterr().out
    assert "--encoders" in text and "``" not in text and ":class:" not in text and "--smoke" not in text


SMOKE = ["reproduce", "--smoke", "--no-progress", "--threads", "1", "--out"]


def test_smoke_resumes_after_sigkill_without_recomputing(tmp_path, capsys):
    out = tmp_path / "run"
    p = subprocess.Popen(
        [PY, "-c", "import sys; from cryo_equi._cli import main; sys.exit(main(sys.argv[1:]))", *SMOKE, str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    first = None
    deadline = time.time() + 900  # generous: the first unit takes seconds idle, minutes at load 60+
    while time.time() < deadline and p.poll() is None:
        done = sorted(out.glob("units/*/result.json"))
        if done:
            first = done[0]
            break
        time.sleep(0.1)
    if p.poll() is None:
        os.kill(p.pid, signal.SIGKILL)
    p.wait()
    if first is None:  # the run may have finished a unit (or all) between two looks
        done = sorted(out.glob("units/*/result.json"))
        first = done[0] if done else None
    assert first is not None
    stamp = first.stat().st_mtime_ns
    # resume in this process (torch is already imported here: saves a second start-up)
    assert main([*SMOKE, str(out)]) == 0
    assert first.stat().st_mtime_ns == stamp
    resumed = json.loads((out / "metrics.json").read_text())
    ref = tmp_path / "ref"
    assert main([*SMOKE, str(ref)]) == 0
    fresh = json.loads((ref / "metrics.json").read_text())
    assert resumed["complete"] and resumed["metrics"] == fresh["metrics"] and resumed["per_seed"] == fresh["per_seed"]
    from cryo_equi.experiments._table import tables

    table = tables(ref / "metrics.json")
    assert "| D4 encoder | median pose error (deg) |" in table and "| claim | verdict | note |" in table
    # a corrupt unit result is reported with its path and the way out, not recomputed
    (ref / "units" / "cnn-seed0" / "result.json").write_text("{truncated")
    capsys.readouterr()
    assert main([*SMOKE, str(ref), "--encoders", "cnn"]) == 2
    err = capsys.readouterr().err
    assert "cnn-seed0" in err and "--fresh" in err


def test_scales_of_reproduce():
    from cryo_equi.experiments._settings import settings_for

    full, gpu = settings_for(False), settings_for(False, gpu_scale=True)
    assert (full.data.box, full.data.n_particles, full.train.epochs) == (64, 512, 16)
    assert full.data.shift_std > 0 and full.train.predict_shifts
    assert (gpu.data.box, gpu.data.pixel_size) == (128, 1.0)
    steps = gpu.data.n_particles // gpu.train.batch * gpu.train.epochs
    assert steps >= 10 * full.data.n_particles // full.train.batch * full.train.epochs


def test_ablation_variants_change_only_their_setting(tmp_path):
    from dataclasses import asdict

    from cryo_equi.experiments._ablation import VARIANTS, main, variant_settings
    from cryo_equi.experiments._settings import settings_for

    base = settings_for(quick=True)
    for name, (changes, _) in VARIANTS.items():
        s = variant_settings(name, base)
        diff = {k: v for k, v in asdict(s.train).items() if asdict(base.train)[k] != v}
        assert diff == changes and s.data == base.data, name
    assert main(["--out", str(tmp_path / "a"), "--variants", "base", "nope"]) == 2


def test_partial_reads_finished_results_and_checkpoints(tmp_path):
    import torch
    from cryo_equi.experiments._partial import main, partial
    from equi_runs import save_torch_atomic, write_json_atomic

    write_json_atomic({"config": {"epochs": 4}}, tmp_path / "run.json")
    for seed, hist in ((0, [120.0, 110.0, 100.0, 90.0]), (1, [130.0, 100.0, 95.0, 85.0])):
        write_json_atomic(
            {"result": {"median_deg_per_epoch": hist}}, tmp_path / "units" / f"cnn-seed{seed}" / "result.json"
        )
    save_torch_atomic({"history": torch.tensor([115.0, 70.0])}, tmp_path / "units" / "d4-seed0" / "checkpoint.pt")
    doc = partial(tmp_path)
    assert doc["common_epoch"] == 2
    assert doc["encoders"]["cnn"]["mean"] == 105.0 and doc["encoders"]["d4"]["finished"] == {0: False}
    assert main([str(tmp_path), "--out", str(tmp_path / "p")]) == 0
    assert json.loads((tmp_path / "p" / "partial.json").read_text())["encoders"]["d4"]["mean"] == 70.0
