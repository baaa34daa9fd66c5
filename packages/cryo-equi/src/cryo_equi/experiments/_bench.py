"""``cryo-equi bench``: time per batch of the encoders and the decoder, and of a training step with/without the
symmetric loss."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import torch

from ._settings import settings_for


def _time(fn: Callable[[], Any], repeats: int, device: str) -> float:
    fn()  # warm-up
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def bench(box: int, batch: int, repeats: int, device: str, particles: int = 256) -> dict[str, Any]:
    """Median seconds per batch (forward + backward) of each part, and the wall time of one training epoch over
    ``particles`` images (forward, backward and Adam step of every batch); the quick run's widths."""
    from equi_runs import provenance

    from .._reconstructor import render
    from ._train import build_model

    base = settings_for(quick=True)
    from dataclasses import replace

    s = replace(base, data=replace(base.data, box=box))
    torch.manual_seed(0)
    images = torch.randn(batch, box, box, device=device)
    ctf = torch.ones(batch, box, box, device=device)
    res: dict[str, Any] = {"box": box, "batch": batch, "repeats": repeats, "device": device}
    models = {}
    for name in ("cnn", "cnn_symloss", "d4"):
        models[name] = build_model(name, s).to(device)
    for arch in ("cnn", "d4"):
        enc = models[arch].encoder

        def enc_step(enc: torch.nn.Module = enc) -> None:
            rot, t = enc(images)
            (rot.sum() + t.sum()).backward()

        res[f"encoder_seconds_per_batch.{arch}"] = _time(enc_step, repeats, device)
        res[f"encoder_parameters.{arch}"] = sum(p.numel() for p in enc.parameters())
    dec = models["cnn"].volume
    rots = torch.linalg.qr(torch.randn(batch, 3, 3, device=device))[0]

    def dec_step() -> None:
        render(dec, rots, None, ctf).sum().backward()

    res["decoder_seconds_per_batch"] = _time(dec_step, repeats, device)
    for name, model in models.items():

        def step(model: torch.nn.Module = model) -> None:
            model.loss(images, ctf).backward()

        res[f"train_step_seconds.{name}"] = _time(step, repeats, device)
    for name, model in models.items():
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        data = torch.randn(particles, box, box, device=device)

        def epoch(model: torch.nn.Module = model, opt: torch.optim.Optimizer = opt, data: torch.Tensor = data) -> None:
            for lo in range(0, particles, batch):
                loss = model.loss(data[lo : lo + batch], ctf[: len(data[lo : lo + batch])])
                opt.zero_grad()
                loss.backward()
                opt.step()

        res[f"epoch_seconds.{name}"] = _time(epoch, max(1, repeats // 2), device)
    res["particles_per_epoch"] = particles
    res["symmetric_loss_cost_factor"] = res["train_step_seconds.cnn_symloss"] / res["train_step_seconds.cnn"]
    res["d4_vs_cnn_symloss_step_ratio"] = res["train_step_seconds.d4"] / res["train_step_seconds.cnn_symloss"]
    res["d4_vs_cnn_symloss_epoch_ratio"] = res["epoch_seconds.d4"] / res["epoch_seconds.cnn_symloss"]
    res["provenance"] = provenance("cryo-equi", __file__, device)
    return res
