"""Names the command line accepts (torch-free, so arguments are checked before torch is imported)."""

from __future__ import annotations

MODEL_NAMES: tuple[str, ...] = ("gcn", "gat", "nsd", "nsd_orth", "lhs", "lhs_att", "lhs_persistent")
"""Every model ``build_model`` knows."""

QUICK_MODELS: tuple[str, ...] = ("gcn", "gat", "nsd", "lhs", "lhs_persistent")
"""The models of ``reproduce --quick``."""

TASKS: tuple[str, ...] = ("cora", "stratified", "hetero")
"""The tasks of ``reproduce``."""

COMPLEXES: tuple[str, ...] = ("alpha", "knn")
"""How the stratified task builds its complex (see ``stratified_clouds``)."""
