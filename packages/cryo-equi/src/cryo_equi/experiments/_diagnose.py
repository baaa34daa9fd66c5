"""``cryo-equi diagnose``: is the pose problem well posed, are conventions and gradients right, can the decoder learn?

Three checks on the data set of the matching ``reproduce`` run (same settings, same simulated particles):

- *known poses*: the implicit decoder (:class:`~cryo_equi.FourierVolume`, the reproduce settings) trained with
  the true poses; its FSC against the ground truth is the best a reproduce run can hope for at this scale.
- *refinement from near the truth*: each image's pose is a free 6D parameter, started at the true pose rotated by
  a random rotation of ``perturb_deg`` degrees, and optimised (Adam) through :func:`~cryo_equi.render` of the
  true map (:class:`~cryo_equi.GridVolume`) with the image's CTF. If the poses return to the truth, the renderer's
  conventions (pose, CTF, Fourier slice) match the simulator's and the pose gradients are right.
- *refinement from random starts*: the same from Haar-random poses. The fraction that reaches the truth measures
  how rugged the per-image loss landscape is, i.e. how much an amortized encoder must learn globally; for the
  starts that fail, the loss at the final pose is compared with the loss at the true pose (above: a local
  minimum; below: the data cannot tell the poses apart).
- *amortized encoders against the true map*: each encoder of ``reproduce`` (CNN, CNN + symmetric loss, D4) trained
  with the reproduce settings while the decoder is the true map, held fixed: the encoder's half of the problem
  alone (no volume to learn, no global rotation or hand to align).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import torch

from ._settings import Settings


@dataclass(frozen=True)
class DiagnoseSettings:
    """Per-image pose refinement through the true map."""

    perturb_deg: float = 25.0
    steps_near: int = 150
    steps_random: int = 300
    lr: float = 0.02
    kmax_fraction: float = 0.25  # band limit of the refinement loss, as a fraction of the box (D / 4)
    reached_deg: float = 10.0
    batch: int = 1024
    amortized_epochs: int | None = None  # epochs of the encoders trained against the true map (None: reproduce's)


@dataclass(frozen=True)
class Diagnose:
    run: Settings
    refine: DiagnoseSettings

    def config(self) -> dict:
        return {"run": self.run.config(), "refine": asdict(self.refine)}


def diagnose_for(quick: bool, smoke: bool = False, amortized_epochs: int | None = None) -> Diagnose:
    from ._settings import settings_for

    s = settings_for(quick, smoke)
    if smoke:
        ds = DiagnoseSettings(steps_near=40, steps_random=40, lr=0.03, kmax_fraction=0.3)
    else:
        ds = DiagnoseSettings()
    return Diagnose(s, replace(ds, amortized_epochs=amortized_epochs))


def rotations_by_angle(n: int, deg: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` rotations by exactly ``deg`` degrees about uniformly random axes (Rodrigues), ``(n, 3, 3)``."""
    ax = rng.standard_normal((n, 3))
    ax /= np.linalg.norm(ax, axis=1, keepdims=True)
    k = np.zeros((n, 3, 3))
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -ax[:, 2], ax[:, 1], -ax[:, 0]
    k -= np.swapaxes(k, 1, 2)
    t = np.deg2rad(deg)
    return np.eye(3) + np.sin(t) * k + (1 - np.cos(t)) * k @ k


def geodesic_deg(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Angle in degrees of ``a^T b`` for rotations ``(..., 3, 3)``."""
    tr = (a.transpose(-1, -2) @ b).diagonal(dim1=-2, dim2=-1).sum(-1)
    return torch.rad2deg(torch.arccos(((tr - 1) / 2).clamp(-1.0, 1.0)))


def refine_poses(
    volume: torch.nn.Module,
    images: torch.Tensor,
    ctf: torch.Tensor | None,
    start: torch.Tensor,
    truth: torch.Tensor,
    kmax: float,
    steps: int,
    lr: float = 0.02,
    batch: int = 1024,
    progress: bool = False,
    desc: str = "refine",
) -> dict[str, Any]:
    """Optimise one free pose per image (6D parametrisation, Adam) through ``render(volume, pose, ctf)``.

    The per-image loss is the mean squared difference with the image, both low-passed to ``|k| <= kmax``. The
    volume is held fixed. Returns the final poses, their errors against ``truth`` (no global alignment: the
    volume fixes the frame), the median error every 10 steps, and the final per-image losses next to the losses
    at the true poses.
    """
    from equi_groups import sixd_to_matrix
    from tqdm import tqdm

    from .._reconstructor import lowpass, render

    target = lowpass(images, kmax)

    def per_image(rot: torch.Tensor, sl: slice) -> torch.Tensor:
        pred = render(volume, rot, None, None if ctf is None else ctf[sl], kmax)
        return ((pred - target[sl]) ** 2).mean((-2, -1))

    params = torch.cat([start[:, :, 0], start[:, :, 1]], -1).clone().requires_grad_(True)
    opt = torch.optim.Adam([params], lr=lr)
    n = len(images)
    history: list[float] = [float(geodesic_deg(start, truth).median())]
    for step in tqdm(range(steps), desc=desc, disable=not progress, leave=False):
        opt.zero_grad()
        for lo in range(0, n, batch):
            sl = slice(lo, min(n, lo + batch))
            per_image(sixd_to_matrix(params[sl]), sl).sum().backward()
        opt.step()
        if (step + 1) % 10 == 0 or step + 1 == steps:
            with torch.no_grad():
                history.append(float(geodesic_deg(sixd_to_matrix(params), truth).median()))
    with torch.no_grad():
        final = sixd_to_matrix(params)
        loss_final = torch.cat([per_image(final[lo : lo + batch], slice(lo, lo + batch)) for lo in range(0, n, batch)])
        loss_true = torch.cat([per_image(truth[lo : lo + batch], slice(lo, lo + batch)) for lo in range(0, n, batch)])
    return {
        "rotations": final,
        "errors_deg": geodesic_deg(final, truth),
        "median_every_10_steps": history,
        "loss_final": loss_final,
        "loss_true": loss_true,
    }


def _refine_unit(kind: str, seed: int, d: Diagnose, prep: Any, volume: torch.nn.Module, progress: bool) -> dict:
    from .._geometry import random_rotations

    # never the data set's own stream (its seed draws the true poses): a separate, named stream per (kind, seed)
    rng = np.random.default_rng([seed, 1 if kind == "near" else 2, 20240601])
    truth = torch.as_tensor(prep.rotations, dtype=torch.float32)
    n = len(truth)
    if kind == "near":
        start = torch.as_tensor(rotations_by_angle(n, d.refine.perturb_deg, rng), dtype=torch.float32) @ truth
        steps = d.refine.steps_near
    else:
        start = torch.as_tensor(random_rotations(n, rng), dtype=torch.float32)
        steps = d.refine.steps_random
    box = d.run.data.box
    r = refine_poses(
        volume,
        prep.images,
        prep.ctf,
        start,
        truth,
        kmax=d.refine.kmax_fraction * box,
        steps=steps,
        lr=d.refine.lr,
        batch=d.refine.batch,
        progress=progress,
        desc=f"{kind} seed {seed}",
    )
    err = r["errors_deg"].numpy()
    failed = err >= d.refine.reached_deg
    above = (r["loss_final"] > r["loss_true"]).numpy()
    return {
        "start_median_deg": float(geodesic_deg(start, truth).median()),
        "median_deg": float(np.median(err)),
        "mean_deg": float(np.mean(err)),
        "reached_fraction": float(np.mean(~failed)),
        "failed_above_truth_fraction": float(np.mean(above[failed])) if failed.any() else 0.0,
        "median_every_10_steps": r["median_every_10_steps"],
        "errors_deg": [round(float(v), 3) for v in err],
    }


def _amortized_unit(
    encoder: str, seed: int, d: Diagnose, prep: Any, volume: torch.nn.Module, progress: bool
) -> dict[str, Any]:
    """Train one reproduce encoder against the true map held fixed; median pose error (no alignment) per epoch."""
    from tqdm import tqdm

    from .._metrics import convergence
    from ._train import build_model, kmax_at

    s = d.run
    torch.manual_seed(seed)
    model = build_model(encoder, s)
    model.volume = volume
    opt = torch.optim.Adam(model.encoder.parameters(), lr=s.train.lr)
    truth = torch.as_tensor(prep.rotations, dtype=torch.float32)
    n = len(truth)
    history: list[float] = []
    kmax = kmax_at(0, s)
    epochs = d.refine.amortized_epochs or s.train.epochs
    for epoch in tqdm(range(epochs), desc=f"{encoder} seed {seed}", disable=not progress, leave=False):
        gen = torch.Generator().manual_seed(seed * 100003 + epoch)
        perm = torch.randperm(n, generator=gen)
        kmax = kmax_at(epoch, s)
        model.train()
        for lo in range(0, n, s.train.batch):
            b = perm[lo : lo + s.train.batch]
            loss = model.loss(prep.images[b], prep.ctf[b], kmax)
            opt.zero_grad()
            loss.backward()
            opt.step()
        rots, _ = model.poses(prep.images, ctf=prep.ctf, kmax=kmax)
        history.append(float(geodesic_deg(rots, truth).median()))
    rots, _ = model.poses(prep.images, ctf=prep.ctf, kmax=kmax)
    err = geodesic_deg(rots, truth).numpy()
    conv = convergence(history, s.train.converge_deg)
    return {
        "median_deg": float(np.median(err)),
        "mean_deg": float(np.mean(err)),
        "converged": conv is not None,
        "convergence_epoch": conv,
        "median_deg_per_epoch": history,
        "errors_deg": [round(float(v), 3) for v in err],
    }


def _known_pose_unit(d: Diagnose, prep: Any, progress: bool) -> tuple[dict, np.ndarray]:
    """Train the reproduce decoder with the true poses (no encoder); its map and FSC against the ground truth."""
    from tqdm import tqdm

    from .._decoder import FourierVolume
    from .._metrics import best_shift_alignment, fsc, fsc_resolution
    from .._reconstructor import lowpass, render
    from ._train import kmax_at

    s = d.run
    t = s.train
    torch.manual_seed(0)
    dec = FourierVolume(s.data.box, hidden=t.hidden, layers=t.layers, features=t.features)
    opt = torch.optim.Adam(dec.parameters(), lr=t.lr)
    truth = torch.as_tensor(prep.rotations, dtype=torch.float32)
    n = len(truth)
    losses = []
    for epoch in tqdm(range(t.epochs), desc="known poses", disable=not progress, leave=False):
        gen = torch.Generator().manual_seed(epoch)
        perm = torch.randperm(n, generator=gen)
        kmax = kmax_at(epoch, s)
        total = 0.0
        for lo in range(0, n, t.batch):
            b = perm[lo : lo + t.batch]
            pred = render(dec, truth[b], None, prep.ctf[b], kmax)
            loss = ((pred - lowpass(prep.images[b], kmax)) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(b)
        losses.append(total / n)
    vol = best_shift_alignment(dec.to_volume().numpy(), prep.gt_map)
    curve = fsc(vol, prep.gt_map)
    px = s.data.pixel_size
    return {
        "fsc": [float(v) for v in curve],
        "fsc_resolution_0143": fsc_resolution(curve, s.data.box, px, 0.143),
        "fsc_resolution_05": fsc_resolution(curve, s.data.box, px, 0.5),
        "loss_per_epoch": losses,
    }, vol


def diagnose(
    run: Any,
    d: Diagnose,
    seeds: list[int],
    encoders: Sequence[str] | None = None,
    *,
    progress: bool = True,
    figures: bool = True,
) -> dict:
    """Run the four checks in the open run folder (resumable units), write metrics.json (and diagnose.png).

    ``encoders``: the encoders trained against the true map (default: all three)."""
    import time

    from .. import __version__
    from .._decoder import GridVolume
    from .._mrc import write_mrc
    from .._names import ENCODERS
    from ._reproduce import make_data
    from ._train import prepare

    encoders = list(encoders or ENCODERS)
    run.total_units = 1 + (2 + len(encoders)) * len(seeds)
    sim, gt = make_data(d.run, run.out)
    # raw images (not normalised): the true map renders them at their own scale
    prep = prepare(sim, gt, sim.particles.optics, d.run.data.ctf)
    prep.images = torch.as_tensor(sim.images, dtype=torch.float32)
    volume = GridVolume.from_map(torch.as_tensor(gt))
    per_seed: dict[str, dict[int, float]] = {}
    results: dict[str, dict[int, dict]] = {}
    for kind in ("near", "random"):
        for seed in seeds:
            unit = run.unit(f"refine_{kind}", f"seed{seed}")
            if not unit.done:
                t0 = time.perf_counter()
                unit.save(_refine_unit(kind, seed, d, prep, volume, progress), seconds=time.perf_counter() - t0)
            r = unit.load()
            results.setdefault(kind, {})[seed] = r
            for key in ("median_deg", "mean_deg", "reached_fraction", "failed_above_truth_fraction"):
                per_seed.setdefault(f"refine_{kind}.{key}", {})[seed] = r[key]
    amortized: dict[str, dict[int, dict]] = {}
    for enc in encoders:
        for seed in seeds:
            unit = run.unit("amortized", enc, f"seed{seed}")
            if not unit.done:
                t0 = time.perf_counter()
                unit.save(_amortized_unit(enc, seed, d, prep, volume, progress), seconds=time.perf_counter() - t0)
            r = unit.load()
            amortized.setdefault(enc, {})[seed] = r
            per_seed.setdefault(f"amortized.median_deg.{enc}", {})[seed] = r["median_deg"]
            per_seed.setdefault(f"amortized.converged_fraction.{enc}", {})[seed] = float(r["converged"])
    # known poses: the normalised images of a reproduce run
    prep.images = prep.images / prep.images.std()
    unit = run.unit("known_poses")
    if not unit.done:
        t0 = time.perf_counter()
        res, vol = _known_pose_unit(d, prep, progress)
        write_mrc(run.out / "known_poses.mrc", vol, d.run.data.pixel_size)
        unit.save(res, seconds=time.perf_counter() - t0)
    known = unit.load()
    metrics: dict[str, Any] = {
        "known_poses.fsc_resolution_0143": known["fsc_resolution_0143"],
        "known_poses.fsc_resolution_05": known["fsc_resolution_05"],
        "nyquist_A": 2 * d.run.data.pixel_size,
        "refine_near.start_median_deg": results["near"][seeds[0]]["start_median_deg"],
        "refine_random.start_median_deg": results["random"][seeds[0]]["start_median_deg"],
        "reached_threshold_deg": d.refine.reached_deg,
        "converge_threshold_deg": d.run.train.converge_deg,
    }
    for enc, by_seed in amortized.items():
        epochs = [r["convergence_epoch"] for r in by_seed.values() if r["convergence_epoch"] is not None]
        metrics[f"amortized.convergence_epoch.{enc}"] = float(np.mean(epochs)) if epochs else None
    if figures:
        from ._plots import plot_diagnose

        plot_diagnose(run.out, results, known, amortized, d)
    return run.write_metrics(metrics, per_seed=per_seed, seeds=seeds, version=__version__)
