"""Point convolutions (implicit and analytic kernels): equivariant to G and translations, bad graphs refused."""

from __future__ import annotations

import pytest
import torch
from equi_groups import O2, O3, SO3, AxialGroup, DihedralGroup, irrep, mirror_group, regular, standard, trivial
from equi_groups.testing import assert_equivariant, equivariance_errors
from implicit_kernels import AnalyticKernel, AnalyticPointConv, ImplicitPointConv, MLPKernel

torch.set_num_threads(1)


def _graph(n_dim, n=12, e=40, seed=0):
    gen = torch.Generator().manual_seed(seed)
    pos = torch.randn(n, n_dim, generator=gen, dtype=torch.float64)
    ei = torch.randint(0, n, (2, e), generator=gen)
    return (
        pos,
        ei,
        torch.randn(e, 2, generator=gen, dtype=torch.float64),
        torch.randn(n, 3, generator=gen, dtype=torch.float64),
    )


def _reps(G):
    if G.is_finite:
        return [regular(G), trivial(G)], [standard(G), regular(G)]
    extra = irrep(G, (2, 1)) if isinstance(G, O3 | SO3) and G == O3() else standard(G)
    return [standard(G), trivial(G)], [extra, trivial(G), standard(G)]


# the paper's subgroups of O(3): M, Inv, SO(2), SO(2)xInv, SO(2)xF (flip), SO(2)xM (mirror), SO(3), O(3); + 2D
GROUPS = [
    mirror_group(),
    AxialGroup(1, "", True),
    AxialGroup(0),
    AxialGroup(0, "", True),
    AxialGroup(0, "x"),
    AxialGroup(0, "m"),
    SO3(),
    O3(),
    O2(),
    DihedralGroup(4),
]


@pytest.mark.parametrize("G", GROUPS, ids=str)
@pytest.mark.parametrize("cls", [ImplicitPointConv, AnalyticPointConv], ids=["implicit", "analytic"])
def test_point_conv_equivariant_float64(G, cls):
    ins, outs = _reps(G)
    torch.manual_seed(0)
    conv = cls(G, ins, outs, edge_dim=2, node_dim=3).double()
    pos, ei, ea, na = _graph(conv.n)
    x = torch.randn(len(pos), conv.in_type.size, dtype=torch.float64)
    elements = list(G.testing_elements()) + ([] if G.is_finite else G.sample(6, seed=5))
    errs = assert_equivariant(
        lambda d: conv(*d), conv.in_type, conv.out_type, x=(x, pos, ei, ea, na), elements=elements, atol=1e-12
    )
    assert max(errs.values()) < 1e-6  # the bar (official O(3) model: 1.4e-6)
    shifted = conv(x, pos + torch.tensor([0.7, -1.1, 2.0][: conv.n], dtype=torch.float64), ei, ea, na)
    assert torch.allclose(shifted, conv(x, pos, ei, ea, na), rtol=0, atol=1e-12)


def test_a_non_equivariant_kernel_fails_the_test():
    G = O3()
    ins, outs = [standard(G)], [standard(G)]
    conv = ImplicitPointConv(G, ins, outs, kernel=MLPKernel(3, 3, 3)).double()
    pos, ei, _, _ = _graph(3)
    x = torch.randn(len(pos), 3, dtype=torch.float64)
    errs = equivariance_errors(lambda d: conv(*d), conv.in_type, conv.out_type, x=(x, pos, ei), elements=G.sample(4))
    assert max(errs.values()) > 1e-3


def test_attributes_change_the_output():
    G = O3()
    conv = ImplicitPointConv(G, [trivial(G)], [trivial(G)], edge_dim=2).double()
    pos, ei, ea, _ = _graph(3)
    x = torch.ones(len(pos), 1, dtype=torch.float64)
    assert (conv(x, pos, ei, ea) - conv(x, pos, ei, ea + 1)).abs().max() > 1e-8


def test_training_step_reduces_loss():
    G = O3()
    torch.manual_seed(0)
    conv = ImplicitPointConv(G, [trivial(G)], [trivial(G)])
    pos, ei, _, _ = _graph(3)
    pos, x = pos.float(), torch.ones(len(pos), 1)
    target = torch.randn(len(pos), 1, generator=torch.Generator().manual_seed(1))
    opt = torch.optim.Adam(conv.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = (conv(x, pos, ei) - target).square().mean()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.8 * losses[0]


def test_bad_graphs_give_clear_errors():
    G = O3()
    conv = ImplicitPointConv(G, [trivial(G)], [trivial(G)], edge_dim=2)
    pos, ei, ea, _ = _graph(3)
    pos, ea, x = pos.float(), ea.float(), torch.ones(len(pos), 1)
    with pytest.raises(ValueError, match=r"edge_index has node ids in \[0, 12\], expected \[0, 11\]"):
        conv(x, pos, torch.cat([ei, torch.tensor([[0], [12]])], 1), torch.cat([ea, ea[:1]]))
    bad = pos.clone()
    bad[3, 1] = float("nan")
    with pytest.raises(ValueError, match="non-finite values \\(first at node 3"):
        conv(x, bad, ei, ea)
    with pytest.raises(ValueError, match="empty"):
        conv(x[:0], pos[:0], ei[:, :0], ea[:0])
    with pytest.raises(ValueError, match=r"edge_attr must be \(40, 2\)"):
        conv(x, pos, ei)
    with pytest.raises(ValueError, match=r"x must be \(12, 1\)"):
        conv(torch.ones(11, 1), pos, ei, ea)


def test_no_edges_gives_the_bias():
    G = O3()
    conv = ImplicitPointConv(G, [trivial(G)], [trivial(G), standard(G)])
    pos = torch.randn(3, 3)
    out = conv(torch.ones(3, 1), pos, torch.zeros(2, 0, dtype=torch.long))
    assert out.shape == (3, 4) and torch.all(out[:, 1:] == 0)


def test_analytic_kernel_is_linear_in_its_weights():
    G = O3()
    k = AnalyticKernel(G, [standard(G)], [standard(G)]).double()
    x = torch.randn(7, 3, dtype=torch.float64)
    params = list(k.head.parameters())
    y1 = k(x)
    with torch.no_grad():
        for p in params:
            p.mul_(2)
    assert torch.allclose(k(x), 2 * y1)


@pytest.mark.parametrize("G", [O3(), AxialGroup(0, flip="m")], ids=str)
def test_point_conv_with_iid_batch_norm_in_the_kernel_is_equivariant(G):
    torch.manual_seed(0)
    conv = ImplicitPointConv(G, [trivial(G), standard(G)], [standard(G), trivial(G)], batch_norm=True).double()
    pos, ei, _, _ = _graph(3)
    x = torch.randn(len(pos), conv.in_type.size, dtype=torch.float64)
    elements = list(G.testing_elements()) + G.sample(4, seed=5)
    for mode in (conv.train, conv.eval):
        mode()
        errs = assert_equivariant(
            lambda d: conv(*d), conv.in_type, conv.out_type, x=(x, pos, ei), elements=elements, atol=1e-8
        )
        assert max(errs.values()) < 1e-8
