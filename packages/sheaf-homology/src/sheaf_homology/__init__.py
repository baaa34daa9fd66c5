"""Sheaf neural networks on the (persistent) local homology sheaf (Cesa & Behboodi, arXiv 2311.10156)."""

from ._complex import SimplicialComplex, alpha_complex, clique_complex, rips_complex
from ._local_homology import harmonic_local_homology, local_homology_dims, local_homology_sheaf, relative_star
from ._sheaf import Sheaf, reverse_edge_ids

__all__ = [
    "Sheaf",
    "SimplicialComplex",
    "alpha_complex",
    "clique_complex",
    "harmonic_local_homology",
    "local_homology_dims",
    "local_homology_sheaf",
    "relative_star",
    "reverse_edge_ids",
    "rips_complex",
]
