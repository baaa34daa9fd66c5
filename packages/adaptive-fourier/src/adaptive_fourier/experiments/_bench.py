"""``adaptive-fourier bench``: time (median of repeats), activation memory (bytes saved for backward) and process
peak memory (a forked child's peak resident set, :mod:`._memory`) of one nonlinear layer and of whole models,
fixed grid vs adaptive vs e2cnn-core's and escnn's Fourier nonlinearity (SO(2), where escnn imports), against N."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from equi_groups import SO2, SO3  # noqa: E402
from equi_runs import provenance, save_figure, write_json_atomic  # noqa: E402
from tqdm import tqdm  # noqa: E402

from .._adaptive import AdaptiveFourierPointwise, normalise_rows  # noqa: E402
from .._fixed import FourierPointwise  # noqa: E402
from .._space import FourierSpace  # noqa: E402
from ._config import QUICK  # noqa: E402
from ._memory import peak_rss_bytes  # noqa: E402
from ._models import Net2D, Net3D  # noqa: E402

__all__ = ["bench", "escnn_nn", "saved_bytes"]


def escnn_nn() -> tuple | None:
    """``(escnn.gspaces, escnn.nn)`` when escnn is importable, else None.

    escnn imports pymanopt, which imports TensorFlow when it is installed, and TensorFlow's LLVM clashes with
    torch's in one process (an abort, not an exception): TensorFlow is hidden from that import.
    """
    import sys

    hide = "tensorflow" not in sys.modules
    if hide:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]  # makes `import tensorflow` an ImportError
    try:
        from escnn import gspaces
        from escnn import nn as enn
    except Exception:  # noqa: BLE001 - a missing or broken install (numpy 2 + lie-learn) raises various errors
        return None
    finally:
        if hide:
            del sys.modules["tensorflow"]
    return gspaces, enn


def saved_bytes(fn: Callable[[], torch.Tensor]) -> int:
    """Bytes of the distinct tensors autograd saves for the backward pass of ``fn()`` (activation memory)."""
    seen: dict[tuple, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        key = (t.untyped_storage().data_ptr(), t.dtype)
        seen[key] = max(seen.get(key, 0), t.untyped_storage().nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return int(sum(seen.values()))


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def _layer_rows(space: FourierSpace, shape: tuple[int, ...], ns: Sequence[int], repeats: int, tag: str,
                bar: tqdm) -> dict:
    b, c, *s = shape
    f = space.dim
    x = torch.randn(b, c * f, *s, requires_grad=True)
    rows: dict = {}
    for n in ns:
        a, _ = normalise_rows(torch.randn(b, n * f, *s), space, n)
        fixed = FourierPointwise(space, c, N=n, grid="regular" if space.group != SO3() else "thomson")
        adapt = AdaptiveFourierPointwise(space, c, n)
        runs = {"fixed": lambda fixed=fixed: fixed(x).sum().backward(),
                "adaptive": lambda adapt=adapt, a=a: adapt(x, a).sum().backward()}
        if tag == "so2" and n > 2 * space.max_frequency:
            from e2cnn_core import FourierPointwise as E2
            from e2cnn_core import rot2d

            e2 = E2(rot2d(-1), c, space.max_frequency, N=n)
            runs["e2cnn_core"] = lambda e2=e2: e2(x).sum().backward()
            esc = escnn_nn()
            if esc is not None:
                gsp, enn = esc
                act = enn.FourierPointwise(gsp.rot2dOnR2(-1), c, [(k,) for k in range(space.max_frequency + 1)],
                                           function="p_elu", type="regular", N=n)
                runs["escnn"] = lambda act=act, enn=enn: act(enn.GeometricTensor(x, act.in_type)).tensor.sum(
                ).backward()
        row = {}
        for name, fn in runs.items():
            row[f"{name}_ms"] = _median_ms(fn, repeats)
        row["fixed_saved_bytes"] = saved_bytes(lambda fixed=fixed: fixed(x))
        row["adaptive_saved_bytes"] = saved_bytes(lambda adapt=adapt, a=a: adapt(x, a))
        for name in ("fixed", "adaptive"):
            peak = peak_rss_bytes(runs[name])
            if peak is not None:
                row[f"{name}_peak_bytes"] = peak
        row["adaptive_over_fixed_time"] = row["adaptive_ms"] / row["fixed_ms"]
        rows[f"N{n}"] = row
        bar.update(1)
    return rows


def _model_rows(ns: Sequence[int], repeats: int, bar: tqdm) -> dict:
    out: dict = {}
    img = torch.randn(16, 1, 29, 29)
    pts = torch.randn(16, QUICK.task3d.points, 3)
    for task, make, x in (("2d", lambda k, n: Net2D(QUICK.task2d, k, n), img),
                          ("3d", lambda k, n: Net3D(QUICK.task3d, k, n), pts)):
        for n in ns:
            row = {}
            for kind in ("fixed", "adaptive"):
                torch.manual_seed(0)
                net = make(kind, n)
                net.train()
                row[f"{kind}_train_step_ms"] = _median_ms(lambda net=net, x=x: net(x).sum().backward(), repeats)
                row[f"{kind}_saved_bytes"] = saved_bytes(lambda net=net, x=x: net(x))
                peak = peak_rss_bytes(lambda net=net, x=x: net(x).sum().backward())
                if peak is not None:
                    row[f"{kind}_peak_bytes"] = peak
                net.eval()
                with torch.no_grad():
                    row[f"{kind}_inference_ms"] = _median_ms(lambda net=net, x=x: net(x), repeats)
                row[f"{kind}_params"] = sum(p.numel() for p in net.parameters())
            row["adaptive_over_fixed_inference"] = row["adaptive_inference_ms"] / row["fixed_inference_ms"]
            out.setdefault(task, {})[f"N{n}"] = row
            bar.update(1)
    return out


def bench(out: Path, ns: Sequence[int], repeats: int = 5, progress: bool = True) -> dict:
    """Write ``bench.json`` and ``bench.png``; return the results."""
    bar = tqdm(total=4 * len(ns), desc="bench", disable=not progress)
    layers = {
        "so2": _layer_rows(FourierSpace(SO2(), 2), (16, 8, 15, 15), ns, repeats, "so2", bar),
        "sphere": _layer_rows(FourierSpace(SO3(), 3, sphere=True), (16, 8, 64), ns, repeats, "sphere", bar),
    }
    models = _model_rows(ns, repeats, bar)
    bar.close()
    res = {"repeats": repeats, "ns": list(ns), "threads": torch.get_num_threads(),
           "layer_shapes": {"so2": "B=16, 8 fields of F=5 (SO(2), L=2), 15x15", "sphere":
                            "B=16, 8 fields of F=16 (sphere, L=3), 64 points"},
           "model_batch": 16, "layers": layers, "models": models,
           "provenance": provenance("adaptive-fourier", __file__)}
    write_json_atomic(res, out / "bench.json")
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.5))
    for ax, (name, rows) in zip(axes[:2], layers.items(), strict=True):
        for key in ("fixed_ms", "adaptive_ms", "e2cnn_core_ms", "escnn_ms"):
            pts = [(n, rows[f"N{n}"][key]) for n in ns if key in rows[f"N{n}"]]
            if pts:
                ax.plot(*zip(*pts, strict=True), "o-", label=key[:-3])
        ax.set(xscale="log", yscale="log", xlabel="N", ylabel="ms (forward + backward)", title=f"layer: {name}")
        ax.legend(fontsize=8)
    for task, rows in models.items():
        for kind in ("fixed", "adaptive"):
            axes[2].plot(ns, [rows[f"N{n}"][f"{kind}_inference_ms"] for n in ns], "o-", label=f"{task} {kind}")
    axes[2].set(xscale="log", yscale="log", xlabel="N", ylabel="ms per batch of 16", title="model inference")
    axes[2].legend(fontsize=8)
    for task, rows in models.items():
        for kind in ("fixed", "adaptive"):
            key = f"{kind}_peak_bytes"
            pts = [(n, rows[f"N{n}"][key] / 2**20) for n in ns if key in rows[f"N{n}"]]
            if pts:
                axes[3].plot(*zip(*pts, strict=True), "o-", label=f"{task} {kind}")
    axes[3].set(xscale="log", xlabel="N", ylabel="MiB", title="train step: process peak memory")
    axes[3].legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, out / "bench.png")
    plt.close(fig)
    print(f"{'layer':8s} {'N':>4s} {'fixed ms':>9s} {'adaptive ms':>12s} {'ratio':>6s} {'e2cnn-core ms':>14s}")
    for name, rows in layers.items():
        for n in ns:
            r = rows[f"N{n}"]
            e2 = f"{r['e2cnn_core_ms']:14.2f}" if "e2cnn_core_ms" in r else f"{'-':>14s}"
            print(f"{name:8s} {n:4d} {r['fixed_ms']:9.2f} {r['adaptive_ms']:12.2f} "
                  f"{r['adaptive_over_fixed_time']:6.2f} {e2}")
    for task, rows in models.items():
        for n in ns:
            r = rows[f"N{n}"]
            print(f"model {task} N={n:3d}: inference fixed {r['fixed_inference_ms']:.1f} ms, adaptive "
                  f"{r['adaptive_inference_ms']:.1f} ms (x{r['adaptive_over_fixed_inference']:.2f}); saved for "
                  f"backward {r['fixed_saved_bytes'] / 2**20:.1f} vs {r['adaptive_saved_bytes'] / 2**20:.1f} MiB")
    print(f"wrote {out / 'bench.json'}, {out / 'bench.png'}")
    return res
