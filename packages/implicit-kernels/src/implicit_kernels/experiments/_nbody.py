"""N-body: the charged-particle system (Kipf et al. 2018's simulator as used by EGNN and SEGNN), written here.

``n`` particles with charges ``q_i = +-1`` (seeded coin flips) in free 3D space (no box, as in EGNN) interact by
Coulomb forces ``F_i = sum_j q_i q_j (x_i - x_j) / |x_i - x_j|^3`` (like charges repel), each force's norm clipped
to ``max_force``; the state is integrated by leapfrog (kick-drift) with step ``dt``. Initial positions are
Gaussian (std ``loc_std``), initial velocities Gaussian rescaled to norm ``vel_norm``. The task: from the state
at ``t0`` (positions, velocities, charges) predict the positions ``steps`` integration steps later (EGNN: 1000
steps of 0.001, frame 30 -> 40 at sampling interval 100); the metric is the mean squared position error.

The system is E(3)-equivariant (rotations, reflections, translations of positions and velocities), with the
charges invariant, so an O(3) point model on the complete graph with relative positions is the right prior.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from equi_groups import O3, standard, trivial
from torch import nn
from tqdm import tqdm

from .._analytic import AnalyticPointConv, MLPKernel
from .._point_conv import ImplicitPointConv
from ._config import NBodyConfig

NBODY_MODELS = ("implicit", "analytic", "mlp")


def simulate_charged(
    n_sims: int,
    seed: int,
    n: int = 5,
    steps: int = 1000,
    burn_in: int = 3000,
    dt: float = 1e-3,
    loc_std: float = 0.5,
    vel_norm: float = 0.5,
    max_force: float = 100.0,
) -> dict[str, np.ndarray]:
    """``n_sims`` seeded charged systems: the state after ``burn_in`` steps (``pos``, ``vel`` ``(S, n, 3)``,
    ``charge`` ``(S, n)``) and the positions ``steps`` steps later (``target``), float64."""
    if n_sims < 1 or n < 2 or steps < 1 or burn_in < 0:
        raise ValueError(
            f"n_sims >= 1, n >= 2, steps >= 1, burn_in >= 0 expected, got {n_sims}, {n}, {steps}, {burn_in}"
        )
    rng = np.random.default_rng(seed)
    q = rng.choice([-1.0, 1.0], size=(n_sims, n))
    x = rng.standard_normal((n_sims, n, 3)) * loc_std
    v = rng.standard_normal((n_sims, n, 3))
    v = v / np.linalg.norm(v, axis=2, keepdims=True) * vel_norm
    x, v = _integrate(x, v, q, burn_in, dt, max_force)
    target, _ = _integrate(x, v, q, steps, dt, max_force)
    return {"pos": x, "vel": v, "charge": q, "target": target}


def _integrate(
    x: np.ndarray, v: np.ndarray, q: np.ndarray, steps: int, dt: float, max_force: float
) -> tuple[np.ndarray, np.ndarray]:
    """``steps`` kick-drift leapfrog steps of the charged system (``x, v: (S, n, 3)``, ``q: (S, n)``)."""
    n = x.shape[1]
    qq = q[:, :, None] * q[:, None, :]
    eye = np.eye(n, dtype=bool)[None]
    for _ in range(steps):
        d = x[:, :, None, :] - x[:, None, :, :]  # x_i - x_j
        r = np.linalg.norm(d, axis=3)
        r3 = np.where(eye, np.inf, np.maximum(r, 1e-2) ** 3)
        f = ((qq / r3)[..., None] * d).sum(2)
        norm = np.linalg.norm(f, axis=2, keepdims=True)
        f = f * np.minimum(1.0, max_force / np.maximum(norm, 1e-300))  # clip the norm: stays equivariant
        v = v + dt * f
        x = x + dt * v
    return x, v


class NBodyNet(nn.Module):
    """O(3) x translation-equivariant point network on the complete graph of the particles: input fields
    ``[charge (0e), velocity (1o)]``, ``layers`` point convolutions (kernel by ``model``; the charges of both
    ends are node attributes of the implicit kernel) on ``scalars x 0e + vectors x 1o`` with gated
    nonlinearities and residual connections, and a last convolution to one vector field: the displacement.
    Prediction: ``pos + vel * T + displacement`` (``T`` the horizon). ``model``: ``implicit``, ``analytic`` (the
    rings x harmonics x intertwiners basis), ``mlp`` (a non-equivariant MLP kernel of the relative position)."""

    def __init__(
        self, model: str, layers: int = 3, scalars: int = 8, vectors: int = 4, channels: int = 4, rings: int = 6
    ) -> None:
        super().__init__()
        if model not in NBODY_MODELS:
            raise ValueError(f"model must be one of {', '.join(NBODY_MODELS)}, got {model!r}")
        G = O3()
        s0, v1 = trivial(G), standard(G)  # velocities and displacements in x, y, z coordinates
        self.model, self.scalars, self.vectors = model, scalars, vectors
        inp = [s0, v1]
        hidden = [s0] * scalars + [v1] * vectors
        gated = [s0] * (scalars + vectors) + [v1] * vectors
        self.convs = nn.ModuleList()
        reps_in = inp
        for i in range(layers + 1):
            reps_out = [v1] if i == layers else gated
            self.convs.append(self._conv(model, G, reps_in, reps_out, channels, rings))
            reps_in = hidden
        self.radius = 2.0

    @staticmethod
    def _conv(model: str, G: Any, reps_in: list, reps_out: list, channels: int, rings: int) -> nn.Module:
        if model == "analytic":
            return AnalyticPointConv(G, reps_in, reps_out, node_dim=1, radius=2.0, rings=rings, sigma=1.0)
        if model == "mlp":
            d_in, d_out = sum(r.dim for r in reps_in), sum(r.dim for r in reps_out)
            kern = MLPKernel(3, d_in, d_out, attr_dim=2, sigma=1.0)
            return ImplicitPointConv(G, reps_in, reps_out, node_dim=1, radius=2.0, kernel=kern)
        return ImplicitPointConv(G, reps_in, reps_out, node_dim=1, radius=2.0, channels=channels, sigma=1.0)

    def forward(self, pos: torch.Tensor, vel: torch.Tensor, charge: torch.Tensor, edge_index: torch.Tensor):
        """``pos, vel: (N, 3)``, ``charge: (N,)``, ``edge_index``: complete graphs -> displacement ``(N, 3)``."""
        q = charge[:, None]
        s, v = self.scalars, self.vectors
        h = _gate(self.convs[0](torch.cat([q, vel], 1), pos, edge_index, node_attr=q), s, v)
        for conv in self.convs[1:-1]:
            h = h + _gate(conv(h, pos, edge_index, node_attr=q), s, v)
        return 0.1 * self.convs[-1](h, pos, edge_index, node_attr=q)  # small displacements at initialisation


def _gate(h: torch.Tensor, s: int, v: int) -> torch.Tensor:
    gates = torch.sigmoid(h[:, s : s + v]).repeat_interleave(3, 1)
    return torch.cat([F.silu(h[:, :s]), h[:, s + v :] * gates], 1)


def complete_graph(n_graphs: int, n: int) -> torch.Tensor:
    """``(2, n_graphs * n (n - 1))`` edges of ``n_graphs`` disjoint complete graphs on ``n`` nodes."""
    src, dst = np.nonzero(~np.eye(n, dtype=bool))
    off = np.arange(n_graphs)[:, None] * n
    return torch.as_tensor(np.stack([(src + off).ravel(), (dst + off).ravel()]), dtype=torch.long)


def _tensors(d: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(v, dtype=torch.float32) for k, v in d.items()}


def linear_mse(data: dict[str, np.ndarray], horizon: float) -> float:
    """The no-learning baseline: constant velocity, ``pos + vel * T``."""
    return float(np.mean((data["pos"] + horizon * data["vel"] - data["target"]) ** 2))


def train_nbody(model: str, seed: int, cfg: NBodyConfig, progress: bool = False) -> dict[str, Any]:
    """Train ``model`` on seeded simulations (train seed ``seed``, test seed ``1000 + seed``); test position MSE."""
    horizon = cfg.steps * 1e-3
    tr = simulate_charged(cfg.n_train, seed, n=cfg.particles, steps=cfg.steps)
    te = simulate_charged(cfg.n_test, 1000 + seed, n=cfg.particles, steps=cfg.steps)
    baseline = linear_mse(te, horizon)
    tr_t, te_t = _tensors(tr), _tensors(te)
    torch.manual_seed(seed)
    net = NBodyNet(model, cfg.layers, cfg.scalars, cfg.vectors, cfg.channels, cfg.rings)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    steps = cfg.epochs * int(np.ceil(cfg.n_train / cfg.batch))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(s, steps) / steps)))
    gen = torch.Generator().manual_seed(seed)
    p = cfg.particles

    def predict(d: dict[str, torch.Tensor], idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pos, vel = d["pos"][idx].reshape(-1, 3), d["vel"][idx].reshape(-1, 3)
        out = net(pos, vel, d["charge"][idx].reshape(-1), complete_graph(len(idx), p))
        return pos + horizon * vel + out, d["target"][idx].reshape(-1, 3)

    t0 = time.perf_counter()
    bar = tqdm(total=steps, desc=f"nbody {model} seed {seed}", disable=not progress, leave=False)
    for _ in range(cfg.epochs):
        perm = torch.randperm(cfg.n_train, generator=gen)
        for b in range(0, cfg.n_train, cfg.batch):
            pred, y = predict(tr_t, perm[b : b + cfg.batch])
            loss = F.mse_loss(pred, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.update()
    bar.close()
    seconds = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        errs = [
            ((lambda a: (a[0] - a[1]) ** 2)(predict(te_t, torch.arange(b, min(b + 100, cfg.n_test))))).sum()
            for b in range(0, cfg.n_test, 100)
        ]
    mse = float(sum(errs) / (cfg.n_test * p * 3))
    return {
        "mse": mse,
        "linear_mse": baseline,
        "params": sum(q.numel() for q in net.parameters() if q.requires_grad),
        "train_seconds": seconds,
    }
