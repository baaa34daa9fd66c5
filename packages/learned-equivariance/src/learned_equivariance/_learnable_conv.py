"""LearnableR2Conv: a steerable convolution whose degree of equivariance is a learnt likelihood over the group.

Veefkind & Cesa, ICML 2024 (arXiv 2406.03946). Our derivation, in e2cnn-core's kernel sampling.

Maths. ``G`` acts on kernels ``k: R^2 -> R^{C_out x C_in}`` by ``[g . k](x) = rho_out(g) k(g^-1 x) rho_in(g)^-1``;
``k`` is equivariant iff ``g . k = k`` for all ``g``. For a likelihood ``p`` over ``G`` (a density w.r.t. the
normalised Haar measure) we use the kernel

    ``k_p = T_p k,   T_p = int_G p(g) (g . ) dg``,

a ``p``-weighted average of the transformed kernel. ``p`` uniform: ``T_p`` is the projection onto the
equivariant kernels (the Reynolds operator), so the span of ``T_p`` applied to all kernels is e2cnn-core's
steerable basis; ``p = delta_e``: ``T_p`` is the identity, every kernel is allowed. In the Fourier domain
``T_p`` acts on the ``psi``-isotypic part of the kernel space by ``p-hat(psi)``: this is the paper's
``c_jJ = Q_{j (x) J} blockdiag(p-hat(psi))``, written without the Clebsch-Gordan change of basis.

Kernel space. ``k(x) = sum_h W[:, :, h] B_h(x)`` with the unconstrained (C_1) circular-harmonic basis of
e2cnn-core's geometry: ``B_h(x) = G_i(|x|) cos(k theta)`` or ``sin(k theta)`` for ring ``i`` and
``k <= F(r_i)`` (zero at the origin for ``k > 0``), normalised on the pixel grid. This span is closed under
O(2): ``B_h(g^-1 x) = sum_h' S(g)_{h'h} B_h'(x)`` with ``S(g)`` block-diagonal (one 2x2 block per ring and
frequency), so ``T_p W = int p(g) rho_out(g) (W S(g)^T) rho_in(g)^-1 dg``, an exact finite sum: over the
elements for C_N/D_N; over ``J = L_out + K + 1`` equispaced rotations per coset for SO(2)/O(2), where ``K`` is
the largest frequency of ``g . k`` (harmonic plus input and output irrep frequencies) and ``L_out`` that of the
band-limited ``p``: the integrand is then a trigonometric polynomial of degree ``< J``.

Cost: per forward pass, ``J`` small matrix products on the weights before the usual ``conv2d``; after
``export()`` a plain ``nn.Conv2d``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from equi_groups import O2, SO2, CyclicGroup, DihedralGroup, GroupElement, Representation
from torch import nn

from ._likelihood import GroupLikelihood, fourier_features


def _max_freq(rep: Representation) -> int:
    out = 0
    for psi in rep.irreps:
        k = psi[1] if isinstance(psi, tuple) else psi
        out = max(out, int(k))
    return out


def scalar_harmonics(geometry: object) -> tuple[np.ndarray, list[tuple[int, int, int]], np.ndarray]:
    """The unconstrained circular-harmonic basis on ``geometry``'s pixel grid.

    Returns ``(samples (H, P), index, scale)``: ``index[h] = (ring, k, kind)`` with kind 0 = cos, 1 = sin; each
    element was divided by ``scale[h]`` (its grid norm). Elements vanishing on the grid (norm < 1e-6) are
    dropped together with their partner of the same ring and frequency, so the span stays closed under O(2).
    """
    pts = geometry.points()
    rad = np.hypot(pts[:, 0], pts[:, 1])
    theta = np.arctan2(pts[:, 1], pts[:, 0])
    origin = rad < 1e-9
    out, index, scale = [], [], []
    for i, (r, s, fmax) in enumerate(zip(geometry.rings, geometry.sigma, geometry.max_frequencies, strict=True)):
        ring = np.exp(-0.5 * (rad - r) ** 2 / s**2)
        for k in range(int(math.floor(fmax + 1e-9)) + 1):
            pair = [ring * np.cos(k * theta)] if k == 0 else [ring * np.cos(k * theta), ring * np.sin(k * theta)]
            if k > 0:
                pair = [b * (~origin) for b in pair]
            norms = [float(np.sqrt((b**2).sum())) for b in pair]
            if min(norms) < 1e-6:
                continue
            for kind, (b, n) in enumerate(zip(pair, norms, strict=True)):
                out.append(b / n)
                index.append((i, k, kind))
                scale.append(n)
    return np.stack(out), index, np.asarray(scale)


def harmonic_action(index: Sequence[tuple[int, int, int]], scale: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``S (H, H)`` with ``B_h(M^-1 x) = sum_h' S[h', h] B_h'(x)`` for the planar orthogonal matrix ``M``."""
    inv = np.linalg.inv(matrix)
    det = np.sign(np.linalg.det(inv))
    a = math.atan2(inv[1, 0], inv[0, 0])  # inv = R(a) diag(1, det)
    H = len(index)
    S = np.zeros((H, H))
    pos = {key: h for h, key in enumerate(index)}
    for h, (i, k, kind) in enumerate(index):
        if k == 0:
            S[h, h] = 1.0
            continue
        c, s = math.cos(k * a), math.sin(k * a)
        hc, hs = pos[(i, k, 0)], pos[(i, k, 1)]
        # angle of M^-1 x is a + det * theta
        if kind == 0:  # cos(k a + det k theta)
            S[hc, h], S[hs, h] = c, -det * s
        else:  # sin(k a + det k theta)
            S[hc, h], S[hs, h] = s, det * c
    # raw functions b_h = scale_h B_h: S acts on raw ones, so conjugate by the scales
    return S * scale[:, None] / scale[None, :]


def quadrature(group: object, likelihood_band: int, kernel_freq: int) -> list[GroupElement]:
    """Elements whose uniform average integrates ``p(g) (g . k)`` exactly (see the module docstring)."""
    if isinstance(group, CyclicGroup | DihedralGroup):
        return list(group.elements())
    J = likelihood_band + kernel_freq + 1
    flips = (0, 1) if isinstance(group, O2) else (0,)
    return [group.from_o2(f, 2 * math.pi * j / J) for f in flips for j in range(J)]


def _fiber_stack(ftype: object, elems: Sequence[GroupElement], inverse: bool) -> tuple[bool, np.ndarray]:
    """``(compact, (J, d, d))`` when every field has the same representation, else ``(False, (J, C, C))``."""
    reps = ftype.reps
    compact = all(r == reps[0] for r in reps)
    mats = [reps[0](g) if compact else ftype.fiber_matrix(g) for g in elems]
    if inverse:
        mats = [np.linalg.inv(m) for m in mats]
    return compact, np.stack(mats)


class LearnableR2Conv(nn.Module):
    """Steerable convolution with a learnt degree of equivariance (Veefkind & Cesa, ICML 2024).

    The filter is ``k_p = int p(g) rho_out(g) k(g^-1 .) rho_in(g)^-1 dg`` (module docstring), with ``k`` free in
    the circular-harmonic basis of e2cnn-core's kernel geometry and ``p`` a :class:`GroupLikelihood` (shared
    between layers by passing the same instance). A uniform ``p`` gives exactly e2cnn-core's ``R2Conv`` kernel
    space, ``p = delta_e`` an unconstrained one (up to the likelihood's band limit for SO(2)/O(2)).

    Args:
        in_type, out_type: e2cnn-core field types of one gspace (C_N, D_N, SO(2) or O(2)).
        kernel_size, padding, stride, dilation, bias: as ``R2Conv`` (the bias is free per channel when the
            likelihood is not uniform; it is projected like the kernel, so uniform ``p`` keeps it on the trivial
            irreps).
        likelihood: the layer's likelihood; a new one with ``L`` when ``None``.
        L: band limit of a new likelihood.
        sigma, frequencies_cutoff, rings: e2cnn-core's kernel geometry settings.

    Shapes:
        input ``(B, in_type.size, H, W)`` -> ``(B, out_type.size, H', W')``.

    Examples:
        >>> import torch
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> gs = rot2d(4)
        >>> t = FieldType(gs, [regular(gs.group)] * 2)
        >>> conv = LearnableR2Conv(t, t, kernel_size=3, padding=1)
        >>> conv(torch.randn(1, 8, 9, 9)).shape
        torch.Size([1, 8, 9, 9])
    """

    def __init__(
        self,
        in_type: object,
        out_type: object,
        kernel_size: int,
        padding: int = 0,
        stride: int = 1,
        dilation: int = 1,
        bias: bool = True,
        likelihood: GroupLikelihood | None = None,
        L: int = 4,
        sigma: float | Sequence[float] | None = None,
        frequencies_cutoff: float | None = None,
        rings: Sequence[float] | None = None,
    ) -> None:
        super().__init__()
        from e2cnn_core import kernel_geometry

        if in_type.gspace != out_type.gspace:
            raise ValueError(f"in_type lives on {in_type.gspace}, out_type on {out_type.gspace}")
        group = in_type.gspace.group
        if not isinstance(group, CyclicGroup | DihedralGroup | SO2 | O2):
            raise ValueError(f"LearnableR2Conv needs C_N, D_N, SO2 or O2, got {group}")
        if likelihood is None:
            likelihood = GroupLikelihood(group, L)
        if likelihood.group != group:
            raise ValueError(f"the likelihood is over {likelihood.group}, the field types over {group}")
        self.in_type, self.out_type = in_type, out_type
        self.likelihood = likelihood
        self.kernel_size, self.padding, self.stride, self.dilation = int(kernel_size), padding, stride, dilation
        geom = kernel_geometry(kernel_size, dilation, sigma, frequencies_cutoff, rings)
        samples, index, scale = scalar_harmonics(geom)
        self.H = len(index)
        kfreq = max(k for _, k, _ in index) + _max_freq(in_type.representation) + _max_freq(out_type.representation)
        elems = quadrature(group, likelihood.L_out, kfreq)
        self.n_quadrature = len(elems)
        S = np.stack([harmonic_action(index, scale, group.standard_matrix(g)) for g in elems])
        # fields of one representation (the usual case): act on a field with a (d, d) matrix, not (C, C)
        self.compact_out, r_out = _fiber_stack(out_type, elems, inverse=False)
        self.compact_in, r_in_inv = _fiber_stack(in_type, elems, inverse=True)
        feats = fourier_features(group, likelihood.L_out, [group.to_o2(g) for g in elems])
        f32 = torch.float32
        self.register_buffer("basis", torch.as_tensor(samples, dtype=f32), False)
        self.register_buffer("S", torch.as_tensor(S, dtype=f32), False)
        self.register_buffer("r_out", torch.as_tensor(r_out, dtype=f32), False)
        self.register_buffer("r_in_inv", torch.as_tensor(r_in_inv, dtype=f32), False)
        self.register_buffer("quad_features", torch.as_tensor(feats, dtype=f32), False)
        co, ci = out_type.size, in_type.size
        # He-like init of the free weights (basis elements are unit-norm on the grid)
        std = math.sqrt(2.0 / ci)
        self.weights = nn.Parameter(torch.randn(co, ci, self.H) * std)
        self.bias = nn.Parameter(torch.zeros(co)) if bias else None

    def quadrature_weights(self, fts_out: torch.Tensor | None = None) -> torch.Tensor:
        """``p(g_j) / J`` at the quadrature elements ``(J,)`` from the likelihood's (or given) coefficients."""
        coef = self.likelihood() if fts_out is None else fts_out
        return self.quad_features @ coef / self.n_quadrature

    def project(self, weights: torch.Tensor, fts_out: torch.Tensor | None = None) -> torch.Tensor:
        """``T_p W``: ``(C_out, C_in, H)`` weights -> the relaxed ones, same shape."""
        w = self.quadrature_weights(fts_out)
        co, ci, H = weights.shape
        ws = torch.einsum("oih,jgh->joig", weights, self.S)  # (J, Co, Ci, H)
        r_out = self.r_out * w[:, None, None]
        if self.compact_out:
            d = r_out.shape[1]
            ws = torch.einsum("jab,jfbig->jfaig", r_out, ws.reshape(-1, co // d, d, ci, H)).reshape(-1, co, ci, H)
        else:
            ws = torch.einsum("jao,joig->jaig", r_out, ws)
        if self.compact_in:
            d = self.r_in_inv.shape[1]
            return torch.einsum("jofig,jib->ofbg", ws.reshape(-1, co, ci // d, d, H), self.r_in_inv).reshape(co, ci, H)
        return torch.einsum("jaig,jib->abg", ws, self.r_in_inv)

    def project_bias(self, bias: torch.Tensor, fts_out: torch.Tensor | None = None) -> torch.Tensor:
        """``T_p b = int p(g) rho_out(g) b dg``."""
        w = self.quadrature_weights(fts_out)
        if self.compact_out:
            d = self.r_out.shape[1]
            return torch.einsum("j,jab,fb->fa", w, self.r_out, bias.view(-1, d)).reshape(-1)
        return torch.einsum("j,jab,b->a", w, self.r_out, bias)

    def expand(self, fts_out: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The filter ``(C_out, C_in, s, s)`` and bias ``(C_out,)`` or ``None``."""
        s = self.kernel_size
        w = self.project(self.weights, fts_out)
        filt = (w @ self.basis).reshape(w.shape[0], w.shape[1], s, s)
        b = None if self.bias is None else self.project_bias(self.bias, fts_out)
        return filt, b

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.in_type.check(x)
        filt, b = self.expand()
        return F.conv2d(x, filt, b, self.stride, self.padding, self.dilation)

    def export(self) -> nn.Conv2d:
        """A ``torch.nn.Conv2d`` holding the relaxed filter and bias (eval mode)."""
        with torch.no_grad():
            filt, b = self.expand()
        conv = nn.Conv2d(
            self.in_type.size,
            self.out_type.size,
            self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            bias=b is not None,
        )
        with torch.no_grad():
            conv.weight.copy_(filt)
            if b is not None:
                conv.bias.copy_(b)
        return conv.eval()

    def extra_repr(self) -> str:
        return (
            f"{self.in_type} -> {self.out_type}, kernel_size={self.kernel_size}, harmonics={self.H}, "
            f"quadrature={self.n_quadrature}"
        )
