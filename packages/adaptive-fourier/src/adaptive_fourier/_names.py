"""Names the command line checks before torch is imported."""

TASKS = ("2d", "3d")
#: the paper's two; ours (``adaptive_ridge``, ``adaptive_perlayer``, ``adaptive_canonical``) only when asked for
KINDS = ("fixed", "adaptive", "adaptive_ridge", "adaptive_perlayer", "adaptive_canonical")
DOWNSAMPLING = ("index", "conv", "avg")
DEFAULT_KINDS = ("fixed", "adaptive")
#: N of every grid (the paper's)
NS = (1, 2, 4, 8, 16, 32, 64)
QUICK_NS = {"2d": (1, 4, 16, 64), "3d": (1, 4, 16)}
SMOKE_NS = {"2d": (1, 4), "3d": (1,)}
FULL_NS = {"2d": NS, "3d": NS}
