import math

import torch
from adaptive_fourier import FourierSpace, eps1, eps2
from equi_groups import SO2


def test_eps_hand_computed():
    # orthonormal rows, scaled: eps1 = 0; A^T A / N = 2 I / 2 -> eps2 = 0
    a = torch.tensor([[1.0, 1.0], [1.0, -1.0]])
    assert eps1(a).item() < 1e-7 and eps2(a).item() < 1e-7
    # two equal unit rows: A_u A_u^T - I = [[0, 1], [1, 0]] -> sum 2 / N = 1; A^T A / 2 - I = [[0, 0], [0, -1]]
    # -> sum 1 / F = 0.5
    b = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    assert math.isclose(eps1(b).item(), 1.0) and math.isclose(eps2(b).item(), 0.5)
    # scale does not matter to eps1
    assert math.isclose(eps1(3 * b).item(), 1.0)
    # batched
    assert eps1(torch.stack([a, b])).shape == (2,)


def test_regular_grid_makes_peter_weyl_exact():
    sp = FourierSpace(SO2(), 3)
    a = torch.tensor(sp.grid_matrix(16, "regular"))
    assert eps2(a).item() < 1e-12  # 16 > 2L: exact quadrature
    assert eps2(torch.tensor(sp.grid_matrix(1, "regular"))).item() > 0.1
