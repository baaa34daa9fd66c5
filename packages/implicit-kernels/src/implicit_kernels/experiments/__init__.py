"""Experiments of implicit-kernels: QM9 and rotated-MNIST data, models, training, ``reproduce`` and ``bench``.

Used by the ``implicit-kernels`` command; not part of the library's public API.
"""
