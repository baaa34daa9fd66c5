"""The experiments of mobile-equi built on the library: data sets, training, ``reproduce`` and ``bench``.

The ``mobile-equi`` command runs these; they are not part of the library's API (:mod:`mobile_equi`).
"""

from __future__ import annotations

from equi_runs import lazy_exports

_LAZY: dict[str, str] = {
    "DATASETS": "_data",
    "Split": "_data",
    "mnist_rot_task": "_data",
    "nuclei_task": "_data",
    "pcam_task": "_data",
    "TrainConfig": "_settings",
    "evaluate": "_train",
    "roc_auc": "_train",
    "train_model": "_train",
}

__all__ = [
    "DATASETS",
    "Split",
    "TrainConfig",
    "evaluate",
    "mnist_rot_task",
    "nuclei_task",
    "pcam_task",
    "roc_auc",
    "train_model",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
