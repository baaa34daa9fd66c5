"""One unit of the study: train a PolarNet for one group and seed to the fixed margin, measure gap and bounds."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from .._bounds import BoundReport, fourier_layer_terms, naive_layer_terms, pac_bayes_margin_bound
from .._fourier import LayerDecomposition, fourier_decompose
from .._margins import margin_loss, margins
from ._config import StudyConfig, count_parameters
from ._data import load_rotated_mnist, polar_sample
from ._model import PolarNet, PolarNetConfig
from ._train import logits_of, train_to_margin

__all__ = ["bounds_of", "layer_report", "run_unit"]


def layer_report(net: PolarNet) -> list[tuple[str, np.ndarray, LayerDecomposition]]:
    """``(name, W, decomposition)`` for every layer of ``net`` (float64; each checked to be an intertwiner)."""
    return [(name, W, fourier_decompose(W, rin, rout, atol=1e-6)) for name, W, rin, rout in net.linear_maps()]


def bounds_of(
    net: PolarNet, *, B: float, gamma: float, m: int, margin_loss_train: float, delta: float
) -> tuple[BoundReport, BoundReport, list[dict]]:
    """The Fourier and naive bounds of ``net`` and a per-layer, per-irrep table."""
    rows, f_terms, n_terms = [], [], []
    for name, W, dec in layer_report(net):
        f_terms.append(fourier_layer_terms(name, dec))
        n_terms.append(naive_layer_terms(name, W))
        rows.append(
            {
                "layer": name,
                "shape": list(W.shape),
                "residual": dec.residual,
                "blocks": [
                    {
                        "irrep": str(b.irrep),
                        "d": b.dim,
                        "type": b.type,
                        "m_out": b.m_out,
                        "m_in": b.m_in,
                        "spectral": b.spectral_norm(),
                        "frobenius_sq": b.frobenius_sq(),
                    }
                    for b in dec.blocks
                ],
            }
        )
    kw = {"B": B, "gamma": gamma, "m": m, "margin_loss": margin_loss_train, "delta": delta}
    return pac_bayes_margin_bound("fourier", f_terms, **kw), pac_bayes_margin_bound("naive", n_terms, **kw), rows


_DATA: dict[tuple, tuple[torch.Tensor, ...]] = {}


def polar_data(cfg: StudyConfig, seed: int) -> tuple[torch.Tensor, ...]:
    """Polar samples ``(N, n_radii * n_angles)`` and labels of the train and test splits (cached per process)."""
    key = (cfg.n_train, cfg.n_test, seed, cfg.polar)
    if key not in _DATA:
        xtr, ytr, xte, yte = load_rotated_mnist(cfg.n_train, cfg.n_test, seed)
        _DATA.clear()
        _DATA[key] = (polar_sample(xtr, cfg.polar).flatten(1), ytr, polar_sample(xte, cfg.polar).flatten(1), yte)
    return _DATA[key]


def run_unit(
    group: str, seed: int, cfg: StudyConfig, progress: bool = False, save_model: Path | None = None
) -> dict:
    """Train one network and measure everything; a JSON-ready result."""
    t0 = time.perf_counter()
    ptr, ytr, pte, yte = polar_data(cfg, seed)
    torch.manual_seed(seed)
    order = int(group[1:]) * (2 if group.startswith("D") else 1)
    width = cfg.width_for(order)
    net = PolarNet(PolarNetConfig(group, width, polar=tuple(asdict(cfg.polar).items())))
    idx = net.field_index
    xtr, xte = ptr[:, idx], pte[:, idx]
    info = train_to_margin(net, xtr, ytr, cfg.train, seed, progress=progress)
    mtr = margins(logits_of(net, xtr), ytr.numpy())
    mte = margins(logits_of(net, xte), yte.numpy())
    gamma = cfg.train.gamma
    B = float(torch.cat([xtr, xte]).double().norm(dim=1).max())
    lg_train = margin_loss(mtr, gamma)
    fourier, naive, rows = bounds_of(net, B=B, gamma=gamma, m=len(ytr), margin_loss_train=lg_train, delta=cfg.delta)
    if save_model is not None:
        from equi_runs import save_torch_atomic

        recipe = {
            "model": net.config.as_dict(),
            "data": {"n_train": cfg.n_train, "n_test": cfg.n_test, "seed": seed},
            "gamma": gamma,
            "delta": cfg.delta,
        }
        save_torch_atomic({"recipe": recipe, "state_dict": net.state_dict()}, save_model)
    train_err, test_err = margin_loss(mtr, 0.0), margin_loss(mte, 0.0)
    return {
        "group": group,
        "seed": seed,
        "width": width,
        "params": count_parameters(order, width, cfg.polar.dim),
        "epochs": info["epochs"],
        "reached": info["reached"],
        "train_error": train_err,
        "test_error": test_err,
        "gap": test_err - train_err,
        "margin_loss_train": lg_train,
        "margin_loss_test": margin_loss(mte, gamma),
        "margin_gap": margin_loss(mte, gamma) - lg_train,
        "B": B,
        "bound_fourier": fourier.as_dict(),
        "bound_naive": naive.as_dict(),
        "layers": rows,
        "seconds": time.perf_counter() - t0,
    }
