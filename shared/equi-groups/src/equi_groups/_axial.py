"""Axial (cylinder) subgroups of O(3): rotations about the z axis, with a flip and/or the inversion.

``AxialGroup(n, flip, inversion)`` is a planar group ``H`` (``C_n`` or ``SO(2)`` when ``flip == ""``, ``D_n`` or
``O(2)`` otherwise; ``n = 0`` means continuous) embedded in O(3), optionally times ``{I, -I}``. The planar element
with O(2) image ``(f, t)`` acts on R^3 as ``R_z(t) F^f`` where

* ``flip="x"``: ``F = diag(1, -1, -1)``, the rotation by pi about the x axis (the group lies in SO(3));
* ``flip="m"``: ``F = diag(1, -1, 1)``, the mirror across the xz plane (on the xy plane: the planar reflection);

and the inversion bit ``i`` multiplies by ``(-1)^i``. Elements are the planar values followed by ``i`` (when
``inversion``), irreps are the planar irrep ids (``k`` or ``(j, k)``), or ``(planar id, p)`` with ``p`` in
``{1, -1}`` the sign on the inversion.

Names (``str``, parsed back by :func:`group_from_str`): ``SO2z``, ``C4z``, ``O2x``, ``D4x``, ``O2m``, ``D4m``; a
suffix ``_Inv`` adds the inversion (``SO2z_Inv``, ``C4z_Inv``, ``O2x_Inv``); ``M`` is ``D1m`` (one mirror) and ``Inv``
is ``C1z_Inv`` (the inversion alone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._group import GroupElement
from ._planar import O2, SO2, CyclicGroup, DihedralGroup, PlanarGroup
from ._spatial import SpatialGroup

_FLIPS = {"": np.eye(3), "x": np.diag([1.0, -1.0, -1.0]), "m": np.diag([1.0, -1.0, 1.0])}


def _rz(t: float) -> np.ndarray:
    c, s = math.cos(t), math.sin(t)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True, repr=False)
class AxialGroup(SpatialGroup):
    """A cylinder subgroup of O(3) about the z axis (see the module docstring for the embedding).

    The subgroups of O(3) used by steerable kernels on point clouds (Cesa, Lang, Weiler, ICLR 2022; implicit
    kernels, Zhdanov et al., NeurIPS 2023): the planar irreps of ``H``, times a sign on the inversion.

    Args:
        n: ``n >= 1`` for ``n`` rotations (``C_n``/``D_n``), ``0`` for all rotations about z (``SO(2)``/``O(2)``).
        flip: ``""`` (rotations only), ``"x"`` (flip = rotation by pi about x) or ``"m"`` (flip = mirror y -> -y).
        inversion: also contain ``-I`` (direct product with the inversion group).

    Examples:
        >>> G = AxialGroup(4, "x")
        >>> str(G), G.order(), G.irreps()
        ('D4x', 8, ((0, 0), (1, 0), (1, 1), (0, 2), (1, 2)))
        >>> AxialGroup(0, "", True).irreps(1)
        ((0, 1), (0, -1), (1, 1), (1, -1))
    """

    n: int
    flip: str = ""
    inversion: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int | np.integer) or self.n < 0:
            raise ValueError(f"an axial group needs an integer n >= 0 (0 = continuous), got {self.n!r}")
        if self.flip not in _FLIPS:
            raise ValueError(f"flip must be '', 'x' or 'm', got {self.flip!r}")
        object.__setattr__(self, "n", int(self.n))
        object.__setattr__(self, "inversion", bool(self.inversion))

    # -- names --------------------------------------------------------------------------------------------------
    def __str__(self) -> str:
        if (self.n, self.flip, self.inversion) == (1, "m", False):
            return "M"
        if (self.n, self.flip, self.inversion) == (1, "", True):
            return "Inv"
        if self.flip:
            core = ("O2" if self.n == 0 else f"D{self.n}") + self.flip
        else:
            core = ("SO2" if self.n == 0 else f"C{self.n}") + "z"
        return core + ("_Inv" if self.inversion else "")

    @property
    def planar(self) -> PlanarGroup:
        """The planar group ``H`` (C_n, D_n, SO(2) or O(2)) this group is built on."""
        if self.flip:
            return O2() if self.n == 0 else DihedralGroup(self.n)
        return SO2() if self.n == 0 else CyclicGroup(self.n)

    # -- structure ----------------------------------------------------------------------------------------------
    def order(self) -> int | None:
        base = self.planar.order()
        return None if base is None else base * (2 if self.inversion else 1)

    def _split_value(self, v: tuple) -> tuple[tuple, int]:
        return (v[:-1], v[-1]) if self.inversion else (v, 0)

    def _join(self, base: tuple, i: int) -> tuple:
        return (*base, i) if self.inversion else base

    @property
    def identity(self) -> GroupElement:
        return GroupElement(self, self._join(self.planar.identity.value, 0))

    def _canonical(self, value: Any) -> tuple:
        value = tuple(value)
        if self.inversion:
            if not value or value[-1] not in (0, 1) or isinstance(value[-1], float):
                raise ValueError(f"an element of {self} ends with the inversion bit 0 or 1, got {value!r}")
            base, i = value[:-1], int(value[-1])
        else:
            base, i = value, 0
        return self._join(self.planar._canonical(base), i)

    def _compose(self, a: tuple, b: tuple) -> tuple:
        (ba, ia), (bb, ib) = self._split_value(a), self._split_value(b)
        return self._join(self.planar._compose(ba, bb), ia ^ ib)

    def _inverse(self, a: tuple) -> tuple:
        base, i = self._split_value(a)
        return self._join(self.planar._inverse(base), i)

    def _planar_element(self, g: GroupElement) -> tuple[GroupElement, int]:
        base, i = self._split_value(self.check(g).value)
        return GroupElement(self.planar, base), i

    def _embed(self, h: GroupElement, i: int) -> GroupElement:
        return GroupElement(self, self._join(h.value, i))

    def elements(self) -> list[GroupElement]:
        if not self.is_finite:
            return super().elements()
        bits = (0, 1) if self.inversion else (0,)
        return [self._embed(h, i) for i in bits for h in self.planar.elements()]

    def generators(self) -> list[GroupElement]:
        gens = [self._embed(h, 0) for h in self.planar.generators()]
        if self.inversion:
            gens.append(self._embed(self.planar.identity, 1))
        return [g for g in gens if g != self.identity] or [self.identity]

    def testing_elements(self) -> list[GroupElement]:
        if self.is_finite:
            return super().testing_elements()
        base = self.planar.testing_elements()
        out = [self._embed(h, 0) for h in base]
        if self.inversion:
            out += [self._embed(h, 1) for h in base[:5]]
        return list(dict.fromkeys(out))

    def _sample(self, rng: np.random.Generator) -> tuple:
        base = self.planar._sample(rng)
        return self._join(base, int(rng.integers(2)) if self.inversion else 0)

    # -- embedding into O(3) ------------------------------------------------------------------------------------
    def to_o3(self, g: GroupElement) -> tuple[int, np.ndarray]:
        h, i = self._planar_element(g)
        f, t = self.planar.to_o2(h)
        a = _rz(t) @ (_FLIPS[self.flip] if f else np.eye(3))
        if i:
            a = -a
        inv = int(np.linalg.det(a) < 0)
        return inv, (-a if inv else a)

    def from_o3(self, i: int, r: np.ndarray) -> GroupElement:
        a = (-1.0 if i else 1.0) * np.asarray(r, dtype=float)
        for c in (0, 1) if self.inversion else (0,):
            b = -a if c else a
            if self.flip == "x":
                f = int(b[2, 2] < 0)
            elif self.flip == "m":
                f = int(np.linalg.det(b) < 0)
            else:
                f = 0
            z = b @ (_FLIPS[self.flip] if f else np.eye(3))
            off_axis = max(abs(z[2, 2] - 1), np.abs(z[2, :2]).max(), np.abs(z[:2, 2]).max())
            if off_axis > 1e-8 or np.linalg.det(z) < 0:  # z must be a rotation about the z axis
                continue
            try:
                h = self.planar.from_o2(f, math.atan2(z[1, 0], z[0, 0]))
            except ValueError:
                continue
            return self._embed(h, c)
        raise ValueError(f"the O(3) element (i={i}, R={np.round(r, 6).tolist()}) is not in {self}")

    def axis_rotation(self, t: float) -> GroupElement:
        if self.is_finite:
            return super().axis_rotation(t)
        return self._embed(self.planar.from_o2(0, t), 0)

    # -- irreps -------------------------------------------------------------------------------------------------
    def irreps(self, max_frequency: int | None = None) -> tuple:
        base = self.planar.irreps(max_frequency)
        return tuple((b, p) for b in base for p in (1, -1)) if self.inversion else base

    def check_irrep(self, irrep: Any) -> Any:
        try:
            if not self.inversion:
                return self.planar.check_irrep(irrep)
            if isinstance(irrep, tuple) and len(irrep) == 2 and irrep[1] in (1, -1):
                return (self.planar.check_irrep(irrep[0]), int(irrep[1]))
        except ValueError:
            pass
        example = self.irreps(1) if not self.is_finite else self.irreps()
        raise ValueError(f"{irrep!r} is not an irrep of {self}; valid ids look like {list(example)[:6]}")

    def _base_irrep(self, irrep: Any) -> tuple[Any, int]:
        c = self.check_irrep(irrep)
        return c if self.inversion else (c, 1)

    def irrep_dim(self, irrep: Any) -> int:
        return self.planar.irrep_dim(self._base_irrep(irrep)[0])

    def irrep_type(self, irrep: Any) -> int:
        return self.planar.irrep_type(self._base_irrep(irrep)[0])

    def irrep_matrix(self, irrep: Any, g: GroupElement) -> np.ndarray:
        b, p = self._base_irrep(irrep)
        h, i = self._planar_element(g)
        m = self.planar.irrep_matrix(b, h)
        return -m if (i and p == -1) else m


def mirror_group() -> AxialGroup:
    """The group M of one mirror, ``{I, diag(1, -1, 1)}`` (reflection across the xz plane), as ``D1m``."""
    return AxialGroup(1, "m")


def inversion_group() -> AxialGroup:
    """The group Inv = ``{I, -I}``, as ``C1z_Inv``."""
    return AxialGroup(1, "", True)
