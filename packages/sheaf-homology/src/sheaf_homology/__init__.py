"""Sheaf neural networks on the (persistent) local homology sheaf (Cesa & Behboodi, arXiv 2311.10156)."""

from ._complex import SimplicialComplex, alpha_complex, clique_complex, rips_complex
from ._data import (
    NodeData,
    edge_homophily,
    heterophilic_graph,
    load_cora,
    random_split,
    stratified_clouds,
    two_planes,
)
from ._graph_type import GraphSignalType
from ._local_homology import harmonic_local_homology, local_homology_dims, local_homology_sheaf, relative_star
from ._models import GAT, GCN, MODEL_NAMES, ModelConfig, SheafNet, build_model
from ._nsd import LearnedRestrictionMaps, SheafDiffusion
from ._persistent import (
    PersistentLocalHomologySheaf,
    link_diagram_gudhi,
    reduce_boundary,
    simplex_filtration,
    star_persistence,
)
from ._sheaf import Sheaf, reverse_edge_ids
from ._sheaf_attention import SheafAttention
from ._sheaf_conv import SheafConv
from ._train import TrainConfig, accuracy, train_node_classifier

__all__ = [
    "NodeData",
    "edge_homophily",
    "heterophilic_graph",
    "load_cora",
    "random_split",
    "stratified_clouds",
    "two_planes",
    "GAT",
    "GCN",
    "MODEL_NAMES",
    "ModelConfig",
    "SheafNet",
    "build_model",
    "TrainConfig",
    "accuracy",
    "train_node_classifier",
    "GraphSignalType",
    "LearnedRestrictionMaps",
    "SheafAttention",
    "SheafConv",
    "SheafDiffusion",
    "PersistentLocalHomologySheaf",
    "link_diagram_gudhi",
    "reduce_boundary",
    "simplex_filtration",
    "star_persistence",
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
