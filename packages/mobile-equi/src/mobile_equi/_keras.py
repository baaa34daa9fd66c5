"""Rebuild an exported (plain) MobileNet in Keras, batch norm folded into the convolutions, for TFLite.

The route a mobile developer would recognise: ``EquivariantMobileNetV2.export()`` (torch built-ins) -> a Keras
functional model with the same weights (NCHW -> NHWC, ``Conv2D``/``DepthwiseConv2D``/grouped ``Conv2D`` with
explicit symmetric ``ZeroPadding2D``, ``ReLU(6)``, ``Add``, ``GlobalAveragePooling2D``, ``Dense``) ->
``tf.lite.TFLiteConverter``. Explicit padding keeps PyTorch's symmetric padding (Keras ``"same"`` pads a stride-2
convolution asymmetrically, which would break the exact D4 invariance).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from ._plain import FieldMax, InvertedResidual, PlainMobileNet


def fold_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> tuple[np.ndarray, np.ndarray]:
    """The weight ``(out, in/groups, kh, kw)`` and bias ``(out,)`` of ``bn(conv(x))`` (eval mode) as one conv."""
    with torch.no_grad():
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        w = conv.weight * scale[:, None, None, None]
        b = bn.bias - bn.running_mean * scale
        if conv.bias is not None:
            b = b + conv.bias * scale
    return w.double().numpy(), b.double().numpy()


def _leaves(m: nn.Module) -> list[nn.Module]:
    if isinstance(m, nn.Sequential):
        return [leaf for c in m for leaf in _leaves(c)]
    return [m]


def _conv_layer(keras: Any, conv: nn.Conv2d, w: np.ndarray, b: np.ndarray, x: Any) -> Any:
    if conv.padding_mode != "zeros" or conv.dilation != (1, 1):
        raise ValueError(f"cannot convert {conv}: only zero padding and dilation 1")
    ph, pw = conv.padding
    if ph or pw:
        x = keras.layers.ZeroPadding2D(((ph, ph), (pw, pw)))(x)
    c_in, c_out, g = conv.in_channels, conv.out_channels, conv.groups
    if g == c_in == c_out and g > 1:
        layer = keras.layers.DepthwiseConv2D(conv.kernel_size, conv.stride, padding="valid")
        y = layer(x)
        layer.set_weights([w.transpose(2, 3, 0, 1).astype(np.float32), b.astype(np.float32)])
    else:
        layer = keras.layers.Conv2D(c_out, conv.kernel_size, conv.stride, padding="valid", groups=g)
        y = layer(x)
        layer.set_weights([w.transpose(2, 3, 1, 0).astype(np.float32), b.astype(np.float32)])
    return y


def _sequence(keras: Any, modules: list[nn.Module], x: Any) -> Any:
    i = 0
    while i < len(modules):
        m = modules[i]
        if isinstance(m, nn.Conv2d):
            if i + 1 < len(modules) and isinstance(modules[i + 1], nn.BatchNorm2d):
                w, b = fold_bn(m, modules[i + 1])
                i += 1
            else:
                w = m.weight.detach().double().numpy()
                b = np.zeros(m.out_channels) if m.bias is None else m.bias.detach().double().numpy()
            x = _conv_layer(keras, m, w, b, x)
        elif isinstance(m, nn.BatchNorm2d):
            raise ValueError("a BatchNorm2d that does not follow a Conv2d cannot be folded")
        elif isinstance(m, nn.ReLU6):
            x = keras.layers.ReLU(max_value=6.0)(x)
        elif isinstance(m, nn.ReLU):
            x = keras.layers.ReLU()(x)
        elif isinstance(m, InvertedResidual):
            y = _sequence(keras, _leaves(m.conv), x)
            x = keras.layers.Add()([x, y]) if m.use_res else y
        else:
            raise ValueError(f"no Keras translation for {type(m).__name__}")
        i += 1
    return x


def to_keras(model: PlainMobileNet, input_shape: tuple[int, int, int]) -> Any:
    """A Keras model computing ``model`` (eval mode) on NHWC inputs.

    Args:
        model: a :class:`PlainMobileNet` (``mobilenet_v2(...)`` or ``EquivariantMobileNetV2(...).export()``).
        input_shape: ``(C, H, W)`` of one image (fixed in the graph, batch free).

    Returns:
        ``keras.Model``: ``(B, H, W, C) -> (B, n_classes)``.
    """
    from ._tflite import _quiet_tf

    _quiet_tf()
    import keras

    model = model.eval()
    c, h, w = input_shape
    inp = keras.Input((h, w, c), name="image")
    x = _sequence(keras, _leaves(model.features), inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    if isinstance(model.pool, FieldMax):
        d = model.pool.d
        x = keras.layers.Reshape((-1, d))(x)  # (B, F, d)
        x = keras.layers.Permute((2, 1))(x)  # (B, d, F)
        x = keras.layers.GlobalMaxPooling1D()(x)  # (B, F): max over each field
    elif not isinstance(model.pool, nn.Identity):
        raise ValueError(f"no Keras translation for pool {type(model.pool).__name__}")
    for m in _leaves(model.classifier):
        if isinstance(m, nn.Linear):
            dense = keras.layers.Dense(m.out_features)
            x = dense(x)
            dense.set_weights([m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()])
        elif not isinstance(m, nn.Dropout):
            raise ValueError(f"no Keras translation for {type(m).__name__}")
    return keras.Model(inp, x, name="mobilenet")
