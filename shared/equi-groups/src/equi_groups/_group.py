"""Abstract group and group element values.

Groups are immutable, hashable values that compare by value. Elements are small immutable values that carry
their group, so mixing elements of two groups is refused.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class GroupElement:
    """An element of ``group`` given by its canonical parameters ``value`` (a tuple, see each group).

    Composition is ``g * h`` (apply ``h`` first, then ``g``), inversion ``~g``.

    Examples:
        >>> from equi_groups import CyclicGroup
        >>> C4 = CyclicGroup(4)
        >>> g = C4.element(1)
        >>> (g * g * g * g) == C4.identity
        True
    """

    group: Group
    value: tuple

    def __mul__(self, other: GroupElement) -> GroupElement:
        return self.group.compose(self, other)

    def __invert__(self) -> GroupElement:
        return self.group.inverse(self)

    def __repr__(self) -> str:
        return f"{self.group}{self.value}"


class Group(ABC):
    """Base class of every group. Subclasses are frozen dataclasses: equal and hashed by their parameters."""

    # -- identity and string form -----------------------------------------------------------------------------
    @abstractmethod
    def __str__(self) -> str: ...

    def __repr__(self) -> str:
        return str(self)

    # -- structure ----------------------------------------------------------------------------------------------
    @abstractmethod
    def order(self) -> int | None:
        """Number of elements, or ``None`` for an infinite group."""

    @property
    def is_finite(self) -> bool:
        return self.order() is not None

    @property
    @abstractmethod
    def identity(self) -> GroupElement: ...

    @abstractmethod
    def _compose(self, a: tuple, b: tuple) -> tuple: ...

    @abstractmethod
    def _inverse(self, a: tuple) -> tuple: ...

    @abstractmethod
    def _canonical(self, value: Any) -> tuple:
        """Validate and canonicalise raw parameters; raise ``ValueError`` when they are not an element."""

    def element(self, *value: Any) -> GroupElement:
        """The element with parameters ``value`` (validated and canonicalised)."""
        if len(value) == 1 and isinstance(value[0], tuple | list | np.ndarray) and self._wrapped_value:
            value = tuple(value[0])
        return GroupElement(self, self._canonical(value))

    _wrapped_value = True

    def check(self, g: GroupElement) -> GroupElement:
        """Return ``g`` if it is an element of this group, else raise ``ValueError`` naming both groups."""
        if not isinstance(g, GroupElement):
            raise TypeError(f"expected an element of {self}, got {type(g).__name__}")
        if g.group != self:
            raise ValueError(f"{g!r} is an element of {g.group}, not of {self}")
        return g

    def compose(self, g: GroupElement, h: GroupElement) -> GroupElement:
        """The product ``g h`` (``h`` acts first)."""
        return GroupElement(self, self._compose(self.check(g).value, self.check(h).value))

    def inverse(self, g: GroupElement) -> GroupElement:
        return GroupElement(self, self._inverse(self.check(g).value))

    # -- enumeration and sampling -------------------------------------------------------------------------------
    def elements(self) -> list[GroupElement]:
        """All elements of a finite group, in a fixed order (the order the regular representation uses)."""
        raise ValueError(f"{self} is infinite: it has no list of elements; use sample() or testing_elements()")

    def __iter__(self) -> Iterator[GroupElement]:
        return iter(self.elements())

    @abstractmethod
    def generators(self) -> list[GroupElement]:
        """A generating set (topological generators for compact continuous groups: a dense subgroup)."""

    @abstractmethod
    def _sample(self, rng: np.random.Generator) -> tuple: ...

    def sample(self, n: int, seed: int | None = 0) -> list[GroupElement]:
        """``n`` elements drawn from the Haar measure with ``np.random.default_rng(seed)``."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        rng = np.random.default_rng(seed)
        return [GroupElement(self, self._sample(rng)) for _ in range(n)]

    def testing_elements(self) -> list[GroupElement]:
        """Elements for equivariance tests: all elements of a small finite group; generators plus a fixed
        Haar sample (seed 0) otherwise."""
        order = self.order()
        if order is not None and order <= 64:
            return self.elements()
        return list(dict.fromkeys([self.identity, *self.generators(), *self.sample(8, seed=0)]))

    # -- representations ----------------------------------------------------------------------------------------
    def irreps(self, max_frequency: int | None = None) -> tuple[Hashable, ...]:
        """Ids of the real irreducible representations (band-limited by ``max_frequency`` for continuous groups)."""
        raise ValueError(f"{self} has no irreducible representations implemented")

    def irrep_dim(self, irrep: Hashable) -> int:
        raise ValueError(f"{self} has no irreducible representations implemented")

    def irrep_type(self, irrep: Hashable) -> int:
        """Dimension of the endomorphism algebra: 1 (real type), 2 (complex type) or 4 (quaternionic)."""
        return 1

    def irrep_matrix(self, irrep: Hashable, g: GroupElement) -> np.ndarray:
        raise ValueError(f"{self} has no irreducible representations implemented")

    def standard_matrix(self, g: GroupElement) -> np.ndarray:
        """The matrix of ``g`` in the group's defining action (on R^2, R^3 or R^n)."""
        raise ValueError(f"{self} has no defining matrix action")

    def check_irrep(self, irrep: Hashable) -> Hashable:
        """Return a canonical irrep id or raise ``ValueError`` with the valid ids."""
        raise ValueError(f"{self} has no irreducible representations implemented")
