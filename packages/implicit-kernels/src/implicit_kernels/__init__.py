"""implicit-kernels: implicit convolutional kernels for steerable CNNs.

After Zhdanov, Hoffmann, Cesa, *Implicit Convolutional Kernels for Steerable CNNs* (NeurIPS 2023, arXiv
2212.06096). The library: the implicit kernel (a G-equivariant MLP of the relative position and of invariant
attributes), a grid convolution that drops in for e2cnn-core's ``R2Conv``, a torch-geometric point convolution
for 2D and 3D groups, the analytic-basis point convolution it is compared with, a seeded procedural shape set and
a ModelNet OFF reader, and the charged N-body simulator. The experiments (QM9, rotated MNIST, N-body, shapes by
subgroup, command line) live in :mod:`implicit_kernels.experiments`.
"""

from __future__ import annotations

from equi_runs import lazy_exports

__version__ = "0.2.1"

__all__ = [
    "AnalyticKernel",
    "AnalyticPointConv",
    "ImplicitKernel",
    "ImplicitPointConv",
    "ImplicitR2Conv",
    "MLPKernel",
    "PointType",
    "check_graph",
    "grid_points",
    "load_modelnet",
    "make_shapes",
    "read_off",
    "sample_mesh",
    "simulate_charged",
    "write_off",
]

_WHERE = {
    "AnalyticKernel": "_analytic",
    "MLPKernel": "_analytic",
    "check_graph": "_point_conv",
    "AnalyticPointConv": "_analytic",
    "ImplicitKernel": "_kernel",
    "ImplicitPointConv": "_point_conv",
    "ImplicitR2Conv": "_r2conv",
    "PointType": "_point_conv",
    "grid_points": "_r2conv",
    "load_modelnet": "_shapes",
    "make_shapes": "_shapes",
    "read_off": "_shapes",
    "sample_mesh": "_shapes",
    "simulate_charged": "experiments._nbody",
    "write_off": "_shapes",
}

# PEP 562: the names (and torch) load on first use, so that the command line checks its arguments first
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
