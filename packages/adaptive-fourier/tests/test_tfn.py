"""The Clebsch-Gordan (TFN-style) point convolution: exact SO(3) (and, with parity, O(3)) equivariance, translation
invariance, and tests that a wrong convention (harmonics' m order, coupling's output order) would fail."""

import numpy as np
import pytest
import torch
from adaptive_fourier import FourierSpace, PointCloudType, TFNConv, edge_features
from equi_groups import O3, SO3
from equi_groups.testing import assert_equivariant, equivariance_errors

L, C, K, P = 3, 3, 6, 9
SPACE = FourierSpace(SO3(), L, sphere=True)


class Cloud(torch.nn.Module):
    """``(pos, feats) -> (pos, conv(feats))`` with the edges built from ``pos``; ``flip_y`` reverses the m order of
    every degree of the edge harmonics (a wrong convention)."""

    def __init__(self, conv: TFNConv, flip_y: bool = False) -> None:
        super().__init__()
        self.conv, self.flip_y = conv, flip_y

    def forward(self, x):
        pos, h = x
        _, d, y = edge_features(pos, L)
        if self.flip_y:
            y = torch.cat([y[..., l * l:(l + 1) ** 2].flip(-1) for l in range(L + 1)], -1)
        mu = torch.linspace(0.0, 3.0, K, dtype=pos.dtype)
        rbf = torch.exp(-((d[..., None] - mu) ** 2)) * (d[..., None] > 0)
        return pos, self.conv(h, y, rbf)


def _input(seed=0):
    g = torch.Generator().manual_seed(seed)
    pos = torch.randn(2, P, 3, generator=g, dtype=torch.float64)
    return pos, torch.randn(2, C * SPACE.dim, P, generator=g, dtype=torch.float64)


def _conv(parity=False):
    torch.manual_seed(0)
    return TFNConv(L, C, K, parity=parity).double()


def test_paths_and_shapes():
    conv = TFNConv(L, C, K)
    assert len(conv.paths) == 34 and len(conv.pairs) == 16  # l1, l2, l <= 3 with the triangle rule
    assert all(abs(a - b) <= c <= a + b for a, b, c in conv.paths)
    assert len(TFNConv(L, C, K, parity=True).paths) < 34
    pos, h = _input()
    assert Cloud(conv.double())((pos, h))[1].shape == h.shape
    with pytest.raises(ValueError, match="expected h"):
        conv(h[:, :-1], *edge_features(pos, L)[2:], torch.zeros(2, P, P, K, dtype=torch.float64))


def test_exact_for_random_rotations_float64():
    cloud = PointCloudType(SPACE, C)
    errs = assert_equivariant(Cloud(_conv()), cloud, cloud, x=_input(), elements=SO3().sample(6, 1), atol=1e-12)
    assert max(errs.values()) < 1e-12


def test_not_trivially_equivariant_every_degree_is_reached():
    """The output's degree-l parts are non-zero for every l (the couplings mix degrees), also from a degree-0-only
    input: a scalar field times Y_l(r_ij) reaches degree l."""
    pos, h = _input()
    v = h.reshape(2, C, SPACE.dim, P).clone()
    v[:, :, 1:] = 0.0
    out = Cloud(_conv())((pos, v.reshape(h.shape)))[1].reshape(2, C, SPACE.dim, P)
    for l in range(L + 1):
        assert out[:, :, l * l:(l + 1) ** 2].abs().max() > 1e-3, l


def test_translation_invariant():
    pos, h = _input()
    net = Cloud(_conv())
    shift = torch.tensor([0.7, -1.3, 2.1], dtype=torch.float64)
    assert (net((pos + shift, h))[1] - net((pos, h))[1]).abs().max() < 1e-12


def test_wrong_harmonic_m_order_fails():
    cloud = PointCloudType(SPACE, C)
    errs = equivariance_errors(Cloud(_conv(), flip_y=True), cloud, cloud, x=_input(), elements=SO3().sample(3, 2))
    assert max(errs.values()) > 1e-3


def test_wrong_coupling_output_order_fails():
    conv = _conv()
    with torch.no_grad():  # reverse the output m order of every path's Clebsch-Gordan tensor
        for l in range(1, L + 1):
            conv.cg[..., l * l:(l + 1) ** 2] = conv.cg[..., l * l:(l + 1) ** 2].flip(-1)
    cloud = PointCloudType(SPACE, C)
    errs = equivariance_errors(Cloud(conv), cloud, cloud, x=_input(), elements=SO3().sample(3, 2))
    assert max(errs.values()) > 1e-3


class O3Cloud:
    """Points moved by an O(3) element, sphere features by ``(l, (-1)^l)`` per degree (the parity of Y_l)."""

    group = O3()

    def transform(self, x, g):
        pos, h = x
        m = torch.as_tensor(np.asarray(self.group.standard_matrix(g)), dtype=pos.dtype)
        blocks = [np.asarray(self.group.irrep_matrix((l, (-1) ** l), g)) for l in range(L + 1)]
        rho = torch.zeros(SPACE.dim, SPACE.dim, dtype=h.dtype)
        for l, b in enumerate(blocks):
            rho[l * l:(l + 1) ** 2, l * l:(l + 1) ** 2] = torch.as_tensor(b)
        v = torch.einsum("ij,bcjp->bcip", rho, h.reshape(h.shape[0], C, SPACE.dim, -1)).reshape(h.shape)
        return pos @ m.T, v


def test_parity_paths_are_o3_equivariant_all_paths_are_not():
    els = O3().sample(6, 3)
    assert any(np.linalg.det(O3().standard_matrix(g)) < 0 for g in els)
    assert_equivariant(Cloud(_conv(parity=True)), O3Cloud(), O3Cloud(), x=_input(), elements=els, atol=1e-12)
    errs = equivariance_errors(Cloud(_conv()), O3Cloud(), O3Cloud(), x=_input(), elements=els)
    assert max(errs.values()) > 1e-3  # the odd paths (e.g. the cross product 1 x 1 -> 1) flip sign


def test_vector_path_is_a_cross_product():
    """Hand oracle: a degree-1 input coupled with Y_1(r) into degree 1 is proportional to the cross product of the
    input vector with r/|r| (Y_1 and degree-1 parts are (y, z, x) up to scale)."""
    conv = TFNConv(1, 1, 1).double()
    with torch.no_grad():
        conv.radial_weight.fill_(1.0)
        conv.path_weight.zero_()
        conv.path_weight[conv.paths.index((1, 1, 1))] = 1.0
    pos = torch.tensor([[[0.0, 0.0, 0.0], [0.3, -0.5, 0.8]]], dtype=torch.float64)
    vec = torch.tensor([0.2, 0.9, -0.4], dtype=torch.float64)  # (x, y, z)
    h = torch.zeros(1, 4, 2, dtype=torch.float64)
    h[0, 1:, 1] = vec[[1, 2, 0]]  # the neighbour's degree-1 part in the (y, z, x) order
    _, d, y = edge_features(pos, 1)
    out = conv(h, y, (d[..., None] > 0).double())[0, 1:, 0]  # at point 0, from point 1
    r = pos[0, 1] / pos[0, 1].norm()
    cross = torch.linalg.cross(vec, r)[[1, 2, 0]]
    ratio = out / cross
    assert torch.allclose(ratio, ratio[0].expand(3), atol=1e-10) and ratio[0].abs() > 1e-3
