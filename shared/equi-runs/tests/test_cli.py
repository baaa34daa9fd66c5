import argparse
import subprocess
import sys

import pytest
from equi_runs import (
    RunError,
    add_run_options,
    check_choices,
    check_unique,
    cli_main,
    make_parser,
    positive_int,
)


def _parser():
    p = make_parser("pkg", "a test\n  keeps lines")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce")
    add_run_options(r, quick="tiny", seeds=(0, 1))
    r.add_argument("--models", nargs="+", choices=["C1", "C8"])
    return p


def test_shared_options_parse():
    a = _parser().parse_args(["reproduce", "--out", "x", "--seeds", "0", "2", "--threads", "1", "--models", "C8"])
    assert a.seeds == [0, 2] and a.threads == 1 and a.models == ["C8"] and not a.fresh and a.device is None


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--threads", "0"], "not positive"),
        (["--seeds", "-1"], "negative"),
        (["--seeds", "a"], "not an integer"),
        (["--device", "gpu"], "not a device"),
        (["--models", "C9"], "invalid choice: 'C9'"),
    ],
)
def test_bad_values_fail_in_the_parser(capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        _parser().parse_args(["reproduce", "--out", "x", *argv])
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_positive_int():
    assert positive_int("3") == 3
    with pytest.raises(argparse.ArgumentTypeError):
        positive_int("0")


def test_check_unique_and_choices():
    check_unique([0, 1], "--seeds")
    with pytest.raises(RunError, match="--seeds names 0 twice"):
        check_unique([0, 1, 0], "--seeds")
    with pytest.raises(RunError, match="unknown 'x'; choose from a b"):
        check_choices(["a", "x"], ["a", "b"], "--tasks")


def test_cli_main_turns_run_errors_into_one_line(capsys):
    def handler(argv):
        raise RunError("bad thing named here")

    assert cli_main(handler, [], prog="pkg") == 2
    assert capsys.readouterr().err == "pkg: error: bad thing named here\n"


def test_equi_runs_command_validates(tmp_path):
    from equi_runs import RunFolder

    run = RunFolder(tmp_path, package="equi-runs", module_file=__file__, config={})
    run.write_metrics({"x": 1.0}, version="0.1.0")
    ok = subprocess.run(
        [sys.executable, "-m", "equi_runs._main", "validate", str(tmp_path)], capture_output=True, text=True
    )
    assert ok.returncode == 0 and ": ok (equi-runs" in ok.stdout
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "metrics.json").write_text('{"schema": "old"}')
    bad = subprocess.run(
        [sys.executable, "-m", "equi_runs._main", "validate", str(tmp_path)], capture_output=True, text=True
    )
    assert bad.returncode == 1 and "INVALID" in bad.stdout
