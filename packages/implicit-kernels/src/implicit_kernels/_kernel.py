"""The implicit steerable kernel: a G-equivariant MLP of the relative position (Zhdanov, Hoffmann, Cesa 2023)."""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence

import numpy as np
import torch
from equi_groups import Group, Representation, standard, tensor_product
from torch import nn

from ._irreps import (
    GatedNonlinearity,
    IrrepBatchNorm,
    IrrepLinear,
    Spec,
    flatten,
    gated_spec,
    spec_of,
    trivial_id,
    unflatten,
)


@functools.cache
def _power_rep(group: Group, order: int) -> Representation:
    """``standard^{(x) order}`` decomposed into irreps."""
    rep = standard(group)
    for _ in range(order - 1):
        rep = tensor_product(rep, standard(group))
    return rep


@functools.cache
def _pair_rep(a: Representation, b: Representation) -> Representation:
    return tensor_product(a, b)


class ImplicitKernel(nn.Module):
    """Implicit G-steerable kernel (Zhdanov, Hoffmann, Cesa, *Implicit Convolutional Kernels for Steerable CNNs*,
    NeurIPS 2023).

    The kernel ``k: R^n -> R^{D_out x D_in}`` is the reshaped output of a G-equivariant MLP ``phi`` of the relative
    position ``x`` (and of invariant attributes ``z``: bond types, atom types, distances). If
    ``phi(g x, z) = (rho_out (x) rho_in)(g) phi(x, z)`` for every ``g``, then ``k(g x) = rho_out(g) k(x)
    rho_in(g)^T``: the steerable kernel constraint, for any G inside O(n) for which ``phi`` can be built.

    Our ``phi`` (exact for every group, computed in the irrep basis; see :mod:`implicit_kernels._irreps`):

    1. lift: the direction ``u = x / |x|`` raised to the tensor powers ``u, u(x)u, ..., u^(x)order`` (their
       representations are ``standard^(x)p``, decomposed into G's irreps by equi-groups), plus the invariant
       scalars ``|x|`` (Gaussian radial features) and ``z``;
    2. ``layers`` hidden blocks: an equivariant linear map (Schur: one weight per pair of copies of an irrep and
       endomorphism) to ``channels`` copies of every irrep the lift or the output holds, then the gated
       nonlinearity (SiLU on invariants, sigmoid gates on the other fields);
    3. an equivariant linear map to one copy of ``rho_out_i (x) rho_in_j`` per pair of fields (non-uniform field
       types allowed), mapped back from the irrep basis by each pair's Clebsch-Gordan change of basis;
    4. times a Gaussian envelope ``exp(-|x|^2 / (2 sigma^2))`` (``sigma`` learnable, initialised to ``sigma``),
       ``1 / sqrt(number of output fields)`` and a constant gain fixed at construction (:meth:`calibrate`) so
       that a layer starts at a He-like scale.

    The polynomial lift bounds the angular frequencies the kernel can hold at ``order`` (irreps of the output
    beyond it get no weight); the paper's MLP uses Fourier nonlinearities instead, approximately equivariant
    for continuous groups, where ours is exact.

    Args:
        group: a planar group (C_N, D_N, SO2, O2: ``n = 2``) or a subgroup of O(3) (``n = 3``).
        in_reps, out_reps: the representations of the input and output fields.
        attr_dim: number of invariant attributes ``z`` per position (0: none).
        channels: copies of each irrep in the hidden layers.
        layers: hidden layers.
        order: highest tensor power of the direction (default 4 in 2D, 3 in 3D).
        radial: Gaussian radial features of ``|x|`` on ``[0, 1]`` (trivial inputs).
        sigma: initial width of the envelope (in the units of ``x``).
        batch_norm: IID batch norm (:class:`~implicit_kernels._irreps.IrrepBatchNorm`, the paper's option) after
            each hidden linear map, over the positions of a forward call; in eval mode its running statistics.

    Shapes:
        ``x: (P, n)``, ``z: (P, attr_dim)`` -> ``(P, D_out, D_in)``.

    Examples:
        >>> import torch
        >>> from equi_groups import CyclicGroup, regular
        >>> C4 = CyclicGroup(4)
        >>> k = ImplicitKernel(C4, [regular(C4)], [regular(C4)] * 2)
        >>> k(torch.randn(5, 2)).shape
        torch.Size([5, 8, 4])
    """

    _calibrate_on_init = True  # subclasses that change the head calibrate at the end of their own __init__

    def __init__(
        self,
        group: Group,
        in_reps: Sequence[Representation],
        out_reps: Sequence[Representation],
        attr_dim: int = 0,
        channels: int = 8,
        layers: int = 2,
        order: int | None = None,
        radial: int = 4,
        sigma: float = 0.5,
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        in_reps, out_reps = tuple(in_reps), tuple(out_reps)
        if not in_reps or not out_reps:
            raise ValueError("in_reps and out_reps need at least one field each")
        for r in in_reps + out_reps:
            if r.group != group:
                raise ValueError(f"representation {r} is not of the group {group}")
        if attr_dim < 0 or channels < 1 or layers < 0 or radial < 0:
            raise ValueError(
                f"attr_dim >= 0, channels >= 1, layers >= 0, radial >= 0 expected, got {attr_dim}, {channels}, "
                f"{layers}, {radial}"
            )
        if not sigma > 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        self.group, self.in_reps, self.out_reps = group, in_reps, out_reps
        self.n = standard(group).dim
        self.order = order if order is not None else (4 if self.n == 2 else 3)
        if self.order < 1:
            raise ValueError(f"order must be >= 1, got {self.order}")
        self.attr_dim, self.radial = attr_dim, radial
        self.d_in = sum(r.dim for r in in_reps)
        self.d_out = sum(r.dim for r in out_reps)
        t = trivial_id(group)

        # lift: tensor powers in the irrep basis + trivial scalars
        lift_irreps: dict[Hashable, int] = {t: radial + attr_dim + 1}
        self._powers: list[int] = []
        for p in range(1, self.order + 1):
            rep = _power_rep(group, p)
            q = torch.as_tensor(np.asarray(rep.change_of_basis).T.copy(), dtype=torch.float64)
            spec, slots = spec_of(rep)
            # permutation from rep.irreps order to spec layout
            perm = _slots_to_perm(group, rep.irreps, slots)
            self.register_buffer(f"power_{p}", q[perm], persistent=False)
            for psi, m in spec:
                lift_irreps[psi] = lift_irreps.get(psi, 0) + m
            self._powers.append(p)
        self.lift_spec: Spec = tuple(lift_irreps.items())
        # the lift's layout: trivial scalars first, then each power's spec, regrouped by irrep
        self.register_buffer(
            "lift_perm", _lift_perm(group, self.lift_spec, radial + attr_dim + 1, self.order), persistent=False
        )
        self.register_buffer("centres", torch.linspace(0, 1, radial) if radial else torch.zeros(0), persistent=False)

        # output: one block rho_out_i (x) rho_in_j per pair of fields
        out_irreps: dict[Hashable, int] = {}
        pair_types: dict[tuple[Representation, Representation], list[tuple[int, int]]] = {}
        off_o = np.concatenate([[0], np.cumsum([r.dim for r in out_reps])]).astype(int)
        off_i = np.concatenate([[0], np.cumsum([r.dim for r in in_reps])]).astype(int)
        for i, ro in enumerate(out_reps):
            for j, ri in enumerate(in_reps):
                pair_types.setdefault((ro, ri), []).append((i, j))
        for (ro, ri), blocks in pair_types.items():
            for psi in _pair_rep(ro, ri).irreps:
                out_irreps[psi] = out_irreps.get(psi, 0) + len(blocks)
        self.out_spec: Spec = tuple(out_irreps.items())
        self._pair_types = list(pair_types)
        self._assemble(group, pair_types, off_o, off_i)

        hidden_irreps = dict.fromkeys(list(lift_irreps) + list(out_irreps), channels)
        hidden: Spec = tuple(hidden_irreps.items())
        blocks: list[nn.Module] = []
        spec = self.lift_spec
        for _ in range(layers):
            blocks.append(IrrepLinear(group, spec, gated_spec(group, hidden)))
            if batch_norm:
                blocks.append(IrrepBatchNorm(group, gated_spec(group, hidden)))
            blocks.append(GatedNonlinearity(group, hidden))
            spec = hidden
        self.batch_norm = batch_norm
        self.mlp = nn.ModuleList(blocks)
        self.head = IrrepLinear(group, spec, self.out_spec, bias=True)
        self.log_sigma = nn.Parameter(torch.tensor(float(np.log(sigma))))
        self.scale = 1.0 / np.sqrt(len(out_reps))
        self.register_buffer("gain", torch.tensor(1.0, dtype=torch.float64))
        self._calibrated = False
        if self._calibrate_on_init:
            self.calibrate()

    @torch.no_grad()
    def calibrate(self, points: torch.Tensor | None = None, std: float | None = None) -> None:
        """Once, set the head's constant per-irrep scales so that every output irrep starts with the same energy;
        then set the
        constant ``gain`` so that the kernel's entries have standard deviation ``std`` (default
        ``1 / sqrt(D_in)``) over ``points`` (default: 256 seeded points uniform in the unit ball): the
        initialisation scale of a layer (He-like), independent of the MLP's depth. A constant factor, so the
        constraint is untouched."""
        if points is None:
            gen = torch.Generator().manual_seed(0)
            d = torch.randn(256, self.n, generator=gen, dtype=torch.float64)
            r = torch.rand(256, 1, generator=gen, dtype=torch.float64) ** (1.0 / self.n)
            points = d / d.norm(dim=1, keepdim=True) * r
        std = std if std is not None else 1.0 / np.sqrt(self.d_in)
        self.gain.fill_(1.0)
        dtype = self.log_sigma.dtype
        z = torch.zeros(len(points), self.attr_dim, dtype=dtype) if self.attr_dim else None
        if not self._calibrated:
            # every irrep of the output starts with the same energy (else the invariant, constant-fed part of the
            # MLP dominates the kernel at initialisation and ReLU networks on top of it die)
            h = self.lift(points.to(dtype), z)
            for block in self.mlp:
                h = block(h)
            rms = [float(y.square().mean().sqrt()) if y.numel() else 0.0 for y in self.head(h)]
            top = max(rms)
            for o, r in enumerate(rms):
                if r > 1e-4 * top:  # irreps the lift cannot reach carry round-off only: leave them alone
                    self.head.out_scale[o] /= r
            self._calibrated = True
        k = self(points.to(dtype), z)
        self.gain.fill_(std / max(float(k.std()), 1e-12))

    def _assemble(self, group: Group, pair_types: dict, off_o: np.ndarray, off_i: np.ndarray) -> None:
        """Index maps from the head's output (spec layout) to the flattened kernel ``(D_out * D_in)``."""
        spec_offsets, start = {}, 0
        for psi, m in self.out_spec:
            spec_offsets[psi] = start
            start += m * group.irrep_dim(psi)
        used: dict[Hashable, int] = {}
        gather: list[int] = []
        target: list[int] = []
        for t_idx, ((ro, ri), blocks) in enumerate(pair_types.items()):
            rep = _pair_rep(ro, ri)
            self.register_buffer(
                f"pair_q_{t_idx}",
                torch.as_tensor(np.asarray(rep.change_of_basis).copy(), dtype=torch.float64),
                persistent=False,
            )
            for i, j in blocks:
                for psi in rep.irreps:
                    d = group.irrep_dim(psi)
                    c = used.get(psi, 0)
                    used[psi] = c + 1
                    gather += list(range(spec_offsets[psi] + c * d, spec_offsets[psi] + (c + 1) * d))
                # flattened kernel entries of this block, row-major over (rho_out dim, rho_in dim)
                rows = off_o[i] + np.arange(ro.dim)
                cols = off_i[j] + np.arange(ri.dim)
                target += list((rows[:, None] * self.d_in + cols[None, :]).ravel())
        self.register_buffer("gather", torch.as_tensor(gather, dtype=torch.long), persistent=False)
        inverse = np.empty(len(target), dtype=np.int64)
        inverse[np.asarray(target)] = np.arange(len(target))
        self.register_buffer("scatter", torch.as_tensor(inverse), persistent=False)
        self._pair_counts = [len(b) for b in pair_types.values()]
        self._pair_dims = [_pair_rep(ro, ri).dim for ro, ri in pair_types]

    @property
    def sigma(self) -> torch.Tensor:
        return self.log_sigma.exp()

    def lift(self, x: torch.Tensor, z: torch.Tensor | None = None) -> list[torch.Tensor]:
        """The MLP's input in the irrep basis: ``[(P, m, d), ...]`` in ``lift_spec`` order."""
        r2 = (x * x).sum(-1, keepdim=True)
        r = torch.sqrt(r2 + 1e-20)
        u = x / torch.sqrt(r2 + 1e-12)
        scalars = [torch.ones_like(r)]
        if self.radial:
            width = 1.0 / max(self.radial - 1, 1)
            scalars.append(torch.exp(-0.5 * ((r - self.centres.to(x.dtype)) / width) ** 2))
        if self.attr_dim:
            if z is None or z.shape != (x.shape[0], self.attr_dim):
                got = None if z is None else tuple(z.shape)
                raise ValueError(f"attributes must be ({x.shape[0]}, {self.attr_dim}), got {got}")
            scalars.append(z.to(x.dtype))
        parts = [torch.cat(scalars, 1)]
        power = u
        for p in self._powers:
            if p > 1:
                power = (power[:, :, None] * u[:, None, :]).reshape(x.shape[0], -1)
            parts.append(power @ getattr(self, f"power_{p}").to(x.dtype).T)
        flat = torch.cat(parts, 1)[:, self.lift_perm]
        return unflatten(self.group, self.lift_spec, flat)

    def forward(self, x: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.n:
            raise ValueError(f"positions must be (P, {self.n}), got {tuple(x.shape)}")
        h = self.lift(x, z)
        for block in self.mlp:
            h = block(h)
        return self._finish(x, self.head(h))

    def _finish(self, x: torch.Tensor, blocks: list[torch.Tensor]) -> torch.Tensor:
        """Head output (irrep basis, ``out_spec``) -> kernel ``(P, D_out, D_in)`` times the envelope."""
        y = flatten(blocks)[:, self.gather]
        parts, i = [], 0
        for t_idx, (count, dim) in enumerate(zip(self._pair_counts, self._pair_dims, strict=True)):
            q = getattr(self, f"pair_q_{t_idx}").to(x.dtype)
            block = y[:, i : i + count * dim].reshape(x.shape[0], count, dim) @ q.T
            parts.append(block.reshape(x.shape[0], -1))
            i += count * dim
        k = torch.cat(parts, 1)[:, self.scatter]
        env = torch.exp(-(x * x).sum(-1) / (2 * self.sigma.to(x.dtype) ** 2)) * (self.scale * self.gain.to(x.dtype))
        return (k * env[:, None]).reshape(x.shape[0], self.d_out, self.d_in)

    def extra_repr(self) -> str:
        return f"group={self.group}, d_in={self.d_in}, d_out={self.d_out}, order={self.order}"


def _slots_to_perm(group: Group, irreps: Sequence[Hashable], slots: Sequence[int]) -> list[int]:
    """``perm`` with ``spec_layout[k] = irrep_order[perm[k]]``."""
    n = sum(group.irrep_dim(p) for p in irreps)
    perm = [0] * n
    src = 0
    for psi, dst in zip(irreps, slots, strict=True):
        d = group.irrep_dim(psi)
        for c in range(d):
            perm[dst + c] = src + c
        src += d
    return perm


def _lift_perm(group: Group, lift_spec: Spec, n_scalars: int, order: int) -> torch.Tensor:
    """Permutation from ``[scalars, power_1 (spec layout), power_2, ...]`` to the ``lift_spec`` layout."""
    offsets, start = {}, 0
    for psi, m in lift_spec:
        offsets[psi] = start
        start += m * group.irrep_dim(psi)
    t = trivial_id(group)
    perm = [0] * start
    used: dict[Hashable, int] = {t: n_scalars}
    for c in range(n_scalars):
        perm[offsets[t] + c] = c
    src = n_scalars
    for p in range(1, order + 1):
        spec, _ = spec_of(_power_rep(group, p))
        for psi, m in spec:
            d = group.irrep_dim(psi)
            for _ in range(m):
                c = used.get(psi, 0)
                used[psi] = c + 1
                for a in range(d):
                    perm[offsets[psi] + c * d + a] = src + a
                src += d
    return torch.as_tensor(perm, dtype=torch.long)
