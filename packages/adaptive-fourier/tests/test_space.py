import numpy as np
import pytest
from adaptive_fourier import FourierSpace
from equi_groups import O2, SO2, SO3


@pytest.mark.parametrize("space", [FourierSpace(SO2(), 3), FourierSpace(O2(), 2), FourierSpace(SO3(), 2),
                                   FourierSpace(SO3(), 3, sphere=True)])
def test_rows_shift_with_the_representation(space):
    """A(g_i) rho(h)^T = rows of the shifted grid: the property the whole method rests on."""
    group = space.group
    h = group.sample(1, 3)[0]
    if space.sphere:
        pts = np.random.default_rng(0).standard_normal((6, 3))
        r = group.to_o3(h)[1]
        shifted = space.sampling_matrix(pts @ r.T)
    else:
        els = group.sample(6, 1)
        shifted = space.sampling_matrix([group.compose(h, g) for g in els])
        pts = els
    assert np.abs(space.sampling_matrix(pts) @ space.rep(h).T - shifted).max() < 1e-10


@pytest.mark.parametrize("space", [FourierSpace(SO2(), 3), FourierSpace(O2(), 2), FourierSpace(SO3(), 1),
                                   FourierSpace(SO3(), 2, sphere=True)])
def test_blocks_of_delta_have_norm_sqrt_d_and_trivial_one(space):
    d = space.delta()
    assert d.shape == (space.dim,)
    for s, k, trivial in space.blocks:
        b = d[s:s + k]
        assert (b[0] == 1.0) if trivial else abs(np.linalg.norm(b) - np.sqrt(k)) < 1e-12
    assert abs(space.haar_mean_norm() - space.dim) < 1e-9


def test_grids_and_bad_arguments():
    sp = FourierSpace(SO3(), 3, sphere=True)
    for kind in ("regular", "random", "thomson"):
        assert sp.grid_matrix(20, kind).shape == (20, 16)
    assert FourierSpace(O2(), 2).grid_matrix(8).shape == (16, 10)
    with pytest.raises(ValueError, match="unknown grid"):
        sp.grid_matrix(4, "hex")
    with pytest.raises(ValueError, match="sphere=True needs SO3"):
        FourierSpace(SO2(), 2, sphere=True)
    with pytest.raises(ValueError, match="max_frequency"):
        FourierSpace(SO2(), -1)
