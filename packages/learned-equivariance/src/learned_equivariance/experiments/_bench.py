"""``learned-equivariance bench``: training-step cost of LearnableR2Conv vs e2cnn-core's R2Conv in the study's
network (the quick run's SO(2) models: fields [4, 6, 6] and a last convolution to 64 invariant fields), and
inference cost after ``export()``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import torch


def _time(fn: Callable[[], Any], repeats: int) -> float:
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def bench(batch: int, size: int, repeats: int) -> dict[str, Any]:
    """Median seconds of a training step (forward, backward, Adam) and of an exported eval forward."""
    from equi_runs import provenance

    from ._config import SO2_MODEL
    from ._models import build_model

    torch.manual_seed(0)
    x = torch.randn(batch, 1, size, 2 * size)
    y = torch.randint(0, 100, (batch,))
    res: dict[str, Any] = {"batch": batch, "digit_size": size, "repeats": repeats, "model": SO2_MODEL.as_dict()}
    for kind in ("equivariant", "learned", "learned_shared", "cnn"):
        model = build_model(kind, SO2_MODEL)
        opt = torch.optim.Adam(model.parameters(), 1e-3)

        def step(model: torch.nn.Module = model, opt: torch.optim.Optimizer = opt) -> None:
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

        res[f"train_step_seconds.{kind}"] = _time(step, repeats)
        model.eval()
        plain = model.export()
        with torch.no_grad():
            res[f"eval_seconds_exported.{kind}"] = _time(lambda plain=plain: plain(x), repeats)
            res[f"export_max_abs_diff.{kind}"] = float((plain(x) - model(x)).abs().max())
        res[f"n_parameters.{kind}"] = sum(p.numel() for p in model.parameters())
    base = res["train_step_seconds.equivariant"]
    res["train_overhead.learned"] = res["train_step_seconds.learned"] / base
    res["train_overhead.learned_shared"] = res["train_step_seconds.learned_shared"] / base
    res["eval_ratio_exported.learned"] = res["eval_seconds_exported.learned"] / res["eval_seconds_exported.equivariant"]
    res["eval_ratio_exported.learned_shared"] = (
        res["eval_seconds_exported.learned_shared"] / res["eval_seconds_exported.equivariant"]
    )
    res["provenance"] = provenance("learned-equivariance", __file__, "cpu")
    return res
