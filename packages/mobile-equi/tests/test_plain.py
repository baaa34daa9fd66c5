import torch
from mobile_equi import count_macs, count_params, make_divisible, mobilenet_v2


def test_parameter_count_equals_torchvisions_mobilenet_v2():
    # torchvision.models.mobilenet_v2(): 3,504,872 parameters (width 1.0, 1000 classes)
    assert count_params(mobilenet_v2()) == 3504872
    # width 0.5 (torchvision: make_divisible to 8, last stays 1280)
    assert count_params(mobilenet_v2(width=0.5)) == 1968680


def test_macs_of_mobilenet_v2_at_224():
    # the MobileNetV2 paper: 300M multiply-adds at 224 px, width 1.0
    macs = count_macs(mobilenet_v2(), (3, 224, 224))
    assert 290e6 < macs < 310e6


def test_make_divisible():
    assert make_divisible(32 * 0.35) == 16 and make_divisible(24 * 0.5) == 16 and make_divisible(96) == 96


def test_forward_shape_and_residuals():
    m = mobilenet_v2(n_classes=5, width=0.25, in_channels=1).eval()
    assert m(torch.randn(2, 1, 33, 33)).shape == (2, 5)
    assert any(getattr(b, "use_res", False) for b in m.features)
