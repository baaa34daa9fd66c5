"""What ``export()`` returns: compositions of ``torch.nn`` built-ins, and plain modules where none exists.

The builders :func:`field_max`, :func:`field_norm` and :func:`fourier_activation` compose built-in modules
only (``nn.Unflatten``, ``nn.MaxPool3d``, ``nn.LPPool3d``, grouped 1x1 ``nn.Conv2d``...), so the exported zoo
models load and run where torch alone is installed. The classes below (:class:`FieldMax`, :class:`NormActivation`,
...) are the cores the equivariant modules run; they hold only tensors, ints and strings, and the few modules
with no built-in equivalent (norm nonlinearities, gates, concatenated and parallel branches) export them.
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


def _gather(reps_dims: Sequence[int], width: int, repeat: bool) -> nn.Conv2d | None:
    """A bias-free 1x1 convolution laying fields of dimensions ``reps_dims`` out as ``width`` channels each:
    field channels cycled (``repeat``: max-preserving) or zero-filled (norm-preserving); ``None`` when
    every field already has ``width`` channels."""
    if all(d == width for d in reps_dims):
        return None
    c = sum(reps_dims)
    g = torch.zeros(len(reps_dims) * width, c)
    start = 0
    for f, d in enumerate(reps_dims):
        for j in range(width if repeat else d):
            g[f * width + j, start + j % d] = 1.0
        start += d
    conv = nn.Conv2d(c, len(reps_dims) * width, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(g.view(*g.shape, 1, 1))
    return conv


def field_max(dims: Sequence[int]) -> nn.Sequential:
    """Built-in modules computing the max over each field of ``(B, C, H, W)`` (fields of dimensions
    ``dims``): ``nn.Unflatten`` to ``(B, F, d, H, W)``, ``nn.MaxPool3d((d, 1, 1))``, ``nn.Flatten``.

    Fields of unequal dimensions are first laid out as ``max(dims)`` channels each by a 0/1 1x1 convolution
    (cycling a field's channels, which leaves its max unchanged and is exact in floating point).
    """
    width = max(dims)
    layers: list[nn.Module] = [m for m in (_gather(dims, width, repeat=True),) if m is not None]
    layers += [nn.Unflatten(1, (len(dims), width)), nn.MaxPool3d((width, 1, 1)), nn.Flatten(1, 2)]
    return nn.Sequential(*layers)


def field_norm(dims: Sequence[int]) -> nn.Sequential:
    """Built-in modules computing the Euclidean norm of each field of ``(B, C, H, W)``: ``nn.Unflatten``
    then ``nn.LPPool3d(2, (d, 1, 1))`` (``sqrt`` of the sum of squares), ``nn.Flatten``; fields of unequal
    dimensions are zero-padded to ``max(dims)`` channels by a 0/1 1x1 convolution first."""
    width = max(dims)
    layers: list[nn.Module] = [m for m in (_gather(dims, width, repeat=False),) if m is not None]
    layers += [nn.Unflatten(1, (len(dims), width)), nn.LPPool3d(2, (width, 1, 1)), nn.Flatten(1, 2)]
    return nn.Sequential(*layers)


def fourier_activation(core: FourierActivation, n_fields: int) -> nn.Sequential:
    """Built-in modules equal to ``core`` on ``n_fields`` fields of ``(B, C, H, W)``: the sampling ``A`` and
    the projection ``A^+`` as grouped 1x1 convolutions (one group per field) around the pointwise function."""
    n, d = core.A.shape
    sample = nn.Conv2d(n_fields * d, n_fields * n, 1, groups=n_fields, bias=False)
    project = nn.Conv2d(n_fields * n, n_fields * d, 1, groups=n_fields, bias=False)
    fn = nn.ELU(alpha=core.alpha) if core.function == "elu" else activation(core.function)
    with torch.no_grad():
        sample.weight.copy_(core.A.repeat(n_fields, 1).view(n_fields * n, d, 1, 1))
        project.weight.copy_(core.A_pinv.repeat(n_fields, 1).view(n_fields * d, n, 1, 1))
    return nn.Sequential(sample, fn, project).to(core.A.device)


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
    ``c`` of the gated part by gate ``index[c]``."""

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
        v = x.reshape(fields, d, spatial.numel())  # explicit sizes: an empty batch reshapes too
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
