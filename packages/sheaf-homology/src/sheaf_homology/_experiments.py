"""The experiments behind ``sheaf-homology reproduce``: Cora, stratified point clouds, heterophilic graphs."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import Tensor
from tqdm import tqdm

from ._complex import clique_complex
from ._data import NodeData, edge_homophily, heterophilic_graph, load_cora, random_split, stratified_clouds
from ._local_homology import local_homology_sheaf
from ._models import ModelConfig, build_model
from ._persistent import PersistentLocalHomologySheaf
from ._sheaf import Sheaf
from ._train import TrainConfig, train_node_classifier


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything a ``reproduce`` run depends on (recorded in metrics.json).

    Args:
        models: model names (see ``MODEL_NAMES``).
        seeds: one split / cloud set / graph and initialisation per seed.
        model: :class:`ModelConfig`; train: :class:`TrainConfig`.
        clique_dim: dimension of the clique complexes; lhs_dim: local homology coordinates per stalk.
        persistent_refresh: epochs between recomputations of the persistent pairing (0: never).
    """

    models: tuple[str, ...] = ("gcn", "gat", "nsd", "nsd_orth", "lhs", "lhs_att", "lhs_persistent")
    seeds: tuple[int, ...] = tuple(range(10))
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    clique_dim: int = 2
    lhs_dim: int = 3
    persistent_refresh: int = 50


@dataclass
class GraphSheaves:
    """A graph with its local homology sheaf (plus constant part) and its persistent sheaf builder."""

    data: NodeData
    lhs: Sheaf
    persistent: PersistentLocalHomologySheaf
    fixed_weights: Tensor | None
    build_seconds: dict[str, float]


def prepare(data: NodeData, cfg: ExperimentConfig, weights_from: str = "features") -> GraphSheaves:
    """Clique complex, local homology sheaf and persistent builder for ``data``.

    ``weights_from="features"``: the pairing starts from input-feature distances and the model later weights
    the
    sheaf by distances of its learned embedding; ``"pos"``: the weights are the point distances (fixed).
    """
    t0 = time.perf_counter()
    K = (
        data.complex
        if data.complex is not None
        else clique_complex(data.edge_index, data.num_nodes, cfg.clique_dim)
    )
    t1 = time.perf_counter()
    lhs = local_homology_sheaf(K, max_stalk_dim=cfg.lhs_dim)
    lhs = Sheaf.constant(lhs.edge_index, data.num_nodes).direct_sum(lhs)
    t2 = time.perf_counter()
    e = torch.as_tensor(K.edges.T.copy()).reshape(2, -1)
    src = data.pos if weights_from == "pos" else data.x
    if src is None:
        raise ValueError("weights_from='pos' needs data.pos")
    w = (src[e[0]] - src[e[1]]).norm(dim=1).double()
    builder = PersistentLocalHomologySheaf(K, w, max_stalk_dim=cfg.lhs_dim)
    t3 = time.perf_counter()
    return GraphSheaves(
        data,
        lhs,
        builder,
        w if weights_from == "pos" else None,
        {"complex": t1 - t0, "lhs": t2 - t1, "persistent": t3 - t2},
    )


def run_model(
    name: str, gs: GraphSheaves, masks: tuple[Tensor, Tensor, Tensor], cfg: ExperimentConfig, seed: int
) -> dict[str, float]:
    """Train one model on one split; returns the scores of its best-validation epoch."""
    torch.manual_seed(seed)
    d = gs.data
    model = build_model(name, d.x.shape[1], d.num_classes, cfg.model, cfg.lhs_dim)
    weights = gs.fixed_weights.float() if gs.fixed_weights is not None else None

    def forward(m: torch.nn.Module) -> Tensor:
        return m(d.x, d.edge_index, sheaf=gs.lhs, persistent=gs.persistent, weights=weights)

    def refresh(epoch: int) -> None:
        if name == "lhs_persistent" and weights is None and cfg.persistent_refresh and epoch > 0:
            if epoch % cfg.persistent_refresh == 0:
                with torch.no_grad():
                    gs.persistent.refresh(model.edge_weights(d.x, gs.persistent).double())  # type: ignore[operator]

    if name == "lhs_persistent" and weights is None:  # fresh pairing from the input features for every run
        e = torch.as_tensor(gs.persistent.K.edges.T.copy()).reshape(2, -1)
        gs.persistent.refresh((d.x[e[0]] - d.x[e[1]]).norm(dim=1).double())
    t = time.perf_counter()
    out = train_node_classifier(model, forward, d.y, masks, cfg.train, on_epoch=refresh)
    out["seconds"] = time.perf_counter() - t
    return out


def _summarise(task: str, runs: dict[str, list[dict[str, float]]], metrics: dict[str, object]) -> None:
    for name, rs in runs.items():
        acc = np.array([r["test"] for r in rs])
        metrics[f"acc.{task}.{name}"] = float(acc.mean())
        metrics[f"std.{task}.{name}"] = float(acc.std())
        metrics[f"runs.{task}.{name}"] = [float(a) for a in acc]
        metrics[f"seconds.{task}.{name}"] = float(np.mean([r["seconds"] for r in rs]))


def run_cora(cfg: ExperimentConfig, metrics: dict[str, object]) -> None:
    """Cora, one seeded 60/20/20 random split per seed (accuracy)."""
    gs = prepare(load_cora(), cfg, "features")
    metrics.update({f"build_seconds.cora.{k}": v for k, v in gs.build_seconds.items()})
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in cfg.models}
    bar = tqdm(total=len(cfg.seeds) * len(cfg.models), desc="cora")
    for seed in cfg.seeds:
        masks = random_split(gs.data.num_nodes, seed)
        for name in cfg.models:
            runs[name].append(run_model(name, gs, masks, cfg, seed))
            bar.update()
    bar.close()
    _summarise("cora", runs, metrics)


@dataclass(frozen=True)
class StratifiedConfig:
    """Two-planes task: clouds per seed (train/val/test), points, kNN k, noise, singular band half-width.

    ``complex``/``scale``: see :func:`stratified_clouds` (alpha complex at ``scale`` x the median
    nearest-neighbour distance, or ``"knn"`` with its clique complex); every model uses the same graph.
    """

    clouds: tuple[int, int, int] = (6, 2, 4)
    points: int = 300
    k: int = 8
    noise: float = 0.02
    band: float = 0.15
    complex: str = "alpha"
    scale: float = 2.0


def run_stratified(cfg: ExperimentConfig, scfg: StratifiedConfig, metrics: dict[str, object]) -> None:
    """Manifold vs singular points on noisy crossing planes; balanced accuracy on held-out clouds."""
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in cfg.models}
    tcfg = TrainConfig(**{**asdict(cfg.train), "balanced": True})
    ecfg = ExperimentConfig(**{**cfg.__dict__, "train": tcfg})
    bar = tqdm(total=len(cfg.seeds) * len(cfg.models), desc="stratified")
    for seed in cfg.seeds:
        data = stratified_clouds(
            sum(scfg.clouds),
            scfg.points,
            scfg.k,
            scfg.noise,
            scfg.band,
            seed=1000 + seed,
            complex=scfg.complex,
            scale=scfg.scale,
        )
        gs = prepare(data, ecfg, "pos")
        g = data.groups
        assert g is not None
        a, b = scfg.clouds[0], scfg.clouds[0] + scfg.clouds[1]
        masks = (g < a, (g >= a) & (g < b), g >= b)
        for name in cfg.models:
            runs[name].append(run_model(name, gs, masks, ecfg, seed))
            bar.update()
    bar.close()
    _summarise("stratified", runs, metrics)
    metrics["stratified.singular_fraction"] = float(data.y.float().mean())


@dataclass(frozen=True)
class HeteroConfig:
    """Synthetic heterophilic graphs (see ``heterophilic_graph``)."""

    nodes: int = 1000
    classes: int = 5
    homophily: tuple[float, ...] = (0.1, 0.5, 0.9)
    degree: int = 6
    feat_dim: int = 16
    feat_noise: float = 3.0


def run_hetero(cfg: ExperimentConfig, hcfg: HeteroConfig, metrics: dict[str, object]) -> None:
    """Accuracy vs edge homophily on synthetic graphs, 60/20/20 split per seed."""
    for h in hcfg.homophily:
        runs: dict[str, list[dict[str, float]]] = {m: [] for m in cfg.models}
        bar = tqdm(total=len(cfg.seeds) * len(cfg.models), desc=f"hetero h={h}")
        hs = []
        for seed in cfg.seeds:
            data = heterophilic_graph(
                hcfg.nodes, hcfg.classes, h, hcfg.degree, hcfg.feat_dim, hcfg.feat_noise, seed=2000 + seed
            )
            hs.append(edge_homophily(data))
            gs = prepare(data, cfg, "features")
            masks = random_split(data.num_nodes, seed)
            for name in cfg.models:
                runs[name].append(run_model(name, gs, masks, cfg, seed))
                bar.update()
        bar.close()
        task = f"hetero_h{round(100 * h):02d}"  # no dot inside a key component: h=0.1 -> hetero_h10
        _summarise(task, runs, metrics)
        metrics[f"{task}.edge_homophily"] = float(np.mean(hs))


def run_all(
    cfg: ExperimentConfig,
    tasks: Sequence[str] = ("cora", "stratified", "hetero"),
    scfg: StratifiedConfig = StratifiedConfig(),
    hcfg: HeteroConfig = HeteroConfig(),
) -> dict[str, object]:
    """Run the chosen tasks; returns flat metrics (plus the config and seeds)."""
    metrics: dict[str, object] = {"seeds": list(cfg.seeds), "config": _jsonable(cfg)}
    metrics["config.stratified"] = asdict(scfg)
    metrics["config.hetero"] = asdict(hcfg)
    if "cora" in tasks:
        run_cora(cfg, metrics)
    if "stratified" in tasks:
        run_stratified(cfg, scfg, metrics)
    if "hetero" in tasks:
        run_hetero(cfg, hcfg, metrics)
    return metrics


def _jsonable(cfg: ExperimentConfig) -> dict[str, object]:
    d = asdict(cfg)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
