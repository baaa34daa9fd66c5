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
