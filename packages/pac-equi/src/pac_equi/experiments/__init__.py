"""The study's experiments (data, network, training, reproduce, bound report, bench): the layer the command line
uses, on top of the library in :mod:`pac_equi`. Import the submodules directly; this package imports nothing so that
the command line can check its arguments before torch is loaded."""
