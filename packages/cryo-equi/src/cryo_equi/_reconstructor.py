"""Amortized reconstruction: encoder -> (pose, shift); implicit Fourier volume; CTF and shift in the forward model."""

from __future__ import annotations

import torch
import torch.nn as nn
from equi_groups import DihedralGroup, GroupElement

from ._decoder import FourierVolume, GridVolume
from ._geometry import transform_image
from ._projection import fft_centered, ifft_centered, shift_phase, slice_coordinates


def frequency_mask(box: int, kmax: float, device: torch.device | str = "cpu") -> torch.Tensor:
    """Boolean ``(box, box)`` disc ``|k| <= kmax`` (pixels of frequency) on the centred DFT grid."""
    k = torch.arange(box, device=device) - box // 2
    ky, kx = torch.meshgrid(k, k, indexing="ij")
    return kx**2 + ky**2 <= kmax**2


def render(
    volume: FourierVolume | GridVolume,
    rotations: torch.Tensor,
    shifts: torch.Tensor | None = None,
    ctf: torch.Tensor | None = None,
    kmax: float | None = None,
) -> torch.Tensor:
    """Images of the implicit volume: ``I = F^-1[ CTF . exp(-2 pi i k.t / D) . V^(A^T (k, 0)) ]`` restricted to
    ``|k| <= kmax`` (default ``D / 2``).

    Args:
        rotations: ``(B, 3, 3)`` poses; shifts: ``(B, 2)`` pixels (x, y); ctf: ``(B, D, D)``.

    Returns:
        ``(B, D, D)`` real images.
    """
    d = volume.box
    kmax = d / 2 if kmax is None else kmax
    mask = frequency_mask(d, kmax, rotations.device)
    coords = slice_coordinates(rotations, d)[:, mask]  # (B, P, 3)
    vals = volume(coords)
    ft = torch.zeros(rotations.shape[0], d, d, dtype=vals.dtype, device=vals.device)
    ft[:, mask] = vals
    if ctf is not None:
        ft = ft * ctf.to(ft.real.dtype)
    if shifts is not None:
        ft = ft * shift_phase(d, shifts.to(ft.real.dtype))
    return ifft_centered(ft, 2).real


def lowpass(images: torch.Tensor, kmax: float) -> torch.Tensor:
    """Keep the frequencies ``|k| <= kmax`` of images ``(B, D, D)``."""
    d = images.shape[-1]
    if kmax >= d / 2 * 2**0.5:
        return images
    ft = fft_centered(images, 2) * frequency_mask(d, kmax, images.device)
    return ifft_centered(ft, 2).real


class Reconstructor(nn.Module):
    """Amortized inference of poses with an implicit volume (cryoAI, Levy et al. ECCV 2022; de Ruijter & Cesa 2024).

    Forward model: ``I_hat = render(volume, encoder(I))`` with the particle's CTF and predicted shift. The loss is
    the image-space mean squared error between ``I_hat`` and ``I``, both low-passed to ``|k| <= kmax`` (frequency
    marching raises ``kmax`` during training). With ``symmetric=True`` the image rotated by 180 degrees is encoded
    too and the loss is the per-image minimum of ``|I_hat(A_1) - I|^2`` and ``|I_hat(A_2) - rot180(I)|^2``
    (the cryoAI symmetric loss; twice the decoder passes).

    Args:
        encoder: an image -> (pose, shift) module (:class:`~cryo_equi.CNNEncoder` or :class:`~cryo_equi.D4Encoder`).
        volume: the implicit Fourier volume.
        predict_shifts: use the encoder's shifts in the forward model (else shifts are 0).
        symmetric: use the symmetric loss.

    Shapes:
        ``images: (B, D, D)``, ``ctf: (B, D, D)`` -> scalar loss.
    """

    def __init__(
        self, encoder: nn.Module, volume: FourierVolume, predict_shifts: bool = True, symmetric: bool = False
    ) -> None:
        super().__init__()
        self.encoder, self.volume = encoder, volume
        self.predict_shifts, self.symmetric = predict_shifts, symmetric

    def _per_image(
        self,
        images: torch.Tensor,
        rot: torch.Tensor,
        t: torch.Tensor,
        ctf: torch.Tensor | None,
        kmax: float | None,
    ) -> torch.Tensor:
        pred = render(self.volume, rot, t if self.predict_shifts else None, ctf, kmax)
        target = lowpass(images, kmax) if kmax is not None else images
        return ((pred - target) ** 2).mean((-2, -1))

    def _loss(self, images: torch.Tensor, ctf: torch.Tensor | None, kmax: float | None) -> torch.Tensor:
        rot, t = self.encoder(images)
        return self._per_image(images, rot, t, ctf, kmax)

    def loss(self, images: torch.Tensor, ctf: torch.Tensor | None = None, kmax: float | None = None) -> torch.Tensor:
        """Mean over the batch of the per-image loss."""
        per = self._loss(images, ctf, kmax)
        if self.symmetric:
            # the CTF is centrosymmetric (it depends on k only through |k| and cos(2 alpha))
            per = torch.minimum(per, self._loss(transform_image(images, _half_turn()), ctf, kmax))
        return per.mean()

    @torch.no_grad()
    def poses(
        self,
        images: torch.Tensor,
        batch: int = 256,
        ctf: torch.Tensor | None = None,
        kmax: float | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Predicted poses ``(N, 3, 3)`` and shifts ``(N, 2)`` of images ``(N, D, D)`` (eval mode).

        With the symmetric loss the encoder is trained to explain either the image or its 180-degree rotation, so
        (as cryoAI does at inference) both are encoded and the branch whose rendering explains its image better
        (the loss at ``kmax`` with ``ctf``) is kept; a pose ``A2`` of the rotated image is the pose ``G^T A2`` of
        the image (``G = Rz(180 deg)``, :func:`~cryo_equi.d4_pose_matrix`), its shift ``-t2``.
        """
        was = self.training
        self.eval()
        rots, shifts = [], []
        if self.symmetric:
            from ._geometry import d4_pose_matrix

            g = _half_turn()
            back = torch.as_tensor(d4_pose_matrix(g).T, dtype=images.dtype, device=images.device)
        for lo in range(0, len(images), batch):
            x = images[lo : lo + batch]
            r, t = self.encoder(x)
            if self.symmetric:
                c = None if ctf is None else ctf[lo : lo + batch]
                x2 = transform_image(x, g)
                r2, t2 = self.encoder(x2)
                use2 = self._per_image(x2, r2, t2, c, kmax) < self._per_image(x, r, t, c, kmax)
                r = torch.where(use2[:, None, None], back.to(r2.dtype) @ r2, r)
                t = torch.where(use2[:, None], -t2, t)
            rots.append(r)
            shifts.append(t)
        self.train(was)
        return torch.cat(rots), torch.cat(shifts)


def _half_turn() -> GroupElement:
    return GroupElement(DihedralGroup(4), (0, 2))
