import json
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from equi_runs import ConfigMismatchError, CorruptFileError, RunError, RunFolder, prepare_out, resume_command


def _open(out, **config):
    return RunFolder(
        out,
        package="equi-runs",
        module_file=__file__,
        config=config or {"epochs": 4},
        argv=["pkg", "reproduce", "--out", str(out)],
    )


def test_units_resume_and_grid_may_grow(tmp_path):
    with _open(tmp_path) as run:
        run.unit("C8", "seed0").save({"err": 1.0})
    with _open(tmp_path) as run:
        assert run.unit("C8", "seed0").done and run.unit("C8", "seed0").load() == {"err": 1.0}
        assert not run.unit("C8", "seed1").done  # a new seed: fine
        run.unit("C8", "seed1").save({"err": 2.0})
        assert run.finished_units() == ["C8-seed0", "C8-seed1"]


def test_changed_setting_is_refused_naming_fields(tmp_path):
    _open(tmp_path, epochs=4, width=1.0).unit("a").save({})
    with pytest.raises(ConfigMismatchError, match=r"epochs: 4 -> 2.*--fresh"):
        _open(tmp_path, epochs=2, width=1.0)
    with pytest.raises(ConfigMismatchError, match=r"width: 1.0 -> 2.0"):
        _open(tmp_path, epochs=4, width=2.0)


def test_fresh_starts_over(tmp_path):
    _open(tmp_path, epochs=4).unit("a").save({})
    run = RunFolder(tmp_path, package="equi-runs", module_file=__file__, config={"epochs": 2}, fresh=True)
    assert run.finished_units() == []


def test_other_package_and_legacy_folder_refused(tmp_path):
    _open(tmp_path)
    with pytest.raises(ConfigMismatchError, match="holds a run of equi-runs"):
        RunFolder(tmp_path, package="other", module_file=__file__, config={"epochs": 4})
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "metrics.json").write_text("{}")
    with pytest.raises(ConfigMismatchError, match="without a run record"):
        _open(legacy)


def test_corrupt_unit_and_record_name_the_file(tmp_path):
    run = _open(tmp_path)
    u = run.unit("m", "seed0")
    u.save({"x": 1})
    u.result_path.write_text("{trunc")
    with pytest.raises(CorruptFileError, match=r"m-seed0.*delete"):
        u.load()
    (tmp_path / "run.json").write_text("")
    with pytest.raises(CorruptFileError, match="run.json is empty"):
        _open(tmp_path)


def test_out_must_be_a_writable_folder(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(RunError, match="not a folder"):
        prepare_out(f)
    with pytest.raises(RunError, match="cannot be written"):
        prepare_out(f / "sub")


def test_wall_seconds_sum_over_pieces(tmp_path):
    run = _open(tmp_path)
    time.sleep(0.05)
    run.unit("a").save({})
    run2 = _open(tmp_path)
    time.sleep(0.05)
    doc = run2.metrics({"x": 1}, version="0")
    assert len(doc["wall_pieces"]) == 2
    assert doc["wall_seconds"] >= 0.1
    assert doc["wall_seconds"] == pytest.approx(sum(p["seconds"] for p in doc["wall_pieces"]))


def test_resume_command_drops_fresh():
    assert resume_command(["/x/bin/pkg", "reproduce", "--fresh", "--out", "a b"]) == "pkg reproduce --out 'a b'"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_prints_one_line_and_exits_130(tmp_path, sig):
    # the child restores Python's Ctrl-C handler: a test runner started in the background inherits SIGINT ignored
    code = textwrap.dedent(f"""
        import signal, sys, time
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from equi_runs import RunFolder
        sys.argv = ["pkg", "reproduce", "--out", {str(tmp_path)!r}]
        with RunFolder({str(tmp_path)!r}, package="equi-runs", module_file={str(tmp_path)!r}, config={{}}) as run:
            run.total_units = 3
            run.unit("a").save({{}})
            print("ready", flush=True)
            time.sleep(30)
    """)
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    p.send_signal(sig)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines == [
        f"interrupted: 1 of 3 units finished and saved in {tmp_path}; resume with: pkg reproduce --out {tmp_path}"
    ]
    assert json.loads((tmp_path / "run.json").read_text())["wall_pieces"][0]["seconds"] > 0
