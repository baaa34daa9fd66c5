"""The experiments (data, models, training, reproduce, bench, the OFF loader): the layer the command line uses, on
top of the library in :mod:`adaptive_fourier`. Import the submodules directly; this package imports nothing so
that the command line can check its arguments before torch is loaded."""
