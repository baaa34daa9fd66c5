"""``pac-equi bound MODEL.pt``: both bounds of a saved network, term by term, as a table, JSON and a figure."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from equi_runs import RunError, load_torch, provenance, save_figure, write_json_atomic  # noqa: E402

from .._margins import margin_loss, margins  # noqa: E402
from ._data import load_rotated_mnist, polar_sample  # noqa: E402
from ._model import PolarNet, PolarNetConfig  # noqa: E402
from ._study import bounds_of  # noqa: E402
from ._train import logits_of  # noqa: E402

__all__ = ["bound_report", "load_checkpoint"]

FIX = "pass a checkpoint written by pac-equi reproduce (units/<group>-seed<N>/model.pt)"


def load_checkpoint(path: Path) -> tuple[PolarNet, dict]:
    """The network and recipe stored in ``path`` (``torch.load(weights_only=True)``; clear errors otherwise)."""
    ckpt = load_torch(path, what="model checkpoint", fix=FIX)
    ok = isinstance(ckpt, dict) and isinstance(ckpt.get("recipe"), dict) and isinstance(ckpt.get("state_dict"), dict)
    if not ok:
        raise RunError(f"{path} holds no {{'recipe': ..., 'state_dict': ...}} dictionary: {FIX}")
    recipe = ckpt["recipe"]
    try:
        cfg = PolarNetConfig.from_dict(recipe.get("model", {}))
    except (KeyError, TypeError, ValueError) as e:
        raise RunError(f"{path}: unusable model recipe ({e}): {FIX}") from None
    net = PolarNet(cfg)
    try:
        net.load_state_dict(ckpt["state_dict"])
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0]
        raise RunError(f"{path}: weights do not fit the recipe's network ({first[:160]})") from None
    for key in ("data", "gamma", "delta"):
        if key not in recipe:
            raise RunError(f"{path}: the recipe lacks {key!r}: {FIX}")
    return net, recipe


def _table(fourier: dict, naive: dict, rows: list[dict], extra: dict) -> str:
    lines = [
        f"group {extra['group']}, width {extra['width']}, m = {fourier['m']} training digits, gamma = "
        f"{fourier['gamma']}, delta = {fourier['delta']}, B = {fourier['B']:.3f}",
        f"train error {extra['train_error']:.4f}, test error {extra['test_error']:.4f}, "
        f"gap {extra['test_error'] - extra['train_error']:.4f}; margin loss L_gamma: train "
        f"{fourier['margin_loss']:.4f}, test {extra['margin_loss_test']:.4f}",
        "",
        f"{'layer':6s} {'shape':>10s} {'||W||_2':>9s} {'P_l four.':>10s} {'P_l naive':>10s} {'M_l four.':>9s} "
        f"{'M_l naive':>9s} {'D_l four.':>9s} {'D_l naive':>9s}",
    ]
    for lf, ln in zip(fourier["layers"], naive["layers"], strict=True):
        shape = "x".join(map(str, next(r["shape"] for r in rows if r["layer"] == lf["name"])))
        lines.append(
            f"{lf['name']:6s} {shape:>10s} {lf['spectral']:9.4g} {lf['param_sq']:10.4g} {ln['param_sq']:10.4g} "
            f"{lf['width']:9d} {ln['width']:9d} {lf['dim']:9d} {ln['dim']:9d}"
        )
    lines += ["", "per irrep: layer, irrep psi, d_psi, type t_psi, m_out, m_in, ||W_hat(psi)||_2, ||W_hat(psi)||_F^2"]
    for r in rows:
        for b in r["blocks"]:
            lines.append(
                f"  {r['layer']:4s} {b['irrep']:>8s} d={b['d']} t={b['type']} m_out={b['m_out']:<4d} "
                f"m_in={b['m_in']:<4d} {b['spectral']:10.4g} {b['frobenius_sq']:10.4g}"
            )
    lines += ["", f"{'term':28s} {'Fourier (ours)':>15s} {'naive NBS18':>15s}"]
    for key, label in (
        ("width", "M = max_l M_l"),
        ("dim", "D = sum_l D_l"),
        ("width_term", "M ln(4D)"),
        ("spectral_product_sq", "prod ||W_l||_2^2"),
        ("ratio_sum", "sum P_l / ||W_l||_2^2"),
        ("kl", "KL"),
        ("confidence_term", "ln(6 m K / delta)"),
        ("complexity", "complexity term"),
        ("bound", "bound on test error"),
    ):
        lines.append(f"{label:28s} {fourier[key]:15.5g} {naive[key]:15.5g}")
    lines.append("(bounds above 1 are vacuous; docs/derivation.md of pac-equi states the formula)")
    return "\n".join(lines)


def _figure(fourier: dict, naive: dict, rows: list[dict], path: Path) -> Path:
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    names = [t["name"] for t in fourier["layers"]]
    xs = np.arange(len(names))
    for off, rep, kind in ((-0.2, fourier, "Fourier"), (0.2, naive, "naive")):
        a.bar(xs + off, [math.log10(t["ratio"]) for t in rep["layers"]], width=0.4, label=f"{kind}: P_l/||W_l||^2")
        a.plot(xs + off, [math.log10(t["width"]) for t in rep["layers"]], "k_", ms=14)
    a.set_xticks(xs, names)
    a.set_ylabel("log10")
    a.set_title("per layer: P_l / ||W_l||_2^2 (bars), M_l (black ticks)")
    a.legend(fontsize=8)
    for i, r in enumerate(rows):
        s = [blk["spectral"] for blk in r["blocks"]]
        a_ = [blk["m_in"] * blk["type"] for blk in r["blocks"]]
        b.scatter(a_, s, label=r["layer"], s=[12 * blk["d"] for blk in r["blocks"]], alpha=0.7, color=f"C{i}")
    b.set_xscale("log")
    b.set_xlabel("t_psi m_in(psi)")
    b.set_ylabel("||W_hat(psi)||_2")
    b.set_title("per irrep (marker size ~ d_psi)")
    b.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def bound_report(path: Path, out: Path, delta: float | None = None) -> str:
    """Evaluate both bounds of the network in ``path`` on its recipe's data; write ``bound.json``,
    ``bound.txt`` and ``bound_terms.png`` in ``out``; return the table."""
    net, recipe = load_checkpoint(path)
    data = recipe["data"]
    xtr, ytr, xte, yte = load_rotated_mnist(int(data["n_train"]), int(data["n_test"]), int(data["seed"]))
    pc = net.config.polar_config
    idx = net.field_index
    ftr, fte = polar_sample(xtr, pc).flatten(1)[:, idx], polar_sample(xte, pc).flatten(1)[:, idx]
    gamma = float(recipe["gamma"])
    d = float(delta if delta is not None else recipe["delta"])
    mtr = margins(logits_of(net, ftr), ytr.numpy())
    mte = margins(logits_of(net, fte), yte.numpy())
    B = float(torch.cat([ftr, fte]).double().norm(dim=1).max())
    four, naive, rows = bounds_of(net, B=B, gamma=gamma, m=len(ytr), margin_loss_train=margin_loss(mtr, gamma), delta=d)
    extra = {
        "group": net.config.group,
        "width": net.config.width,
        "train_error": margin_loss(mtr, 0.0),
        "test_error": margin_loss(mte, 0.0),
        "margin_loss_test": margin_loss(mte, gamma),
    }
    fd, nd = four.as_dict(), naive.as_dict()
    text = _table(fd, nd, rows, extra)
    write_json_atomic(
        {"model": str(path), "recipe": recipe, "fourier": fd, "naive": nd, "layers": rows, **extra,
         "provenance": provenance("pac-equi", __file__)},
        out / "bound.json",
    )
    (out / "bound.txt").write_text(text + "\n")
    _figure(fd, nd, rows, out / "bound_terms.png")
    return text + f"\nwrote {out / 'bound.json'}, {out / 'bound.txt'}, {out / 'bound_terms.png'}"
