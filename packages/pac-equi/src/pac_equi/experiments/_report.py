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

__all__ = ["bound_report", "conv_layer_report", "load_checkpoint"]

ZOO_KIND = "e2cnn-core/build_model"

FIX = "pass a checkpoint written by pac-equi reproduce (units/<group>-seed<N>/model.pt)"


def _load_zoo(path: Path, recipe: dict, state: dict) -> torch.nn.Module:
    from e2cnn_core import build_model

    m = recipe["model"]
    try:
        net = build_model(str(m["name"]), int(m.get("n_classes", 10)), float(m.get("width", 1.0)),
                          in_channels=int(m.get("in_channels", 1)))
    except (KeyError, TypeError, ValueError) as e:
        raise RunError(
            f"{path}: unusable e2cnn-core recipe ({e}): expected name, n_classes, width, in_channels"
        ) from None
    try:
        net.load_state_dict(state)
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0]
        raise RunError(f"{path}: weights do not fit the recipe's network ({first[:160]})") from None
    return net.eval()


def conv_layer_report(net: torch.nn.Module) -> tuple[list[dict], str]:
    """Per-``R2Conv`` Fourier and naive terms of any e2cnn-core network (``k x k`` filters over the grid subgroup,
    see :mod:`pac_equi._conv`), as JSON rows and a readable table."""
    import copy

    from e2cnn_core import R2Conv

    from .._bounds import fourier_layer_terms, naive_layer_terms
    from .._conv import decompose_conv_filter

    rows, lines = [], []
    head = (f"{'layer':22s} {'G':>4s} {'H':>4s} {'k':>2s} {'K shape':>10s} {'||K||_2':>9s} {'P four.':>9s} "
            f"{'P naive':>9s} {'M four.':>7s} {'M naive':>7s} {'residual':>9s}")
    lines.append(head)
    for name, mod in net.named_modules():
        if not isinstance(mod, R2Conv):
            continue
        if mod.groups != 1:
            raise RunError(f"layer {name} is a grouped convolution (groups={mod.groups}): not supported")
        c64 = copy.deepcopy(mod).double()
        with torch.no_grad():
            filt = c64.expand_parameters()[0].numpy()
        dec, h, K = decompose_conv_filter(filt, mod.in_type.reps, mod.out_type.reps)
        f, n = fourier_layer_terms(name, dec), naive_layer_terms(name, K)
        rows.append({
            "layer": name, "group": str(mod.in_type.group), "grid_subgroup": str(h), "kernel_size": mod.kernel_size,
            "shape": list(K.shape), "residual": dec.residual, "conv_norm_bound": mod.kernel_size * f.spectral,
            "fourier": {"spectral": f.spectral, "param_sq": f.param_sq, "width": f.width, "dim": f.dim},
            "naive": {"spectral": n.spectral, "param_sq": n.param_sq, "width": n.width, "dim": n.dim},
            "blocks": [{"irrep": str(b.irrep), "d": b.dim, "type": b.type, "m_out": b.m_out, "m_in": b.m_in,
                        "spectral": b.spectral_norm(), "frobenius_sq": b.frobenius_sq()} for b in dec.blocks],
        })
        shape = "x".join(map(str, K.shape))
        lines.append(f"{name:22s} {str(mod.in_type.group):>4s} {str(h):>4s} {mod.kernel_size:2d} {shape:>10s} "
                     f"{f.spectral:9.4g} {f.param_sq:9.4g} {n.param_sq:9.4g} {f.width:7d} {n.width:7d} "
                     f"{dec.residual:9.1e}")
    if not rows:
        raise RunError("the network has no R2Conv layer")
    lines += ["", "per irrep (layer, irrep psi of H, d_psi, type, m_out, m_in, ||W_hat(psi)||_2, ||W_hat(psi)||_F^2):"]
    for r in rows:
        for b in r["blocks"]:
            lines.append(f"  {r['layer']:22s} {b['irrep']:>8s} d={b['d']} t={b['type']} m_out={b['m_out']:<4d} "
                         f"m_in={b['m_in']:<5d} {b['spectral']:10.4g} {b['frobenius_sq']:10.4g}")
    lines += [
        "",
        "K is the unfolded filter (C_out x C_in k^2), an intertwiner of the grid subgroup H; the convolution's",
        "operator norm is at most k ||K||_2. Batch norm, pooling, nonlinearities other than ReLU and the MLP head",
        "are outside the bound's setting, so no bound value is given for this network: these are its layer terms.",
    ]
    return rows, "\n".join(lines)


def _zoo_report(net: torch.nn.Module, recipe: dict, path: Path, out: Path) -> str:
    rows, text = conv_layer_report(net)
    write_json_atomic({"model": str(path), "recipe": recipe, "layers": rows,
                       "provenance": provenance("pac-equi", __file__)}, out / "bound.json")
    (out / "bound.txt").write_text(text + "\n")
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = np.arange(len(rows))
    ax.bar(xs - 0.2, [math.log10(r["fourier"]["param_sq"] / r["fourier"]["spectral"] ** 2) for r in rows], 0.4,
           label="Fourier: P_l / ||K_l||^2")
    ax.bar(xs + 0.2, [math.log10(r["naive"]["param_sq"] / r["naive"]["spectral"] ** 2) for r in rows], 0.4,
           label="naive: P_l / ||K_l||^2")
    ax.plot(xs - 0.2, [math.log10(r["fourier"]["width"]) for r in rows], "k_", ms=12, label="log10 M_l")
    ax.plot(xs + 0.2, [math.log10(r["naive"]["width"]) for r in rows], "k_", ms=12)
    ax.set_xticks(xs, [r["layer"].split(".")[-1] for r in rows])
    ax.set_xlabel("R2Conv layer")
    ax.set_ylabel("log10")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out / "bound_terms.png")
    return text + f"\nwrote {out / 'bound.json'}, {out / 'bound.txt'}, {out / 'bound_terms.png'}"


def load_checkpoint(path: Path) -> tuple[torch.nn.Module, dict]:
    """The network and recipe stored in ``path`` (``torch.load(weights_only=True)``; clear errors otherwise)."""
    ckpt = load_torch(path, what="model checkpoint", fix=FIX)
    ok = isinstance(ckpt, dict) and isinstance(ckpt.get("recipe"), dict) and isinstance(ckpt.get("state_dict"), dict)
    if not ok:
        raise RunError(f"{path} holds no {{'recipe': ..., 'state_dict': ...}} dictionary: {FIX}")
    recipe = ckpt["recipe"]
    if recipe.get("model", {}).get("kind") == ZOO_KIND:
        return _load_zoo(path, recipe, ckpt["state_dict"]), recipe
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
    for key in ("data", "gamma", "delta"):  # what the bound of a PolarNet needs
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
    if not isinstance(net, PolarNet):
        return _zoo_report(net, recipe, path, out)
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
