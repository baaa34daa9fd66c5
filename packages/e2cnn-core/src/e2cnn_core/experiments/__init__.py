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

from equi_runs import lazy_exports

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

# PEP 562: the names (and torch) load on first use, so that the command line checks its arguments first
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(__all__, "_api"))
