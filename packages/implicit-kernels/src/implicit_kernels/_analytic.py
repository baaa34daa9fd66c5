"""The analytic-basis kernel the implicit kernel is compared with, and a non-equivariant MLP kernel."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import torch
from equi_groups import Group, Representation
from torch import nn

from ._irreps import IrrepLinear, Spec, trivial_id
from ._kernel import ImplicitKernel
from ._point_conv import ImplicitPointConv


class AnalyticKernel(ImplicitKernel):
    """The standard steerable kernel basis (Weiler et al. 2018; Cesa, Lang, Weiler 2022), for comparison:
    ``k(x) = sum_{r, psi, c} w_{r, psi, c} phi_r(|x|) B_{psi, c}(x / |x|)`` with Gaussian rings ``phi_r`` on
    ``[0, 1]`` and the angular basis ``B`` = every equivariant linear map from the harmonics of the direction
    (the independent irrep components of its tensor powers up to ``order``: the spherical harmonics up to
    degree ``order`` for O(3), the circular harmonics for O(2), restricted to G) to ``rho_out (x) rho_in``.
    Linear in its weights: no hidden layer, no nonlinearity; the same envelope as :class:`ImplicitKernel`.

    Args:
        group, in_reps, out_reps, attr_dim, order, sigma: as :class:`ImplicitKernel` (attributes enter as
            extra invariant multipliers of every basis element, the analytic analogue of bond features).
        rings: Gaussian radial basis functions.

    Shapes:
        ``x: (P, n)``, ``z: (P, attr_dim)`` -> ``(P, D_out, D_in)``.
    """

    _calibrate_on_init = False

    def __init__(
        self,
        group: Group,
        in_reps: Sequence[Representation],
        out_reps: Sequence[Representation],
        attr_dim: int = 0,
        order: int | None = None,
        rings: int = 4,
        sigma: float = 0.5,
    ) -> None:
        super().__init__(
            group, in_reps, out_reps, attr_dim=attr_dim, channels=1, layers=0, order=order, radial=rings, sigma=sigma
        )
        self.rings = rings
        # independent harmonic copies per irrep, found on random directions
        rng = np.random.default_rng(0)
        u = torch.as_tensor(rng.standard_normal((256, self.n)))
        with torch.no_grad():
            feats = super().lift(
                u.to(torch.float64) / u.norm(dim=1, keepdim=True),
                None if not attr_dim else torch.zeros(256, attr_dim, dtype=torch.float64),
            )
        t = trivial_id(group)
        spec: list[tuple[Hashable, int]] = []
        for (psi, m), f in zip(self.lift_spec, feats, strict=True):
            if psi == t:  # the constant and the invariant harmonics; not the radial and attribute scalars
                f = self._harmonic_scalars(f)
                m = f.shape[1]
            mat = f.permute(1, 0, 2).reshape(m, -1).double()
            u_mat, s, _ = torch.linalg.svd(mat, full_matrices=False)
            keep = int((s > 1e-6 * np.sqrt(len(u))).sum())  # features are O(1) per sample
            self.register_buffer(f"mix_{len(spec)}", u_mat[:, :keep].T.contiguous(), persistent=False)
            spec.append((psi, keep))
        # angular features x (rings * (1 + attr_dim)) invariant multipliers
        self.n_mult = rings * (1 + attr_dim)
        self.harm_spec: Spec = tuple((psi, m) for psi, m in spec)
        basis_spec: Spec = tuple((psi, m * self.n_mult) for psi, m in spec)
        self.basis_spec = basis_spec
        self.head = IrrepLinear(group, basis_spec, self.out_spec, bias=False)
        self.mlp = nn.ModuleList()
        self.calibrate()

    def lift(self, x: torch.Tensor, z: torch.Tensor | None = None) -> list[torch.Tensor]:
        feats = super().lift(x, z)
        r = torch.sqrt((x * x).sum(-1, keepdim=True) + 1e-20)
        width = 1.0 / max(self.rings - 1, 1)
        phi = torch.exp(-0.5 * ((r - self.centres.to(x.dtype)) / width) ** 2)  # (P, rings)
        if self.attr_dim:
            zz = torch.cat([torch.ones_like(r), z.to(x.dtype)], 1)
            phi = (phi[:, :, None] * zz[:, None, :]).reshape(x.shape[0], -1)
        t = trivial_id(self.group)
        out = []
        for i, ((psi, _), f) in enumerate(zip(self.lift_spec, feats, strict=True)):
            if psi == t:
                f = self._harmonic_scalars(f)
            h = torch.einsum("km,pmd->pkd", getattr(self, f"mix_{i}").to(x.dtype), f)
            out.append((h[:, :, None, :] * phi[:, None, :, None]).reshape(x.shape[0], -1, f.shape[2]))
        return out

    def _harmonic_scalars(self, f: torch.Tensor) -> torch.Tensor:
        """The trivial lift without its radial and attribute scalars: the constant and invariant harmonics."""
        return torch.cat([f[:, :1], f[:, 1 + self.rings + self.attr_dim :]], 1)

    def forward(self, x: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.n:
            raise ValueError(f"positions must be (P, {self.n}), got {tuple(x.shape)}")
        return self._finish(x, self.head(self.lift(x, z)))


class MLPKernel(nn.Module):
    """A non-equivariant kernel: a plain MLP ``(x, z) -> R^{D_out x D_in}`` times the same Gaussian envelope.

    Shapes:
        ``x: (P, n)``, ``z: (P, attr_dim)`` -> ``(P, D_out, D_in)``.
    """

    def __init__(
        self, n: int, d_in: int, d_out: int, attr_dim: int = 0, hidden: int = 32, layers: int = 2, sigma: float = 0.5
    ) -> None:
        super().__init__()
        self.n, self.d_in, self.d_out, self.attr_dim = n, d_in, d_out, attr_dim
        dims = [n + attr_dim] + [hidden] * layers
        mods: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:], strict=True):
            mods += [nn.Linear(a, b), nn.SiLU()]
        mods.append(nn.Linear(dims[-1], d_in * d_out))
        self.net = nn.Sequential(*mods)
        self.log_sigma = nn.Parameter(torch.tensor(float(np.log(sigma))))

    def forward(self, x: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        inp = x if not self.attr_dim else torch.cat([x, z.to(x.dtype)], 1)
        env = torch.exp(-(x * x).sum(-1) / (2 * self.log_sigma.exp() ** 2))
        return (self.net(inp) * env[:, None]).reshape(x.shape[0], self.d_out, self.d_in)


class AnalyticPointConv(ImplicitPointConv):
    """:class:`ImplicitPointConv` with the analytic kernel basis (:class:`AnalyticKernel`): the standard
    steerable point convolution the implicit kernel is compared with (Gaussian rings x harmonics x
    intertwiners; for O(3) the spherical-harmonics x Clebsch-Gordan basis of Thomas et al. 2018).

    Args:
        group, in_reps, out_reps, edge_dim, node_dim, radius, aggr, bias: as :class:`ImplicitPointConv`.
        order, rings, sigma: as :class:`AnalyticKernel`.
    """

    def __init__(
        self,
        group: Group,
        in_reps: Sequence[Representation],
        out_reps: Sequence[Representation],
        edge_dim: int = 0,
        node_dim: int = 0,
        radius: float = 1.0,
        aggr: str = "add",
        bias: bool = True,
        order: int | None = None,
        rings: int = 4,
        sigma: float = 0.5,
    ) -> None:
        kernel = AnalyticKernel(
            group, in_reps, out_reps, attr_dim=edge_dim + 2 * node_dim, order=order, rings=rings, sigma=sigma
        )
        super().__init__(
            group,
            in_reps,
            out_reps,
            edge_dim=edge_dim,
            node_dim=node_dim,
            radius=radius,
            aggr=aggr,
            bias=bias,
            kernel=kernel,
        )
