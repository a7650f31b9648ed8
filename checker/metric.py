"""The reported performance metric of a result and its unit (spec 3.5, 3.6 and 4.12).

The value is computed exactly as the official checker does it, with Python float arithmetic in the
same order, so that ``str(value)`` matches the official ``Result`` column: the LoadGen field of the
effective scenario (per-benchmark overrides from the rulebook), nanoseconds turned into milliseconds
for SingleStream/MultiStream, then the cross-scenario inference formulas when the directory scenario
differs from the run's.

Two units are produced. ``unit`` is the correct one for the number reported, decided by what the
LoadGen field measures: a ``*token*`` rate is in tokens/s whatever the official label says. The
official checker gets this wrong in places (spec 7.4): v4.1 LLM token rates labelled ``Samples/s`` /
``Queries/s`` (the v4.1 tag labels by scenario only), whisper's Offline token rate and the v5.0 GPT-J
and ``llama2-70b-interactive`` token rates labelled as samples, ``Tasks/s`` for e2e-rag samples/s,
and ``Tokens/s`` for llama3.1-8b-edge Offline results inferred from SingleStream (a samples/s
figure). ``official_unit`` keeps the official label so the CSV can reproduce the official file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from checker.context import ResultContext
from checker.model import LATENCY_SCENARIOS
from checker.parsers.endpoints import EndpointsLog
from checker.parsers.loadgen import DetailLog
from checker.registry import annotator
from checker.rulebook import Benchmark, Rulebook

#: LoadGen logs latencies in nanoseconds; the official checker reports milliseconds (its MS_TO_NS).
NS_PER_MS = 1e6
#: Its S_TO_MS, used by the Offline-from-MultiStream formula.
MS_PER_S = 1000
#: The unit of LoadGen's ``*_tokens_per_second`` fields.
TOKENS_PER_SECOND = "Tokens/s"


@dataclass(frozen=True)
class Metric:
    """A result's reported performance, or why it cannot be computed.

    ``value`` is None when the log lacks a usable figure; ``problem`` then says what is missing,
    ``key`` names the LoadGen key concerned (``line`` its line). ``inferred`` is True when a
    cross-scenario formula produced the value.
    """

    value: float | None
    unit: str | None
    official_unit: str | None
    key: str | None
    effective_scenario: str | None
    inferred: bool = False
    problem: str | None = None
    line: int | None = None


def number(log: DetailLog, key: str) -> float | None:
    """The value of ``key`` as a finite float, or None when absent, boolean, textual or not finite."""
    value = log.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def field_kind(key: str) -> str:
    """What a LoadGen result field measures: ``tokens`` (a token rate), ``latency`` (ns) or ``samples``."""
    if "token" in key:
        return "tokens"
    if key.endswith("_ns") or key.startswith("early_stopping_latency"):
        return "latency"
    return "samples"


def _metric_field(rulebook: Rulebook, bench: Benchmark | None, scenario: str, endpoints: bool = False) -> str | None:
    """LoadGen key of the headline figure of a run of ``scenario`` (benchmark overrides first).

    An endpoints run (spec 3.12) takes the round's endpoints field unless the benchmark overrides the
    scenario's default (LLM token rates; an Interactive run takes the Server override, as the LoadGen
    Server run of an Interactive directory does, where the official checker reports samples/s).
    """
    fields = bench.metric_field if bench is not None else rulebook.defaults.metric_field
    if not endpoints or rulebook.endpoints is None:
        return fields.get(scenario)
    defaults = rulebook.defaults.metric_field
    for run in (scenario, rulebook.performance.run_scenario(scenario)):
        if fields.get(run) is not None and fields.get(run) != defaults.get(run):
            return fields[run]
    return rulebook.endpoints.metric_field.get(scenario)


def _labels(rulebook: Rulebook, bench: Benchmark | None, directory: str) -> tuple[str | None, str | None]:
    """(benchmark label, scenario-default label) of the directory scenario from the rulebook."""
    default = rulebook.defaults.unit.get(directory)
    label = bench.unit.get(directory, default) if bench is not None else default
    return label, default


def official_unit(rulebook: Rulebook, bench: Benchmark | None, directory: str) -> str | None:
    """The Units label the round's official checker writes for this benchmark and directory scenario."""
    label, default = _labels(rulebook, bench, directory)
    return default if rulebook.performance.official_unit_labels == "scenario" else label


def correct_unit(rulebook: Rulebook, bench: Benchmark | None, directory: str, kind: str) -> str | None:
    """The unit of a figure of ``kind`` reported for the directory scenario.

    Token rates are tokens/s and sample rates carry the scenario's label (Samples/s, Queries/s),
    whatever the official per-benchmark label says; latencies keep the rulebook's label (it says
    whether the benchmark reports milliseconds or seconds).
    """
    label, default = _labels(rulebook, bench, directory)
    if kind == "tokens":
        return TOKENS_PER_SECOND
    if kind == "latency":
        return label
    return default


def _native(log: DetailLog, rulebook: Rulebook, bench: Benchmark | None, scenario: str) -> tuple[str | None, float | None]:
    """(key, value) of the run's own headline figure, in the official checker's unit."""
    key = _metric_field(rulebook, bench, scenario, isinstance(log, EndpointsLog))
    raw = number(log, key) if key else None
    if raw is None:
        return key, None
    value = raw
    scale = bench.metric_scale.get(scenario) if bench is not None else None
    if scenario in LATENCY_SCENARIOS:
        value = value / NS_PER_MS
        if scale:
            # The official checker divides the milliseconds by 1000 for seconds; dividing by the same
            # factor (1 / (1e-9 * 1e6) == 1000.0 exactly) keeps identical float results.
            value = value / (1.0 / (scale * NS_PER_MS))
    elif scale:
        value = value * scale
    return key, value


def _inferred(log: DetailLog, rulebook: Rulebook, directory: str, scenario: str) -> tuple[str, float | None, str | None]:
    """(key, value, problem) of an allowed cross-scenario inference (spec 3.6)."""
    inference = rulebook.performance.inference
    if directory == "Offline" and scenario == "SingleStream":
        key = "result_qps_without_loadgen_overhead"
        return key, number(log, key), None
    if directory == "Offline" and scenario == "MultiStream":
        key = "result_mean_query_latency_ns"
        spq, mean = number(log, "effective_samples_per_query"), number(log, key)
        if spq is None or not mean:
            return key, None, None
        return key, spq * MS_PER_S / (mean / NS_PER_MS), None
    key = "early_stopping_latency_ms"
    estimate = number(log, key)
    if estimate == 0:
        return key, None, "not enough samples were processed for early stopping to make an estimate"
    if estimate is None:
        return key, None, None
    return key, (estimate * inference.multistream_samples_per_query) / NS_PER_MS, None


def compute_metric(log: DetailLog, rulebook: Rulebook, bench: Benchmark | None, directory: str) -> Metric:
    """The reported figure of a result whose directory scenario is ``directory`` (canonical spelling)."""
    scenario = log.scenario
    label = official_unit(rulebook, bench, directory)
    if scenario is None:
        return Metric(None, None, label, "effective_scenario", None, problem="the log has no effective_scenario")
    run_scenario = rulebook.performance.run_scenario(directory)
    inferred = scenario != run_scenario and rulebook.performance.inference.allows(directory, scenario)
    problem = None
    if inferred:
        key, value, problem = _inferred(log, rulebook, directory, scenario)
        kind = "latency" if directory in LATENCY_SCENARIOS else "samples"
    else:
        key, value = _native(log, rulebook, bench, scenario)
        kind = field_kind(key) if key else "samples"
    if value is None and problem is None:
        problem = f"{key or 'the headline metric'} is missing or not a number"
    return Metric(value=value, unit=correct_unit(rulebook, bench, directory, kind) if value is not None else None,
                  official_unit=label, key=key, effective_scenario=scenario, inferred=inferred, problem=problem,
                  line=log.line(key) if key else None)


def result_metric(ctx: ResultContext) -> Metric | None:
    """The metric of the result in ``ctx`` (None when it has no usable performance log or scenario)."""
    log = ctx.perf_log
    if log is None or ctx.scenario is None:
        return None
    return compute_metric(log, ctx.rulebook, ctx.benchmark, ctx.scenario)


@annotator
def performance_metric(ctx: ResultContext) -> None:
    """Fill `metric` ({"value", "unit"}), `official_unit`, `inferred` and `effective_scenario`."""
    metric = result_metric(ctx)
    if metric is None:
        return
    out: dict[str, Any] = ctx.outcome
    out["effective_scenario"] = metric.effective_scenario
    out["inferred"] = metric.inferred
    out["official_unit"] = metric.official_unit
    if metric.value is not None:
        out["metric"] = {"value": metric.value, "unit": metric.unit}
