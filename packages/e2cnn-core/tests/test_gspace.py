"""The pixel convention of GSpace2D and FieldType: points (x right, y up), [g f](p) = rho(g) f(g^-1 p)."""

import math

import pytest
import torch
from e2cnn_core import FieldType, flip2d, flip_rot2d, rot2d
from equi_groups import irrep, regular


def _dot(row: int, col: int, n: int = 5) -> torch.Tensor:
    x = torch.zeros(1, 1, n, n)
    x[0, 0, row, col] = 1.0
    return x


def test_quarter_turn_moves_top_to_left():
    gs = rot2d(4)
    g = gs.group.element(1)  # +90 degrees, counter-clockwise
    y = gs.transform_grid(_dot(0, 2), g)  # top centre: (x, y) = (0, 2)
    assert y[0, 0, 2, 0] == 1.0 and y.sum() == 1.0  # -> (-2, 0): left centre


def test_reflection_across_x_axis_flips_rows_and_default_flips_mirror_left_right():
    gs = flip_rot2d(4, axis=0.0)
    y = gs.transform_grid(_dot(0, 1), gs.group.element(1, 0))  # F = diag(1, -1): (x, y) -> (x, -y)
    assert y[0, 0, 4, 1] == 1.0
    # escnn's defaults: flip2dOnR2 and flipRot2dOnR2 reflect across the vertical axis (axis = pi / 2)
    for gm in (flip2d(), flip_rot2d(4), flip_rot2d(3)):
        y = gm.transform_grid(_dot(0, 1), gm.group.element(1, 0))
        assert y[0, 0, 0, 3] == 1.0 and y.sum() == 1.0


def test_resampling_agrees_with_exact_quarter_turn():
    gs = rot2d(-1)
    x = torch.randn(2, 3, 9, 9, dtype=torch.float64)
    exact = gs.transform_grid(x, gs.group.element(math.pi / 2))
    resampled = gs.transform_grid(x, gs.group.element(math.pi / 2 + 1e-12))
    assert torch.allclose(exact, resampled, atol=1e-8)


def test_field_type_transform_is_an_action():
    gs = flip_rot2d(4)
    t = FieldType(gs, [regular(gs.group), irrep(gs.group, (1, 1))])
    x = t.random_input(dtype=torch.float64)
    for g in gs.group.elements():
        for h in gs.group.elements()[:3]:
            assert torch.allclose(t.transform(t.transform(x, h), g), t.transform(x, g * h))


def test_field_type_errors():
    gs = rot2d(4)
    t = FieldType(gs, [regular(gs.group)])
    with pytest.raises(ValueError, match="4 channels, input has 3"):
        t.check(torch.zeros(1, 3, 5, 5))
    with pytest.raises(ValueError, match="not of the gspace's group"):
        FieldType(gs, [regular(rot2d(8).group)])
    with pytest.raises(ValueError, match="O\\(2\\) contains every reflection"):
        flip_rot2d(-1, axis=0.3)
