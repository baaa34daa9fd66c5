import doctest
import importlib

import pytest

MODULES = [
    "_complex",
    "_graph_type",
    "_local_homology",
    "_persistent",
    "_sheaf",
    "_sheaf_attention",
    "_sheaf_conv",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    mod = importlib.import_module(f"sheaf_homology.{name}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
