"""Parameters and multiply-accumulates of a plain model (forward hooks on ``Conv2d`` and ``Linear``)."""

from __future__ import annotations

import torch
from torch import nn


def count_params(model: nn.Module) -> int:
    """Trainable parameters (for an equivariant model: its free parameters, not the expanded filters)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def count_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of one forward pass on one input of shape ``(C, H, W)`` (convolutions and linear
    layers; batch norm, activations and pooling are not counted, as usual for MobileNets).

    Examples:
        >>> count_macs(nn.Conv2d(3, 8, 3, padding=1, groups=1), (3, 5, 5))
        5400
    """
    total = 0

    def hook(m: nn.Module, inp: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
            total += int(out.shape[1] * out.shape[2] * out.shape[3] * k)
        elif isinstance(m, nn.Linear):
            total += m.in_features * m.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_shape))
    finally:
        for h in handles:
            h.remove()
        model.train(was)
    return total
