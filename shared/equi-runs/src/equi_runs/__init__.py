"""equi-runs: the run plumbing every equilab command line shares.

Run folders whose units are saved atomically as they finish (reruns resume, a changed setting is refused),
the versioned ``metrics.json`` schema with provenance and headline claims, safe reads of files a user may be
handed, and the command-line conventions. Standard library only; torch is imported only by the functions
that save or load torch checkpoints.
"""

from ._cli import (
    add_run_options,
    apply_threads,
    check_choices,
    check_unique,
    cli_main,
    device_name,
    make_parser,
    nonnegative_int,
    positive_float,
    positive_int,
    resolve_device,
)
from ._io import (
    CorruptFileError,
    RunError,
    load_torch,
    read_json,
    save_figure,
    save_torch_atomic,
    write_bytes_atomic,
    write_json_atomic,
)
from ._lazy import lazy_exports
from ._provenance import cpu_model, provenance
from ._run import ConfigMismatchError, RunFolder, Unit, config_diff, config_hash, prepare_out, resume_command
from ._schema import SCHEMA, VERDICTS, SchemaError, aggregate, claim, mean_std, validate_metrics

__version__ = "0.1.2"

__all__ = [
    "SCHEMA",
    "VERDICTS",
    "ConfigMismatchError",
    "CorruptFileError",
    "RunError",
    "RunFolder",
    "SchemaError",
    "Unit",
    "add_run_options",
    "aggregate",
    "apply_threads",
    "check_choices",
    "check_unique",
    "claim",
    "cli_main",
    "config_diff",
    "config_hash",
    "cpu_model",
    "device_name",
    "lazy_exports",
    "load_torch",
    "make_parser",
    "mean_std",
    "nonnegative_int",
    "positive_float",
    "positive_int",
    "prepare_out",
    "provenance",
    "read_json",
    "resolve_device",
    "resume_command",
    "save_figure",
    "save_torch_atomic",
    "validate_metrics",
    "write_bytes_atomic",
    "write_json_atomic",
]
