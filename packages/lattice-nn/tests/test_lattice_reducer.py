import numpy as np
import pytest
import torch
from equi_groups.testing import EquivarianceError, assert_equivariant
from lattice_nn import (
    AmbientRotation,
    BasisRows,
    Conjugation,
    Invariant,
    LatticeReducer,
    ReducerConfig,
    generate,
    integer_det,
    integer_inverse,
    is_unimodular,
    log_defect,
)


def _model(
    variant: str = "equivariant", n: int | None = None, learn_rounding: bool = True, sweeps: int = 6
) -> LatticeReducer:
    torch.manual_seed(0)  # random (not zero) output layers, so the network really changes the moves
    # order_prior 0: the pivot order comes from the network alone
    cfg = ReducerConfig(
        variant=variant, n=n, zero_init=False, learn_rounding=learn_rounding, sweeps=sweeps, order_prior=0.0
    )
    return LatticeReducer(cfg).double().eval()


@pytest.mark.parametrize("kind", ["gaussian", "qary", "mimo"])
@pytest.mark.parametrize("n", [3, 6])
def test_output_is_exactly_unimodular_and_same_lattice(kind: str, n: int) -> None:
    bases = generate(kind, n, 6, seed=1)
    with torch.no_grad():
        out = _model().reduce(torch.as_tensor(bases))
    assert out.unimodular.dtype == torch.int64
    for u, b, red in zip(out.unimodular, bases, out.basis.numpy(), strict=True):
        assert abs(integer_det(u)) == 1
        inv = integer_inverse(u)
        assert all(v.denominator == 1 for v in inv.ravel())  # integer both ways
        np.testing.assert_allclose(inv.astype(float) @ red, b, atol=1e-8)
        np.testing.assert_allclose(u.numpy().astype(float) @ b, red, atol=1e-12)
        assert log_defect(red) <= log_defect(b) + 1e-9


def test_unimodular_checks_catch_bad_matrices() -> None:
    assert integer_det(np.array([[2, 1], [7, 4]])) == 1
    assert not is_unimodular(np.array([[2, 0], [0, 1]]))
    assert not is_unimodular(np.array([[1.5, 0], [0, 1]]))


def test_reduces_2d_to_gauss_reduced_basis() -> None:
    out = LatticeReducer(ReducerConfig(variant="classical")).reduce(
        torch.tensor([[4.0, 1.0], [9.0, 2.0]]).double()
    )
    np.testing.assert_allclose(np.sort(np.abs(out.basis[0].numpy()).sum(-1)), [1.0, 1.0])


@pytest.mark.parametrize(("n", "learn_rounding"), [(4, False), (5, False), (5, True)])
def test_unimodular_is_bn_equivariant(n: int, learn_rounding: bool) -> None:
    # one sweep: the learned pivot order alone then changes the result (it is a budget policy)
    model = _model(learn_rounding=learn_rounding, sweeps=6 if learn_rounding else 1)
    x = torch.as_tensor(generate("gaussian", n, 1, seed=2)[0])
    classical = LatticeReducer(ReducerConfig(variant="classical", sweeps=model.config.sweeps))
    assert not torch.equal(model(x), classical(x))  # the network changes the moves, so this test has teeth
    errs = assert_equivariant(lambda b: model(b)[0].double(), BasisRows(n), Conjugation(n), x, atol=1e-6)
    assert len(errs) >= 8
    # the reduced basis moves with the input: B -> M B gives U B -> M U B
    assert_equivariant(lambda b: model.reduce(b).basis[0], BasisRows(n), BasisRows(n), x, atol=1e-6)


def test_defect_and_unimodular_are_on_invariant() -> None:
    n = 5
    model = _model()
    x = torch.as_tensor(generate("mimo", n, 1, seed=4)[0])
    rot = AmbientRotation(n)
    assert_equivariant(
        lambda b: torch.as_tensor(log_defect(model.reduce(b).basis)), rot, Invariant(rot.group), x, atol=1e-6
    )
    assert_equivariant(lambda b: model(b)[0].double(), rot, Invariant(rot.group), x, atol=1e-6)


def test_ablations_break_their_symmetry() -> None:
    n = 5
    x = torch.as_tensor(generate("mimo", n, 1, seed=4)[0])
    no_bn = _model("no_bn", n)
    with pytest.raises(EquivarianceError):
        assert_equivariant(lambda b: no_bn(b)[0].double(), BasisRows(n), Conjugation(n), x, atol=1e-6)
    no_gram = _model("no_gram", n)
    rot = AmbientRotation(n)
    with pytest.raises(EquivarianceError):
        assert_equivariant(lambda b: no_gram(b)[0].double(), rot, Invariant(rot.group), x, atol=1e-6)


@pytest.mark.parametrize(
    ("basis", "match"),
    [
        (np.ones((3, 4)), "square"),
        (np.array([[1.0, 2.0], [2.0, 4.0]]), "singular"),
        (np.array([[1.0, 0.0], [0.0, 0.0]]), "singular"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "non-finite"),
        (np.ones(3), "shape"),
    ],
)
def test_degenerate_input_is_rejected(basis: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LatticeReducer(ReducerConfig(variant="classical")).reduce(basis)
    with pytest.raises(ValueError, match=match):
        log_defect(basis)
