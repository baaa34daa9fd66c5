import numpy as np
import pytest
import torch
from equi_groups.testing import assert_equivariant
from sheaf_homology import (
    GraphSignalType,
    ModelConfig,
    PersistentLocalHomologySheaf,
    Sheaf,
    SheafNet,
    TrainConfig,
    build_model,
    clique_complex,
    local_homology_sheaf,
    train_node_classifier,
)

N = 7
UND = torch.tensor([[0, 0, 1, 2, 3, 4, 4, 5, 1], [1, 2, 2, 3, 4, 5, 6, 6, 3]])
EI = torch.cat([UND, UND.flip(0)], 1)
CFG = ModelConfig(hidden=4, stalk_dim=2, layers=2, dropout=0.0, heads=2, embed_dim=3)


def _x(seed=0):
    return torch.randn(N, 5, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("name", ["gcn", "gat", "nsd", "nsd_orth"])
def test_baselines_are_permutation_equivariant(name):
    torch.manual_seed(0)
    m = build_model(name, 5, 3, CFG, lhs_dim=2).double()
    T = GraphSignalType(N)
    assert_equivariant(lambda inp: m(inp[0], inp[1]), T, T, x=(_x(), EI))


@pytest.mark.parametrize("name", ["lhs", "lhs_att"])
def test_fixed_sheaf_models_are_equivariant_given_the_sheaf(name):
    # the local homology basis is a choice; transported with the graph, the models commute with relabelling
    torch.manual_seed(0)
    lhs = local_homology_sheaf(clique_complex(UND, N, 2), max_stalk_dim=2, dtype=torch.float64)
    S = Sheaf.constant(lhs.edge_index, N, dtype=torch.float64).direct_sum(lhs)
    m = build_model(name, 5, 3, CFG, lhs_dim=2).double()
    T = GraphSignalType(N)
    assert_equivariant(lambda inp: m(inp[0], inp[1], sheaf=inp[2]), T, T, x=(_x(), EI, S))


def test_persistent_model_is_equivariant_with_generic_weights():
    # the sheaf is rebuilt from the relabelled graph; generic embedding distances make the pairing canonical
    torch.manual_seed(0)
    m = build_model("lhs_persistent", 5, 3, CFG, lhs_dim=2).double()

    def fn(inp):
        x, ei = inp
        K = clique_complex(ei, N, 2)
        e = torch.as_tensor(K.edges.T.copy())
        z = m.embed(x)
        w = (z[e[0]] - z[e[1]]).norm(dim=1)
        return m(x, ei, persistent=PersistentLocalHomologySheaf(K, w.detach(), max_stalk_dim=2))

    T = GraphSignalType(N)
    assert_equivariant(fn, T, T, x=(_x(), EI))


def test_model_input_errors():
    m = SheafNet(5, 3, 3, "fixed", "conv", CFG)
    with pytest.raises(ValueError, match="needs a Sheaf"):
        m(_x().float(), EI)
    with pytest.raises(ValueError, match="unknown model 'mlp'"):
        build_model("mlp", 5, 3, CFG, 2)
    with pytest.raises(ValueError, match="not symmetric"):
        build_model("nsd", 5, 3, CFG, 2)(_x().float(), UND)


def test_training_decreases_loss_and_fits_small_graph():
    torch.manual_seed(0)
    y = torch.tensor([0, 0, 0, 1, 1, 2, 2])
    x = _x().float()
    lhs = local_homology_sheaf(clique_complex(UND, N, 2), max_stalk_dim=2)
    S = Sheaf.constant(lhs.edge_index, N).direct_sum(lhs)
    m = build_model("lhs", 5, 3, ModelConfig(hidden=8, layers=2, dropout=0.0), lhs_dim=2)
    allm = torch.ones(N, dtype=torch.bool)
    loss0 = torch.nn.functional.cross_entropy(m(x, EI, sheaf=S), y).item()
    out = train_node_classifier(
        m, lambda mm: mm(x, EI, sheaf=S), y, (allm, allm, allm), TrainConfig(epochs=60)
    )
    loss1 = torch.nn.functional.cross_entropy(m(x, EI, sheaf=S), y).item()
    assert loss1 < loss0 and out["train"] == 1.0


def test_persistent_model_gradients_reach_embedding():
    torch.manual_seed(0)
    m = build_model("lhs_persistent", 5, 3, CFG, lhs_dim=2)
    x = _x().float()
    K = clique_complex(UND, N, 2)
    e = torch.as_tensor(K.edges.T.copy())
    builder = PersistentLocalHomologySheaf(K, (x[e[0]] - x[e[1]]).norm(dim=1), max_stalk_dim=2)
    m(x, EI, persistent=builder).sum().backward()
    assert m.embed.weight.grad is not None and m.embed.weight.grad.abs().sum() > 0
    assert np.isfinite(m.embed.weight.grad.numpy()).all()


def test_padded_stalk_coordinates_carry_no_features():
    # features live in F(v) = R^{d_v}: the read-out must not depend on what the lift puts into padding
    torch.manual_seed(0)
    lhs = local_homology_sheaf(clique_complex(UND, N, 2), max_stalk_dim=2, dtype=torch.float64)
    S = Sheaf.constant(lhs.edge_index, N, dtype=torch.float64).direct_sum(lhs)
    assert int(S.vertex_dims.min()) < S.stalk_dim  # some node has a padded coordinate
    masked = ModelConfig(**{**CFG.__dict__, "mask_padding": True})
    m = build_model("lhs", 5, 3, masked, lhs_dim=2).double().eval()
    seen = []
    m.readout.register_forward_hook(lambda mod, inp, out: seen.append(inp[0].reshape(N, 3, -1)))
    m(_x(), EI, sheaf=S)
    pad = torch.arange(3)[None, :] >= S.vertex_dims[:, None]
    assert bool(pad.any()) and float(seen[0][pad].abs().max()) == 0.0
    off = build_model("lhs", 5, 3, CFG, 2).double().eval()
    off.load_state_dict(m.state_dict())
    seen.clear()
    off.readout.register_forward_hook(lambda mod, inp, out: seen.append(inp[0].reshape(N, 3, -1)))
    off(_x(), EI, sheaf=S)
    assert float(seen[0][pad].abs().max()) > 0.0
