"""Parse the string forms of groups and representations back into values (``str`` round-trips)."""

from __future__ import annotations

import re

from ._group import Group
from ._permutation import HyperoctahedralGroup, OrthogonalGroup, SymmetricGroup
from ._planar import O2, SO2, CyclicGroup, DihedralGroup
from ._representation import Representation
from ._so3 import SO3

_GROUP = re.compile(r"^(C|D|B|S)(\d+)(?:\(axis=([^)]+)\))?$|^(SO2|O2|SO3)$|^(SO|O)\((\d+)\)$")
_AXIAL = re.compile(r"^(?:(SO2|C(\d+))z|(O2|D(\d+))(x|m))(_Inv)?$")
_NAMED_3D = {"O3": ("o3", None), "M": ("axial", (1, "m", False)), "Inv": ("axial", (1, "", True))}
_POLYHEDRAL = {"Octa": ("octa", False), "FullOcta": ("octa", True), "Ico": ("ico", False), "FullIco": ("ico", True)}


def _group_3d(text: str) -> Group | None:
    from ._axial import AxialGroup
    from ._o3 import O3
    from ._polyhedral import PolyhedralGroup

    if text in _POLYHEDRAL:
        return PolyhedralGroup(*_POLYHEDRAL[text])
    if text in _NAMED_3D:
        kind, args = _NAMED_3D[text]
        return O3() if kind == "o3" else AxialGroup(*args)
    m = _AXIAL.match(text)
    if m is None:
        return None
    rot, cn, refl, dn, flip, inv = m.groups()
    n = 0 if (rot == "SO2" or refl == "O2") else int(cn or dn)
    return AxialGroup(n, flip or "", bool(inv))


def group_from_str(text: str) -> Group:
    """The group whose ``str`` is ``text``: ``C8``, ``D4``, ``D4(axis=0.5)``, ``SO2``, ``O2``, ``SO3``, ``B4``,
    ``S5``, ``O(3)``, ``SO(3)``, and the subgroups of O(3): ``O3``, ``Octa``, ``FullOcta``, ``Ico``, ``FullIco``,
    ``SO2z``, ``C4z``, ``O2x``, ``D4x``, ``O2m``, ``D4m`` (``_Inv`` suffix: times the inversion), ``M``, ``Inv``.

    Examples:
        >>> group_from_str("D8(axis=0.25)")
        D8(axis=0.25)
    """
    spatial = _group_3d(text.strip())
    if spatial is not None:
        return spatial
    m = _GROUP.match(text.strip())
    if m is None:
        raise ValueError(
            f"cannot parse a group from {text!r}; expected e.g. C8, D4, SO2, O2, SO3, B4, S5, O(3), O3, Octa, Ico, "
            "C4z, D4x, O2m, SO2z_Inv, M, Inv"
        )
    kind, n, axis, named, on, on_n = m.groups()
    if named:
        return {"SO2": SO2, "O2": O2, "SO3": SO3}[named]()
    if on:
        return OrthogonalGroup(int(on_n), special=on == "SO")
    if axis is not None and kind != "D":
        raise ValueError(f"only dihedral groups take an axis, got {text!r}")
    if kind == "C":
        return CyclicGroup(int(n))
    if kind == "D":
        return DihedralGroup(int(n), float(axis) if axis else 0.0)
    if kind == "B":
        return HyperoctahedralGroup(int(n))
    return SymmetricGroup(int(n))


_MULT = re.compile(r"^(\d+)x\[(.*)\]$")


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "+" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


def rep_from_str(text: str) -> Representation:
    """The representation whose ``str`` is ``text`` (without a change of basis): ``C4:2x[irrep(1)]+regular``.

    Examples:
        >>> str(rep_from_str("D4:irrep(1, 1)+quotient(C4)"))
        'D4:irrep(1, 1)+quotient(C4)'
    """
    if "(with change of basis)" in text:
        raise ValueError("a representation with a change of basis has no string form that round-trips")
    group_text, sep, body = text.partition(":")
    if not sep:
        raise ValueError(f"expected 'GROUP:ATOM+ATOM...', got {text!r}")
    group = group_from_str(group_text)
    atoms: list[str] = []
    for part in _split_top(body):
        m = _MULT.match(part)
        atoms += [m.group(2)] * int(m.group(1)) if m else [part]
    return Representation(group, atoms)
