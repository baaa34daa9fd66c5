import math

import pytest
import torch
from cryo_equi import Optics, ctf_2d, electron_wavelength


def test_wavelengths_match_textbook_values():
    # 300 kV: 0.01969 A; 200 kV: 0.02508 A; 100 kV: 0.03701 A (relativistic)
    assert electron_wavelength(300) == pytest.approx(0.019687, abs=2e-6)
    assert electron_wavelength(200) == pytest.approx(0.025079, abs=2e-6)
    assert electron_wavelength(100) == pytest.approx(0.037014, abs=2e-6)


def _one(opt, du, dv, ang, **kw):
    return ctf_2d(opt, torch.tensor([du]), torch.tensor([dv]), torch.tensor([ang]), **kw)[0]


def test_ctf_at_zero_frequency_is_amplitude_contrast():
    opt = Optics(box=32, pixel_size=2.0, amplitude_contrast=0.07)
    assert _one(opt, 15000.0, 14000.0, 30.0)[16, 16].item() == pytest.approx(0.07, abs=1e-12)


def test_ctf_hand_computed_value():
    # 300 kV, Cs 2.7 mm, Q0 0.1, defocus 20000 A (no astigmatism), at k = (4 / (64 * 1.0), 0) 1/A
    opt = Optics(voltage_kv=300, cs_mm=2.7, amplitude_contrast=0.1, pixel_size=1.0, box=64)
    lam = 0.0196875  # A, from 12.2643247 / sqrt(300e3 (1 + 0.978466e-6 * 300e3))
    k = 4 / 64
    chi = math.pi * lam * 20000 * k**2 - math.pi / 2 * 2.7e7 * lam**3 * k**4 + math.asin(0.1)
    assert _one(opt, 20000.0, 20000.0, 0.0)[32, 36].item() == pytest.approx(math.sin(chi), abs=2e-4)


def test_first_zero_without_cs_and_astigmatism_axes():
    opt = Optics(cs_mm=0.0, amplitude_contrast=0.0, pixel_size=1.0, box=128)
    lam = electron_wavelength(300)
    # first zero of sin(pi lam df k^2) at k^2 = 1 / (lam df): choose df so that it falls on pixel 10 along x
    k = 10 / 128
    df = 1 / (lam * k**2)
    c = _one(opt, df, df, 0.0)
    assert abs(c[64, 74].item()) < 1e-6
    assert c[64, 73].item() > 0.05  # positive (underfocus) before the first zero
    # astigmatism: along the angle direction the defocus is U, across it V
    c2 = _one(opt, df, 0.5 * df, 90.0)
    assert abs(c2[74, 64].item()) < 1e-6  # ky axis (angle 90 deg): defocus U
    assert abs(c2[64, 74].item()) > 0.5  # kx axis: defocus V = U / 2, half way to the zero


def test_bfactor_envelope():
    opt = Optics(box=32, pixel_size=2.0)
    plain = _one(opt, 15000.0, 15000.0, 0.0)
    damped = _one(opt, 15000.0, 15000.0, 0.0, bfactor=100.0)
    k2 = (5 / 64) ** 2
    assert damped[16, 21].item() == pytest.approx(plain[16, 21].item() * math.exp(-100 * k2 / 4), rel=1e-9)
