"""Fourier-slice projection of volumes, Fourier-space shifts, and real/Fourier transforms on centred grids."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def fft_centered(x: torch.Tensor, dims: int) -> torch.Tensor:
    """DFT of the last ``dims`` axes with the origin (and zero frequency) at index ``D // 2``."""
    ax = tuple(range(-dims, 0))
    return torch.fft.fftshift(torch.fft.fftn(torch.fft.ifftshift(x, dim=ax), dim=ax), dim=ax)


def ifft_centered(x: torch.Tensor, dims: int) -> torch.Tensor:
    """Inverse of :func:`fft_centered`."""
    ax = tuple(range(-dims, 0))
    return torch.fft.fftshift(torch.fft.ifftn(torch.fft.ifftshift(x, dim=ax), dim=ax), dim=ax)


def slice_coordinates(rotations: torch.Tensor, box: int) -> torch.Tensor:
    """3D frequency coordinates (in pixels of frequency, x/y/z order) of the central slices ``A^T (kx, ky, 0)``.

    Args:
        rotations: ``(N, 3, 3)`` poses ``A``.
    Returns:
        ``(N, box, box, 3)`` in layout ``[ky, kx]``.
    """
    k = torch.arange(box, dtype=rotations.dtype, device=rotations.device) - box // 2
    ky, kx = torch.meshgrid(k, k, indexing="ij")
    plane = torch.stack([kx, ky, torch.zeros_like(kx)], -1)  # (box, box, 3)
    # (A^T k)_j = sum_i A_ij k_i
    return torch.einsum("nij,hwi->nhwj", rotations, plane)


def sample_fourier_volume(vol_ft: torch.Tensor, coords: torch.Tensor) -> torch.Tensor:
    """Trilinear interpolation of a centred complex Fourier volume ``(D, D, D)`` at ``coords (..., 3)`` (x, y, z).

    Points outside the grid read zero.
    """
    d = vol_ft.shape[-1]
    c = d // 2
    grid = (coords + c) / (d - 1) * 2 - 1  # align_corners=True: index 0 -> -1, d - 1 -> 1
    shape = coords.shape[:-1]
    g = grid.reshape(1, 1, 1, -1, 3).to(vol_ft.real.dtype)
    parts = torch.stack([vol_ft.real, vol_ft.imag])[None]  # (1, 2, D, D, D)
    out = F.grid_sample(parts, g, mode="bilinear", padding_mode="zeros", align_corners=True)
    out = out.reshape(2, *shape)
    return torch.complex(out[0], out[1])


def project(volume: torch.Tensor, rotations: torch.Tensor, oversample: int = 2) -> torch.Tensor:
    """Images of a real volume in the given poses by the central-slice theorem: ``I^(k) = V^(A^T (k, 0))``.

    The volume is zero-padded to ``oversample * D`` (rounded up to odd, so that the frequency grid is symmetric
    and 90-degree rotations of the slice land on grid points) in real space before its DFT (finer Fourier
    sampling, less interpolation error); the slices are read by trilinear interpolation and cropped back to ``D x D``.

    Args:
        volume: ``(D, D, D)`` real, MRC order ``[z, y, x]``.
        rotations: ``(N, 3, 3)`` poses.
        oversample: padding factor (1 = none).

    Returns:
        ``(N, D, D)`` real images ``[y, x]``.
    """
    d = volume.shape[-1]
    if volume.shape != (d, d, d):
        raise ValueError(f"volume must be a cube, got shape {tuple(volume.shape)}")
    p = d * oversample + (d * oversample + 1) % 2  # odd: a frequency grid symmetric about 0
    lo = p // 2 - d // 2
    padded = volume.new_zeros((p, p, p))
    padded[lo : lo + d, lo : lo + d, lo : lo + d] = volume
    vol_ft = fft_centered(padded, 3)
    coords = slice_coordinates(rotations.to(volume.dtype), p)
    img_ft = sample_fourier_volume(vol_ft, coords)
    imgs = ifft_centered(img_ft, 2).real
    return imgs[:, lo : lo + d, lo : lo + d]


def shift_phase(box: int, shifts: torch.Tensor) -> torch.Tensor:
    """Phase factors ``exp(-2 pi i k . t / D)`` that translate centred images by ``t = (tx, ty)`` pixels.

    Args:
        shifts: ``(N, 2)`` translations in pixels (x, y).
    Returns:
        ``(N, box, box)`` complex, layout ``[ky, kx]``.
    """
    k = torch.arange(box, dtype=shifts.dtype, device=shifts.device) - box // 2
    ky, kx = torch.meshgrid(k, k, indexing="ij")
    phase = kx * shifts[:, 0, None, None] + ky * shifts[:, 1, None, None]
    return torch.polar(torch.ones_like(phase), -2 * torch.pi * phase / box)


def shift_images(images: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Translate images ``(N, D, D)`` by ``shifts (N, 2)`` pixels (x, y) with a Fourier phase (periodic)."""
    ft = fft_centered(images, 2) * shift_phase(images.shape[-1], shifts.to(images.dtype))
    return ifft_centered(ft, 2).real
