import io
import pickle

import pytest
import torch
from e2cnn_core import (
    ELU,
    ConcatenatedNonLinearity,
    FieldDropout,
    FieldNorm,
    FieldType,
    FourierELU,
    GatedNonLinearity,
    GNormBatchNorm,
    GroupPooling,
    IIDBatchNorm2d,
    InnerBatchNorm,
    MultipleModule,
    NormNonLinearity,
    NormPool,
    PointwiseAvgPoolAntialiased2d,
    PointwiseMaxPoolAntialiased2d,
    RestrictionModule,
    SequentialModule,
    flip_rot2d,
    rot2d,
)
from equi_groups import CyclicGroup, irrep, regular, trivial
from equi_groups.testing import assert_equivariant


def _block(gs):
    g = gs.group
    t = FieldType(gs, [regular(g)] * 3)
    return t, SequentialModule(
        InnerBatchNorm(t),
        ELU(t),
        PointwiseMaxPoolAntialiased2d(t, 3, stride=2, padding=1),
        FieldDropout(t, 0.2),
        PointwiseAvgPoolAntialiased2d(t, sigma=0.66, stride=1),
    )


def _train(m, t, size=17):
    m.train()
    for s in range(2):
        m(t.random_input(batch=4, size=size, seed=s) + 1)
    return m.eval()


@pytest.mark.parametrize("gs", [rot2d(4), flip_rot2d(4)], ids=str)
def test_sequential_and_multiple_equivariant_and_export(gs):
    t, seq = _block(gs)
    g = gs.group
    mixed = FieldType(gs, [trivial(g)] * 2 + [irrep(g, g.irreps()[-1]), regular(g)])
    multi = MultipleModule(
        mixed,
        [
            NormNonLinearity(mixed),
            IIDBatchNorm2d(mixed),
            SequentialModule(GNormBatchNorm(mixed), NormPool(mixed)),
            GatedNonLinearity(mixed, 2),
        ],
    )
    assert multi.out_type.size == 2 * mixed.size + 4 + (mixed.size - 2)
    for m, ti in ((seq, t), (multi, mixed)):
        _train(m, ti)
        x = ti.random_input(size=17)
        assert_equivariant(m, x=x)
        e = m.export()
        assert (e(x) - m(x)).abs().max().item() < 1e-5


def test_exports_are_torch_only_and_picklable():
    gs = flip_rot2d(4)
    g = gs.group
    t, seq = _block(gs)
    mixed = FieldType(gs, [trivial(g)] * 2 + [irrep(g, (1, 1)), regular(g)])
    mods = [
        seq,
        GroupPooling(t),
        NormPool(mixed),
        FieldNorm(mixed),
        GatedNonLinearity(mixed, 2),
        ConcatenatedNonLinearity(t),
        GNormBatchNorm(mixed),
        FourierELU(flip_rot2d(-1), 2, 2),
        MultipleModule(mixed, [NormNonLinearity(mixed), IIDBatchNorm2d(mixed)]),
        SequentialModule(RestrictionModule(t, CyclicGroup(4)), GroupPooling(t.restrict(CyclicGroup(4)))),
    ]
    for m in mods:
        e = m.export()
        blob = pickle.dumps(e)
        assert b"equi_groups" not in blob, type(m).__name__
        buf = io.BytesIO()
        torch.save(e, buf)
        x = m.in_type.random_input(size=9)
        m.eval()
        assert (pickle.loads(blob)(x) - m(x)).abs().max().item() < 1e-5, type(m).__name__


def test_container_errors():
    gs = rot2d(4)
    g = gs.group
    t = FieldType(gs, [regular(g)])
    u = FieldType(gs, [regular(g)] * 2)
    with pytest.raises(ValueError, match=r"module 1 \(ELU\) expects in_type .*4 channels.* but module 0"):
        SequentialModule(GroupPooling(t), ELU(t))
    with pytest.raises(ValueError, match="branch 1"):
        MultipleModule(t, [ELU(t), ELU(u)])
    with pytest.raises(TypeError, match="module 0 is a ReLU"):
        SequentialModule(torch.nn.ReLU())
    with pytest.raises(ValueError, match="at least one"):
        SequentialModule()
