"""The log orthogonality defect, the self-supervised loss of neural lattice reduction."""

from __future__ import annotations

import numpy as np
import torch

from ._validate import check_basis


def log_defect(basis: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
    """Log orthogonality defect ``sum_i log ||b_i|| - log |det B|`` of each basis (rows are basis vectors).

    It is >= 0, equals 0 exactly for orthogonal bases, is invariant under ``B -> B R^T`` (R in O(n)), under
    signed permutations of the rows and under scaling, and its ``|det B|`` term is the same for every basis of
    one lattice (Hadamard's inequality).

    Args:
        basis: ``(n, n)`` or ``(batch, n, n)``, numpy or torch.

    Computed from ``B`` itself in float64 (``slogdet(B)``, not ``slogdet(B B^T)``, which squares the
    conditioning), so integer bases with entries >= 1e9 and ill-conditioned float32 bases are measured exactly
    enough.

    Returns:
        ``()`` or ``(batch,)`` of the same library (torch: the input's floating dtype).

    Examples:
        >>> import numpy as np
        >>> round(float(log_defect(np.array([[1.0, 0.0], [1.0, 1.0]]))), 6)
        0.346574
    """
    check_basis(basis)
    if isinstance(basis, torch.Tensor):
        b = basis.double()  # float64 whatever the input: a float32 slogdet loses ill-conditioned bases
        out = torch.log(torch.linalg.vector_norm(b, dim=-1)).sum(-1) - torch.linalg.slogdet(b)[1]
        return out.to(basis.dtype) if basis.is_floating_point() else out
    b = np.asarray(basis, dtype=float)
    return np.log(np.linalg.norm(b, axis=-1)).sum(-1) - np.linalg.slogdet(b)[1]


def log_defect_from_gram(gram: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
    """The log orthogonality defect from a Gram matrix ``G = B B^T``: ``(sum_i log G_ii - log det G) / 2``.

    Differentiable for torch input (the loss of :func:`lattice_nn.train`). No input checks.

    Shapes:
        gram: ``(..., n, n)`` -> ``(...)``.
    """
    if isinstance(gram, torch.Tensor):
        diag = torch.diagonal(gram, dim1=-2, dim2=-1)
        return 0.5 * (torch.log(diag).sum(-1) - torch.linalg.slogdet(gram)[1])
    diag = np.diagonal(gram, axis1=-2, axis2=-1)
    return 0.5 * (np.log(diag).sum(-1) - np.linalg.slogdet(gram)[1])
