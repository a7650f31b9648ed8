"""The registry of re-scoring functions, keyed by the benchmarks they score.

A metric function receives the log's entries (streamed, in log order) and the paths of the reference
resources it declared, and returns an :class:`Outcome`: values under the names `accuracy.txt` uses
(`acc`, `mAP`, `AUC`, `ACCURACY`, `TOKENS_PER_SAMPLE`...) in the units it prints, plus what it
could not compute and why. Registering a benchmark is one decorated function in one module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from checker.parsers.accuracy_log import Entry


@dataclass(frozen=True, slots=True)
class Value:
    """One recomputed metric. `exact` is False when an approximation was used (reported, never compared)."""

    value: float
    exact: bool = True
    note: str = ""


@dataclass(slots=True)
class Outcome:
    """What re-scoring found in one log: the metric function fills values, skipped reasons, dtype and
    problems; the driver fills the counts (entries, distinct `qsl_idx`, indices past the data set)
    and the log's source."""

    values: dict[str, Value] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    dtype: str | None = None
    entries: int = 0
    unique: int = 0
    out_of_range: int = 0
    source: str = ""
    problems: list[str] = field(default_factory=list)


class ReferenceDataError(Exception):
    """A reference file is present but unusable (the message says why)."""


#: A metric function: (entries, resolved resource paths, data-set size or None) -> Outcome.
MetricFn = Callable[[Iterator[Entry], dict[str, Path], "int | None"], Outcome]


@dataclass(frozen=True)
class MetricSpec:
    """How one family of benchmarks is re-scored.

    `needs` names the reference resources (see `checker.accuracy.reference.RESOURCES`) without which
    nothing can be computed; `metrics` are the accuracy.txt keys it produces; `tolerance` is the
    absolute slack per key on top of half a unit of the last printed digit; `unsupported` explains
    the benchmark's other metrics that are never recomputed.
    """

    family: str
    benchmarks: tuple[str, ...]
    metrics: tuple[str, ...]
    compute: MetricFn
    needs: tuple[str, ...] = ()
    tolerance: dict[str, float] = field(default_factory=dict)
    unsupported: str = "re-scoring of this metric is not implemented (it needs model-specific tools)"


SPECS: dict[str, MetricSpec] = {}


def metric(family: str, benchmarks: tuple[str, ...], metrics: tuple[str, ...], needs: tuple[str, ...] = (),
           tolerance: dict[str, float] | None = None, unsupported: str | None = None) -> Callable[[MetricFn], MetricFn]:
    """Register the decorated function as the re-scorer of `benchmarks` (official model names)."""

    def decorate(fn: MetricFn) -> MetricFn:
        spec = MetricSpec(family=family, benchmarks=benchmarks, metrics=metrics, compute=fn, needs=needs,
                          tolerance=dict(tolerance or {}),
                          **({"unsupported": unsupported} if unsupported else {}))
        for name in benchmarks:
            if name in SPECS:
                raise ValueError(f"benchmark {name} has two re-scorers")
            SPECS[name] = spec
        return fn

    return decorate


def spec_for(benchmark: str | None) -> MetricSpec | None:
    """The re-scorer of an official benchmark name, or None."""
    from checker.accuracy import metrics  # noqa: F401  (registers every family)

    return SPECS.get(benchmark) if benchmark else None
