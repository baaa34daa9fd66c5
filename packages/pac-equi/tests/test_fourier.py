"""Fourier decomposition identities on random equivariant layers (float64, 1e-8)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from e2cnn_core import FieldType, R2Conv, flip_rot2d, rot2d
from equi_groups import CyclicGroup, DihedralGroup, group_from_str, irrep, quotient, regular, trivial
from pac_equi import FourierBlock, decomposed_sum, endomorphism_basis, fourier_decompose

GROUPS = ["C1", "C2", "C4", "C8", "C16", "D1", "D2", "D4", "D8"]
TOL = 1e-8


def _random_intertwiner(rho_in, rho_out, seed):
    """Group average of a random matrix: an intertwiner built without any irreps decomposition."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((rho_out.dim, rho_in.dim))
    els = rho_in.group.elements()
    return sum(rho_out(g) @ a @ rho_in(g).T for g in els) / len(els)


def _reps(group):
    irreps = group.irreps()
    rho_in = 2 * regular(group) + irrep(group, irreps[-1]) + trivial(group)
    rho_out = regular(group) + irrep(group, irreps[len(irreps) // 2]) + 3 * trivial(group)
    return rho_in, rho_out


@pytest.mark.parametrize("name", GROUPS)
def test_norm_identities(name):
    group = group_from_str(name)
    rho_in, rho_out = _reps(group)
    W = _random_intertwiner(rho_in, rho_out, seed=len(name))
    dec = fourier_decompose(W, rho_in, rho_out, atol=1e-9)
    spec = np.linalg.norm(W, 2)
    assert abs(dec.spectral_norm() - spec) <= TOL * spec
    fro = np.sum(W**2)
    assert abs(dec.frobenius_sq() - fro) <= TOL * fro
    assert dec.residual < 1e-12
    # the block sizes are the multiplicities of each irrep on both sides
    mult_in, mult_out = rho_in.multiplicities(), rho_out.multiplicities()
    for b in dec.blocks:
        assert (b.m_in, b.m_out) == (mult_in[b.irrep], mult_out[b.irrep])
        assert b.dim == group.irrep_dim(b.irrep) and b.type == group.irrep_type(b.irrep)
    # the intertwiner space has sum_psi t_psi m_out m_in dimensions (Schur)
    n_params = sum(group.irrep_type(p) * mult_in[p] * mult_out.get(p, 0) for p in mult_in)
    assert dec.num_parameters() == n_params


@pytest.mark.parametrize("name", ["C4", "C8", "D4"])
def test_reconstruction(name):
    group = group_from_str(name)
    rho_in, rho_out = _reps(group)
    W = _random_intertwiner(rho_in, rho_out, seed=3)
    dec = fourier_decompose(W, rho_in, rho_out)
    back = dec.reconstruct(rho_out.change_of_basis, rho_in.change_of_basis, rho_out.irreps, rho_in.irreps)
    assert np.abs(back - W).max() < 1e-12


def test_not_equivariant_is_refused():
    group = CyclicGroup(4)
    rho = regular(group)
    W = np.random.default_rng(0).standard_normal((4, 4))
    assert fourier_decompose(W, rho, rho).residual > 0.1
    with pytest.raises(ValueError, match="not an intertwiner"):
        fourier_decompose(W, rho, rho, atol=1e-6)
    with pytest.raises(ValueError, match="expected"):
        fourier_decompose(np.zeros((3, 4)), rho, rho)


@pytest.mark.parametrize("name", ["C8", "C16"])
def test_complex_type_endomorphisms(name):
    group = group_from_str(name)
    for psi in group.irreps():
        e = endomorphism_basis(group, psi)
        assert e.shape[0] == group.irrep_type(psi)
        d = group.irrep_dim(psi)
        for k in range(e.shape[0]):
            assert np.allclose(e[k] @ e[k].T, np.eye(d), atol=1e-12)
        if e.shape[0] == 2:
            assert np.allclose(e[1] @ e[1], -np.eye(d), atol=1e-12)
            for g in group.generators():
                assert np.allclose(e[1] @ group.irrep_matrix(psi, g), group.irrep_matrix(psi, g) @ e[1], atol=1e-12)


def test_quaternionic_block_norms():
    # H acting on itself by left multiplication: the real 4x4 images of 1, i, j, k
    one = np.eye(4)
    qi = np.array([[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 0, -1], [0, 0, 1, 0]], float)
    qj = np.array([[0, 0, -1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, -1, 0, 0]], float)
    qk = qi @ qj
    units = np.stack([one, qi, qj, qk])
    rng = np.random.default_rng(1)
    coef = rng.standard_normal((3, 2, 4))
    real = np.block([[np.tensordot(coef[a, b], units, 1) for b in range(2)] for a in range(3)])
    blk = FourierBlock("H", 4, 4, 3, 2, coef)
    assert abs(blk.spectral_norm() - np.linalg.norm(real, 2)) < 1e-10
    assert abs(4 * blk.frobenius_sq() - np.sum(real**2)) < 1e-10


@pytest.mark.parametrize("gs", [rot2d(8), flip_rot2d(4)], ids=str)
def test_e2cnn_1x1_conv_is_decomposed(gs):
    """An e2cnn-core R2Conv with kernel_size=1 between mixed field types is an intertwiner of the fibre reps."""
    G = gs.group
    t_in = FieldType(gs, [regular(G), irrep(G, G.irreps()[2]), quotient(G, CyclicGroup(2))])
    t_out = FieldType(gs, [regular(G)] * 2 + [trivial(G)])
    torch.manual_seed(0)
    conv = R2Conv(t_in, t_out, kernel_size=1, bias=False).double()
    with torch.no_grad():
        W = conv.expand_parameters()[0][:, :, 0, 0].numpy()
    dec = fourier_decompose(W, decomposed_sum(t_in.reps), decomposed_sum(t_out.reps), atol=1e-10)
    assert abs(dec.spectral_norm() - np.linalg.norm(W, 2)) < TOL * np.linalg.norm(W, 2)
    assert abs(dec.frobenius_sq() - np.sum(W**2)) < TOL * np.sum(W**2)


def test_decomposed_sum_matches_direct_sum():
    from equi_groups import direct_sum

    G = DihedralGroup(4)
    reps = [regular(G), irrep(G, (1, 1)), quotient(G, CyclicGroup(4))]
    a, b = decomposed_sum(reps), direct_sum(*reps)
    for g in G.elements():
        assert np.allclose(a(g), b(g), atol=1e-12)
