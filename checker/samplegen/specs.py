"""Plain descriptions of the submissions the generator writes.

A spec says *what* to write (which systems, benchmarks, scenarios, figures); everything else (seeds,
sample counts, latency bounds, required files) comes from the round's rulebook when the tree is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResultSpec:
    """One result directory `results/<system>/<benchmark>/<scenario>`.

    `benchmark` and `scenario` are the directory names as written. `model` is the MLPerf model the
    benchmark directory stands for when the name is an alias or an open-division custom model (it
    defaults to `benchmark`). `performance` is the reported figure in the unit the checker reports
    (samples/s or tokens/s for throughput scenarios, milliseconds for latency scenarios); None picks a
    plausible default. `accuracy` maps accuracy metric keys (e.g. `acc`, `ROUGE1`) to the values
    printed in accuracy.txt; None prints passing values derived from the round's targets.
    `log_overrides` replaces values of the main performance run's detail log (and therefore its
    summary log); `measurements` replaces fields of the measurements JSON. `compliance` forces the
    compliance tests on or off (None: written for closed and network only). `power` asks for a power
    measurement (performance/power, ranging run, spl.txt). `endpoints` writes the result as the v6.1
    endpoints harness does (config.yaml and JSON files instead of LoadGen logs; see `endpoints`).
    """

    benchmark: str
    scenario: str
    performance: float | None = None
    accuracy: Mapping[str, float] | None = None
    model: str | None = None
    power: bool = False
    compliance: bool | None = None
    log_overrides: Mapping[str, Any] = field(default_factory=dict)
    measurements: Mapping[str, Any] = field(default_factory=dict)
    endpoints: bool = False


@dataclass(frozen=True)
class SystemSpec:
    """One system: `systems/<name>.json` plus its results. `fields` overrides system-JSON fields."""

    name: str
    system_type: str
    results: list[ResultSpec]
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmissionSpec:
    """One submitter tree `<division>/<submitter>` of round `round` (e.g. "v6.0").

    `model_mapping` is written as `model_mapping.json` (open division: custom name -> MLPerf model).
    """

    round: str
    division: str
    submitter: str
    systems: list[SystemSpec]
    model_mapping: Mapping[str, str] | None = None
