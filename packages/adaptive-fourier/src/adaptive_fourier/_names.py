"""Names the command line checks before torch is imported."""

#: ``2d``: SO(2) CNN on rotated MNIST; ``o2``: the same with O(2) (rotations and reflections); ``3d``: SO(3) clouds
TASKS = ("2d", "o2", "3d")
#: the paper's two; ours (``adaptive_ridge``, ``adaptive_perlayer``, ``adaptive_canonical``) only when asked for
KINDS = ("fixed", "adaptive", "adaptive_normpool", "adaptive_ridge", "adaptive_perlayer", "adaptive_canonical")
GENERATORS = ("image", "features")
ROWS = ("normalise", "orth")
DOWNSAMPLING = ("index", "conv", "avg")
#: the 3D model's point convolution: Clebsch-Gordan (TFN-style, the default) or isotropic (the 0.1/0.2 model)
CONVS = ("tfn", "isotropic")
DEFAULT_KINDS = ("fixed", "adaptive")
#: N of every grid (the paper's)
NS = (1, 2, 4, 8, 16, 32, 64)
QUICK_NS = {"2d": (1, 4, 16, 64), "o2": (1, 4, 16, 64), "3d": (1, 4, 16)}
SMOKE_NS = {"2d": (1, 4), "o2": (1, 4), "3d": (1,)}
FULL_NS = {"2d": NS, "o2": NS, "3d": (1, 4, 16, 64)}
#: tasks run when ``--tasks`` is not given: O(2) only in the full run (the quick run keeps its keys and time)
QUICK_TASKS = ("2d", "3d")
FULL_TASKS = TASKS
