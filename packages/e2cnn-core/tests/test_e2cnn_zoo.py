"""Zoo models: logits exactly invariant on grid elements, export equal in eval mode, clear errors."""

import math

import pytest
import torch
from e2cnn_core._architecture import MODEL_NAMES
from e2cnn_core._wide_resnet import WideResNet
from e2cnn_core._zoo import FourierModel, MNISTModel, build_model
from equi_groups.testing import EquivarianceError, assert_equivariant, equivariance_errors


def _grid_elements(model):
    """The model group's testing elements that map the pixel grid onto itself (one per distinct matrix)."""
    gs = model.in_type.gspace
    unique = {}
    for g in model.in_type.group.testing_elements():
        if gs.is_grid_exact(g):
            unique.setdefault(tuple(gs.group.standard_matrix(g).round().astype(int).ravel()), g)
    return list(unique.values())


def _warm_bn(model, x):
    """One training-mode forward so batch-norm running statistics are not the identity."""
    model.train()
    with torch.no_grad():
        model(x)
    model.eval()


@pytest.mark.parametrize("name", ["C1", "C4", "C8", "D4", "D16|5C16", "SO2", "O2"])
def test_zoo_classifier_is_invariant_on_grid_elements_and_exports(name):
    torch.manual_seed(0)
    model = build_model(name, width=0.25)
    x = torch.randn(3, 1, 29, 29)
    _warm_bn(model, 3 * torch.randn(4, 1, 29, 29) + 1)
    elements = _grid_elements(model)
    expected = {"C1": 1, "C4": 4, "C8": 4, "D4": 8, "D16|5C16": 4, "SO2": 4, "O2": 8}[name]
    assert len(elements) == expected
    assert_equivariant(model, x=x, elements=elements)
    exported = model.export().eval()
    assert not any(
        type(m).__module__.startswith("e2cnn_core") and hasattr(m, "in_type") for m in exported.modules()
    )
    with torch.no_grad():
        assert (exported(x) - model(x)).abs().max() < 1e-5


def test_restricted_model_declares_the_subgroup_and_is_not_reflection_invariant():
    torch.manual_seed(0)
    model = MNISTModel("D16|5C16", width=0.25)
    assert str(model.in_type.group) == "C16" and str(model.out_type.group) == "C16"
    full = MNISTModel("D16", width=0.25)
    assert str(full.in_type.group) == "D16"
    # the restricted model is not constrained to be reflection invariant: a flip changes its logits
    x = torch.randn(2, 1, 29, 29)
    model.eval()
    with torch.no_grad():
        assert (model(x.flip(-2)) - model(x)).abs().max() > 1e-4


def test_invariance_check_catches_asymmetric_pooling():
    # 28x28 inputs put the stride-2 pooling windows off-centre: rotating by 90 degrees is then not exact
    torch.manual_seed(0)
    model = MNISTModel("C4", width=0.25)
    with pytest.raises(EquivarianceError):
        assert_equivariant(model, x=torch.randn(2, 1, 28, 28), elements=_grid_elements(model))


def test_off_grid_error_is_measured_not_asserted():
    torch.manual_seed(0)
    model = MNISTModel("C8", width=0.25)
    errs = equivariance_errors(model, x=torch.randn(2, 1, 29, 29))
    assert len(errs) == 8 and all(math.isfinite(e) for e in errs.values())  # 45-degree ones resampled
    # grid-exact elements (multiples of 90 degrees) are exact; the resampled ones are measured, not asserted
    exact = [g for g in errs if model.in_type.gspace.is_grid_exact(g)]
    assert len(exact) == 4 and max(errs[g] for g in exact) < 1e-5


@pytest.mark.parametrize("groups,flip", [((4, 4, 4), False), ((4, 2, 1), True)])
def test_wide_resnet_invariant_and_exports(groups, flip):
    torch.manual_seed(0)
    model = WideResNet(depth=10, widen=1, groups=groups, flip=flip, n_classes=5, in_channels=3, base=8)
    x = torch.randn(2, 3, 17, 17)
    _warm_bn(model, torch.randn(4, 3, 17, 17))
    assert_equivariant(model, x=x, elements=_grid_elements(model))
    with torch.no_grad():
        assert (model.export().eval()(x) - model(x)).abs().max() < 1e-5


def test_bad_names_and_configs_are_clear():
    with pytest.raises(ValueError, match="'E8'"):
        MNISTModel("E8")
    with pytest.raises(ValueError, match="D8 is not a subgroup of C16|not a subgroup"):
        MNISTModel("C16|5D8")
    with pytest.raises(ValueError, match="'C8'"):
        FourierModel("C8")
    with pytest.raises(ValueError, match="depth"):
        WideResNet(depth=11)
    with pytest.raises(ValueError, match="channels"):
        MNISTModel("C4", width=0.25)(torch.randn(1, 3, 29, 29))


def test_readme_usage_example_runs():
    from e2cnn_core import ELU, FieldType, GroupPooling, InnerBatchNorm, R2Conv, SequentialModule, rot2d
    from equi_groups import regular, trivial

    gs = rot2d(8)
    t_in = FieldType(gs, [trivial(gs.group)])
    t_hid = FieldType(gs, [regular(gs.group)] * 4)
    net = SequentialModule(
        R2Conv(t_in, t_hid, 5, padding=2), InnerBatchNorm(t_hid), ELU(t_hid), GroupPooling(t_hid)
    )
    x = torch.randn(2, 1, 29, 29)
    exact = [g for g in gs.group.elements() if gs.is_grid_exact(g)]
    assert len(exact) == 4
    assert_equivariant(net, x=x, elements=exact)
    plain = net.eval().export()
    torch.testing.assert_close(plain(x), net(x), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_zoo_eval_mode_gradients_reach_every_steerable_convolution(name):
    """Fine-tuning with frozen batch norm: eval-mode weight gradients equal those of the train-mode expansion
    (the R2Convs alone switched to training mode, so batch norm uses running statistics in both runs)."""
    from e2cnn_core._r2conv import R2Conv

    torch.manual_seed(0)
    model = build_model(name, width=0.25)
    _warm_bn(model, torch.randn(4, 1, 29, 29))
    x = torch.randn(2, 1, 29, 29)
    convs = [m for m in model.modules() if isinstance(m, R2Conv)]
    assert len(convs) == 6

    def grads(conv_training: bool) -> list[torch.Tensor]:
        model.eval()
        for c in convs:
            c.train(conv_training)
        model.zero_grad(set_to_none=True)
        model(x).logsumexp(1).sum().backward()
        return [c.weights.grad for c in convs]

    in_eval, in_train = grads(False), grads(True)
    for a, b in zip(in_eval, in_train, strict=True):
        assert a is not None and a.abs().sum() > 0
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["C1", "C8", "D16|5C16", "SO2", "O2"])
def test_an_empty_batch_gives_an_empty_output(name):
    model = build_model(name, width=0.25).eval()
    x = torch.zeros(0, 1, 29, 29)
    with torch.no_grad():
        assert tuple(model(x).shape) == (0, 10)
        assert tuple(model.export()(x).shape) == (0, 10)


@pytest.mark.parametrize("name", ["C8", "O2"])
@pytest.mark.parametrize("width", [0, -1, -0.5, float("nan"), float("inf")])
def test_a_non_positive_width_is_refused_by_value(name, width):
    with pytest.raises(ValueError, match=f"width must be a positive number, got {width!r}"):
        build_model(name, width=width)


def test_bad_class_and_channel_counts_are_refused():
    with pytest.raises(ValueError, match="n_classes must be a positive integer, got 0"):
        build_model("C4", n_classes=0)
    with pytest.raises(ValueError, match="in_channels must be a positive integer, got -3"):
        build_model("SO2", in_channels=-3)
