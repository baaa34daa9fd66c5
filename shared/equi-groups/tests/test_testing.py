"""assert_equivariant must pass for equivariant maps and fail, naming the element, for broken ones."""

import numpy as np
import pytest
from equi_groups import SO2, CyclicGroup, DihedralGroup, irrep, regular, trivial
from equi_groups.testing import EquivarianceError, assert_equivariant, equivariance_errors, tolerance_for


def test_equivariant_map_passes_and_returns_errors():
    G = DihedralGroup(4)
    rho = regular(G)
    x = np.random.default_rng(0).standard_normal((5, 8))
    errs = assert_equivariant(lambda v: v.sum(-1, keepdims=True) * np.ones(8) + v, rho, rho, x=x)
    assert set(errs) == set(G.elements()) and max(errs.values()) < 1e-12


def test_broken_map_fails_naming_the_element():
    G = CyclicGroup(4)
    rho = regular(G)
    x = np.random.default_rng(0).standard_normal((3, 4))
    with pytest.raises(EquivarianceError, match=r"not equivariant under C4\(\d,\)") as info:
        assert_equivariant(lambda v: v * np.arange(1, 5), rho, rho, x=x)
    assert info.value.errors[G.identity] == 0.0


def test_invariant_output_to_trivial_type():
    G = SO2()
    errs = equivariance_errors(
        lambda v: np.linalg.norm(v, axis=-1, keepdims=True), irrep(G, 2), trivial(G), x=np.ones((2, 2))
    )
    assert max(errs.values()) < 1e-12


def test_torch_module_and_dtype_tolerances():
    torch = pytest.importorskip("torch")
    G = CyclicGroup(3)
    rho = regular(G)

    class Mean(torch.nn.Module):
        in_type = rho
        out_type = rho

        def forward(self, v):
            return v - v.mean(-1, keepdim=True)

    m = Mean().train()
    assert_equivariant(m, x=torch.randn(4, 3))
    assert m.training  # restored
    assert tolerance_for(torch.zeros(1)) == 1e-5 and tolerance_for(np.zeros(1)) == 1e-10


def test_mismatched_groups_are_refused():
    with pytest.raises(ValueError, match="acts by"):
        assert_equivariant(lambda v: v, regular(CyclicGroup(2)), regular(CyclicGroup(3)), x=np.ones(2))
