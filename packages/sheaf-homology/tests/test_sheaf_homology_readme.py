"""The README's result tables are generated from the committed results (0.2.2): every row, 0.1 runs included."""

import json
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (PKG / "results").is_dir(), reason="needs the source tree's results/ (not in the wheel)")
def test_every_generated_table_row_is_in_the_readme():
    from sheaf_homology._table import legacy_rows, missing_rows

    assert len(legacy_rows(PKG / "results")) == 42  # 6 tasks of the 0.1 runs x 7 models
    assert missing_rows(PKG / "README.md", PKG / "results") == []


def test_the_check_names_the_rows_a_readme_lacks(tmp_path):
    from equi_runs import RunFolder
    from sheaf_homology._table import missing_rows, tables

    results = tmp_path / "results"
    run = RunFolder(results / "a", package="sheaf-homology", module_file=__file__, config={"a": 1})
    doc = run.metrics({}, per_seed={"acc.torus.lhs": {0: 0.9, 1: 0.7}}, seeds=[0, 1], version="0")
    (results / "a" / "metrics.json").write_text(json.dumps(doc))
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n" + tables(results / "a" / "metrics.json"))
    assert missing_rows(readme, results) == []
    readme.write_text("# x\n\n| torus | 80.0 +- 1.0 |\n")
    assert missing_rows(readme, results) == ["| torus | 80.0 +- 14.1 |"]


def test_a_merged_table_has_the_claims_over_the_pooled_seeds(tmp_path):
    from equi_runs import RunFolder
    from sheaf_homology._table import merged_table

    config = {"experiment": {"train": {"epochs": 200}}}
    paths = []
    for name, seeds, lhs, gcn in (("a", [0, 1], [0.8, 0.7], [0.6, 0.7]), ("b", [2], [0.9], [0.5])):
        run = RunFolder(tmp_path / name, package="sheaf-homology", module_file=__file__, config=config)
        per_seed = {
            "acc.hetero_h10.lhs": dict(zip(seeds, lhs, strict=True)),
            "acc.hetero_h10.gcn": dict(zip(seeds, gcn, strict=True)),
        }
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(run.metrics({}, per_seed=per_seed, seeds=seeds, version="0")))
    text = merged_table(paths)
    assert "| hetero_h10 | 60.0 +- 10.0 | 80.0 +- 10.0 |" in text, text
    assert "`acc.hetero_h10.lhs` | 80.0 | reproduced | synthetic graphs, edge homophily ~0.1; GCN 60.0 %" in text, text


def test_merge_accepts_shared_seeds_of_different_models_but_never_one_unit_twice(tmp_path):
    from equi_runs import RunFolder
    from sheaf_homology._table import merged_table

    paths = []
    for name, key, seeds in (("a", "acc.cora.lhs", [0, 1]), ("b", "acc.cora.lhs_persistent", [0, 1])):
        run = RunFolder(tmp_path / name, package="sheaf-homology", module_file=__file__, config={"a": 1})
        doc = run.metrics({}, per_seed={key: dict.fromkeys(seeds, 0.5)}, seeds=seeds, version="0")
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(doc))
    assert "| cora | 50.0 +- 0.0 | 50.0 +- 0.0 |" in merged_table(paths)
    with pytest.raises(ValueError, match=r"seeds \[0, 1\] of acc.cora.lhs twice"):
        merged_table([paths[0], paths[0]])
