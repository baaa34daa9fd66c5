"""Training one unit (model x data x seed) and measuring its likelihoods."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ._config import PROBE_SETTINGS, DataConfig, ModelConfig, TrainConfig
from ._data import make_split
from ._models import build_model

__all__ = ["PROBE_SETTINGS", "TrainConfig", "eval_grid", "likelihood_stats", "subgroup_mask", "train_unit"]

#: rotations per coset of the common grid on which SO(2)/O(2) likelihoods are measured (C_8 / D_8 angles)
EVAL_ROTATIONS = 8
#: rotations per coset of the plotted SO(2)/O(2) likelihood curves
CURVE_ROTATIONS = 72


def eval_grid(group: object, rotations: int = EVAL_ROTATIONS) -> list[tuple[int, float]]:
    """Where a likelihood over ``group`` is measured, as ``(f, t)``: every element of C_N/D_N; for SO(2)/O(2)
    ``rotations`` equispaced rotations per coset (the identity first)."""
    import math

    if group.is_finite:
        return [tuple(group.to_o2(g)) for g in group.elements()]
    from equi_groups import O2

    cosets = 2 if isinstance(group, O2) else 1
    return [(c, 2 * math.pi * i / rotations) for c in range(cosets) for i in range(rotations)]


def subgroup_mask(group_name: str, symmetry: str, grid: list[tuple[int, float]]) -> np.ndarray:
    """Which grid elements ``(f, t)`` of the model's group lie in the data's symmetry group (C1, C4, SO2, ...)."""
    base = symmetry[1:] if symmetry[0] in "CD" else symmetry
    order = None if base in ("SO2", "O2") or symmetry in ("SO2", "O2") else int(base)
    reflect = symmetry[0] in "DO"
    out = []
    for f, t in grid:
        ok_f = f == 0 or reflect
        if order is None:
            ok_t = True
        else:
            step = 2 * np.pi / order
            ok_t = abs((t / step) - round(t / step)) < 1e-6
        out.append(ok_f and ok_t)
    return np.asarray(out)


def likelihood_stats(density: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """Concentration of a Haar-normalised density on the grid: mass at the identity (uniform: 1/n), mass on the
    target subgroup, total variation distance to the uniform distribution on it (0 = perfect fit, the README's
    likelihood-fit distance)."""
    p = density / density.sum()
    target = mask / mask.sum()
    return {
        "mass_identity": float(p[0]),
        "mass_target": float(p[mask].sum()),
        "tv_to_target": float(0.5 * np.abs(p - target).sum()),
        "max_over_min": float(density.max() / max(density.min(), 1e-12)),
    }


def _evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 500) -> float:
    model.eval()
    wrong = 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            wrong += int((model(x[i : i + batch]).argmax(1) != y[i : i + batch]).sum())
    model.train()
    return 100.0 * wrong / len(y)


def train_unit(
    kind: str,
    data: DataConfig,
    mcfg: ModelConfig,
    tcfg: TrainConfig,
    seed: int,
    lik_lr_factor: float = 1.0,
    digits: tuple | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict, torch.nn.Module]:
    """Train ``kind`` on ``data`` with ``seed``; the test error is read at the epoch of best validation error
    (the authors' metric). Returns the result record and the model (at its best validation epoch)."""
    torch.manual_seed(seed)
    xtr, ytr, _, _ = make_split(data, "train", digits)
    xva, yva, _, _ = make_split(data, "val", digits)
    xte, yte, _, _ = make_split(data, "test", digits)
    model = build_model(kind, mcfg)
    liks = model.likelihoods()
    lik_params = {id(lk.fts_in): lk.fts_in for lk in liks}
    others = [p for p in model.parameters() if id(p) not in lik_params]
    lik_lr = (tcfg.lik_lr or tcfg.lr) * lik_lr_factor
    groups = [{"params": others, "lr": tcfg.lr}]
    if lik_params:
        groups.append({"params": list(lik_params.values()), "lr": lik_lr})
    opt = torch.optim.Adam(groups)
    gen = torch.Generator().manual_seed(seed)
    best = (float("inf"), None, 0)
    history: dict[str, list] = {"val_error": [], "densities": []}
    grid = eval_grid(liks[0].group) if liks else []
    curve = (grid if liks[0].group.is_finite else eval_grid(liks[0].group, CURVE_ROTATIONS)) if liks else []
    if liks:
        history["curves"] = []
    t0 = time.perf_counter()
    from .._likelihood import likelihood_regularisers

    for epoch in range(tcfg.epochs):
        perm = torch.randperm(len(ytr), generator=gen)
        for i in range(0, len(ytr), tcfg.batch):
            idx = perm[i : i + tcfg.batch]
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            if liks:
                reg = likelihood_regularisers(liks)
                loss = (
                    loss + tcfg.w_align * reg["align"] + tcfg.w_kl * reg["kl"] + tcfg.w_kl_uniform * reg["kl_uniform"]
                )
            if kind == "rpp":
                loss = loss + model.penalty()
            opt.zero_grad()
            loss.backward()
            opt.step()
        val = _evaluate(model, xva, yva)
        history["val_error"].append(val)

        with torch.no_grad():
            history["densities"].append([lk.density_at(grid).tolist() for lk in liks])
            if liks:
                history["curves"].append([[round(v, 4) for v in lk.density_at(curve).tolist()] for lk in liks])
        if val < best[0]:
            best = (val, {k: v.detach().clone() for k, v in model.state_dict().items()}, epoch)
        if progress is not None:
            progress(1)
    seconds = time.perf_counter() - t0
    model.load_state_dict(best[1])
    # the test set is read once, at the epoch of best validation error (the authors' metric)
    test_error = _evaluate(model, xte, yte)
    model.eval()
    result = {
        "test_error": test_error,
        "val_error": best[0],
        "best_epoch": best[2],
        "history": history,
        "seconds_per_epoch": seconds / tcfg.epochs,
        "n_parameters": sum(p.numel() for p in model.parameters()),
    }
    if liks:
        with torch.no_grad():  # at the best validation epoch
            result["densities"] = [lk.density_at(grid).tolist() for lk in liks]
            result["curves"] = [lk.density_at(curve).tolist() for lk in liks]
        result["grid"] = [list(e) for e in grid]
        result["curve_grid"] = [list(e) for e in curve]
    return result, model
