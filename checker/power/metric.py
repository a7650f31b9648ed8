"""The power metric of a result (spec 3.9 step 3), computed exactly as the official checker does.

Samples of `spl.txt` strictly inside LoadGen's (power_begin, power_end) with positive watts are
averaged. Throughput scenarios report that average in watts; latency scenarios report energy per
query in millijoules: average watts x window seconds x 1000 / queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from checker.power.logs import SplLog


def average_watts(spl: SplLog, begin: int, end: int) -> float | None:
    """Mean of the positive watt samples strictly between `begin` and `end` (epoch microseconds).

    Readings that are not numbers (nan) are left out as the official checker does; infinite ones too.
    """
    values = [w for t, w in zip(spl.times, spl.watts, strict=False) if begin < t < end and 0 < w < math.inf]
    return sum(values) / len(values) if values else None


@dataclass(frozen=True, slots=True)
class PowerMetric:
    """The power figure of a result: its value, unit and efficiency (performance per watt or per joule)."""

    value: float
    unit: str
    efficiency: float | None


def power_metric(avg_watts: float, begin: int, end: int, directory_scenario: str, run_scenario: str | None,
                 query_count: int | None, performance: float | None, samples_per_query: dict[str, int],
                 units: dict[str, str]) -> PowerMetric | None:
    """The power metric of a run with average power `avg_watts` over (`begin`, `end`).

    Scenarios listed in `samples_per_query` (SingleStream, MultiStream) report millijoules per query,
    scaled by the samples per query of the directory scenario over those of the run's scenario when
    they differ (a MultiStream result inferred from a SingleStream run); the others report watts.
    Efficiency is `performance / watts`, or `samples per query x 1000 / millijoules`. None when
    the energy cannot be computed (no query count).
    """
    unit = units.get(directory_scenario, "")
    if directory_scenario not in samples_per_query:
        efficiency = performance / avg_watts if performance is not None else None
        return PowerMetric(avg_watts, unit, efficiency)
    if not query_count or query_count <= 0:
        return None
    duration_s = (end - begin) / 1_000_000
    value = avg_watts * duration_s * 1000 / query_count
    spq = samples_per_query[directory_scenario]
    if run_scenario in samples_per_query and run_scenario != directory_scenario:
        value = avg_watts * duration_s * (spq // samples_per_query[run_scenario]) * 1000 / query_count
    return PowerMetric(value, unit, spq * 1000 / value if value else None)
