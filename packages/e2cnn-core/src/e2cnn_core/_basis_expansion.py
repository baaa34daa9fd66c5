"""Expansion of learnable weights into a full steerable filter, block by block over pairs of field types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from equi_groups import Representation
from torch import nn

from ._kernel_basis import RepBasis, _rep_basis_uncached, rep_basis
from ._radial import KernelGeometry


@dataclass(frozen=True, eq=False)
class Block:
    """One pair of field types: ``n_out x n_in`` fields of types ``out_rep``/``in_rep`` share ``basis``.

    The weights of the block are ``weights[offset : offset + n_out * n_in * basis.dim]`` viewed as
    ``(n_out, n_in, basis.dim)``.
    """

    out_rep: Representation
    in_rep: Representation
    n_out: int
    n_in: int
    offset: int
    basis: RepBasis

    @property
    def size(self) -> int:
        return self.n_out * self.n_in * self.basis.dim


def _group_fields(reps: Sequence[Representation]) -> tuple[list[Representation], list[list[int]], list[int]]:
    """Unique types in order of first appearance, the field indices of each, and the channel permutation that
    sorts channels by type (``sorted_channels = channels[perm]``)."""
    types: list[Representation] = []
    fields: list[list[int]] = []
    for i, r in enumerate(reps):
        if r in types:
            fields[types.index(r)].append(i)
        else:
            types.append(r)
            fields.append([i])
    starts = np.cumsum([0] + [r.dim for r in reps])
    perm = [c for idx in fields for i in idx for c in range(starts[i], starts[i + 1])]
    return types, fields, perm


class BasisExpansion(nn.Module):
    """Maps a flat weight vector to the filter ``(out_size, in_size, s, s)`` of a steerable convolution.

    Fields are grouped by representation; for each pair of types with ``n_out``/``n_in`` fields and a basis
    ``B: (D, d_out, d_in, P)`` the block is one matrix product ``W (n_out n_in, D) @ B (D, d_out d_in P)``, so
    a forward pass costs one matmul per pair of distinct field types (one for the usual all-regular layers).
    Blocks are assembled in type-sorted channel order and permuted back when types are interleaved.

    Args:
        in_reps, out_reps: representations of the input/output fields.
        geometry: sampling settings of the kernel.
        recompute: bypass the in-process basis cache.

    Shapes:
        weights: ``(dimension,)`` -> filter ``(out_size, in_size, s, s)``.
    """

    def __init__(
        self,
        in_reps: Sequence[Representation],
        out_reps: Sequence[Representation],
        geometry: KernelGeometry,
        recompute: bool = False,
    ) -> None:
        super().__init__()
        self.geometry = geometry
        self.in_size = sum(r.dim for r in in_reps)
        self.out_size = sum(r.dim for r in out_reps)
        in_types, in_fields, in_perm = _group_fields(in_reps)
        out_types, out_fields, out_perm = _group_fields(out_reps)
        self.in_fields, self.out_fields = in_fields, out_fields
        self.blocks: list[Block] = []
        offset = 0
        for o, ro in enumerate(out_types):
            for i, ri in enumerate(in_types):
                b = _rep_basis_uncached(ri, ro, geometry) if recompute else rep_basis(ri, ro, geometry)
                blk = Block(ro, ri, len(out_fields[o]), len(in_fields[i]), offset, b)
                self.blocks.append(blk)
                # C-contiguous ``(D, d_out * d_in * P)``: the samples may arrive as a strided view, and a
                # non-contiguous buffer would be copied in full by the reshape of every forward pass
                samples = np.ascontiguousarray(b.samples, dtype=np.float32)
                samples = samples.reshape(b.dim, int(np.prod(samples.shape[1:])))
                self.register_buffer(f"basis_{o}_{i}", torch.from_numpy(samples), False)
                offset += blk.size
        self.dimension = offset
        self.n_in_types, self.n_out_types = len(in_types), len(out_types)
        self._in_types, self._out_types = in_types, out_types
        ident_in = in_perm == list(range(self.in_size))
        ident_out = out_perm == list(range(self.out_size))
        self.register_buffer("in_unperm", None if ident_in else torch.as_tensor(np.argsort(in_perm)), False)
        self.register_buffer(
            "out_unperm", None if ident_out else torch.as_tensor(np.argsort(out_perm)), False
        )

    def block_weights(self, weights: torch.Tensor, blk: Block) -> torch.Tensor:
        """``(n_out, n_in, D)`` view of the block's weights."""
        return weights[blk.offset : blk.offset + blk.size].view(blk.n_out, blk.n_in, blk.basis.dim)

    def forward(self, weights: torch.Tensor) -> torch.Tensor:
        s = self.geometry.kernel_size
        P = s * s
        rows = []
        for o in range(self.n_out_types):
            cols = []
            for i in range(self.n_in_types):
                blk = self.blocks[o * self.n_in_types + i]
                do, di = blk.out_rep.dim, blk.in_rep.dim
                if blk.basis.dim == 0:
                    cols.append(weights.new_zeros(blk.n_out * do, blk.n_in * di, P))
                    continue
                basis = getattr(self, f"basis_{o}_{i}")
                w = self.block_weights(weights, blk).reshape(blk.n_out * blk.n_in, -1)
                f = (w @ basis).view(blk.n_out, blk.n_in, do, di, P)
                cols.append(f.permute(0, 2, 1, 3, 4).reshape(blk.n_out * do, blk.n_in * di, P))
            rows.append(cols[0] if len(cols) == 1 else torch.cat(cols, 1))
        filt = rows[0] if len(rows) == 1 else torch.cat(rows, 0)
        if self.out_unperm is not None:
            filt = filt[self.out_unperm]
        if self.in_unperm is not None:
            filt = filt[:, self.in_unperm]
        return filt.reshape(self.out_size, self.in_size, s, s)
