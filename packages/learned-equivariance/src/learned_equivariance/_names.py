"""Names the command line accepts (torch-free, imported before any argument is checked)."""

#: Symmetries that generate the data (the authors' data set names) plus the mixed setting.
SYMMETRIES = ("C1", "C3", "C4", "SO2", "D1", "D3", "D4", "O2", "mixed")
#: Models of the study.
MODELS = ("cnn", "equivariant", "learned", "learned_shared", "rpp")
QUICK_MODELS = ("cnn", "equivariant", "learned", "rpp")
#: Settings of the controlled likelihood experiment (why do the likelihoods stay uniform?).
PROBES = ("paper", "no_kl", "fast")
#: Data symmetries a probe may use (subgroups of the C8 model: C1, C2, C4 and C8 itself, SO2 on the grid).
PROBE_SYMMETRIES = ("C1", "C2", "C4", "SO2")
