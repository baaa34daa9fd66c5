"""Input checks shared by the model, the loss and the baselines: clear errors for degenerate bases."""

from __future__ import annotations

import numpy as np
import torch

#: A basis whose Gram matrix has ``log det G`` this far below ``sum_i log G_ii`` counts as singular.
MAX_LOG_DEFECT = 300.0


def check_basis(basis: np.ndarray | torch.Tensor, name: str = "basis") -> None:
    """Raise ``ValueError`` unless ``basis`` is a finite, square, non-singular (batch of) basis.

    Rows are the basis vectors: shape ``(n, n)`` or ``(batch, n, n)``.

    Raises:
        ValueError: naming the wrong shape, the non-finite entries or the singular batch element.
    """
    shape = tuple(basis.shape)
    if len(shape) not in (2, 3):
        raise ValueError(f"{name} must have shape (n, n) or (batch, n, n), got {shape}")
    if shape[-1] != shape[-2]:
        raise ValueError(
            f"{name} must be square (n basis vectors in R^n, full rank), "
            f"got {shape[-2]} vectors in R^{shape[-1]}"
        )
    if shape[-1] < 2:
        raise ValueError(f"{name} must have dimension n >= 2, got n = {shape[-1]}")
    arr = (
        basis.detach().cpu().double().numpy() if isinstance(basis, torch.Tensor) else np.asarray(basis, float)
    )
    if not np.all(np.isfinite(arr)):
        bad = int((~np.isfinite(arr)).sum())
        raise ValueError(f"{name} has {bad} non-finite entries (NaN or inf); expected finite real numbers")
    arr = arr.reshape(-1, shape[-1], shape[-1])
    # log |det B| from B itself (slogdet of B B^T would square the conditioning and refuse large integer bases)
    norms = np.linalg.norm(arr, axis=-1)
    if np.any(norms <= 0):
        b = int(np.nonzero(np.any(norms <= 0, axis=-1))[0][0])
        raise ValueError(f"{name} is singular: batch element {b} has a zero basis vector; expected full rank")
    sign, logdet = np.linalg.slogdet(arr)
    gap = np.log(norms).sum(-1) - np.where(sign != 0, logdet, -np.inf)
    if np.any(~np.isfinite(gap)) or np.any(gap > MAX_LOG_DEFECT):
        b = int(np.nonzero(~np.isfinite(gap) | (gap > MAX_LOG_DEFECT))[0][0])
        raise ValueError(
            f"{name} is singular (or numerically so): batch element {b} has |det B| ~ 0 relative to its "
            f"vector lengths (log orthogonality defect {gap[b]:.3g} > {MAX_LOG_DEFECT}); "
            "expected a full-rank basis"
        )
