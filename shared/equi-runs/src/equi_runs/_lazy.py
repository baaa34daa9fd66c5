"""Public names loaded on first use (PEP 562), so that a package's command line parses and checks its arguments
before torch or any data is imported."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, where: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package`` whose public names live in its private modules.

    Args:
        package: the package's ``__name__``.
        where: public name -> private module (relative to ``package``, e.g. ``"_r2conv"``).

    Use in the package's ``__init__.py`` (list the names in ``__all__`` as usual)::

        __getattr__, __dir__ = lazy_exports(__name__, {"R2Conv": "_r2conv", ...})

    Examples:
        >>> get, names = lazy_exports("json", {"JSONDecoder": "decoder"})
        >>> get("JSONDecoder").__name__
        'JSONDecoder'
        >>> get("nope")
        Traceback (most recent call last):
        ...
        AttributeError: module 'json' has no attribute 'nope'
    """
    table = dict(where)

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module.lstrip('.')}"), name)
        setattr(sys.modules[package], name, value)  # later lookups are plain attribute reads
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *table})

    return __getattr__, __dir__
