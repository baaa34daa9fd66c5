"""Plain torch modules that ``export()`` returns where ``torch.nn`` has no ready-made equivalent.

They hold only tensors, ints and strings (no field types, groups or representations): an exported model
depends on
torch alone at run time (its pickle names these classes, like escnn's exported ``MaxPoolChannels``). The
equivariant
modules of this package run the same cores, so export is exact by construction and tested anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ._fields import FieldLayout

_ACTIVATIONS = {
    "relu": torch.relu,
    "elu": F.elu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softplus": F.softplus,
}


def activation(name: str, **kwargs: float) -> nn.Module:
    """The ``torch.nn`` module of an activation name (``relu``, ``elu``, ``leaky_relu``, ``sigmoid``,
    ``tanh``)."""
    if name == "relu":
        return nn.ReLU()
    if name == "elu":
        return nn.ELU(alpha=kwargs.get("alpha", 1.0))
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope=kwargs.get("negative_slope", 0.01))
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "tanh":
        return nn.Tanh()
    raise ValueError(f"unknown activation {name!r}; expected relu, elu, leaky_relu, sigmoid or tanh")


class FieldMax(nn.Module):
    """Max over the channels of each field: ``(B, C, *S) -> (B, n_fields, *S)``."""

    def __init__(self, layout: FieldLayout) -> None:
        super().__init__()
        self.layout = layout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layout.merge_fields([p.amax(2) for p in self.layout.split(x)])


class FieldNorms(nn.Module):
    """Euclidean norm of each field: ``(B, C, *S) -> (B, n_fields, *S)``."""

    def __init__(self, layout: FieldLayout) -> None:
        super().__init__()
        self.layout = layout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layout.merge_fields([torch.linalg.vector_norm(p, dim=2) for p in self.layout.split(x)])


class NormActivation(nn.Module):
    """``x_f -> x_f * phi(|x_f| - b_f) / |x_f|`` per field ``f`` (0 where ``|x_f| = 0``).

    ``phi`` is ``relu``, ``sigmoid`` or ``squash`` (``n / (1 + n)``, no bias); ``b_f = exp(log_bias_f)``.
    """

    def __init__(self, layout: FieldLayout, function: str, bias: bool) -> None:
        super().__init__()
        if function not in ("relu", "sigmoid", "squash"):
            raise ValueError(f"unknown norm function {function!r}; expected relu, sigmoid or squash")
        self.layout = layout
        self.function = function
        self.log_bias = nn.Parameter(torch.zeros(layout.n_fields)) if bias else None
        starts = [0]
        for n in layout.counts:
            starts.append(starts[-1] + n)
        self._starts = starts

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = []
        bias = torch.exp(self.log_bias) if self.log_bias is not None else None
        for g, p in enumerate(self.layout.split(x)):
            n = torch.linalg.vector_norm(p, dim=2, keepdim=True)  # (B, F, 1, *S)
            if bias is not None:
                idx = self.layout.fields_tensor(g)
                b = bias.index_select(0, idx).view(1, -1, 1, *([1] * (p.dim() - 3)))
                shifted = n - b
            else:
                shifted = n
            if self.function == "relu":
                new = torch.relu(shifted)
            elif self.function == "sigmoid":
                new = torch.sigmoid(shifted)
            else:
                new = shifted / (1.0 + shifted)
            safe = n.clamp_min(1e-12)
            scale = torch.where(n > 1e-12, new / safe, torch.zeros_like(new))
            parts.append(p * scale)
        return self.layout.merge(parts)


class Gate(nn.Module):
    """``(gates, gated) -> gated_f * sigmoid(gate_f)``: the first ``n_gates`` channels gate the rest, channel
    ``c`` of
    the gated part by gate ``index[c]``."""

    def __init__(self, n_gates: int, index: torch.Tensor) -> None:
        super().__init__()
        self.n_gates = n_gates
        self.register_buffer("index", index.clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gates = torch.sigmoid(x[:, : self.n_gates]).index_select(1, self.index)
        return x[:, self.n_gates :] * gates


class Concatenated(nn.Module):
    """``x -> (f(x_1), f(-x_1), f(x_2), f(-x_2), ...)``: every channel becomes two adjacent channels."""

    def __init__(self, function: str) -> None:
        super().__init__()
        if function not in _ACTIVATIONS:
            raise ValueError(f"unknown function {function!r}; expected one of {sorted(_ACTIVATIONS)}")
        self.function = function

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fn = _ACTIVATIONS[self.function]
        return torch.stack([fn(x), fn(-x)], 2).flatten(1, 2)


class FourierActivation(nn.Module):
    """Per field: samples ``A v`` on a group grid, pointwise ``fn``, back by ``A^+``: ``v -> A^+ fn(A v)``.

    ``A: (n, D)`` is the sampling matrix, ``A^+: (D, n)`` its pseudo-inverse; ``x: (B, channels * D, *S)``.
    """

    def __init__(self, sampling: torch.Tensor, pinv: torch.Tensor, function: str, alpha: float = 1.0) -> None:
        super().__init__()
        if function not in _ACTIVATIONS:
            raise ValueError(f"unknown function {function!r}; expected one of {sorted(_ACTIVATIONS)}")
        self.register_buffer("A", sampling.clone())
        self.register_buffer("A_pinv", pinv.clone())
        self.function = function
        self.alpha = alpha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[:2]
        spatial = x.shape[2:]
        n, d = self.A.shape
        fields = b * (c // d)
        v = x.reshape(fields, d, -1)
        # one batched GEMM over all fields (faster than broadcasting matmul on CPU, fine on GPU)
        y = torch.bmm(self.A.to(x.dtype).expand(fields, n, d), v)
        y = F.elu(y, alpha=self.alpha) if self.function == "elu" else _ACTIVATIONS[self.function](y)
        return torch.bmm(self.A_pinv.to(x.dtype).expand(fields, d, n), y).reshape(b, c, *spatial)


class Parallel(nn.Module):
    """Runs every branch on the same input and concatenates the outputs along channels."""

    def __init__(self, branches: Sequence[nn.Module]) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], 1)
