"""Command line: arguments refused before torch is imported, run folders resume, the bound report."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pac_equi._cli import main

SNIPPET = """
import sys
import pytest

from pac_equi._cli import main
code = main({argv!r})
print("TORCH", "torch" in sys.modules)
sys.exit(code)
"""


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SNIPPET.format(argv=argv)], capture_output=True, text=True,
                          timeout=120)


def _refused(argv: list[str]) -> str:
    p = _run(argv)
    assert p.returncode == 2, p.stderr
    assert "TORCH False" in p.stdout or "torch" not in p.stdout  # argparse exits before the print
    return p.stderr


BATCH = """
import contextlib, io, json, sys
import pytest

from pac_equi._cli import main
res = []
for argv in {cases!r}:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code
    res.append([code, err.getvalue()])
print(json.dumps({{"results": res, "torch": "torch" in sys.modules}}))
"""


def test_bad_names_and_values_are_refused_before_torch(tmp_path):
    out = str(tmp_path / "a")
    cases = [
        (["reproduce", "--quick", "--out", out, "--groups", "C1", "C3"], "invalid choice: 'C3'"),
        (["reproduce", "--quick", "--out", out, "--seeds", "0", "0"], "--seeds names 0 twice"),
        (["reproduce", "--quick", "--out", out, "--groups", "C4", "C4"], "--groups names 'C4' twice"),
        (["reproduce", "--quick", "--out", out, "--seeds", "-1"], "-1 is negative"),
        (["reproduce", "--quick", "--out", out, "--groups", "C4"], "at least 2 groups"),
        (["reproduce", "--quick", "--out", out, "--protocol", "wide"], "invalid choice: 'wide'"),
        (["bench", "--out", str(tmp_path / "b"), "--repeats", "0"], "0 is not positive"),
        (["bound", str(tmp_path / "missing.pt"), "--out", str(tmp_path / "c")], "is not a file"),
    ]
    p = subprocess.run([sys.executable, "-c", BATCH.format(cases=[a for a, _ in cases])], capture_output=True,
                       text=True, timeout=120)
    doc = json.loads(p.stdout.strip().splitlines()[-1])
    for (argv, needle), (code, err) in zip(cases, doc["results"], strict=True):
        assert code == 2, (argv, err)
        assert needle in err and "Traceback" not in err, (argv, err)
    assert doc["torch"] is False
    p = _run(["reproduce", "--help"])
    assert "C1 C2 D1 C4 D2 C8 D4 C16 D8" in p.stdout and "``" not in p.stdout


def test_out_file_and_changed_config_are_refused_before_torch(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    err = _refused(["reproduce", "--quick", "--out", str(f)])
    assert "is not a folder" in err
    from equi_runs import RunFolder
    from pac_equi.experiments._config import SMOKE

    RunFolder(tmp_path / "run", package="pac-equi", module_file=__file__, config=SMOKE.as_dict())
    err = _refused(["reproduce", "--quick", "--out", str(tmp_path / "run")])
    assert "n_train: 300 -> 1000" in err


def _fake_result(group: str, seed: int) -> dict:
    order = int(group[1:]) * (2 if group[0] == "D" else 1)
    bound = {"bound": 1e5 / order, "log10_bound": 5 - 0.1 * order, "kl": 1.0, "width_term": 1.0, "ratio_sum": 2.0,
             "spectral_product_sq": 3.0, "width": 10, "dim": 20}
    naive = dict(bound, bound=1e5 * order, log10_bound=5 + 0.1 * order)
    return {"gap": 0.5 / order + 0.01 * seed, "train_error": 0.0, "test_error": 0.5 / order, "margin_gap": 0.1,
            "margin_loss_train": 0.1, "epochs": 3, "reached": True, "width": 4, "params": 100, "bound_fourier": bound,
            "bound_naive": naive, "seconds": 0.0}


def test_resume_does_not_recompute_finished_units(tmp_path, monkeypatch):
    import pac_equi.experiments._reproduce as rep

    calls: list[tuple[str, int]] = []

    def fake(group, seed, config, progress=False, save_model=None):
        calls.append((group, seed))
        return _fake_result(group, seed)

    monkeypatch.setattr(rep, "run_unit", fake)
    out = tmp_path / "run"
    base = ["reproduce", "--smoke", "--out", str(out), "--no-progress"]
    assert main([*base, "--groups", "C1", "C2"]) == 0  # part of the grid
    assert calls == [("C1", 0), ("C2", 0)]
    stamp = (out / "units" / "C1-seed0" / "result.json").stat().st_mtime_ns
    assert main(base) == 0  # the whole grid: only C4 is new
    assert calls[2:] == [("C4", 0)]
    assert (out / "units" / "C1-seed0" / "result.json").stat().st_mtime_ns == stamp
    doc = json.loads((out / "metrics.json").read_text())
    assert doc["complete"] and doc["metrics"]["kendall_tau"] == 1.0
    assert doc["metrics"]["kendall_tau_order_naive"] == 1.0 and doc["metrics"]["fourier_tighter_fraction"] == 1.0
    assert {c["verdict"] for c in doc["headline"]} == {"reproduced"}
    for name in ("gap_and_bounds.png", "term_breakdown.png", "correlation.png"):
        assert (out / name).stat().st_size > 1000
    # a corrupt unit result is named with the way out, not silently recomputed
    (out / "units" / "C2-seed0" / "result.json").write_text("{not json")
    assert main(base) == 2
    assert calls[3:] == []


def test_corrupt_unit_message(tmp_path, monkeypatch, capsys):
    import pac_equi.experiments._reproduce as rep

    monkeypatch.setattr(rep, "run_unit", lambda g, s, c, progress=False, save_model=None: _fake_result(g, s))
    out = tmp_path / "run"
    base = ["reproduce", "--smoke", "--out", str(out), "--no-progress"]
    assert main(base) == 0
    from pac_equi.experiments._table import tables

    text = tables(out / "metrics.json")
    assert "| C4 | 4 | 100 | 1 of 1 |" in text and "`kendall_tau`" in text and "\\|G\\|" in text
    bad = out / "units" / "C4-seed0" / "result.json"
    bad.write_text("")
    capsys.readouterr()
    assert main(base) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "delete" in err


def test_bound_report_on_a_saved_network(tmp_path):
    import torch
    from pac_equi.experiments._model import PolarNet, PolarNetConfig

    torch.manual_seed(0)
    net = PolarNet(PolarNetConfig("C4", width=2))
    recipe = {"model": net.config.as_dict(), "data": {"n_train": 100, "n_test": 100, "seed": 0}, "gamma": 1.0,
              "delta": 0.05}
    path = tmp_path / "model.pt"
    torch.save({"recipe": recipe, "state_dict": net.state_dict()}, path)
    assert main(["bound", str(path), "--out", str(tmp_path / "rep")]) == 0
    res = json.loads((tmp_path / "rep" / "bound.json").read_text())
    assert res["fourier"]["bound"] < res["naive"]["bound"]
    assert [r["layer"] for r in res["layers"]] == ["W1", "W2", "W3"]
    assert "W_hat(psi)" in (tmp_path / "rep" / "bound.txt").read_text()
    # weights that do not fit the recipe are refused with one line
    torch.save({"recipe": {**recipe, "model": {**recipe["model"], "width": 3}}, "state_dict": net.state_dict()}, path)
    assert main(["bound", str(path), "--out", str(tmp_path / "rep")]) == 2
    path.write_bytes(b"not a torch file")
    assert main(["bound", str(path), "--out", str(tmp_path / "rep")]) == 2


def test_bound_report_on_an_e2cnn_core_zoo_network(tmp_path):
    import torch
    from e2cnn_core import build_model

    torch.manual_seed(0)
    net = build_model("D4", 10, 0.25)
    recipe = {"model": {"kind": "e2cnn-core/build_model", "name": "D4", "n_classes": 10, "width": 0.25,
                        "in_channels": 1}}
    path = tmp_path / "zoo.pt"
    torch.save({"recipe": recipe, "state_dict": net.state_dict()}, path)
    assert main(["bound", str(path), "--out", str(tmp_path / "rep")]) == 0
    res = json.loads((tmp_path / "rep" / "bound.json").read_text())
    assert len(res["layers"]) == 6 and all(r["residual"] < 1e-8 for r in res["layers"])
    assert all(r["fourier"]["param_sq"] <= r["naive"]["param_sq"] for r in res["layers"])
    assert all(r["fourier"]["spectral"] == pytest.approx(r["naive"]["spectral"], rel=1e-8) for r in res["layers"])
