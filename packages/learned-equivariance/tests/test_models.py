import math

import pytest
import torch
from e2cnn_core import FieldType
from equi_groups import trivial
from equi_groups.testing import assert_equivariant
from learned_equivariance import RPPConv
from learned_equivariance.experiments._models import ModelConfig, build_model, gspace_of
from learned_equivariance.experiments._train import likelihood_stats, subgroup_mask

SMALL = ModelConfig(group="C4", fields=(1, 2, 1, 2), L=2)


@pytest.mark.parametrize("kind", ["cnn", "equivariant", "learned", "learned_shared", "rpp"])
def test_export_gives_the_same_outputs(kind):
    torch.manual_seed(0)
    model = build_model(kind, SMALL)
    x = torch.randn(3, 1, 14, 28)
    model.train()
    model(x)  # batch-norm statistics move
    model.eval()
    plain = model.export()
    assert not any(
        type(m).__module__.startswith(("e2cnn_core", "learned_equivariance.")) and hasattr(m, "in_type")
        for m in plain.modules()
    )
    assert torch.allclose(plain(x), model(x), atol=1e-5)


class _Features(torch.nn.Module):
    def __init__(self, model, gs):
        super().__init__()
        self.model = model
        self.in_type = FieldType(gs, [trivial(gs.group)])
        self.out_type = FieldType(gs, [trivial(gs.group)] * model.layers[-1].out_type.size)

    def forward(self, x):
        return self.model.features(x)


@pytest.mark.parametrize("group", ["C4", "D4", "SO2", "O2"])
def test_learned_model_at_uniform_init_is_as_equivariant_as_the_steerable_one(group):
    """Backbone features (invariant fields) of both models: exact on 90-degree rotations and flips (same error
    level as e2cnn-core's model: float32 round-off; SO(2)/O(2): the Fourier ELU's grid holds the 90-degree
    rotations)."""
    torch.manual_seed(0)
    gs = gspace_of(group)
    cfg = ModelConfig(group=group, fields=(1, 1, 1, 4), L=2, field_band=2, fourier_grid=8)
    x = torch.randn(2, 1, 21, 21)
    G = gs.group
    # the pixel grid's exact elements: rotations by multiples of 90 degrees (and the flips)
    flips = (0, 1) if group in ("D4", "O2") else (0,)
    elements = [G.from_o2(f, k * math.pi / 2) for f in flips for k in range(4)]
    errs = {}
    for kind in ("equivariant", "learned", "learned_shared"):
        net = _Features(build_model(kind, cfg).eval(), gs)
        errs[kind] = max(assert_equivariant(net, x=x, elements=elements, atol=1e-5).values())
    assert errs["learned"] < 1e-5 and errs["equivariant"] < 1e-5


def test_learned_model_has_one_likelihood_per_layer_or_one_shared():
    assert len({id(lk) for lk in build_model("learned", SMALL).likelihoods()}) == 4
    assert len({id(lk) for lk in build_model("learned_shared", SMALL).likelihoods()}) == 1


def test_rpp_penalty_and_equivariant_path():
    gs = gspace_of("C4")
    t = FieldType(gs, [trivial(gs.group)])
    conv = RPPConv(t, t, 3)
    expect = 1e-5 * conv.equivariant.weights.pow(2).sum() + 1e-3 * conv.plain.weight.pow(2).sum()
    assert torch.allclose(conv.penalty(), expect)


def test_likelihood_stats_hand_computed():
    grid = [(0, 2 * 3.141592653589793 * i / 8) for i in range(8)]
    mask = subgroup_mask("C8", "C4", grid)
    assert mask.tolist() == [True, False] * 4
    import numpy as np

    d = np.ones(8)
    st = likelihood_stats(d, mask)
    assert st["mass_identity"] == pytest.approx(1 / 8) and st["tv_to_target"] == pytest.approx(0.5)
    delta = np.zeros(8)
    delta[0] = 8
    st = likelihood_stats(delta, subgroup_mask("C8", "C1", grid))
    assert st["tv_to_target"] == pytest.approx(0.0) and st["mass_identity"] == pytest.approx(1.0)


@pytest.mark.parametrize("group", ["C8", "SO2"])
def test_learned_model_has_the_cnn_architecture_and_the_same_head_width(group):
    """Every model ends in ``fields[-1]`` invariant features; the learned model's exported convolutions have the
    CNN's shapes (a likelihood at the identity makes it a CNN), the steerable CNN's channels."""
    cfg = ModelConfig(group=group, fields=(1, 2, 1, 5), L=2, field_band=2, fourier_grid=8)
    shapes = {}
    for kind in ("cnn", "equivariant", "learned", "rpp"):
        model = build_model(kind, cfg)
        assert model.head.in_features == 2 * 5
        plain = model.eval().export()
        shapes[kind] = [tuple(m.weight.shape) for m in plain.modules() if type(m) is torch.nn.Conv2d and m.groups == 1]
    convs = [s for s in shapes["learned"] if s[-1] > 1]
    assert convs == [s for s in shapes["cnn"] if s[-1] > 1]
    assert convs == [s for s in shapes["equivariant"] if s[-1] > 1] == [s for s in shapes["rpp"] if s[-1] > 1]


def test_eval_grid_holds_the_c8_and_d8_angles():
    from equi_groups import O2, SO2, CyclicGroup
    from learned_equivariance.experiments._train import eval_grid

    assert len(eval_grid(CyclicGroup(4))) == 4
    g = eval_grid(SO2())
    assert len(g) == 8 and g[0] == (0, 0.0)
    assert len(eval_grid(O2())) == 16 and {f for f, _ in eval_grid(O2())} == {0, 1}


def test_bench_times_the_quick_runs_models_and_exports_exactly(tmp_path):
    from equi_runs import write_json_atomic
    from learned_equivariance.experiments._bench import bench
    from learned_equivariance.experiments._table import bench_table

    res = bench(batch=2, size=14, repeats=1)
    assert res["model"]["group"] == "SO2"
    for kind in ("equivariant", "learned", "learned_shared", "cnn"):
        assert res[f"train_step_seconds.{kind}"] > 0
        assert res[f"export_max_abs_diff.{kind}"] < 1e-4
    assert res["train_overhead.learned"] > 0 and res["eval_ratio_exported.learned_shared"] > 0
    table = bench_table(write_json_atomic(res, tmp_path / "bench.json"))
    assert table.splitlines()[3].startswith("| equivariant |") and "| 1.00x |" in table.splitlines()[3]
