"""Names the command line accepts (torch-free, imported before any argument is checked)."""

#: Every group of the study, in order of |G|.
GROUPS = ("C1", "C2", "D1", "C4", "D2", "C8", "D4", "C16", "D8")
#: The groups of ``reproduce --quick``.
QUICK_GROUPS = ("C1", "C4", "C8", "D4")
#: The groups of the hidden ``--smoke`` run.
SMOKE_GROUPS = ("C1", "C2", "C4")
PROTOCOLS = ("budget", "width")


def group_order(name: str) -> int:
    """``|G|`` of ``C<N>`` (N) or ``D<N>`` (2N)."""
    return int(name[1:]) * (2 if name.startswith("D") else 1)
