"""Sheaf neural networks on the (persistent) local homology sheaf (Cesa & Behboodi, arXiv 2311.10156).

The public names are imported on first use (PEP 562), so ``import sheaf_homology`` and the command line's
argument checks do not import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from equi_runs import lazy_exports

__version__ = "0.2.2"

_WHERE = {
    "SimplicialComplex": "_complex",
    "alpha_complex": "_complex",
    "clique_complex": "_complex",
    "rips_complex": "_complex",
    "NodeData": "_data",
    "book_complexes": "_data",
    "canonical_graph": "_data",
    "degree_matched": "_data",
    "edge_homophily": "_data",
    "heterophilic_graph": "_data",
    "load_cora": "_data",
    "random_split": "_data",
    "stratified_clouds": "_data",
    "two_planes": "_data",
    "GraphSignalType": "_graph_type",
    "harmonic_local_homology": "_local_homology",
    "local_homology_dims": "_local_homology",
    "local_homology_sheaf": "_local_homology",
    "relative_star": "_local_homology",
    "GAT": "_models",
    "GCN": "_models",
    "LocalMLP": "_models",
    "control_sheaves": "_models",
    "ModelConfig": "_config",
    "SheafNet": "_models",
    "build_model": "_models",
    "MODEL_NAMES": "_names",
    "LearnedRestrictionMaps": "_nsd",
    "SheafDiffusion": "_nsd",
    "NSD": "_nsd",
    "augmented_factors": "_nsd",
    "orthogonal_maps": "_nsd",
    "ORTH_MAPS": "_nsd",
    "PersistentLocalHomologySheaf": "_persistent",
    "link_diagram_gudhi": "_persistent",
    "reduce_boundary": "_persistent",
    "simplex_filtration": "_persistent",
    "star_persistence": "_persistent",
    "Sheaf": "_sheaf",
    "reverse_edge_ids": "_sheaf",
    "SheafAttention": "_sheaf_attention",
    "SheafConv": "_sheaf_conv",
    "TrainConfig": "_config",
    "ComplexConfig": "_config",
    "ExperimentConfig": "_config",
    "prepare": "_experiments",
    "accuracy": "_train",
    "train_node_classifier": "_train",
}

if TYPE_CHECKING:
    from ._complex import SimplicialComplex, alpha_complex, clique_complex, rips_complex
    from ._config import ModelConfig, TrainConfig
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
    from ._models import GAT, GCN, SheafNet, build_model
    from ._names import MODEL_NAMES
    from ._nsd import NSD, ORTH_MAPS, LearnedRestrictionMaps, SheafDiffusion, augmented_factors, orthogonal_maps
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
    from ._train import accuracy, train_node_classifier


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)


__all__ = [
    "NodeData",
    "book_complexes",
    "canonical_graph",
    "degree_matched",
    "LocalMLP",
    "control_sheaves",
    "ComplexConfig",
    "ExperimentConfig",
    "prepare",
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
    "NSD",
    "augmented_factors",
    "orthogonal_maps",
    "ORTH_MAPS",
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
