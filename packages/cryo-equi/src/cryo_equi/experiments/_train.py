"""Training of one reproduction unit (one encoder, one seed) with a checkpoint after every epoch."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .._ctf import Optics, ctf_2d
from .._decoder import FourierVolume
from .._encoders import build_encoder
from .._metrics import align_poses, best_shift_alignment, convergence, fsc, fsc_resolution
from .._reconstructor import Reconstructor
from .._simulate import SimulatedData
from ._settings import Settings


@dataclass
class Prepared:
    """Tensors shared by every unit of a run: normalised images, CTFs, true poses, ground-truth map."""

    images: torch.Tensor
    ctf: torch.Tensor
    rotations: np.ndarray
    gt_map: np.ndarray
    optics: Optics


def prepare(
    data: SimulatedData, gt_map: np.ndarray, optics: Optics, use_ctf: bool, device: str = "cpu"
) -> Prepared:
    images = torch.as_tensor(data.images, dtype=torch.float32)
    images = images / images.std()
    p = data.particles
    if use_ctf:
        ctf = ctf_2d(optics, *(torch.as_tensor(a) for a in (p.defocus_u, p.defocus_v, p.defocus_angle))).float()
    else:
        ctf = torch.ones(len(images), optics.box, optics.box)
    return Prepared(images.to(device), ctf.to(device), data.rotations, gt_map, optics)


def build_model(encoder: str, s: Settings) -> Reconstructor:
    t = s.train
    arch = "d4" if encoder == "d4" else "cnn"
    width = t.d4_width if arch == "d4" else t.cnn_width
    enc = build_encoder(arch, s.data.box, width, t.blocks)
    dec = FourierVolume(s.data.box, hidden=t.hidden, layers=t.layers, features=t.features)
    return Reconstructor(enc, dec, predict_shifts=t.predict_shifts, symmetric=encoder == "cnn_symloss")


def kmax_at(epoch: int, s: Settings) -> float:
    """Frequency marching: the band limit (pixels of frequency) of epoch ``epoch`` (0-based)."""
    return min(s.data.box / 2, s.train.kmax_start + s.train.kmax_step * epoch)


def evaluate(model: Reconstructor, prep: Prepared, kmax: float | None = None) -> dict[str, Any]:
    """Pose errors after alignment (both hands), the aligned map and its FSC against the ground truth.

    ``kmax``: the band limit at which a symmetric-loss model chooses between an image and its 180-degree rotation.
    """
    rots, _ = model.poses(prep.images, ctf=prep.ctf, kmax=kmax)
    al = align_poses(rots.double().cpu().numpy(), prep.rotations)
    # the reconstruction V' satisfies V'(r) = V(Q r) (or its mirror): bring it back with V(r) = V'(Q^T r)
    q = torch.as_tensor(al.rotation.T, dtype=torch.float32)
    vol = model.volume.to_volume(q).cpu().numpy()
    if al.mirrored:  # the mirror H = diag(1, 1, -1) flips z (axis 0 of [z, y, x]) about the centre
        vol = np.roll(np.flip(vol, 0), 1 if vol.shape[0] % 2 == 0 else 0, axis=0)
    vol = best_shift_alignment(vol, prep.gt_map)
    curve = fsc(vol, prep.gt_map)
    d, px = prep.optics.box, prep.optics.pixel_size
    return {
        "errors_deg": al.errors_deg,
        "median": al.median,
        "mean": al.mean,
        "mirrored": al.mirrored,
        "map": vol,
        "fsc": curve,
        "res_0143": fsc_resolution(curve, d, px, 0.143),
        "res_05": fsc_resolution(curve, d, px, 0.5),
    }


def train_unit(
    encoder: str,
    seed: int,
    s: Settings,
    prep: Prepared,
    checkpoint: dict | None = None,
    save_checkpoint: Callable[[dict], None] | None = None,
    progress: bool = True,
) -> tuple[dict[str, Any], Reconstructor, dict[str, Any]]:
    """Train one unit, resuming from ``checkpoint``; returns (result for result.json, model, final evaluation)."""
    from tqdm import tqdm

    torch.manual_seed(seed)
    device = prep.images.device
    model = build_model(encoder, s).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=s.train.lr)
    history: list[float] = []
    seconds: list[float] = []
    start = 0
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])  # checkpoints are saved from CPU copies
        opt.load_state_dict(checkpoint["optimizer"])
        history = [float(v) for v in checkpoint["history"]]
        seconds = [float(v) for v in checkpoint["seconds"]]
        start = int(checkpoint["epoch"])
    n = len(prep.images)
    bar = tqdm(range(start, s.train.epochs), desc=f"{encoder} seed {seed}", disable=not progress, leave=False)
    for epoch in bar:
        gen = torch.Generator().manual_seed(seed * 100003 + epoch)
        perm = torch.randperm(n, generator=gen)
        kmax = kmax_at(epoch, s)
        t0 = time.perf_counter()
        model.train()
        for lo in range(0, n, s.train.batch):
            b = perm[lo : lo + s.train.batch].to(device)
            loss = model.loss(prep.images[b], prep.ctf[b], kmax)
            opt.zero_grad()
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
        rots, _ = model.poses(prep.images, ctf=prep.ctf, kmax=kmax)
        history.append(align_poses(rots.double().cpu().numpy(), prep.rotations).median)
        bar.set_postfix(median_deg=f"{history[-1]:.1f}", kmax=kmax)
        if save_checkpoint is not None and epoch + 1 < s.train.epochs:
            save_checkpoint(
                {
                    "model": {k: v.cpu() for k, v in model.state_dict().items()},
                    "optimizer": opt.state_dict(),
                    "history": torch.tensor(history, dtype=torch.float64),
                    "seconds": torch.tensor(seconds, dtype=torch.float64),
                    "epoch": epoch + 1,
                }
            )
    ev = evaluate(model, prep, kmax_at(s.train.epochs - 1, s))
    conv = convergence(history, s.train.converge_deg)
    result = {
        "pose_error_median_deg": ev["median"],
        "pose_error_mean_deg": ev["mean"],
        "mirrored": ev["mirrored"],
        "fsc": [float(v) for v in ev["fsc"]],
        "fsc_resolution_0143": ev["res_0143"],
        "fsc_resolution_05": ev["res_05"],
        "median_deg_per_epoch": history,
        "converged": conv is not None,
        "convergence_epoch": conv,
        "seconds_per_epoch": float(np.mean(seconds)),
        "pose_errors_deg": [round(float(v), 3) for v in ev["errors_deg"]],
    }
    return result, model, ev
