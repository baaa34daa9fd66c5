"""Every public name of :mod:`e2cnn_core.experiments`, imported eagerly (torch included) on first use."""

# ruff: noqa: F401  (re-exports: e2cnn_core.experiments.__all__ lists them)

from ._bench import BenchConfig, run_bench
from ._cifar import train_cifar
from ._data import (
    Split,
    build_dataset,
    load_cifar10,
    load_fashion_mnist,
    load_mnist_5k,
    read_cifar_batch,
    read_idx,
    rotate,
)
from ._reproduce import model_from_checkpoint, reproduce
from ._settings import CifarConfig, DataConfig, ReproduceConfig, TrainConfig
from ._train import evaluate, train_model
