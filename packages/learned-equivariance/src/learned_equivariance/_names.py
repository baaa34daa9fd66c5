"""Names the command line accepts (torch-free, imported before any argument is checked)."""

#: Symmetries that generate the data (the authors' data set names) plus the mixed setting.
SYMMETRIES = ("C1", "C3", "C4", "SO2", "D1", "D3", "D4", "O2", "mixed")
#: Models of the study.
MODELS = ("cnn", "equivariant", "learned", "learned_shared", "rpp")
QUICK_MODELS = MODELS
#: Settings of the controlled likelihood experiment (why do the likelihoods stay uniform?).
PROBES = ("paper", "no_kl", "fast")
#: Data symmetries a probe may use (measured on the C8 / D8 angles: C1, C2, C4, SO2; O2 with the O(2) model).
PROBE_SYMMETRIES = ("C1", "C2", "C4", "SO2", "O2")
#: Data symmetries of the study (``--study``).
STUDY_SYMMETRIES = ("C1", "C4", "SO2", "O2", "mixed")
