"""Parse the string forms of groups and representations back into values (``str`` round-trips)."""

from __future__ import annotations

import re

from ._group import Group
from ._permutation import HyperoctahedralGroup, OrthogonalGroup, SymmetricGroup
from ._planar import O2, SO2, CyclicGroup, DihedralGroup
from ._representation import Representation
from ._so3 import SO3

_GROUP = re.compile(r"^(C|D|B|S)(\d+)(?:\(axis=([^)]+)\))?$|^(SO2|O2|SO3)$|^(SO|O)\((\d+)\)$")


def group_from_str(text: str) -> Group:
    """The group whose ``str`` is ``text``: ``C8``, ``D4``, ``D4(axis=0.5)``, ``SO2``, ``O2``, ``SO3``, ``B4``,
    ``S5``, ``O(3)``, ``SO(3)``.

    Examples:
        >>> group_from_str("D8(axis=0.25)")
        D8(axis=0.25)
    """
    m = _GROUP.match(text.strip())
    if m is None:
        raise ValueError(f"cannot parse a group from {text!r}; expected e.g. C8, D4, SO2, O2, SO3, B4, S5, O(3)")
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
