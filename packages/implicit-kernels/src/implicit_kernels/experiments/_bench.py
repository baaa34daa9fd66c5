"""``implicit-kernels bench``: kernel evaluation time, implicit vs analytic, per layer, and a QM9 training step."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch
from equi_runs import cpu_model, write_json_atomic


def _time(fn: Any, repeats: int) -> float:
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def bench(out: Path, repeats: int = 3) -> dict:
    from e2cnn_core import FieldType, R2Conv, rot2d
    from equi_groups import O3, irrep, regular, trivial

    from .._analytic import AnalyticKernel
    from .._kernel import ImplicitKernel
    from .._r2conv import ImplicitR2Conv
    from ._config import QM9Config
    from ._data import collate, read_qm9
    from ._models import QM9Net, n_params

    res: dict[str, Any] = {
        "machine": cpu_model(),
        "threads": torch.get_num_threads(),
        "repeats": repeats,
    }
    gs = rot2d(8)
    G = gs.group
    t_in, t_out = FieldType(gs, [regular(G)] * 8), FieldType(gs, [regular(G)] * 8)
    imp, ana = ImplicitR2Conv(t_in, t_out, 5, channels=1), R2Conv(t_in, t_out, 5)
    res["grid_c8_8x8_regular_k5.implicit_ms"] = _time(lambda: imp.expand_parameters()[0].sum().backward(), repeats)
    res["grid_c8_8x8_regular_k5.analytic_ms"] = _time(lambda: ana.expand_parameters()[0].sum().backward(), repeats)
    res["grid_c8_8x8_regular_k5.implicit_params"] = n_params(imp)
    res["grid_c8_8x8_regular_k5.analytic_params"] = n_params(ana)
    G3 = O3()
    reps = [trivial(G3)] * 8 + [irrep(G3, (1, -1))] * 4 + [irrep(G3, (2, 1))] * 2
    x = torch.randn(2000, 3)
    ki, ka = ImplicitKernel(G3, reps, reps), AnalyticKernel(G3, reps, reps, rings=8)
    res["point_o3_2000_edges.implicit_ms"] = _time(lambda: ki(x).sum().backward(), repeats)
    res["point_o3_2000_edges.analytic_ms"] = _time(lambda: ka(x).sum().backward(), repeats)
    res["point_o3_2000_edges.implicit_params"] = n_params(ki)
    res["point_o3_2000_edges.analytic_params"] = n_params(ka)
    # a QM9 training step at the official settings: 3 layers, kernel MLP 8 channels, batch 32
    mols = read_qm9(2000, (1,))
    cfg = QM9Config(layers=3, channels=8, cutoff=2.5, vectors=4, tensors=2)
    g = collate(mols[1000:1032], "homo", cfg.cutoff)
    for model in ("implicit", "analytic"):
        net = QM9Net(
            model,
            layers=cfg.layers,
            vectors=cfg.vectors,
            tensors=cfg.tensors,
            cutoff=cfg.cutoff,
            channels=cfg.channels,
            rings=cfg.rings,
        )
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)

        def step(net: QM9Net = net, opt: torch.optim.Optimizer = opt) -> None:
            opt.zero_grad()
            net(g.x, g.pos, g.edge_index, g.bonds, g.batch, 32).abs().mean().backward()
            opt.step()

        res[f"qm9_step_batch32.{model}_ms"] = _time(step, repeats)
        res[f"qm9_step_batch32.{model}_params"] = n_params(net)
    res["qm9_step_batch32.edges"] = int(g.edge_index.shape[1])
    write_json_atomic(res, out / "bench.json")
    print(json.dumps(res, indent=1))
    return res
