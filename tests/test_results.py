"""Every committed results/**/metrics.json follows the equi-runs schema (provenance, per-seed values, claims)."""

from pathlib import Path

import pytest
from equi_runs import read_json, validate_metrics

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p for d in ("shared", "packages") for p in (ROOT / d).glob("*/results/**/metrics.json"))


def test_results_exist():
    assert FILES, "no committed results"


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_committed_metrics_follow_the_schema(path):
    doc = read_json(path)
    validate_metrics(doc)
    pkg = path.relative_to(ROOT).parts[1]
    assert doc["package"] == pkg, f"{path} says package {doc['package']}"
