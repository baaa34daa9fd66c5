import json

import pytest
from lattice_nn._cli import main
from lattice_nn._experiments import bench


def test_bench_writes_keys(tmp_path) -> None:
    res = bench(tmp_path, dims=(4,), repeats=1, progress=False)
    data = json.loads((tmp_path / "bench.json").read_text())
    assert data["ms_per_basis.ours.n4"] > 0 and data["ms_per_basis.lll.n4"] > 0
    assert res["ms_per_basis.ours.n4"] == data["ms_per_basis.ours.n4"]


def test_cli_needs_out() -> None:
    with pytest.raises(SystemExit):
        main(["reproduce", "--quick"])
