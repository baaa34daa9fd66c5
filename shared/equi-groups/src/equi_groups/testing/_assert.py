"""``assert_equivariant``: transform input and output with each testing element and compare.

A *type* is anything with a ``group`` attribute and a ``transform(x, g)`` method: a
:class:`~equi_groups.Representation` (acts on the last axis), an e2cnn-core ``FieldType`` (acts on channels and
the pixel grid), or a package's own type (a graph, a lattice basis). Modules declare theirs as ``in_type`` and
``out_type``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from .._group import GroupElement

#: Relative tolerance per dtype name: error = max|f(g.x) - g.f(x)| / max(1, max|f(x)|).
TOLERANCES: dict[str, float] = {
    "float64": 1e-10,
    "float32": 1e-5,
    "float16": 1e-2,
    "bfloat16": 5e-2,
}


class Transformable(Protocol):
    group: Any

    def transform(self, x: Any, g: GroupElement) -> Any: ...


class EquivarianceError(AssertionError):
    """Raised by :func:`assert_equivariant`; ``errors`` maps each element to its relative error."""

    def __init__(self, message: str, errors: dict[GroupElement, float]) -> None:
        super().__init__(message)
        self.errors = errors


def tolerance_for(x: Any) -> float:
    """The default tolerance for the dtype of ``x`` (numpy array or torch tensor)."""
    name = str(getattr(x, "dtype", "float64")).replace("torch.", "")
    if name not in TOLERANCES:
        raise ValueError(f"no tolerance for dtype {name}; known: {sorted(TOLERANCES)}")
    return TOLERANCES[name]


def _to_numpy(y: Any) -> np.ndarray:
    if type(y).__module__.startswith("torch"):
        return y.detach().double().cpu().numpy()
    return np.asarray(y, dtype=float)


def _first_leaf(x: Any) -> Any:
    while isinstance(x, tuple | list):
        x = x[0]
    return x


def _leaves(y: Any) -> list[np.ndarray]:
    if isinstance(y, tuple | list):
        return [a for item in y for a in _leaves(item)]
    return [_to_numpy(y)]


def _resolve(fn: Any, in_type: Any, out_type: Any, x: Any) -> tuple[Any, Any, Any]:
    in_type = in_type if in_type is not None else getattr(fn, "in_type", None)
    out_type = out_type if out_type is not None else getattr(fn, "out_type", None)
    if in_type is None or out_type is None:
        raise ValueError("pass in_type and out_type, or a module that declares them as attributes")
    if in_type.group != out_type.group:
        raise ValueError(f"in_type acts by {in_type.group}, out_type by {out_type.group}")
    if x is None:
        if not hasattr(in_type, "random_input"):
            raise ValueError(f"{in_type!r} cannot make a random input: pass x")
        x = in_type.random_input()
    return in_type, out_type, x


def equivariance_errors(
    fn: Callable[[Any], Any],
    in_type: Transformable | None = None,
    out_type: Transformable | None = None,
    x: Any = None,
    elements: Sequence[GroupElement] | None = None,
) -> dict[GroupElement, float]:
    """Relative error ``max|f(g.x) - g.f(x)| / max(1, max|f(x)|)`` for each element.

    Args:
        fn: a callable or a module; ``in_type``/``out_type`` default to its attributes of those names.
        x: the input; if omitted, ``in_type.random_input()`` is used when the type offers it.
        elements: group elements to test; default ``in_type.group.testing_elements()``.
    """
    return _errors_and_peak(fn, in_type, out_type, x, elements)[0]


def _errors_and_peak(
    fn: Callable[[Any], Any],
    in_type: Transformable | None,
    out_type: Transformable | None,
    x: Any,
    elements: Sequence[GroupElement] | None,
) -> tuple[dict[GroupElement, float], float]:
    """:func:`equivariance_errors` and ``max|f(x)|``."""
    in_type, out_type, x = _resolve(fn, in_type, out_type, x)
    group = in_type.group
    elements = group.testing_elements() if elements is None else [group.check(g) for g in elements]
    was_training = getattr(fn, "training", None)
    if was_training:
        fn.eval()
    try:
        y = fn(x)
        peak = max(float(np.abs(a).max(initial=0.0)) for a in _leaves(y))
        scale = max(1.0, peak)
        errors: dict[GroupElement, float] = {}
        for g in elements:
            lhs = _leaves(fn(in_type.transform(x, g)))
            rhs = _leaves(out_type.transform(y, g))
            errors[g] = max(float(np.abs(a - b).max(initial=0.0)) for a, b in zip(lhs, rhs, strict=True)) / scale
    finally:
        if was_training:
            fn.train()
    return errors, peak


def assert_equivariant(
    fn: Callable[[Any], Any],
    in_type: Transformable | None = None,
    out_type: Transformable | None = None,
    x: Any = None,
    elements: Sequence[GroupElement] | None = None,
    atol: float | None = None,
    allow_zero: bool = False,
) -> dict[GroupElement, float]:
    """Assert ``fn(g.x) == g.fn(x)`` for every testing element; return the errors.

    Modules in training mode are switched to eval mode for the check (batch statistics, dropout) and back.
    The tolerance defaults to :data:`TOLERANCES` for the input's dtype. An output that is identically zero
    makes the check vacuous (the zero map is equivariant to everything), so it fails unless ``allow_zero``
    says that zero is the expected output.

    Raises:
        EquivarianceError: naming the element with the largest error, its error and the tolerance; or
            saying that ``fn(x)`` is identically zero (without ``allow_zero=True``).

    Examples:
        >>> import numpy as np
        >>> from equi_groups import CyclicGroup, irrep
        >>> rho = irrep(CyclicGroup(4), 1)
        >>> errs = assert_equivariant(lambda v: 2 * v, rho, rho, x=np.ones((3, 2)))
        >>> max(errs.values()) < 1e-12
        True
    """
    in_type, out_type, x = _resolve(fn, in_type, out_type, x)
    errors, peak = _errors_and_peak(fn, in_type, out_type, x, elements)
    if peak == 0.0 and not allow_zero:
        raise EquivarianceError(
            "the output is identically zero, so equivariance is not tested: check the input and the module, "
            "or pass allow_zero=True if zero is the expected output",
            errors,
        )
    tol = atol if atol is not None else tolerance_for(_first_leaf(x))
    worst = max(errors, key=errors.__getitem__)
    if errors[worst] > tol:
        bad = sum(e > tol for e in errors.values())
        raise EquivarianceError(
            f"not equivariant under {worst!r}: relative error {errors[worst]:.3e} > tolerance {tol:.1e} "
            f"({bad} of {len(errors)} elements fail)",
            errors,
        )
    return errors
