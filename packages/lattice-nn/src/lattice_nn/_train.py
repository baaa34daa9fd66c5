"""Self-supervised training of the 0.1 pivot-order model (:class:`LatticeReducer`): minimise the log orthogonality
defect of the reduced bases. The factor model trains with :func:`lattice_nn.train_factors`."""

from __future__ import annotations

import copy

import numpy as np
import torch
from tqdm.auto import tqdm

from ._config import TrainConfig
from ._defect import log_defect, log_defect_from_gram
from ._lattices import KINDS, generate
from ._reducer import LatticeReducer


def validation_loss(
    model: LatticeReducer, dims: tuple[int, ...], seed: int, count: int = 32, sweeps: int | None = None
) -> float:
    """Mean log defect of ``model`` on a fixed seeded set (``count`` bases per family and dimension)."""
    vals = []
    with torch.no_grad():
        for n in dims:
            data = np.concatenate([generate(k, n, count, seed=seed) for k in KINDS])
            out = model.reduce(torch.as_tensor(data, dtype=torch.float64), sweeps=sweeps)
            vals.append(float(log_defect_from_gram(out.basis @ out.basis.transpose(-1, -2)).mean()))
    return float(np.mean(vals))


def train(model: LatticeReducer, config: TrainConfig, progress: bool = True, select: bool = False) -> list[float]:
    """Train ``model`` in place on freshly generated seeded lattices; returns the training loss of each step.

    Self-supervised policy gradient (REINFORCE with a self-critical baseline): for each basis the reducer runs
    twice with ``config.sweeps`` sweeps, once sampling its pivot orders and once taking the most likely
    ones (the baseline). With ``D`` the log orthogonality defect ``sum_i log ||b_i|| - log |det B|`` of the
    reduced basis (computed from the exact integer ``U``), the surrogate loss is
    ``mean((D_sample - D_greedy) * log p(decisions))``; its gradient is an unbiased estimate of the gradient
    of the expected defect of the sampled policy. The decisions are the pivot orders (and, with
    ``learn_rounding``, the rounding bits). The returned per-step losses are the mean ``D_greedy`` (the
    defect the deterministic model reaches on that batch). A model without parameters
    (``variant="classical"``) is left as is.

    With ``select=True`` the parameters with the lowest :func:`validation_loss` (fixed seed ``10**6 +
    config.seed``, ``config.sweeps`` sweeps, checked every ``log_every`` steps and before training) are
    restored at the end.
    """
    params = list(model.parameters())
    if not params:
        return []
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    opt = torch.optim.Adam(params, lr=config.lr)
    rng = np.random.default_rng(config.seed)
    losses: list[float] = []
    model.train()
    bar = tqdm(range(config.steps), desc="train", disable=not progress, leave=False)
    val_seed = 10**6 + config.seed

    def val() -> float:
        return validation_loss(model, config.dims, val_seed, count=config.val_count, sweeps=config.sweeps)

    best = (val(), copy.deepcopy(model.state_dict())) if select else None
    for step in bar:
        n = int(rng.choice(config.dims))
        per = -(-config.batch // len(config.kinds))
        data = np.concatenate([generate(k, n, per, seed=config.seed * 1_000_003 + step) for k in config.kinds])[
            : config.batch
        ]
        basis = torch.as_tensor(data, dtype=torch.float64)
        with torch.no_grad():
            greedy = log_defect(model.reduce(basis, sweeps=config.sweeps).basis)
        out = model.reduce(basis, sweeps=config.sweeps, sample=True, generator=gen)
        advantage = (log_defect(out.basis.detach()) - greedy).detach()
        loss = (advantage * out.log_prob).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(greedy.mean()))
        if step % config.log_every == 0:
            bar.set_postfix(defect=f"{losses[-1]:.3f}", adv=f"{float(advantage.mean()):.3f}", n=n)
        if best is not None and (step + 1) % config.log_every == 0:
            v = val()
            if v < best[0]:
                best = (v, copy.deepcopy(model.state_dict()))
    if best is not None:
        model.load_state_dict(best[1])
    model.eval()
    return losses
