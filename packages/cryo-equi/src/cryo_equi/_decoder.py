"""Implicit Fourier-space volume: a coordinate network ``k -> V^(k)`` with exact Hermitian symmetry."""

from __future__ import annotations

import math

import torch
import torch.nn as nn


class FourierVolume(nn.Module):
    """An implicit representation of a volume's Fourier transform (cryoAI's decoder, Levy et al. 2022, in spirit).

    Random Fourier features ``gamma(k) = [cos(2 pi B k), sin(2 pi B k)]`` (Tancik et al. 2020) of the normalised
    frequency ``k / (D / 2)`` feed an MLP with three outputs ``(m, a, b)``. Hermitian symmetry
    ``V^(-k) = conj V^(k)`` (the volume is real) holds exactly by construction:

    ``V^(k) = exp(m(k')) (a(k') + i s b(k'))`` where ``k' = s k`` is ``k`` moved into the half-space
    ``z > 0`` (ties broken by ``y``, then ``x``) and ``s = +-1``; so ``V^(-k) = conj V^(k)`` for every ``k`` and
    ``V^(0)`` is real. One network pass per frequency.

    Args:
        box: grid size ``D`` (frequencies in pixels of ``1 / (D * pixel)``).
        hidden: MLP width.
        layers: hidden layers.
        features: number of random Fourier frequencies.
        scale: standard deviation of the random frequencies ``B``.
        seed: seed of ``B`` (a buffer, saved with the weights).

    Shapes:
        ``coords: (..., 3)`` frequency coordinates (x, y, z) in pixels -> complex ``(...)``.

    Examples:
        >>> vol = FourierVolume(box=16, hidden=32, layers=2, features=16)
        >>> k = torch.randn(5, 3) * 4
        >>> bool(torch.allclose(vol(-k), vol(k).conj()))
        True
    """

    def __init__(
        self, box: int, hidden: int = 128, layers: int = 3, features: int = 64, scale: float = 3.0, seed: int = 0
    ) -> None:
        super().__init__()
        self.box = box
        gen = torch.Generator().manual_seed(seed)
        self.register_buffer("B", torch.randn(3, features, generator=gen) * scale)
        mods: list[nn.Module] = [nn.Linear(2 * features, hidden), nn.SiLU()]
        for _ in range(layers - 1):
            mods += [nn.Linear(hidden, hidden), nn.SiLU()]
        mods.append(nn.Linear(hidden, 3))
        self.mlp = nn.Sequential(*mods)
        # DFT coefficients of a D^3 map with values of order 1 are of order D^2 at low frequencies: start there
        with torch.no_grad():
            mods[-1].bias.copy_(torch.tensor([2 * math.log(box) - 2.0, 0.0, 0.0]))

    def _raw(self, k: torch.Tensor) -> torch.Tensor:
        proj = 2 * math.pi * (k / (self.box / 2)) @ self.B
        return self.mlp(torch.cat([torch.cos(proj), torch.sin(proj)], -1))

    def forward(self, coords: torch.Tensor) -> torch.Tensor:
        n = coords.shape[:-1]
        k = coords.reshape(-1, 3)
        x, y, z = k.unbind(-1)
        neg = (z < 0) | ((z == 0) & ((y < 0) | ((y == 0) & (x < 0))))  # the half-space read through -k
        sign = 1.0 - 2.0 * neg.to(k.dtype)
        f = self._raw(k * sign[:, None])
        nonzero = (k != 0).any(-1).to(k.dtype)  # V^(0) is real
        amp = torch.exp(f[:, 0])
        out = torch.complex(amp * f[:, 1], amp * f[:, 2] * sign * nonzero)
        return out.reshape(n)

    @torch.no_grad()
    def to_volume(self, rotation: torch.Tensor | None = None, batch: int = 65536) -> torch.Tensor:
        """The real-space map ``(D, D, D)`` (``[z, y, x]``), optionally rotated: ``V_R(r) = V(R^T r)``.

        Frequencies beyond ``D / 2`` (the grid's corners) are set to zero.
        """
        return _to_volume(self, self.box, self.B.device, rotation, batch)


@torch.no_grad()
def _to_volume(fn: nn.Module, d: int, device: torch.device, rotation: torch.Tensor | None, batch: int) -> torch.Tensor:
    """The real-space map of a Fourier-space volume ``fn`` (frequencies in pixels of ``1 / D``), rotated by R."""
    k = torch.arange(d, dtype=torch.float32, device=device) - d // 2
    kz, ky, kx = torch.meshgrid(k, k, k, indexing="ij")
    grid = torch.stack([kx, ky, kz], -1).reshape(-1, 3)
    if rotation is not None:  # V_R^(k) = V^(R^T k)
        grid = grid @ rotation.to(grid).reshape(3, 3)
    inside = grid.norm(dim=-1) <= d / 2
    vals = torch.zeros(len(grid), dtype=torch.complex64, device=grid.device)
    idx = inside.nonzero().squeeze(1)
    for lo in range(0, len(idx), batch):
        sl = idx[lo : lo + batch]
        vals[sl] = fn(grid[sl]).to(torch.complex64)
    from ._projection import ifft_centered

    return ifft_centered(vals.reshape(d, d, d), 3).real


class GridVolume(nn.Module):
    """An explicit Fourier-space volume: complex values on an oversampled voxel grid, read by trilinear
    interpolation (the interpolation :func:`~cryo_equi.project` uses), with exact Hermitian symmetry.

    The grid has ``P = oversample * D`` points per axis, rounded up to odd, so that it is symmetric about the zero
    frequency; a frequency ``k`` (pixels of ``1 / D``, as for :class:`FourierVolume`) is read at grid position
    ``k * P / D``. The stored values are symmetrised on every read, ``V^(k) = (G(k) + conj G(-k)) / 2``, so the
    volume is real whatever the parameters. :meth:`from_map` holds a known map: rendering it through
    :func:`~cryo_equi.render` reproduces :func:`~cryo_equi.project` of that map (up to interpolation), which
    makes it the exact decoder for diagnostics (pose refinement against the true structure) and a cheap learnable
    decoder (one parameter per voxel, no network pass).

    Args:
        box: image and map size ``D``.
        oversample: grid refinement (the map is zero-padded to ``P`` in real space).
        trainable: whether the grid values are parameters (else buffers).

    Shapes:
        ``coords: (..., 3)`` frequency coordinates (x, y, z) in pixels of ``1 / D`` -> complex ``(...)``.

    Examples:
        >>> vol = GridVolume.from_map(torch.rand(8, 8, 8))
        >>> k = torch.randn(5, 3) * 2
        >>> bool(torch.allclose(vol(-k), vol(k).conj(), atol=1e-5))
        True
    """

    def __init__(self, box: int, oversample: int = 2, trainable: bool = True) -> None:
        super().__init__()
        self.box = box
        self.size = box * oversample + (box * oversample + 1) % 2
        zeros = torch.zeros(2, self.size, self.size, self.size)
        if trainable:
            self.values = nn.Parameter(zeros)
        else:
            self.register_buffer("values", zeros)

    @classmethod
    def from_map(cls, volume: torch.Tensor, oversample: int = 2, trainable: bool = False) -> GridVolume:
        """The Fourier transform of a real map ``(D, D, D)`` (``[z, y, x]``) on the oversampled grid."""
        from ._projection import fft_centered

        volume = torch.as_tensor(volume)
        d = volume.shape[-1]
        if volume.shape != (d, d, d):
            raise ValueError(f"volume must be a cube, got shape {tuple(volume.shape)}")
        out = cls(d, oversample, trainable)
        lo = out.size // 2 - d // 2
        padded = torch.zeros(out.size, out.size, out.size, dtype=torch.float64)
        padded[lo : lo + d, lo : lo + d, lo : lo + d] = volume.to(torch.float64)
        ft = fft_centered(padded, 3)
        with torch.no_grad():
            out.values.copy_(torch.stack([ft.real, ft.imag]).float())
        return out

    def forward(self, coords: torch.Tensor) -> torch.Tensor:
        from ._projection import sample_fourier_volume

        re, im = self.values[0], self.values[1]
        # the grid is odd and centred: flipping every axis maps k to -k
        re = (re + re.flip(0, 1, 2)) / 2
        im = (im - im.flip(0, 1, 2)) / 2
        return sample_fourier_volume(torch.complex(re, im), coords * (self.size / self.box))

    @torch.no_grad()
    def to_volume(self, rotation: torch.Tensor | None = None, batch: int = 65536) -> torch.Tensor:
        """The real-space map ``(D, D, D)`` (``[z, y, x]``), optionally rotated: ``V_R(r) = V(R^T r)``."""
        return _to_volume(self, self.box, self.values.device, rotation, batch)
