"""Pointwise activations by name (the Fourier nonlinearities apply them to the samples)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["FUNCTIONS", "activation"]

#: the names accepted by the nonlinearities (e2cnn-core's names)
FUNCTIONS = ("p_elu", "p_relu", "p_sigmoid", "p_tanh")


def check_function(name: str) -> str:
    if name not in FUNCTIONS:
        raise ValueError(f"unknown function {name!r}; expected one of {list(FUNCTIONS)}")
    return name


def activation(name: str, x: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    if name == "p_elu":
        return F.elu(x, alpha)
    if name == "p_relu":
        return F.relu(x)
    if name == "p_sigmoid":
        return torch.sigmoid(x)
    return torch.tanh(x)
