"""``e2cnn-core bench``: build time, training step, eval and exported-eval forward of the zoo's MNIST models,
side by side with a plain CNN of the same channel counts and, when importable, the same models built with
escnn.

Timings are medians over ``repeats`` rounds after ``warmup`` rounds, in one process, on one device; in each
round every compared model runs once (interleaved), so load changes on a shared machine hit all alike.
Build time is the first construction of that model in the process (caches of pure functions from earlier
models may help: the models are built in the order given, for both libraries).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .._architecture import MNIST_CHANNELS, MNIST_KERNELS, n_fields

#: Bench models: name -> (kind, N, flip). Fourier models use band limit 3 and 16 samples.
BENCH_MODELS: dict[str, tuple[str, int, bool]] = {
    "C8": ("regular", 8, False),
    "C16": ("regular", 16, False),
    "D8": ("regular", 8, True),
    "SO2": ("fourier", -1, False),
    "O2": ("fourier", -1, True),
}


@dataclass(frozen=True)
class BenchConfig:
    """What the bench runs.

    Args:
        models: names from :data:`BENCH_MODELS`.
        batch: batch size; ``None``: 16 on CPU, 128 on GPU (the issue's setting).
        size: input height and width (57).
        warmup: untimed runs before each measurement.
        repeats: timed runs; the median is reported.
        width: channel multiplier of the MNIST model (1.0: the paper's channel counts).
        device: ``None`` picks CUDA when available, else CPU.
        escnn: also build and time the escnn models when escnn is importable.
    """

    models: tuple[str, ...] = tuple(BENCH_MODELS)
    batch: int | None = None
    size: int = 57
    warmup: int = 3
    repeats: int = 10
    width: float = 1.0
    device: str | None = None
    escnn: bool = True
    max_frequency: int = 3
    N: int = 16


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def interleaved_ms(
    fns: dict[str, Callable[[], Any]], device: torch.device, warmup: int, repeats: int
) -> dict[str, float]:
    """Median wall time in ms of each ``fn`` (after ``warmup`` rounds; device synchronised).

    The functions run in rounds (one call of each per round), so a change of machine load during the
    measurement affects all of them alike and the ratios stay meaningful on a shared machine.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    _sync(device)
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            _sync(device)
            times[k].append((time.perf_counter() - t0) * 1e3)
    return {k: statistics.median(v) for k, v in times.items()}


def train_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    """One training step: forward, cross-entropy, backward, SGD (momentum 0.9) step."""
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def time_models(
    train: dict[str, nn.Module],
    evals: dict[str, nn.Module],
    x: torch.Tensor,
    y: torch.Tensor,
    cfg: BenchConfig,
) -> dict[str, float]:
    """``<key>_train`` for the models in ``train`` and ``<key>_eval`` (``no_grad``) for those in ``evals``."""
    for m in train.values():
        m.train()
    res = interleaved_ms(
        {f"{k}_train": train_step(m, x, y) for k, m in train.items()}, x.device, cfg.warmup, cfg.repeats
    )
    for m in evals.values():
        m.eval()
    with torch.no_grad():
        res.update(
            interleaved_ms(
                {f"{k}_eval": (lambda m=m: m(x)) for k, m in evals.items()}, x.device, cfg.warmup, cfg.repeats
            )
        )
    return res


# ------------------------------------------------------------------------------------------------ our models
def build_ours(name: str, cfg: BenchConfig) -> nn.Module:
    from .._zoo import FourierModel, MNISTModel

    kind, n, flip = BENCH_MODELS[name]
    if kind == "fourier":
        return FourierModel(
            "O2" if flip else "SO2", width=cfg.width, max_frequency=cfg.max_frequency, N=cfg.N
        )
    return MNISTModel(f"{'D' if flip else 'C'}{n}", width=cfg.width)


def conv_channels(model: nn.Module) -> list[int]:
    """Output channels of each R2Conv of a zoo model, in order."""
    from .._r2conv import R2Conv

    return [m.out_type.size for m in model.modules() if isinstance(m, R2Conv)]


class PlainCNN(nn.Sequential):
    """The conventional counterpart: Conv2d + BatchNorm2d + ELU with the given channels and the MNIST model's
    kernels, pooling and head (global average pooling, MLP 64-32-classes)."""

    def __init__(self, channels: list[int], in_channels: int = 1, n_classes: int = 10) -> None:
        layers: list[nn.Module] = []
        c_in = in_channels
        for i, (c, (k, p)) in enumerate(zip(channels, MNIST_KERNELS, strict=True), start=1):
            layers += [nn.Conv2d(c_in, c, k, padding=p, bias=False), nn.BatchNorm2d(c), nn.ELU(inplace=True)]
            if i in (2, 4):
                layers.append(nn.MaxPool2d(3, 2, 1))
            c_in = c
        layers += [
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(c_in, 64),
            nn.BatchNorm1d(64),
            nn.ELU(),
            nn.Linear(64, 32),
            nn.BatchNorm1d(32),
            nn.ELU(),
            nn.Linear(32, n_classes),
        ]
        super().__init__(*layers)


# ------------------------------------------------------------------------------------------------ escnn
# models
def escnn_available() -> bool:
    try:
        import escnn  # noqa: F401
    except Exception:  # noqa: BLE001 - a broken install (numpy 2 + lie-learn) raises ImportError or others
        return False
    return True


class _EscnnWrapper(nn.Module):
    def __init__(self, features: nn.Module, in_type: Any, head: nn.Module) -> None:
        super().__init__()
        self.features, self.in_type, self.head = features, in_type, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from escnn import nn as enn

        return self.head(self.features(enn.GeometricTensor(x, self.in_type)).tensor.mean(dim=(-2, -1)))


def build_escnn(name: str, fields: list[int], cfg: BenchConfig) -> nn.Module:
    """The same model with escnn's own API (``fields``: number of fields per layer, taken from ours)."""
    from escnn import gspaces
    from escnn import nn as enn

    kind, n, flip = BENCH_MODELS[name]
    gs = (gspaces.flipRot2dOnR2 if flip else gspaces.rot2dOnR2)(n)
    t = enn.FieldType(gs, [gs.trivial_repr])
    in_type = t
    mods: list[nn.Module] = []
    for i, (f, (k, p)) in enumerate(zip(fields, MNIST_KERNELS, strict=True), start=1):
        if kind == "fourier":
            act = enn.FourierELU(
                gs, f, irreps=gs.fibergroup.bl_irreps(cfg.max_frequency), N=cfg.N, inplace=True
            )
            out = act.in_type
            mods += [enn.R2Conv(t, out, k, padding=p, bias=False), enn.IIDBatchNorm2d(out), act]
        else:
            out = enn.FieldType(gs, f * [gs.regular_repr])
            mods += [
                enn.R2Conv(t, out, k, padding=p, bias=False),
                enn.InnerBatchNorm(out),
                enn.ELU(out, inplace=True),
            ]
        t = out
        if i in (2, 4):
            pool = enn.PointwiseAvgPool2D if kind == "fourier" else enn.PointwiseMaxPool2D
            mods.append(pool(t, kernel_size=3, stride=2, padding=1))
    mods.append(enn.NormPool(t) if kind == "fourier" else enn.GroupPooling(t))
    features = enn.SequentialModule(*mods)
    head = nn.Sequential(
        nn.Linear(features.out_type.size, 64),
        nn.BatchNorm1d(64),
        nn.ELU(),
        nn.Linear(64, 32),
        nn.BatchNorm1d(32),
        nn.ELU(),
        nn.Linear(32, 10),
    )
    return _EscnnWrapper(features, in_type, head)


def bench_fields(name: str, cfg: BenchConfig) -> list[int]:
    """Fields per layer of bench model ``name`` (the zoo's rule: ``round(c * width / sqrt(field dim))``)."""
    from equi_groups import O2, SO2, CyclicGroup, DihedralGroup, band_limited_regular

    kind, n, flip = BENCH_MODELS[name]
    if kind == "fourier":
        dim = band_limited_regular(O2() if flip else SO2(), cfg.max_frequency).dim
    else:
        dim = (DihedralGroup(n) if flip else CyclicGroup(n)).order()
    return [n_fields(c, dim, cfg.width) for c in MNIST_CHANNELS]


def _fields_per_layer(model: nn.Module) -> list[int]:
    from .._r2conv import R2Conv

    return [len(m.out_type) for m in model.modules() if isinstance(m, R2Conv)]


#: Loads ``<i>.pt2`` artefacts with e2cnn_core and equi_groups blocked from import and prints, as JSON, the
#: largest difference of each from the output the library model gave on the same input.
_STANDALONE = """
import importlib.abc, json, sys

class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("e2cnn_core", "equi_groups"):
            raise ImportError(name + " is blocked: the artefact must load with torch alone")
        return None

sys.meta_path.insert(0, _Block())
import torch

folder, n = sys.argv[1], int(sys.argv[2])
x = torch.load(folder + "/x.pt", weights_only=True)
errors = []
for i in range(n):
    expected = torch.load(f"{folder}/{i}.expected.pt", weights_only=True)
    with torch.no_grad():
        got = torch.export.load(f"{folder}/{i}.pt2").module()(x)
    errors.append(float((got - expected).abs().max()))
print(json.dumps(errors))
"""


def standalone_errors(models: list[nn.Module], x: torch.Tensor) -> list[float]:
    """For each library model: its ``export()`` written as a ``torch.export`` file, loaded in a fresh Python
    process where e2cnn_core and equi_groups cannot be imported, run on ``x``; the largest absolute difference
    from the library model's output (all on CPU)."""
    import json
    import subprocess
    import sys
    import tempfile

    from .._deploy import save_deployable

    x = x.detach().cpu()
    with tempfile.TemporaryDirectory() as folder:
        torch.save(x, f"{folder}/x.pt")
        for i, model in enumerate(models):
            model = model.cpu().eval()
            with torch.no_grad():
                torch.save(model(x), f"{folder}/{i}.expected.pt")
            save_deployable(model.export(), x, "pt2", f"{folder}/{i}.pt2")
        done = subprocess.run(
            [sys.executable, "-c", _STANDALONE, folder, str(len(models))],
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"loading the exported artefacts without the libraries failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_bench(cfg: BenchConfig, progress: bool = True) -> dict[str, Any]:
    """Run the bench; returns ``{"meta": {...}, "<model>": {build_s, train_ms, ..., ratios}}``.

    Besides the timings, ``export_max_abs_err`` compares ``export()`` with the model in this process and
    ``export_standalone_max_abs_err`` the exported ``torch.export`` file loaded in a process where neither
    e2cnn-core nor equi-groups can be imported.
    """
    from tqdm.auto import tqdm

    device = torch.device(cfg.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    batch = cfg.batch or (128 if device.type == "cuda" else 16)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, 1, cfg.size, cfg.size, generator=gen).to(device)
    y = torch.randint(0, 10, (batch,), generator=gen).to(device)
    use_escnn = cfg.escnn and escnn_available()
    out: dict[str, Any] = {
        "meta": {
            "device": str(device),
            "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "threads": torch.get_num_threads(),
            "batch": batch,
            "input": [cfg.size, cfg.size],
            "torch": torch.__version__,
            "escnn": _escnn_version() if use_escnn else None,
            "config": asdict(cfg),
        }
    }
    built: dict[str, nn.Module] = {}
    for name in tqdm(cfg.models, desc="bench", disable=not progress):
        if name not in BENCH_MODELS:
            raise ValueError(f"unknown bench model {name!r}; expected one of {sorted(BENCH_MODELS)}")
        r: dict[str, float | None] = {}
        torch.manual_seed(0)
        t0 = time.perf_counter()
        model = build_ours(name, cfg)
        r["build_s"] = time.perf_counter() - t0
        model.to(device).eval()
        t0 = time.perf_counter()
        exported = model.export().to(device).eval()
        r["export_build_s"] = time.perf_counter() - t0
        with torch.no_grad():
            r["export_max_abs_err"] = float((exported(x) - model(x)).abs().max())
        plain = PlainCNN(conv_channels(model)).to(device)
        r["params"] = sum(p.numel() for p in model.parameters())
        r["plain_params"] = sum(p.numel() for p in plain.parameters())
        r["escnn_build_s"] = r["escnn_train_ms"] = r["escnn_eval_ms"] = None
        train, evals = {"ours": model, "plain": plain}, {"ours": model, "export": exported, "plain": plain}
        if use_escnn:
            fields = bench_fields(name, cfg)
            if fields != _fields_per_layer(model):
                raise RuntimeError(f"{name}: zoo fields {_fields_per_layer(model)} differ from {fields}")
            torch.manual_seed(0)
            t0 = time.perf_counter()
            emodel = build_escnn(name, fields, cfg)
            r["escnn_build_s"] = time.perf_counter() - t0
            emodel.to(device)
            r["escnn_params"] = sum(p.numel() for p in emodel.parameters())
            train["escnn"] = evals["escnn"] = emodel
        t = time_models(train, evals, x, y, cfg)
        r["train_ms"], r["eval_ms"], r["export_ms"] = t["ours_train"], t["ours_eval"], t["export_eval"]
        r["plain_train_ms"], r["plain_eval_ms"] = t["plain_train"], t["plain_eval"]
        if use_escnn:
            r["escnn_train_ms"], r["escnn_eval_ms"] = t["escnn_train"], t["escnn_eval"]
        r["train_vs_plain"] = r["train_ms"] / r["plain_train_ms"]
        r["eval_vs_plain"] = r["eval_ms"] / r["plain_eval_ms"]
        r["export_vs_plain"] = r["export_ms"] / r["plain_eval_ms"]
        if r["escnn_train_ms"] is not None:
            r["train_vs_escnn"] = r["train_ms"] / r["escnn_train_ms"]
            r["eval_vs_escnn"] = r["eval_ms"] / r["escnn_eval_ms"]
            r["build_vs_escnn"] = r["build_s"] / r["escnn_build_s"]
            r["escnn_train_vs_plain"] = r["escnn_train_ms"] / r["plain_train_ms"]
        out[name] = r
        built[name] = model
    for name, err in zip(built, standalone_errors(list(built.values()), x), strict=True):
        out[name]["export_standalone_max_abs_err"] = err
    return out


def _escnn_version() -> str:
    from importlib.metadata import version

    try:
        return version("escnn")
    except Exception:  # noqa: BLE001
        return "unknown"
