import numpy as np
import torch
from equi_groups import HyperoctahedralGroup, OrthogonalGroup
from lattice_nn import generate, log_defect, log_defect_from_gram


def test_hand_computed_values() -> None:
    assert abs(float(log_defect(np.eye(3)))) < 1e-12
    # b1 = (1, 0), b2 = (1, 1): log(1) + log(sqrt 2) - log 1
    assert abs(float(log_defect(np.array([[1.0, 0.0], [1.0, 1.0]]))) - 0.5 * np.log(2)) < 1e-12


def test_invariances() -> None:
    b = generate("gaussian", 5, 1, seed=0)[0]
    d = log_defect(b)
    for g in OrthogonalGroup(5).testing_elements():
        r = OrthogonalGroup(5).standard_matrix(g)
        assert abs(log_defect(b @ r.T) - d) < 1e-9
    for g in HyperoctahedralGroup(5).testing_elements():
        m = HyperoctahedralGroup(5).standard_matrix(g)
        assert abs(log_defect(m @ b) - d) < 1e-9
    assert abs(log_defect(3.0 * b) - d) < 1e-9


def test_torch_gradient_and_numpy_agree() -> None:
    b = torch.as_tensor(generate("mimo", 4, 2, seed=0), dtype=torch.float64).requires_grad_()
    val = log_defect_from_gram(b @ b.transpose(-1, -2))
    val.sum().backward()
    assert b.grad is not None and torch.isfinite(b.grad).all()
    np.testing.assert_allclose(val.detach().numpy(), log_defect(b.detach().numpy()), atol=1e-12)
