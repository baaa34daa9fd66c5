"""Private helpers shared by the pointwise, normalising and pooling modules.

* which representations commute with pointwise maps (permutation matrices) or with ``x -> -x`` tricks
  (signed permutations), read off the matrices of the group's generators;
* the invariant (trivial-irrep) subspace of a representation;
* :func:`pair`: an int or a pair of ints as a pair (sizes, strides, paddings of the 2D modules);
* :class:`FieldLayout`: fields grouped by a key (e.g. their dimension) into contiguous ``(B, F, d, ...)``
views, precomputed once, so that forward passes run one vectorised op per group instead of a loop over fields.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence

import numpy as np
import torch
from equi_groups import GroupElement, Representation
from torch import nn

from ._field_type import FieldType

_ATOL = 1e-6


def pair(v: int | Sequence[int], name: str = "size") -> tuple[int, int]:
    """``v`` as ``(int, int)``; ``ValueError`` naming ``name`` when it is not an int or a pair of ints."""
    if isinstance(v, int | np.integer):
        return int(v), int(v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
    return v  # type: ignore[return-value]


def _probe(rep: Representation) -> list[GroupElement]:
    group = rep.group
    return group.generators() if group.is_finite else group.testing_elements()


@functools.cache
def is_permutation(rep: Representation) -> bool:
    """Whether every ``rep(g)`` is a permutation matrix (checked on generators: they generate the group)."""
    for g in _probe(rep):
        m = rep(g)
        ones = np.abs(m - 1.0) < _ATOL
        zeros = np.abs(m) < _ATOL
        if not (ones | zeros).all() or not (ones.sum(0) == 1).all() or not (ones.sum(1) == 1).all():
            return False
    return True


@functools.cache
def signed_permutation(rep: Representation) -> tuple[tuple[np.ndarray, np.ndarray], ...] | None:
    """For a signed-permutation representation, ``(perm, sign)`` per probe element with
    ``rep(g) e_j = sign[j] e_{perm[j]}``; ``None`` if some ``rep(g)`` is not a signed permutation."""
    out = []
    for g in _probe(rep):
        m = rep(g)
        mag = np.abs(np.abs(m) - 1.0) < _ATOL
        zeros = np.abs(m) < _ATOL
        if not (mag | zeros).all() or not (mag.sum(0) == 1).all() or not (mag.sum(1) == 1).all():
            return None
        perm = mag.argmax(0)
        out.append((perm, np.sign(m[perm, np.arange(m.shape[1])])))
    return tuple(out)


def require_permutation(field_type: FieldType, what: str) -> None:
    """Raise a ``ValueError`` naming the first field whose representation is not a permutation
    representation."""
    for i, rep in enumerate(field_type.reps):
        if not is_permutation(rep):
            raise ValueError(
                f"{what} acts channel by channel and needs permutation representations "
                f"(regular, quotient, trivial); "
                f"field {i} has {rep}, whose matrices are not permutations"
            )


@functools.cache
def invariant_basis(rep: Representation) -> np.ndarray:
    """Orthonormal ``(dim, n)`` basis of the vectors fixed by every ``rep(g)`` (columns of the change of basis
    belonging to trivial irreps)."""
    group = rep.group
    trivial_id = (group.irreps(0) if not group.is_finite else group.irreps())[0]
    q = rep.change_of_basis
    cols = [i for i, psi in enumerate(_irrep_columns(rep)) if psi == trivial_id]
    return np.ascontiguousarray(q[:, cols])


def _irrep_columns(rep: Representation) -> list[Hashable]:
    """The irrep id of each column of ``rep.change_of_basis``."""
    out: list[Hashable] = []
    for psi in rep.irreps:
        out += [psi] * rep.group.irrep_dim(psi)
    return out


def irrep_columns(rep: Representation) -> list[Hashable]:
    return _irrep_columns(rep)


def block_diag(blocks: Sequence[np.ndarray]) -> np.ndarray:
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols))
    i = j = 0
    for b in blocks:
        out[i : i + b.shape[0], j : j + b.shape[1]] = b
        i, j = i + b.shape[0], j + b.shape[1]
    return out


def channel_fields(field_type: FieldType) -> torch.Tensor:
    """``(C,)`` long tensor: the field index of each channel."""
    return torch.cat([torch.full((r.dim,), i, dtype=torch.long) for i, r in enumerate(field_type.reps)])


class FieldLayout(nn.Module):
    """Fields grouped by ``key(rep)`` (default: the dimension) into views ``(B, F_g, d_g, *spatial)``.

    Groups are listed in order of first appearance. A group whose channels are one contiguous run is read by
    slicing (no copy); otherwise by ``index_select`` with a precomputed index. :meth:`merge` puts per-group
    results back in field order, either with the input's field dimensions or with one channel per field.
    """

    def __init__(self, field_type: FieldType, key: Callable[[Representation], Hashable] | None = None) -> None:
        super().__init__()
        key = key or (lambda r: r.dim)
        order: dict[Hashable, list[int]] = {}
        for i, rep in enumerate(field_type.reps):
            order.setdefault(key(rep), []).append(i)
        starts = np.cumsum([0] + [r.dim for r in field_type.reps])
        # only ints and tensors are kept: a layout is a plain torch module (exported models hold it)
        self.fields = [order[k] for k in order]
        self.dims = [field_type.reps[f[0]].dim for f in self.fields]
        for k, f in zip(order, self.fields, strict=True):
            if len({field_type.reps[i].dim for i in f}) != 1:
                raise ValueError(f"fields grouped under key {k!r} have different dimensions")
        self.counts = [len(f) for f in self.fields]
        self.slices: list[slice | None] = []
        channel_order: list[int] = []
        for g, fields in enumerate(self.fields):
            chans = [c for i in fields for c in range(starts[i], starts[i + 1])]
            channel_order += chans
            if chans == list(range(chans[0], chans[-1] + 1)):
                self.slices.append(slice(chans[0], chans[-1] + 1))
            else:
                self.slices.append(None)
            self.register_buffer(f"index{g}", torch.tensor(chans, dtype=torch.long), persistent=False)
            self.register_buffer(f"fields{g}", torch.tensor(fields, dtype=torch.long), persistent=False)
        field_order = [i for f in self.fields for i in f]
        self.in_order = channel_order == list(range(len(channel_order)))
        self.register_buffer(
            "channel_inverse", torch.tensor(np.argsort(channel_order), dtype=torch.long), persistent=False
        )
        self.register_buffer("field_inverse", torch.tensor(np.argsort(field_order), dtype=torch.long), persistent=False)
        self.n_fields = len(field_type.reps)

    def index(self, g: int) -> torch.Tensor:
        """Channel indices of group ``g`` (field-major)."""
        return getattr(self, f"index{g}")

    def fields_tensor(self, g: int) -> torch.Tensor:
        """Field indices of group ``g``."""
        return getattr(self, f"fields{g}")

    def split(self, x: torch.Tensor) -> list[torch.Tensor]:
        """``x: (B, C, *S)`` -> one ``(B, F_g, d_g, *S)`` tensor per group."""
        b, spatial = x.shape[0], x.shape[2:]
        out = []
        for g, (n, d, s) in enumerate(zip(self.counts, self.dims, self.slices, strict=True)):
            part = x[:, s] if s is not None else x.index_select(1, self.index(g))
            out.append(part.reshape(b, n, d, *spatial))
        return out

    def merge(self, parts: Sequence[torch.Tensor]) -> torch.Tensor:
        """Inverse of :meth:`split`: per-group ``(B, F_g, d_g, *S)`` -> ``(B, C, *S)``."""
        b = parts[0].shape[0]
        flat = [p.reshape(b, p.shape[1] * p.shape[2], *p.shape[3:]) for p in parts]  # explicit: B may be 0
        y = flat[0] if len(flat) == 1 else torch.cat(flat, 1)
        return y if self.in_order else y.index_select(1, self.channel_inverse)

    def merge_fields(self, parts: Sequence[torch.Tensor]) -> torch.Tensor:
        """One value per field: per-group ``(B, F_g, *S)`` -> ``(B, n_fields, *S)`` in field order."""
        y = parts[0] if len(parts) == 1 else torch.cat(list(parts), 1)
        return y if self.in_order else y.index_select(1, self.field_inverse)
