"""``equi_groups.testing.assert_equivariant`` on e2cnn-core modules: a vacuous (all-zero) output is refused."""

import pytest
import torch
from e2cnn_core import FieldType, R2Conv, rot2d
from equi_groups import regular, trivial
from equi_groups.testing import EquivarianceError, assert_equivariant


def _zero_conv() -> R2Conv:
    gs = rot2d(4)
    conv = R2Conv(FieldType(gs, [trivial(gs.group)]), FieldType(gs, [regular(gs.group)] * 2), 3, bias=False)
    with torch.no_grad():
        conv.weights.zero_()
    return conv


def test_an_identically_zero_output_is_refused_unless_allowed():
    conv = _zero_conv()
    x = conv.in_type.random_input(size=7)
    assert conv(x).abs().max() == 0.0
    with pytest.raises(EquivarianceError, match="identically zero"):
        assert_equivariant(conv, x=x)
    errors = assert_equivariant(conv, x=x, allow_zero=True)
    assert max(errors.values()) == 0.0


def test_a_zero_input_is_refused_too_but_a_real_output_passes():
    gs = rot2d(4)
    conv = R2Conv(FieldType(gs, [trivial(gs.group)]), FieldType(gs, [regular(gs.group)] * 2), 3, bias=False)
    with pytest.raises(EquivarianceError, match="identically zero"):
        assert_equivariant(conv, x=torch.zeros(1, 1, 7, 7))
    assert max(assert_equivariant(conv, x=conv.in_type.random_input(size=7)).values()) < 1e-5
