"""Weight initialisation of steerable convolutions: generalised He and delta-orthogonal (both vectorised,
fast)."""

from __future__ import annotations

import numpy as np
import torch

from ._basis_expansion import BasisExpansion


def _he_variances(expansion: BasisExpansion) -> np.ndarray:
    """One variance per weight so that every output channel's filter has expected squared norm 1."""
    var = np.zeros(expansion.dimension)
    for o in range(expansion.n_out_types):
        blocks = expansion.blocks[o * expansion.n_in_types : (o + 1) * expansion.n_in_types]
        energy = 0.0
        for blk in blocks:
            if blk.basis.dim:
                per_out = (np.asarray(blk.basis.samples) ** 2).sum(axis=(0, 2, 3))  # (d_out,)
                energy = energy + blk.n_in * per_out
        mean = float(np.mean(energy)) if np.ndim(energy) else 0.0
        for blk in blocks:
            if blk.size:
                var[blk.offset : blk.offset + blk.size] = 1.0 / mean if mean > 0 else 0.0
    return var


def generalized_he_init(
    weights: torch.Tensor, basis: BasisExpansion, generator: torch.Generator | None = None
) -> None:
    """Fill ``weights`` in place with a generalised He initialisation (Weiler & Cesa 2019, after escnn).

    The filter of output channel ``c`` is ``sum_d w_d B_d[c]``; with independent ``w_d ~ N(0, v)`` its
    expected squared norm is ``v sum_d |B_d[c]|^2``. ``v`` is chosen per output field type so that this is 1
    on average over the field's channels (escnn's scale), making the output variance independent of the number
    and type of inputs.

    Args:
        weights: ``(basis.dimension,)`` parameter tensor.
        basis: the layer's :class:`BasisExpansion`.
        generator: optional torch generator for reproducibility.
    """
    if weights.shape != (basis.dimension,):
        raise ValueError(
            f"weights have shape {tuple(weights.shape)}, the basis has dimension {basis.dimension}"
        )
    std = torch.as_tensor(np.sqrt(_he_variances(basis)), dtype=weights.dtype, device=weights.device)
    with torch.no_grad():
        noise = torch.randn(weights.shape, generator=generator, dtype=weights.dtype)
        weights.copy_(noise.to(weights.device) * std)


def deltaorthonormal_init(
    weights: torch.Tensor, basis: BasisExpansion, generator: torch.Generator | None = None
) -> None:
    """Fill ``weights`` in place with a delta-orthogonal initialisation (Xiao et al. 2018, as in escnn).

    Only the basis elements that are the identity of an irrep at the centre tap (ring of radius 0, frequency
    0) get non-zero weights: for each irrep ``psi``, the copies of ``psi`` in all input fields are mapped to
    its copies in all output fields by a random (semi-)orthogonal matrix. The filter is then zero off-centre
    and its centre is ``Q_out (W_psi (x) I) Q_in^T``: orthogonal when input and output hold the same irreps.

    Raises:
        ValueError: if the basis has no ring at radius 0 (no centre elements).
    """
    if weights.shape != (basis.dimension,):
        raise ValueError(
            f"weights have shape {tuple(weights.shape)}, the basis has dimension {basis.dimension}"
        )
    rng = np.random.default_rng(
        None if generator is None else int(torch.randint(2**31, (1,), generator=generator))
    )
    # collect, per irrep, (out copy, in copy, weight index)
    slots: dict[object, list[tuple[tuple[int, int, int], tuple[int, int, int], int]]] = {}
    for k, blk in enumerate(basis.blocks):
        b = blk.basis
        idx = np.nonzero(b.identity)[0]
        if not len(idx):
            continue
        o, i = divmod(k, basis.n_in_types)
        for d in idx:
            psi = blk.out_rep.irreps[b.out_pos[d]]
            for a in range(blk.n_out):
                for c in range(blk.n_in):
                    w = blk.offset + (a * blk.n_in + c) * b.dim + d
                    slots.setdefault(psi, []).append(((o, a, int(b.out_pos[d])), (i, c, int(b.in_pos[d])), w))
    if not slots:
        raise ValueError("delta-orthogonal init needs basis elements at the centre (a ring at radius 0)")
    out = np.zeros(basis.dimension)
    for entries in slots.values():
        outs = sorted({e[0] for e in entries})
        ins = sorted({e[1] for e in entries})
        n = max(len(outs), len(ins))
        q, r = np.linalg.qr(rng.normal(size=(n, n)))
        q = q * np.sign(np.diag(r))
        W = q[: len(outs), : len(ins)]
        oi = {v: j for j, v in enumerate(outs)}
        ii = {v: j for j, v in enumerate(ins)}
        for eo, ei, w in entries:
            out[w] = W[oi[eo], ii[ei]]
    with torch.no_grad():
        weights.copy_(torch.as_tensor(out, dtype=weights.dtype, device=weights.device))
