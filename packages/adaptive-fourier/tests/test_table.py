import json
import shutil
from pathlib import Path

import pytest
from adaptive_fourier.experiments._table import _ns_of, compact_table, fill_readme, tables

QUICK = Path(__file__).resolve().parent.parent / "results" / "quick" / "metrics.json"


def test_ns_of_reads_per_seed_keys():
    doc = {"per_seed": {"test_error.adaptive.N16": {0: 0.5}, "test_error.fixed.N1": {0: 0.7},
                        "test_error.o2.fixed.N4": {0: 0.7}, "eps1.2d.fixed.N2": {0: 1.0}}}
    assert _ns_of(doc, "test_error") == [1, 16] and _ns_of(doc, "test_error.o2") == [4]


@pytest.mark.skipif(not QUICK.exists(), reason="the committed quick run is not shipped with the wheel")
def test_partial_run_tables_and_readme_blocks(tmp_path):
    doc = json.loads(QUICK.read_text())
    means = {k: v for k, v in doc["metrics"].items() if k in doc["per_seed"]}  # no derived keys, no claims
    partial = {**doc, "metrics": means, "headline": [], "complete": False}  # as written after every unit
    res = tmp_path / "results"
    (res / "full" / "so2").mkdir(parents=True)
    (res / "quick").mkdir()
    (res / "full" / "so2" / "metrics.json").write_text(json.dumps(partial))
    shutil.copy(QUICK, res / "quick" / "metrics.json")
    t = tables(res / "full" / "so2" / "metrics.json")
    assert "incomplete" in t and "| adaptive | 64 |" in t and "| claim |" not in t
    assert "| `quick` |" in compact_table([res / "quick" / "metrics.json"])
    readme = tmp_path / "README.md"
    readme.write_text("a\n<!-- full-so2 -->\nold\n<!-- /full-so2 -->\nb <!-- nstudy -->\n")
    assert set(fill_readme(readme, res)) == {"full-so2", "nstudy"}
    text = readme.read_text()
    assert "old" not in text and text.count("<!-- /full-so2 -->") == 1 and "<!-- /nstudy -->" in text
    fill_readme(readme, res)  # idempotent
    assert readme.read_text() == text


@pytest.mark.skipif(not QUICK.exists(), reason="the committed quick run is not shipped with the wheel")
def test_3d_tables_say_which_point_convolution(tmp_path):
    doc = json.loads(QUICK.read_text())
    for conv, words in ((None, "(isotropic point"), ("tfn", "(Clebsch-Gordan (TFN-style) point")):
        t3 = {k: v for k, v in doc["config"]["task3d"].items() if k != "conv"}
        if conv:
            t3["conv"] = conv
        path = tmp_path / f"{conv}.json"
        path.write_text(json.dumps({**doc, "config": {**doc["config"], "task3d": t3}}))
        assert words in tables(path)


@pytest.mark.skipif(not QUICK.exists(), reason="the committed quick run is not shipped with the wheel")
def test_compact_table_lists_every_seed(tmp_path):
    doc = json.loads(QUICK.read_text())
    doc["command"] = ["adaptive-fourier", "reproduce", "--seeds", "0", "1", "2", "--rows", "orth", "--out", "x"]
    path = tmp_path / "run" / "metrics.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc))
    assert "(`--rows orth --seeds 0 1 2`)" in compact_table([path])
