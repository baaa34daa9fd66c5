"""The experiments of Weiler & Cesa (2019) built on the library: data, training, ``reproduce``, ``bench``.

The ``e2cnn-core`` command runs these; they are not part of the library's API (:mod:`e2cnn_core`).

* data (:func:`build_dataset`): rotated MNIST from real digits (MNIST-rot protocol), its rotation+reflection
  variant, rotated Fashion-MNIST, CIFAR-10 from the official pickles, and the original MNIST-rot ``.amat``
  files from a path the user gives;
* training (:func:`train_model`, :func:`evaluate`): a seeded loop with atomic, resumable checkpoints;
* :func:`reproduce`: the MNIST-rot table (Sec. 3.1), ``metrics.json`` and a figure;
* :func:`run_bench`: timing of our models against a plain CNN and escnn;
* :func:`train_cifar`: the equivariant wide ResNet on CIFAR-10 (Sec. 3.3).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BenchConfig",
    "CifarConfig",
    "DataConfig",
    "ReproduceConfig",
    "Split",
    "TrainConfig",
    "build_dataset",
    "evaluate",
    "load_cifar10",
    "load_fashion_mnist",
    "load_mnist_5k",
    "model_from_checkpoint",
    "read_cifar_batch",
    "read_idx",
    "reproduce",
    "rotate",
    "run_bench",
    "train_cifar",
    "train_model",
]


def __getattr__(name: str) -> Any:
    # PEP 562: torch and the data code load on first use, so the command line can check settings first.
    if name in __all__:
        from . import _api

        return getattr(_api, name)
    raise AttributeError(f"module 'e2cnn_core.experiments' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
