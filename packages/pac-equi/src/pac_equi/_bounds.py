"""The two margin bounds, every term exposed: NBS18 applied naively, and the Fourier-domain bound.

Both are instances of one PAC-Bayes margin bound (our derivation: ``docs/derivation.md``). For a bias-free network
``f(x) = W_L phi(... phi(W_1 x))`` with 1-Lipschitz, positively homogeneous ``phi`` (ReLU), inputs ``||x||_2 <= B``,
margin ``gamma``, ``m`` training samples and confidence ``1 - delta``:

    L_0(f) <= L_hat_gamma(f) + 4 sqrt((KL + ln(6 m K / delta)) / (m - 1))
    KL      = 16 e^4 B^2 L^2 M ln(4 D) prod_l ||W_l||_2^2 sum_l P_l / ||W_l||_2^2 / gamma^2
    K       = ceil(ln(m) / (2 L ln(1 + 1/L))) + 1          (grid over the layer-norm scale beta)

The bounds differ only in the per-layer terms (``M = max_l M_l``, ``D = sum_l D_l``):

    naive   (dense Gaussian perturbation):    P_l = ||W_l||_F^2,             M_l = max(n_out, n_in),
                                              D_l = n_out + n_in
    Fourier (Gaussian Fourier coefficients):  P_l = sum_psi ||W_hat_l(psi)||_F^2,
                                              M_l = max_psi t_psi max(m_out, m_in),
                                              D_l = sum_psi t_psi (m_out + m_in)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ._fourier import FourierBlock, LayerDecomposition

__all__ = [
    "BoundReport",
    "LayerTerms",
    "block_tail_bound",
    "fourier_layer_terms",
    "naive_layer_terms",
    "pac_bayes_margin_bound",
    "perturbation_bound",
    "spectral_tail_bound",
]


@dataclass(frozen=True)
class LayerTerms:
    """The per-layer ingredients of a margin bound (NBS18; Behboodi, Cesa, Cohen 2022; ``docs/derivation.md``).

    Layer ``l`` enters the bound through ``||W_l||_2``, ``P_l / ||W_l||_2^2`` and the tail-bound factors ``M_l``
    and ``D_l`` of its Gaussian perturbation.

    Args:
        name: the layer's name.
        spectral: ``||W_l||_2``.
        param_sq: ``P_l``: the squared norm of the perturbed coordinates (``||W_l||_F^2`` naive;
            ``sum_psi ||W_hat_l(psi)||_F^2`` Fourier).
        width: ``M_l``: variance factor of the spectral tail bound of the layer's Gaussian perturbation.
        dim: ``D_l``: dimension factor of that tail bound.
    """

    name: str
    spectral: float
    param_sq: float
    width: int
    dim: int

    @property
    def ratio(self) -> float:
        """``P_l / ||W_l||_2^2``."""
        return self.param_sq / self.spectral**2


def naive_layer_terms(name: str, W: np.ndarray) -> LayerTerms:
    """NBS18 terms of a dense ``(n_out, n_in)`` layer (perturbed by i.i.d. Gaussians in every entry)."""
    W = np.asarray(W, dtype=np.float64)
    n_out, n_in = W.shape
    return LayerTerms(name, float(np.linalg.norm(W, 2)), float(np.sum(W**2)), max(n_out, n_in), n_out + n_in)


def fourier_layer_terms(name: str, dec: LayerDecomposition) -> LayerTerms:
    """Fourier-domain terms of an equivariant layer (perturbed by i.i.d. Gaussians in its Fourier coordinates)."""
    return LayerTerms(name, dec.spectral_norm(), dec.fourier_sq(), dec.tail_variance(), dec.tail_dimension())


def spectral_tail_bound(t: float, sigma: float, m_out: int, m_in: int, type: int = 1) -> float:
    """``P(||U_hat||_2 >= t) <= t_psi (m_out + m_in) exp(-t^2 / (2 sigma^2 t_psi max(m_out, m_in)))``.

    ``U_hat`` is an ``(m_out, m_in)`` matrix over R (type 1), C (type 2) or H (type 4) whose real coordinates
    are i.i.d. ``N(0, sigma^2)``; its realification is a Gaussian matrix series of size
    ``t m_out x t m_in`` with variance ``sigma^2 t max(m_out, m_in)`` (Tropp 2015, Thm. 4.1.1). Capped at 1.
    """
    v = sigma**2 * type * max(m_out, m_in)
    return min(1.0, type * (m_out + m_in) * math.exp(-(t**2) / (2 * v)))


def block_tail_bound(t: float, sigma: float, blocks: Sequence[FourierBlock]) -> float:
    """Union bound for a direct sum of irreps: ``P(max_psi ||U_hat(psi)||_2 >= t)`` (= ``P(||U||_2 >= t)``)."""
    return min(1.0, sum(spectral_tail_bound(t, sigma, b.m_out, b.m_in, b.type) for b in blocks))


def perturbation_bound(B: float, spectral: Sequence[float], perturbation: Sequence[float]) -> float:
    """NBS18 Lemma 2: ``|f_{w+u}(x) - f_w(x)|_2 <= e B prod_l ||W_l||_2 sum_l ||U_l||_2 / ||W_l||_2``, valid when
    ``||U_l||_2 <= ||W_l||_2 / L`` for every layer (``ValueError`` otherwise)."""
    L = len(spectral)
    for s, u in zip(spectral, perturbation, strict=True):
        if u > s / L:
            raise ValueError(f"perturbation norm {u:.3g} exceeds ||W||_2 / L = {s / L:.3g}: the lemma does not apply")
    return math.e * B * math.prod(spectral) * sum(u / s for s, u in zip(spectral, perturbation, strict=True))


@dataclass(frozen=True)
class BoundReport:
    """A PAC-Bayes margin bound with every term (NBS18's argument; the Fourier variant is our derivation of
    Behboodi, Cesa, Cohen 2022, see ``docs/derivation.md``).

    ``bound = L_hat_gamma + 4 sqrt((KL + ln(6 m K / delta)) / (m - 1))`` with
    ``KL = 16 e^4 B^2 L^2 M ln(4D) prod_l ||W_l||_2^2 sum_l P_l / ||W_l||_2^2 / gamma^2``.

    Args:
        kind: ``"naive"`` or ``"fourier"``.
        layers: per-layer terms.
        B: bound on the input norm.
        gamma: margin.
        m: training-set size.
        delta: confidence parameter.
        margin_loss: ``L_hat_gamma``: fraction of training points with margin ``<= gamma``.

    Examples:
        >>> r = BoundReport("naive", (LayerTerms("fc", 2.0, 8.0, 4, 8),), B=1.0, gamma=1.0, m=1000, delta=0.05,
        ...                 margin_loss=0.1)
        >>> round(r.kl, 3) == round(16 * math.e**4 * 1 * 1 * 4 * math.log(32) * 4.0 * 2.0, 3)
        True
    """

    kind: str
    layers: tuple[LayerTerms, ...]
    B: float
    gamma: float
    m: int
    delta: float
    margin_loss: float

    def __post_init__(self) -> None:
        if not self.layers:
            raise ValueError("a bound needs at least one layer")
        if self.m < 2:
            raise ValueError(f"m must be >= 2 training samples, got {self.m}")
        if not (self.gamma > 0 and self.B > 0 and 0 < self.delta < 1):
            raise ValueError(f"need gamma > 0, B > 0, 0 < delta < 1; got {self.gamma}, {self.B}, {self.delta}")
        bad = [t.name for t in self.layers if not t.spectral > 0]
        if bad:
            raise ValueError(f"layers {bad} have spectral norm 0: the network is constant")

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def width(self) -> int:
        """``M = max_l M_l``."""
        return max(t.width for t in self.layers)

    @property
    def dim(self) -> int:
        """``D = sum_l D_l``."""
        return sum(t.dim for t in self.layers)

    @property
    def spectral_product_sq(self) -> float:
        """``prod_l ||W_l||_2^2``."""
        return math.prod(t.spectral**2 for t in self.layers)

    @property
    def ratio_sum(self) -> float:
        """``sum_l P_l / ||W_l||_2^2``."""
        return sum(t.ratio for t in self.layers)

    @property
    def width_term(self) -> float:
        """``M ln(4 D)``: the width (dimension) term."""
        return self.width * math.log(4 * self.dim)

    @property
    def kl(self) -> float:
        """The KL term: ``16 e^4 B^2 L^2 M ln(4D) prod ||W||_2^2 sum P/||W||_2^2 / gamma^2``."""
        c = 16 * math.e**4 * self.B**2 * self.depth**2
        return c * self.width_term * self.spectral_product_sq * self.ratio_sum / self.gamma**2

    @property
    def grid_size(self) -> int:
        """``K``: points of the grid over the layer-norm scale (union bound)."""
        L = self.depth
        return math.ceil(math.log(self.m) / (2 * L * math.log1p(1 / L))) + 1

    @property
    def confidence_term(self) -> float:
        """``ln(6 m K / delta)``."""
        return math.log(6 * self.m * self.grid_size / self.delta)

    @property
    def complexity(self) -> float:
        """``4 sqrt((KL + ln(6 m K / delta)) / (m - 1))``."""
        return 4 * math.sqrt((self.kl + self.confidence_term) / (self.m - 1))

    @property
    def bound(self) -> float:
        """``L_hat_gamma + complexity``: the bound on the test 0-1 error."""
        return self.margin_loss + self.complexity

    def as_dict(self) -> dict:
        """Every term, JSON-ready."""
        return {
            "kind": self.kind,
            "bound": self.bound,
            "log10_bound": math.log10(self.bound),
            "complexity": self.complexity,
            "kl": self.kl,
            "margin_loss": self.margin_loss,
            "confidence_term": self.confidence_term,
            "grid_size": self.grid_size,
            "width": self.width,
            "dim": self.dim,
            "width_term": self.width_term,
            "spectral_product_sq": self.spectral_product_sq,
            "ratio_sum": self.ratio_sum,
            "B": self.B,
            "gamma": self.gamma,
            "m": self.m,
            "delta": self.delta,
            "depth": self.depth,
            "layers": [asdict(t) | {"ratio": t.ratio} for t in self.layers],
        }


def pac_bayes_margin_bound(
    kind: str,
    layers: Sequence[LayerTerms],
    *,
    B: float,
    gamma: float,
    m: int,
    margin_loss: float,
    delta: float = 0.05,
) -> BoundReport:
    """Build a :class:`BoundReport` (``kind``: ``"naive"`` or ``"fourier"``, a label only)."""
    if kind not in ("naive", "fourier"):
        raise ValueError(f"kind must be 'naive' or 'fourier', got {kind!r}")
    return BoundReport(kind, tuple(layers), float(B), float(gamma), int(m), float(delta), float(margin_loss))
