"""Names the command line accepts (torch-free, so arguments are checked before torch is imported)."""

from __future__ import annotations

MODEL_NAMES: tuple[str, ...] = (
    "gcn",
    "gat",
    "nsd",
    "nsd_orth",
    "nsd_gen",
    "lhs",
    "lhs_att",
    "lhs_persistent",
    "const",
    "rand",
    "betti",
    "degree",
)
"""Every model ``build_model`` knows: baselines, the local homology models, the controls in the same
architecture (``const``: SheafNet on the constant sheaf R alone; ``rand``: on R (+) a random sheaf with the local
homology stalk dimensions) and the no-message-passing baselines (``betti``: an MLP on each node's local Betti
numbers; ``degree``: an MLP on its degree)."""

CONTROLS: tuple[str, ...] = ("const", "rand")
"""SheafNet controls: identical to ``lhs`` except for the sheaf."""

LOCAL_BASELINES: tuple[str, ...] = ("betti", "degree")
"""Per-node MLPs on hand-written local features (no graph, no learned messages)."""

QUICK_MODELS: tuple[str, ...] = ("gcn", "nsd", "lhs", "lhs_persistent", "const", "rand", "betti", "degree")
"""The models of ``reproduce --quick``."""

TASKS: tuple[str, ...] = ("cora", "stratified", "complex", "pinch", "torus", "hetero", "clouds")
"""The tasks of ``reproduce`` (``hetero``: one graph per homophily level; ``clouds``: the stratified task at
several densities and noise levels, ``CLOUD_SWEEP``; ``pinch``: discs joined to themselves at points,
``pinched_books``; ``torus``: pinched tori, ``pinched_tori``, 0.2.2)."""

QUICK_TASKS: tuple[str, ...] = ("cora", "stratified", "complex")
"""The tasks of ``reproduce --quick`` (the heterophilic graphs only in the full run or with ``--tasks``)."""

COMPLEXES: tuple[str, ...] = ("alpha", "knn")
"""How the stratified task builds its complex (see ``stratified_clouds``)."""
