"""RPPConv: the residual pathway prior baseline (Finzi, Benton, Wilson, NeurIPS 2021), as Veefkind & Cesa use it.

An equivariant ``R2Conv`` plus a parallel plain ``Conv2d``; an L2 penalty keeps the plain path small
(authors' code: ``1e-5`` on the equivariant weights, ``1e-3`` on the plain ones), so that the model is equivariant
unless the data pay for the relaxation.
"""

from __future__ import annotations

import torch
from torch import nn


class RPPConv(nn.Module):
    """Residual pathway prior convolution: ``y = R2Conv(x) + Conv2d(x)`` (Finzi et al. 2021).

    Args:
        in_type, out_type: e2cnn-core field types.
        kernel_size, padding, stride, bias: as ``R2Conv``.
        equivariant_decay, plain_decay: L2 weights of :meth:`penalty` on the two paths.

    Shapes:
        ``(B, in_type.size, H, W) -> (B, out_type.size, H', W')``.

    Examples:
        >>> import torch
        >>> from equi_groups import regular
        >>> from e2cnn_core import FieldType, rot2d
        >>> t = FieldType(rot2d(4), [regular(rot2d(4).group)])
        >>> RPPConv(t, t, 3, padding=1)(torch.randn(1, 4, 5, 5)).shape
        torch.Size([1, 4, 5, 5])
    """

    def __init__(
        self,
        in_type: object,
        out_type: object,
        kernel_size: int,
        padding: int = 0,
        stride: int = 1,
        bias: bool = True,
        equivariant_decay: float = 1e-5,
        plain_decay: float = 1e-3,
    ) -> None:
        super().__init__()
        from e2cnn_core import R2Conv

        self.in_type, self.out_type = in_type, out_type
        self.equivariant = R2Conv(in_type, out_type, kernel_size, padding=padding, stride=stride, bias=bias)
        self.plain = nn.Conv2d(in_type.size, out_type.size, kernel_size, stride=stride, padding=padding, bias=False)
        nn.init.normal_(self.plain.weight, std=1e-3)
        self.equivariant_decay, self.plain_decay = equivariant_decay, plain_decay

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.equivariant(x) + self.plain(x)

    def penalty(self) -> torch.Tensor:
        """``equivariant_decay |w_eq|^2 + plain_decay |w_plain|^2``."""
        return (
            self.equivariant_decay * self.equivariant.weights.pow(2).sum()
            + self.plain_decay * self.plain.weight.pow(2).sum()
        )

    def export(self) -> nn.Conv2d:
        """One ``nn.Conv2d`` with the summed filter."""
        conv = self.equivariant.export()
        with torch.no_grad():
            conv.weight.add_(self.plain.weight)
        return conv
