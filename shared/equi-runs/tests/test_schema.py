import copy

import pytest
from equi_runs import SCHEMA, RunFolder, SchemaError, claim, mean_std, validate_metrics


def _doc(tmp_path):
    run = RunFolder(tmp_path, package="equi-runs", module_file=__file__, config={"n": 1}, argv=["equi-runs", "x"])
    per_seed = {"err.C8": {0: 10.0, 1: 12.0, 2: 14.0}}
    metrics = {"params.C8": 100}
    head = [claim("C8 beats C1", "err.C8", {"err.C8": 12.0}, per_seed, paper=0.7, verdict="partly")]
    return run.metrics(metrics, per_seed=per_seed, headline=head, seeds=[0, 1, 2], version="0.1.0")


def test_metrics_document_is_valid_and_uses_sample_std(tmp_path):
    doc = _doc(tmp_path)
    assert doc["schema"] == SCHEMA
    assert doc["metrics"]["err.C8"] == 12.0
    assert doc["headline"][0]["std"] == pytest.approx(2.0)  # ddof=1: sqrt(((-2)^2 + 0 + 2^2) / 2)
    assert doc["headline"][0]["n_seeds"] == 3
    assert doc["provenance"]["python"] and "equi-runs" in doc["provenance"]["versions"]
    validate_metrics(doc)


def test_mean_std_hand_computed():
    assert mean_std([1.0, 3.0]) == (2.0, pytest.approx(2**0.5))
    assert mean_std([5.0]) == (5.0, None)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("provenance"), "missing keys"),
        (lambda d: d.update(schema="x"), "schema is"),
        (lambda d: d["metrics"].update({"err.C8": 99.0}), "not the mean"),
        (lambda d: d["headline"][0].update(verdict="kind of"), "verdict"),
        (lambda d: d["headline"][0].update(ours=1.0), "differs from"),
        (lambda d: d["headline"][0].update(metric="nope"), "not in metrics"),
        (lambda d: d["metrics"].update({"nested": {"a": 1}}), "nested"),
        (lambda d: d.update(seeds=[0, 0]), "distinct"),
        (lambda d: d.update(wall_seconds=d["wall_seconds"] + 5), "sum of wall_pieces"),
        (lambda d: d["provenance"].pop("git_commit"), "provenance lacks"),
    ],
)
def test_validator_catches_each_defect(tmp_path, mutate, message):
    doc = copy.deepcopy(_doc(tmp_path))
    mutate(doc)
    with pytest.raises(SchemaError, match=message):
        validate_metrics(doc)


def test_claim_refuses_unknown_verdict_and_metric():
    with pytest.raises(ValueError, match="verdict"):
        claim("c", "m", {"m": 1.0}, verdict="yes")
    with pytest.raises(KeyError, match="nope"):
        claim("c", "nope", {"m": 1.0}, verdict="n/a")


def _git_repo(tmp_path):
    import subprocess

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp_path / "results" / "quick").mkdir(parents=True)
    (tmp_path / "results" / "quick" / "metrics.json").write_text("{}\n")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    return tmp_path


def test_run_output_folder_does_not_make_the_checkout_dirty(tmp_path):
    from equi_runs._provenance import code_version

    root = _git_repo(tmp_path)
    mod, out = root / "pkg" / "mod.py", root / "results" / "quick"
    assert code_version(mod, exclude=out)["git_dirty"] is False
    (out / "metrics.json").write_text('{"a": 1}\n')  # the run rewrites its own committed results
    assert code_version(mod)["git_dirty"] is True
    assert code_version(mod, exclude=out)["git_dirty"] is False
    assert code_version(mod, exclude=tmp_path.parent)["git_dirty"] is True  # outside the checkout: no effect
    mod.write_text("x = 2\n")  # a code change still counts
    assert code_version(mod, exclude=out)["git_dirty"] is True


def test_run_folder_records_a_clean_checkout_when_writing_into_committed_results(tmp_path):
    root = _git_repo(tmp_path)
    out = root / "results" / "quick"
    (out / "metrics.json").unlink()  # --fresh deletes the committed metrics before the run writes new ones
    run = RunFolder(out, package="equi-runs", module_file=root / "pkg" / "mod.py", config={"n": 1}, argv=["x"])
    assert run.metrics({"a": 1.0}, version="0.1.0")["provenance"]["git_dirty"] is False


def test_each_piece_and_unit_records_the_commit_it_ran_from(tmp_path):
    import json
    import subprocess

    root = _git_repo(tmp_path)
    mod, out = root / "pkg" / "mod.py", root / "results" / "run"

    def head():
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()

    first = head()
    run = RunFolder(out, package="equi-runs", module_file=mod, config={"n": 1}, argv=["x"])
    run.unit("a").save({"v": 1.0})
    mod.write_text("x = 2\n")  # the code changes while the run is stopped, then is committed
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "b"], cwd=root, check=True)
    second = head()
    assert second != first
    resumed = RunFolder(out, package="equi-runs", module_file=mod, config={"n": 1}, argv=["x"])
    resumed.unit("b").save({"v": 2.0})
    doc = resumed.metrics({"a": 1.0}, version="0.1.0")
    assert doc["provenance"]["git_commit"] == second  # taken when metrics.json is written
    assert [p["git_commit"] for p in doc["wall_pieces"]] == [first, second]
    assert [p["git_dirty"] for p in doc["wall_pieces"]] == [False, False]
    units = {k: json.loads((out / "units" / k / "result.json").read_text())["code"] for k in ("a", "b")}
    assert units == {"a": {"git_commit": first, "git_dirty": False}, "b": {"git_commit": second, "git_dirty": False}}
    mod.write_text("x = 3\n")  # an uncommitted edit: the next piece says so
    third = RunFolder(out, package="equi-runs", module_file=mod, config={"n": 1}, argv=["x"])
    assert third.wall_pieces[-1]["git_dirty"] is True and third.wall_pieces[-1]["git_commit"] == second
