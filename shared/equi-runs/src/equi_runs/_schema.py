"""The versioned ``metrics.json`` schema, its statistics convention and its validator.

Schema ``equi-runs/metrics/1`` (documented in the README)::

    schema        "equi-runs/metrics/1"
    package       distribution name;  version: its version
    command       argv of the run (list of strings)
    config        the settings every unit depends on (a JSON object)
    provenance    see :func:`equi_runs.provenance`
    wall_seconds  seconds summed over every resumed piece;  wall_pieces: the pieces (each with the git commit and
                  dirty flag it started from, since 0.1.2)
    complete      true once every unit of the grid has finished
    seeds         the seeds of the grid (list of ints, may be empty)
    metrics       flat keys -> number / string / bool / null / list (e.g. "test_error.C8": 11.7)
    per_seed      key -> {seed: value} for every seeded metric; metrics[key] is their mean
    headline      list of claims {claim, metric, paper, ours, std, n_seeds, verdict, note}

Statistics: ``std`` is always the sample standard deviation (ddof = 1); with one seed it is ``None``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from typing import Any

SCHEMA = "equi-runs/metrics/1"
VERDICTS = ("reproduced", "partly", "not reproduced", "n/a")
CLAIM_KEYS = ("claim", "metric", "paper", "ours", "std", "n_seeds", "verdict", "note")
TOP_KEYS = (
    "schema",
    "package",
    "version",
    "command",
    "config",
    "provenance",
    "wall_seconds",
    "wall_pieces",
    "complete",
    "seeds",
    "metrics",
    "per_seed",
    "headline",
)
PROVENANCE_KEYS = (
    "git_commit",
    "git_dirty",
    "uv_lock_sha256",
    "python",
    "versions",
    "cpu",
    "cpu_count",
    "torch_threads",
    "device",
)


class SchemaError(ValueError):
    """A metrics.json that does not follow the schema; the message lists every problem."""


def mean_std(values: Iterable[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (ddof = 1; None for a single value).

    Examples:
        >>> mean_std([1.0, 2.0, 3.0])
        (2.0, 1.0)
        >>> mean_std([4.0])
        (4.0, None)
    """
    vals = [float(v) for v in values]
    if not vals:
        raise ValueError("mean_std of no values")
    return statistics.fmean(vals), (statistics.stdev(vals) if len(vals) > 1 else None)


def aggregate(per_seed: Mapping[str, Mapping[Any, float]]) -> dict[str, float]:
    """The mean over seeds of every seeded metric (the value ``metrics[key]`` holds)."""
    return {key: mean_std(by_seed.values())[0] for key, by_seed in per_seed.items()}


def claim(
    claim: str,
    metric: str,
    metrics: Mapping[str, Any],
    per_seed: Mapping[str, Mapping[Any, float]] | None = None,
    *,
    paper: float | str | None = None,
    verdict: str,
    note: str = "",
) -> dict[str, Any]:
    """One headline claim: ``ours`` (and its std over seeds, ddof=1) is read from ``metrics``/``per_seed``.

    Args:
        claim: the paper's claim in a short sentence.
        metric: the flat metric key that measures it (must exist in ``metrics``).
        paper: the paper's number, a quoted qualitative claim, or None when not available.
        verdict: one of ``"reproduced"``, ``"partly"``, ``"not reproduced"``, ``"n/a"``.
        note: scale, protocol differences, why the verdict.
    """
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    if metric not in metrics:
        raise KeyError(f"headline metric {metric!r} is not among the run's metrics")
    seeds = (per_seed or {}).get(metric)
    std, n = (None, None) if not seeds else (mean_std(seeds.values())[1], len(seeds))
    return {
        "claim": claim,
        "metric": metric,
        "paper": paper,
        "ours": metrics[metric],
        "std": std,
        "n_seeds": n,
        "verdict": verdict,
        "note": note,
    }


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def validate_metrics(data: Any) -> None:
    """Raise :class:`SchemaError` listing every way ``data`` departs from the schema."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise SchemaError("metrics.json is not a JSON object")
    missing = [k for k in TOP_KEYS if k not in data]
    if missing:
        problems.append(f"missing keys {missing}")
    if data.get("schema") != SCHEMA:
        problems.append(f"schema is {data.get('schema')!r}, expected {SCHEMA!r}")
    for key, kind in (("package", str), ("version", str), ("config", dict), ("provenance", dict)):
        if key in data and not isinstance(data[key], kind):
            problems.append(f"{key} is not a {kind.__name__}")
    cmd = data.get("command")
    if not (isinstance(cmd, list) and cmd and all(isinstance(c, str) for c in cmd)):
        problems.append("command is not a non-empty list of strings")
    prov = data.get("provenance")
    if isinstance(prov, dict):
        gone = [k for k in PROVENANCE_KEYS if k not in prov]
        if gone:
            problems.append(f"provenance lacks {gone}")
    if not (_is_number(data.get("wall_seconds")) and data["wall_seconds"] >= 0):
        problems.append("wall_seconds is not a non-negative number")
    pieces = data.get("wall_pieces")
    if isinstance(pieces, list) and _is_number(data.get("wall_seconds")):
        total = sum(p.get("seconds", 0) for p in pieces if isinstance(p, dict))
        if abs(total - data["wall_seconds"]) > 1e-6 * max(1.0, total):
            problems.append(f"wall_seconds {data['wall_seconds']} is not the sum of wall_pieces ({total})")
    if not isinstance(data.get("complete"), bool):
        problems.append("complete is not a bool")
    seeds = data.get("seeds")
    if not (isinstance(seeds, list) and all(isinstance(s, int) for s in seeds)) or len(set(seeds or [])) != len(
        seeds or []
    ):
        problems.append("seeds is not a list of distinct ints")
    metrics = data.get("metrics")
    if not isinstance(metrics, dict):
        problems.append("metrics is not an object")
        metrics = {}
    for k, v in metrics.items():
        if isinstance(v, dict):
            problems.append(f"metric {k!r} is nested: use flat dotted keys")
    per_seed = data.get("per_seed")
    if not isinstance(per_seed, dict):
        problems.append("per_seed is not an object")
        per_seed = {}
    for k, by_seed in per_seed.items():
        if not isinstance(by_seed, dict) or not by_seed:
            problems.append(f"per_seed[{k!r}] is not a non-empty object")
            continue
        if k not in metrics:
            problems.append(f"per_seed key {k!r} has no mean in metrics")
            continue
        vals = list(by_seed.values())
        if all(_is_number(v) for v in vals) and _is_number(metrics[k]):
            mean = statistics.fmean(vals)
            if abs(mean - metrics[k]) > 1e-9 * max(1.0, abs(mean)):
                problems.append(f"metrics[{k!r}] = {metrics[k]} is not the mean of its per_seed values ({mean})")
    headline = data.get("headline")
    if not isinstance(headline, list):
        problems.append("headline is not a list")
        headline = []
    for i, c in enumerate(headline):
        if not isinstance(c, dict):
            problems.append(f"headline[{i}] is not an object")
            continue
        if sorted(c) != sorted(CLAIM_KEYS):
            problems.append(f"headline[{i}] has keys {sorted(c)}, expected {sorted(CLAIM_KEYS)}")
        if c.get("verdict") not in VERDICTS:
            problems.append(f"headline[{i}] verdict {c.get('verdict')!r} is not one of {VERDICTS}")
        m = c.get("metric")
        if m not in metrics:
            problems.append(f"headline[{i}] metric {m!r} is not in metrics")
        elif c.get("ours") != metrics[m]:
            problems.append(f"headline[{i}] ours {c.get('ours')} differs from metrics[{m!r}] = {metrics[m]}")
        if not (c.get("paper") is None or isinstance(c.get("paper"), str) or _is_number(c.get("paper"))):
            problems.append(f"headline[{i}] paper is not a number, a quoted claim or null")
    if problems:
        raise SchemaError("; ".join(problems))
