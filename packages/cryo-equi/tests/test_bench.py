import json

from cryo_equi._cli import main


def test_bench_reports_steps_and_epochs(tmp_path, capsys):
    out = tmp_path / "bench"
    args = ["bench", "--out", str(out), "--box", "12", "--batch", "4", "--repeats", "1", "--particles", "8"]
    assert main([*args, "--threads", "1"]) == 0
    res = json.loads((out / "bench.json").read_text())
    for name in ("cnn", "cnn_symloss", "d4"):
        assert res[f"train_step_seconds.{name}"] > 0 and res[f"epoch_seconds.{name}"] > 0
    assert res["particles_per_epoch"] == 8 and res["box"] == 12
    assert res["d4_vs_cnn_symloss_epoch_ratio"] == res["epoch_seconds.d4"] / res["epoch_seconds.cnn_symloss"]
    assert "epoch_seconds.d4" in capsys.readouterr().out
