"""Issue 14's question about e2cnn-core (not changed here): does R2Conv's eval cache cut gradients?

It does not: ``filter_and_bias`` expands with autograd whenever grad mode is on and a parameter requires
grad, and uses the ``no_grad`` cache only otherwise. Gradients in eval equal gradients in training.
"""

from __future__ import annotations

import torch
from e2cnn_core import FieldType, R2Conv, flip_rot2d
from equi_groups import regular, trivial


def test_r2conv_eval_mode_gradients_equal_training_mode():
    gs = flip_rot2d(4)
    G = gs.group
    t_in, t_out = FieldType(gs, [regular(G), trivial(G)]), FieldType(gs, [regular(G)] * 2)
    torch.manual_seed(0)
    conv = R2Conv(t_in, t_out, 3, padding=1).double()
    x = t_in.random_input(size=7, dtype=torch.float64).requires_grad_(True)

    def grads():
        conv.zero_grad()
        x.grad = None
        conv(x).square().sum().backward()
        return [p.grad.clone() for p in conv.parameters()] + [x.grad.clone()]

    conv.train()
    g_train = grads()
    conv.eval()
    with torch.no_grad():
        conv(x)  # fill the cache first
    g_eval = grads()
    assert all(torch.allclose(a, b, rtol=0, atol=1e-12) for a, b in zip(g_train, g_eval, strict=True))
    # frozen weights: the cache is used, the input still gets its gradient
    for p in conv.parameters():
        p.requires_grad_(False)
    x.grad = None
    conv(x).square().sum().backward()
    assert torch.allclose(x.grad, g_train[-1], rtol=0, atol=1e-12)
