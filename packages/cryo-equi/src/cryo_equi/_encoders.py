"""Pose encoders: images -> (pose, shift). The cryoAI-style CNN and a D4-equivariant CNN (e2cnn-core).

Both see the same input: the image cropped to an odd size centred on ``D // 2`` (``[1:, 1:]`` for even ``D``),
zero-padded to ``2^k + 1`` pixels (so that every stride-2 pooling is symmetric about the centre), and two
Gaussian-blurred copies (a small Gaussian pyramid; isotropic blurs commute with the D4 grid symmetries).
Both output 8 numbers: two 3-vectors (the 6D rotation parametrisation of Zhou et al. 2019, turned into a
rotation by Gram-Schmidt) and a 2D shift in pixels.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from e2cnn_core import FieldType, InnerBatchNorm, PointwiseAvgPool2d, R2Conv, ReLU, SequentialModule, flip_rot2d
from equi_groups import direct_sum, irrep, regular, sixd_to_matrix, trivial

PYRAMID_SIGMAS = (1.0, 2.0)


def _gaussian_kernel(sigma: float) -> torch.Tensor:
    r = math.ceil(3 * sigma)
    x = torch.arange(-r, r + 1, dtype=torch.float32)
    g = torch.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def encoder_input_size(box: int) -> int:
    """The padded odd size ``2^k + 1`` the encoders work on for images of ``box`` pixels."""
    core = box - 1 if box % 2 == 0 else box
    return 2 ** math.ceil(math.log2(core - 1)) + 1


def prepare_images(images: torch.Tensor) -> torch.Tensor:
    """``(B, D, D)`` -> ``(B, 3, S, S)``: odd crop about ``D // 2``, pad to ``S = 2^k + 1``, Gaussian pyramid."""
    d = images.shape[-1]
    x = images[..., 1:, 1:] if d % 2 == 0 else images
    core = x.shape[-1]
    s = encoder_input_size(d)
    p = (s - core) // 2
    x = F.pad(x, (p, p, p, p))[:, None]
    chans = [x]
    for sigma in PYRAMID_SIGMAS:
        k = _gaussian_kernel(sigma).to(x)
        r = len(k) // 2
        y = F.conv2d(x, k.view(1, 1, 1, -1), padding=(0, r))
        chans.append(F.conv2d(y, k.view(1, 1, -1, 1), padding=(r, 0)))
    return torch.cat(chans, 1)


def outputs_to_pose(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """8 numbers per image -> pose ``(B, 3, 3)`` (Gram-Schmidt of the two 3-vectors, as columns) and shift ``(B, 2)``.

    The two 3-vectors are the first two columns of the pose before orthonormalisation.
    """
    a1, a2 = out[:, 0:3], out[:, 3:6]
    rot = sixd_to_matrix(torch.cat([a1, a2], -1))
    return rot, out[:, 6:8]


class CNNEncoder(nn.Module):
    """The baseline pose encoder (cryoAI, Levy et al. ECCV 2022, in spirit: convolutions, pooling, an MLP head).

    ``image -> conv-BN-ReLU blocks with stride-2 average pooling -> global mean -> MLP -> (6D, shift)``.

    Args:
        box: image size ``D``.
        width: channels of the first block (doubled after each pooling, at most 4 x width).
        blocks: number of conv + pool blocks.

    Shapes:
        ``images: (B, D, D) -> (rotations (B, 3, 3), shifts (B, 2))``.

    Examples:
        >>> enc = CNNEncoder(box=32, width=8, blocks=2)
        >>> rot, t = enc(torch.randn(2, 32, 32))
        >>> tuple(rot.shape), tuple(t.shape)
        ((2, 3, 3), (2, 2))
    """

    def __init__(self, box: int, width: int = 16, blocks: int = 3) -> None:
        super().__init__()
        self.box = box
        layers: list[nn.Module] = []
        c_in = 1 + len(PYRAMID_SIGMAS)
        c = width
        for i in range(blocks):
            c_out = min(width * 2**i, 4 * width)
            layers += [nn.Conv2d(c_in, c_out, 5 if i == 0 else 3, padding="same"), nn.BatchNorm2d(c_out), nn.ReLU()]
            layers += [nn.Conv2d(c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.AvgPool2d(3, 2, 1)]
            c_in = c = c_out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(c, 2 * c), nn.BatchNorm1d(2 * c), nn.ReLU(), nn.Linear(2 * c, 8))

    def raw(self, images: torch.Tensor) -> torch.Tensor:
        """The 8 unconstrained outputs ``(B, 8)``."""
        h = self.features(prepare_images(images)).mean((-2, -1))
        return self.head(h)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return outputs_to_pose(self.raw(images))


class D4Encoder(nn.Module):
    """D4-equivariant pose encoder (de Ruijter & Cesa, GEM @ ICLR 2024): rotating/reflecting the image by ``g``
    left-multiplies the predicted pose by the 3D rotation ``G(g)`` and rotates the shift by ``g``.

    The image is a stack of trivial fields; steerable convolutions (e2cnn-core ``R2Conv``) with regular D4 fields,
    ``InnerBatchNorm``, ReLU and stride-2 average pooling; a 1x1 steerable convolution to the output type
    ``(std + det) + (std + det) + std`` (``std`` the 2D frequency-1 irrep acting on ``(x, y)``, ``det`` the sign
    of reflections acting on ``z``), and a global spatial mean. With ``G(g) = [[M, 0], [0, det M]]`` each of the
    two 3-vectors transforms as ``v -> G v``, Gram-Schmidt commutes with rotations, so the pose transforms as
    ``A -> G A``, exactly on the pixel grid. Outputs are read in e2cnn-core's frame (y up) and converted to
    ours (y along rows) by negating the y components.

    Args:
        box: image size ``D``.
        width: regular fields in the first block (each 8 channels).
        blocks: number of conv + pool blocks.

    Attributes:
        in_type, out_type: field types of :meth:`raw_e2` (images in e2cnn-core's frame -> 8 numbers).

    Shapes:
        ``images: (B, D, D) -> (rotations (B, 3, 3), shifts (B, 2))``.

    Examples:
        >>> enc = D4Encoder(box=32, width=2, blocks=2)
        >>> rot, t = enc(torch.randn(2, 32, 32))
        >>> bool(torch.allclose(rot @ rot.transpose(1, 2), torch.eye(3).expand(2, 3, 3), atol=1e-5))
        True
    """

    def __init__(self, box: int, width: int = 4, blocks: int = 3) -> None:
        super().__init__()
        self.box = box
        gs = flip_rot2d(4, axis=0.0)  # reflection across the x axis: the DihedralGroup(4) of cryo_equi._geometry
        g = gs.group
        self.gspace = gs
        self.in_type = FieldType(gs, [trivial(g)] * (1 + len(PYRAMID_SIGMAS)))
        std, det = irrep(g, (1, 1)), irrep(g, (1, 0))
        self.out_type = FieldType(gs, [std, det, std, det, std])
        layers: list[nn.Module] = []
        t_in = self.in_type
        for i in range(blocks):
            n = min(width * 2**i, 4 * width)
            t_out = FieldType(gs, [regular(g)] * n)
            layers += [R2Conv(t_in, t_out, 5 if i == 0 else 3, padding=2 if i == 0 else 1)]
            layers += [InnerBatchNorm(t_out), ReLU(t_out), R2Conv(t_out, t_out, 3, padding=1)]
            layers += [InnerBatchNorm(t_out), ReLU(t_out), PointwiseAvgPool2d(t_out, 3, 2, 1)]
            t_in = t_out
        t_head = FieldType(gs, [regular(g)] * (2 * n))
        layers += [R2Conv(t_in, t_head, 1), InnerBatchNorm(t_head), ReLU(t_head)]
        layers.append(R2Conv(t_head, self.out_type, 1))
        self.net = SequentialModule(*layers)
        self._rep = direct_sum(std, det, std, det, std)

    def raw_e2(self, x: torch.Tensor) -> torch.Tensor:
        """Prepared input ``(B, 3, S, S)`` -> ``(B, 8)`` in e2cnn-core's frame (equivariant, in_type -> out_type)."""
        return self.net(x).mean((-2, -1))

    def raw(self, images: torch.Tensor) -> torch.Tensor:
        """The 8 outputs in our frame (y components negated)."""
        out = self.raw_e2(prepare_images(images))
        sign = out.new_tensor([1.0, -1.0, 1.0, 1.0, -1.0, 1.0, 1.0, -1.0])
        return out * sign

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return outputs_to_pose(self.raw(images))


def build_encoder(name: str, box: int, width: int, blocks: int) -> nn.Module:
    """``"cnn"`` or ``"d4"`` (the D4 encoder's ``width`` counts 8-channel regular fields: pass ``width // 8``
    for a similar channel count, or the same ``width`` for a similar parameter count)."""
    if name == "cnn":
        return CNNEncoder(box, width, blocks)
    if name == "d4":
        return D4Encoder(box, width, blocks)
    raise ValueError(f"unknown encoder {name!r}; choose cnn or d4")
