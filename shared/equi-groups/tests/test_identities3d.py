"""The 3D identity table of ``equi-groups reproduce``: every identity holds to float64 round-off on every group."""

import pytest
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
