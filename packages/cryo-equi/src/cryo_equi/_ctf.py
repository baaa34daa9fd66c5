"""The contrast transfer function in RELION's convention (``CTF::getCTF`` of RELION 3.1)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


def electron_wavelength(voltage_kv: float) -> float:
    """Relativistic electron wavelength in Angstrom: ``12.2643247 / sqrt(V (1 + 0.978466e-6 V))``, ``V`` in volts.

    Examples:
        >>> round(electron_wavelength(300.0), 5)
        0.01969
    """
    v = voltage_kv * 1e3
    return 12.2643247 / math.sqrt(v * (1.0 + 0.978466e-6 * v))


@dataclass(frozen=True)
class Optics:
    """Microscope optics of one RELION optics group.

    Args:
        voltage_kv: acceleration voltage (``_rlnVoltage``, kV).
        cs_mm: spherical aberration (``_rlnSphericalAberration``, mm).
        amplitude_contrast: ``_rlnAmplitudeContrast`` (fraction, 0 <= Q0 < 1).
        pixel_size: ``_rlnImagePixelSize`` (Angstrom per pixel).
        box: ``_rlnImageSize`` (pixels).
    """

    voltage_kv: float = 300.0
    cs_mm: float = 2.7
    amplitude_contrast: float = 0.1
    pixel_size: float = 1.0
    box: int = 64

    def __post_init__(self) -> None:
        if not 0.0 <= self.amplitude_contrast < 1.0:
            raise ValueError(f"amplitude_contrast must be in [0, 1), got {self.amplitude_contrast}")
        if self.voltage_kv <= 0 or self.pixel_size <= 0 or self.box < 2:
            raise ValueError(f"bad optics: voltage {self.voltage_kv} kV, pixel {self.pixel_size} A, box {self.box}")


def frequencies_2d(
    box: int, pixel_size: float, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Spatial frequencies ``(kx, ky)`` in 1/Angstrom of the centred ``box x box`` DFT grid (``[ky, kx]`` layout)."""
    k = (torch.arange(box, dtype=torch.float64, device=device) - box // 2) / (box * pixel_size)
    ky, kx = torch.meshgrid(k, k, indexing="ij")
    return kx, ky


def ctf_2d(
    optics: Optics,
    defocus_u: torch.Tensor,
    defocus_v: torch.Tensor,
    angle_deg: torch.Tensor,
    bfactor: float | torch.Tensor = 0.0,
    phase_shift_deg: float = 0.0,
) -> torch.Tensor:
    """RELION's CTF on the centred DFT grid, one per particle.

    ``CTF(k) = -sin(pi lambda df k^2 + pi/2 Cs lambda^3 k^4 - phi - asin(Q0)) exp(-B k^2 / 4)`` with
    ``df = -(dU + dV)/2 - (dU - dV)/2 cos(2 (alpha - angle))`` (so positive ``dU``, ``dV`` are underfocus and the
    CTF starts at ``+Q0`` at ``k = 0``), ``alpha`` the azimuth of ``(kx, ky)``, ``Cs`` in Angstrom.

    Args:
        defocus_u, defocus_v: ``_rlnDefocusU/V`` in Angstrom, shape ``(N,)``.
        angle_deg: ``_rlnDefocusAngle`` in degrees, ``(N,)``.
        bfactor: B-factor envelope in A^2 (``_rlnCtfBfactor``), one number or one per particle ``(N,)``.
        phase_shift_deg: ``_rlnPhaseShift`` in degrees.

    Returns:
        ``(N, box, box)`` float64, layout ``[ky, kx]`` with zero frequency at ``box // 2``.
    """
    kx, ky = frequencies_2d(optics.box, optics.pixel_size, defocus_u.device)
    lam = electron_wavelength(optics.voltage_kv)
    cs = optics.cs_mm * 1e7
    q0 = optics.amplitude_contrast
    k2 = kx**2 + ky**2
    alpha = torch.atan2(ky, kx)
    du, dv, ang = (t.double().reshape(-1, 1, 1) for t in (defocus_u, defocus_v, angle_deg))
    df = -(du + dv) / 2 - (du - dv) / 2 * torch.cos(2 * (alpha - torch.deg2rad(ang)))
    arg = math.pi * lam * df * k2 + math.pi / 2 * cs * lam**3 * k2**2 - math.radians(phase_shift_deg) - math.asin(q0)
    ctf = -torch.sin(arg)
    if isinstance(bfactor, torch.Tensor):
        if bool((bfactor != 0).any()):
            ctf = ctf * torch.exp(-bfactor.double().reshape(-1, 1, 1).to(k2.device) / 4 * k2)
    elif bfactor:
        ctf = ctf * torch.exp(-bfactor / 4 * k2)
    return ctf
