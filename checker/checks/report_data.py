"""Report data every result carries: its system's fields, the official model, power and data types."""

from __future__ import annotations

from checker.context import ResultContext
from checker.registry import annotator


@annotator
def system_and_model(ctx: ResultContext) -> None:
    """Fill `system`, `scenario` (canonical), `mlperf_model`, `has_power` and `weight_data_types`."""
    system = ctx.system_json
    ctx.outcome["system"] = system if isinstance(system, dict) else {}
    ctx.outcome["scenario"] = ctx.scenario or ctx.unit.scenario
    ctx.outcome["mlperf_model"] = ctx.benchmark_name or ctx.unit.benchmark
    ctx.outcome["has_power"] = ctx.has_power
    measurements = ctx.measurements
    if isinstance(measurements, dict):
        ctx.outcome["weight_data_types"] = measurements.get("weight_data_types")
