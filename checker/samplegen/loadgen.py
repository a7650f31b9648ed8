"""The values LoadGen logs for one run (settings and results), computed so that they are consistent.

`run_values` computes the requested/effective settings, applies the overrides, derives the results from
the (possibly overridden) settings, then applies the overrides again. The detail log (`mllog`) and the
summary log (`summary`) are both rendered from these values, so the two always agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.model import LATENCY_SCENARIOS

PERCENTILES = ("50.00", "90.00", "95.00", "97.00", "99.00", "99.90")
_SCALE = dict(zip(PERCENTILES, (0.99, 1.04, 1.05, 1.055, 1.07, 1.1), strict=True))
#: LoadGen releases that started logging a key (LoadGen's behaviour, not a round rule).
_LOGGED_SINCE = {"num_errors": (5, 1), "requested_accuracy_sample_count_override": (6, 0),
                 "effective_accuracy_sample_count": (6, 0)}


@dataclass(frozen=True)
class RunSpec:
    """One LoadGen run of round `round_`, made with LoadGen `loadgen_release` (e.g. "6.0").

    `scenario` is LoadGen's scenario (an Interactive result is a Server run). `metric_field` is the
    LoadGen key holding the headline figure and `metric` its value in LoadGen's unit (per second, or
    nanoseconds for latencies). `token_latencies` turns on TTFT/TPOT reporting; `ttft_ns`/`tpot_ns`
    are the requested limits. `target_latency_ns` is the Server latency target of other models.
    `audit` holds the settings of a compliance test's audit.config, by LoadGen setting name
    (`accuracy_log_sampling_target`, `min_duration_ms`...); LoadGen then logs its warning.
    `label` only varies pids and timestamps between runs, deterministically.
    """

    round_: str
    loadgen_release: str
    scenario: str
    metric_field: str
    metric: float
    seeds: Mapping[str, int]
    min_duration_ms: int
    dataset_size: int
    performance_sample_count: int
    accuracy_sample_count: int
    mode: str = "PerformanceOnly"
    offline_min_samples_per_query: int = 1
    equal_issue: bool = False
    target_latency_ns: int = 0
    token_latencies: bool = False
    ttft_ns: int = 0
    tpot_ns: int = 0
    tokens_per_sample: float = 1.0
    sut_name: str = "PySUT"
    label: str = ""
    audit: Mapping[str, Any] | None = None
    overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> tuple[int, int]:
        """(major, minor) of the LoadGen release used."""
        major, minor = self.loadgen_release.split(".")[:2]
        return int(major), int(minor)

    @property
    def performance(self) -> bool:
        """True for a PerformanceOnly run, False for an AccuracyOnly run."""
        return self.mode == "PerformanceOnly"

    @property
    def sample_rate(self) -> float:
        """Samples per second of a throughput run (a token metric is divided by tokens_per_sample)."""
        return self.metric / self.tokens_per_sample if "token" in self.metric_field else self.metric


def g6(value: float) -> float | int:
    """A number as LoadGen prints a double: 6 significant digits, integral values without a dot."""
    out = float(f"{value:.6g}")
    return int(out) if out.is_integer() and abs(out) < 1e15 else out


def metric_value(key: str, value: float) -> float | int:
    """A metric as LoadGen logs it: nanosecond latencies are integers, rates are doubles."""
    return int(round(value)) if key.endswith("_ns") or key.startswith("early_stopping_latency") else g6(value)


def run_values(run: RunSpec) -> dict[str, Any]:
    """Every value LoadGen logs for `run`, keyed by LoadGen key, overrides applied."""
    values = _settings(run)
    values.update(run.overrides)
    if run.performance:
        values.update(_results(run, values))
        values.update(run.overrides)
    version = run.version
    return {k: v for k, v in values.items() if k not in _LOGGED_SINCE or version >= _LOGGED_SINCE[k]}


def _scenario_settings(run: RunSpec, min_duration_ms: int) -> tuple[dict[str, Any], float, int, int, float]:
    """Scenario-specific requested_* keys, and target QPS, samples per query, min queries, percentile."""
    sc = run.scenario
    if sc in LATENCY_SCENARIOS:
        expected = max(1000, int(round(run.metric, -3)))
        name = "single_stream" if sc == "SingleStream" else "multi_stream"
        percentile = 0.9 if sc == "SingleStream" else 0.99
        keys = {f"requested_{name}_expected_latency_ns": expected,
                f"requested_{name}_target_latency_percentile": percentile}
        if sc == "MultiStream":
            keys["requested_multi_stream_samples_per_query"] = 8
            return keys, g6(1e9 / expected), 8, 662, percentile
        return keys, g6(1e9 / expected), 1, 100, percentile
    if sc == "Server":
        qps = g6(run.sample_rate * 1.004)
        keys = {"requested_server_target_qps": qps, "requested_server_target_latency_ns": run.target_latency_ns,
                "requested_server_target_latency_percentile": 0.99, "requested_server_coalesce_queries": False,
                "requested_server_find_peak_qps_decimals_of_precision": 1,
                "requested_server_find_peak_qps_boundary_step_size": 1, "requested_server_max_async_queries": 0,
                "requested_server_num_issue_query_threads": 0}
        return keys, qps, 1, 100, 0.99
    qps = g6(run.sample_rate * 1.01)
    if run.performance:
        spq = max(run.offline_min_samples_per_query, math.ceil(qps * min_duration_ms / 1000 * 1.1))
    else:
        spq = run.accuracy_sample_count
    return {"requested_offline_expected_qps": qps}, qps, spq, run.offline_min_samples_per_query, 0.99


def _settings(run: RunSpec) -> dict[str, Any]:
    """The qsl_* counts and every requested_* / effective_* setting of the run.

    `run.audit` maps LoadGen setting names (as in `effective_<name>`) to the values a compliance
    test's audit.config forces; they replace both the requested and the effective value.
    """
    audit = dict(run.audit or {})
    min_duration = audit.get("min_duration_ms", run.min_duration_ms)
    scenario_keys, qps, spq, min_queries, percentile = _scenario_settings(run, min_duration)
    min_queries = audit.get("min_query_count", min_queries)
    common = {"accuracy_log_rng_seed": 0, "accuracy_log_probability": 0, "accuracy_log_sampling_target": 0,
              "print_timestamps": False, "performance_issue_unique": False, "performance_issue_same": False,
              "performance_issue_same_index": 0}
    v: dict[str, Any] = {"qsl_reported_total_count": run.dataset_size,
                         "qsl_reported_performance_count": run.performance_sample_count,
                         "requested_scenario": run.scenario, "requested_test_mode": run.mode, **scenario_keys,
                         "requested_min_duration_ms": min_duration, "requested_max_duration_ms": 0,
                         "requested_min_query_count": min_queries, "requested_max_query_count": 0}
    v |= {f"requested_{name}": seed for name, seed in run.seeds.items()}
    v |= {f"requested_{name}": value for name, value in common.items()}
    v |= {"requested_performance_sample_count_override": run.performance_sample_count,
          "requested_accuracy_sample_count_override": 0,
          "requested_sample_concatenate_permutation": run.equal_issue}
    if run.token_latencies:
        v["requested_use_token_latencies"] = True
        if run.scenario == "Server":
            v |= {"requested_server_ttft_latency": run.ttft_ns, "requested_server_tpot_latency": run.tpot_ns}
    offline = run.scenario == "Offline"
    effective_queries = 1 if offline else min_queries
    v |= {"effective_scenario": run.scenario, "effective_test_mode": run.mode, "effective_samples_per_query": spq,
          "effective_target_qps": qps, "effective_target_latency_ns": run.target_latency_ns,
          "effective_target_latency_percentile": percentile,
          "effective_max_async_queries": 0 if run.scenario == "Server" else 1,
          "effective_target_duration_ms": 0 if offline else min_duration,
          "effective_min_duration_ms": min_duration, "effective_max_duration_ms": 0,
          "effective_min_query_count": effective_queries, "effective_max_query_count": 0,
          "effective_min_sample_count": spq if offline else effective_queries * spq}
    v |= {f"effective_{name}": seed for name, seed in run.seeds.items()}
    v |= {f"effective_{name}": value for name, value in common.items()}
    v |= {"effective_performance_sample_count": run.performance_sample_count,
          "effective_accuracy_sample_count": run.accuracy_sample_count,
          "effective_sample_concatenate_permutation": run.equal_issue}
    for name, value in audit.items():
        for key in (f"requested_{name}", f"effective_{name}"):
            if key in v and name != "min_query_count":
                v[key] = value
    return v


def _latencies(prefix: str, base: float, low: float, high: float) -> dict[str, int]:
    """min/max/mean and percentile latencies around `base` ns, named `<prefix>_..._latency_ns`."""
    out = {f"{prefix}_min_latency_ns": int(base * low), f"{prefix}_max_latency_ns": int(base * high),
           f"{prefix}_mean_latency_ns": int(base)}
    out |= {f"{prefix}_{p}_percentile_latency_ns": int(base * _SCALE[p]) for p in PERCENTILES}
    return out


def early_stopping_text(queries: int, minimum: int, percentile: float, estimate: int | None,
                        estimate_99: int) -> str:
    """LoadGen's early-stopping report as logged: ` * ` items on one line, separated by a space."""
    discard = int(queries * (1 - percentile) * 0.995)
    items = [f" * Processed at least {minimum} queries ({queries}).", f" * Would discard {discard} highest latency queries."]
    if estimate is not None:
        items.append(f" * Early stopping {percentile * 100:.1f}th percentile estimate: {estimate}")
    items.append(f" * Early stopping 99.0th percentile estimate: {estimate_99}")
    return " ".join(items)


def _results(run: RunSpec, v: Mapping[str, Any]) -> dict[str, Any]:
    """The result_* values of a performance run, derived from the settings in `v`."""
    sc = run.scenario
    duration_s = v["effective_min_duration_ms"] / 1000 * 1.03 + 2
    r: dict[str, Any] = {"result_validity": "VALID", "result_min_duration_met": True,
                         "result_min_queries_met": True, "early_stopping_met": True}
    if sc == "Server":
        r["result_perf_constraints_met"] = True
    if run.token_latencies:
        done = "" if sc == "Offline" else " * Run successful."
        r |= {"early_stopping_ttft_result": done, "early_stopping_tpot_result": done}
    if sc in LATENCY_SCENARIOS:
        r |= _latency_results(run, v, duration_s)
    elif sc == "Server":
        rate = run.sample_rate
        r |= {"result_query_count": int(rate * duration_s), "result_overlatency_query_count": 0,
              "result_scheduled_samples_per_sec": g6(rate * 1.004), "result_completed_samples_per_sec": g6(rate)}
        typical = v["effective_target_latency_ns"] * 0.5 or run.tokens_per_sample * run.tpot_ns * 0.6
        r |= _latencies("result", typical, 0.2, 1.6)
    else:
        rate = run.sample_rate
        r |= {"result_query_count": 1, "result_samples_per_second": g6(rate)}
        r |= _latencies("result", v["effective_samples_per_query"] / rate * 1e9 * 0.48, 0.001, 2.05)
    if not run.token_latencies:
        r.setdefault("early_stopping_result", " * Run successful." if sc == "Server" else "")
    elif sc == "Offline":
        r["result_tokens_per_second"] = g6(run.sample_rate * run.tokens_per_sample)
    else:
        r |= _token_results(run, v, duration_s)
    r[run.metric_field] = metric_value(run.metric_field, run.metric)
    r["num_errors"] = 0
    return r


def _latency_results(run: RunSpec, v: Mapping[str, Any], duration_s: float) -> dict[str, Any]:
    """SingleStream/MultiStream results: the headline is an early-stopping latency estimate."""
    single = run.scenario == "SingleStream"
    headline = int(round(run.metric))
    base = run.metric / (1.0401 if single else 1.0701)
    queries = max(v["effective_min_query_count"], int(duration_s * 1e9 / base))
    r: dict[str, Any] = {"result_query_count": queries}
    if single:
        estimate_99 = int(base * _SCALE["99.00"] * 1.0003)
        r["early_stopping_result"] = early_stopping_text(queries, 64, 0.9, headline, estimate_99)
        r |= {"result_qps_with_loadgen_overhead": g6(1e9 / base * 0.975),
              "result_qps_without_loadgen_overhead": g6(1e9 / base),
              "early_stopping_latency_ss": headline, "early_stopping_latency_ms": estimate_99}
        return r | _latencies("result", base, 0.92, 2.6)
    r["early_stopping_result"] = early_stopping_text(queries, 662, 0.99, None, headline)
    r |= {"result_min_query_latency_ns": int(base * 0.94), "result_max_query_latency_ns": int(base * 5.4),
          "result_mean_query_latency_ns": int(base)}
    r |= {f"result_{p}_percentile_per_query_latency_ns": int(base * _SCALE[p]) for p in PERCENTILES}
    r["early_stopping_latency_ms"] = headline
    return r | _latencies("result", base * 0.975, 0.9, 5.4)


def _token_results(run: RunSpec, v: Mapping[str, Any], duration_s: float) -> dict[str, Any]:
    """TTFT/TPOT statistics of a Server run, below the requested limits in `v`."""
    ttft = v.get("requested_server_ttft_latency", run.ttft_ns) * 0.72 / _SCALE["99.00"]
    tpot = v.get("requested_server_tpot_latency", run.tpot_ns) * 0.8 / _SCALE["99.00"]
    tokens = run.sample_rate * run.tokens_per_sample
    r: dict[str, Any] = _latencies("result_first_token", ttft, 0.1, 1.4)
    r |= {"result_token_throughput_with_loadgen_overhead": g6(tokens * 1.01),
          "result_token_throughput": g6(1 / (tokens * duration_s))}
    r |= {f"result_time_per_output_token_{p}_percentile_ns": int(tpot * _SCALE[p]) for p in PERCENTILES}
    r |= {"result_time_to_output_token_min": int(tpot * 0.2), "result_time_to_output_token_max": int(tpot * 1.5),
          "result_time_to_output_token_mean": int(tpot * 0.97),
          "result_completed_tokens_per_second": g6(tokens)}
    return r
