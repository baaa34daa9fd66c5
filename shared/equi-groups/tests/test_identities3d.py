"""The 3D identity table of ``equi-groups reproduce``: every identity holds to float64 round-off on every group."""

import pytest
from equi_groups._cli import main
from equi_groups._identities3d import GROUPS_3D, check_identities_3d


@pytest.mark.parametrize("G", GROUPS_3D, ids=str)
def test_every_identity_holds_to_round_off(G):
    errs = check_identities_3d(G, seed=1)
    required = {"homomorphism", "orthogonality", "decomposition", "clebsch_gordan", "restriction", "fourier_inversion"}
    assert required <= set(errs)
    if str(G) in ("SO3", "O3"):
        assert {"spherical_harmonics", "plancherel"} <= set(errs)
    worst = max(errs, key=errs.__getitem__)
    assert errs[worst] < 1e-10, (worst, errs[worst])


def test_reproduce_quick_reports_the_3d_table(tmp_path):
    import json

    pytest.importorskip("tqdm")  # the reproduce command's progress bars (not a declared dependency of equi-groups)
    pytest.importorskip("matplotlib")

    assert main(["reproduce", "--quick", "--out", str(tmp_path), "--seeds", "0"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for group in ("SO3", "O3", "Octa", "Ico", "O2x"):
        for name in ("homomorphism", "clebsch_gordan", "restriction", "fourier_inversion"):
            assert metrics[f"max_error.{name}.{group}"] < 1e-10
    assert metrics["max_error.spherical_harmonics.SO3"] < 1e-10 and metrics["max_error.spherical_harmonics.O3"] < 1e-10
