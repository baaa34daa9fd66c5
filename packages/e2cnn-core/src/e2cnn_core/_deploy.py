"""Deployable artefacts of an exported model: ``torch.export`` (``.pt2``), TorchScript and ONNX files."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

#: The artefact formats :func:`save_deployable` writes.
DEPLOY_FORMATS = ("pt2", "torchscript", "onnx")


def save_deployable(
    module: nn.Module, example: torch.Tensor, fmt: str, path: str | os.PathLike, dynamic_batch: bool = True
) -> Path:
    """Write ``module`` (e.g. a zoo model's ``export()``) as a file that loads with torch (or onnxruntime) alone.

    The files hold the graph and the weights, no Python class of this package, so they load where neither
    e2cnn-core nor equi-groups is installed: ``pt2`` with ``torch.export.load(path).module()``,
    ``torchscript`` with ``torch.jit.load(path)``, ``onnx`` with ``onnxruntime.InferenceSession(path)`` (input
    ``"x"``, output ``"y"``). A pickle of the module object itself (``torch.save(module)``) is not one of them:
    ``torch.load(..., weights_only=True)`` refuses any pickled module; keep its ``state_dict()`` instead.

    Args:
        module: a plain module in eval mode (an equivariant module is exported first).
        example: an input of the deployed shape ``(B, C, H, W)``; only its batch size may vary at run time
            when ``dynamic_batch`` (``B >= 1``; ONNX and ``pt2`` mark the batch axis dynamic).
        fmt: ``"pt2"``, ``"torchscript"`` or ``"onnx"``.
        path: the file to write (its folder is created).
        dynamic_batch: accept any batch size (else only ``example``'s).

    Returns:
        The path written.

    Examples:
        >>> import tempfile
        >>> from e2cnn_core import build_model
        >>> plain = build_model("C4", width=0.25).eval().export()
        >>> with tempfile.TemporaryDirectory() as d:
        ...     f = save_deployable(plain, torch.zeros(2, 1, 29, 29), "torchscript", Path(d) / "c4.ts")
        ...     tuple(torch.jit.load(f)(torch.zeros(3, 1, 29, 29)).shape)
        (3, 10)
    """
    if fmt not in DEPLOY_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(DEPLOY_FORMATS)}")
    if hasattr(module, "in_type") and hasattr(module, "export"):
        module = module.eval().export()
    module = module.eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        if fmt == "torchscript":
            torch.jit.trace(module, (example,)).save(str(path))
        elif fmt == "pt2":
            shapes = ({0: torch.export.Dim("batch", min=1)},) if dynamic_batch else None
            torch.export.save(torch.export.export(module, (example,), dynamic_shapes=shapes), str(path))
        else:
            shapes = ({0: torch.export.Dim("batch", min=1)},) if dynamic_batch else None
            torch.onnx.export(
                module,
                (example,),
                str(path),
                input_names=["x"],
                output_names=["y"],
                dynamic_shapes=shapes,
                dynamo=True,
                external_data=False,
                verbose=False,
            )
    return path
