"""k x k steerable convolutions: the unfolded filter decomposed over the grid subgroup, exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from e2cnn_core import FieldType, R2Conv, flip_rot2d, rot2d
from equi_groups import CyclicGroup, DihedralGroup, irrep, regular, trivial
from pac_equi import decompose_conv_filter, grid_subgroup, offset_representation


@pytest.mark.parametrize("gs, k", [(flip_rot2d(4), 3), (rot2d(8), 5), (flip_rot2d(8), 5), (rot2d(2), 3)], ids=str)
def test_r2conv_filter_identities(gs, k):
    G = gs.group
    t_in = FieldType(gs, [regular(G)] * 2 + [irrep(G, G.irreps()[1])])
    t_out = FieldType(gs, [regular(G)] * 2 + [trivial(G)])
    torch.manual_seed(0)
    conv = R2Conv(t_in, t_out, kernel_size=k, padding=k // 2, bias=False).double()
    with torch.no_grad():
        filt = conv.expand_parameters()[0].numpy()
    dec, h, K = decompose_conv_filter(filt, t_in.reps, t_out.reps)
    assert dec.residual < 1e-10
    spec, fro = np.linalg.norm(K, 2), np.sum(K**2)
    assert abs(dec.spectral_norm() - spec) <= 1e-8 * spec
    assert abs(dec.frobenius_sq() - fro) <= 1e-8 * fro
    assert h == grid_subgroup(G) and h.order() <= 8


def test_a_filter_that_is_not_steerable_has_a_residual():
    gs = rot2d(4)
    G = gs.group
    t = FieldType(gs, [regular(G)])
    rng = np.random.default_rng(0)
    dec, _, _ = decompose_conv_filter(rng.standard_normal((4, 4, 3, 3)), t.reps, t.reps)
    assert dec.residual > 0.1


def test_grid_subgroups_and_offset_representation():
    assert grid_subgroup(CyclicGroup(16)) == CyclicGroup(4)
    assert grid_subgroup(CyclicGroup(6)) == CyclicGroup(2)
    assert grid_subgroup(DihedralGroup(8)) == DihedralGroup(4)
    rep = offset_representation(DihedralGroup(4), 3)
    # 3x3 offsets under D4: orbits {centre}, {4 edge midpoints}, {4 corners}: 3 copies of the trivial irrep
    assert rep.multiplicities()[(0, 0)] == 3 and rep.dim == 9
    for g in DihedralGroup(4).elements():
        m = rep(g)
        assert np.allclose(np.sort(m, axis=None)[-9:], 1) and np.allclose(m.sum(0), 1)  # a permutation
    with pytest.raises(ValueError, match="does not map the pixel grid"):
        offset_representation(CyclicGroup(8), 3)
