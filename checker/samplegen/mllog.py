"""`mlperf_log_detail.txt`: one `:::MLLOG {json}` record per line, in LoadGen's order.

Source files and line numbers are those of LoadGen 6.0 (`version.cc`, `loadgen.cc`,
`test_settings_internal.cc`, `results.cc`, `logging.cc`); requested_*, effective_* and result_*
records appear in the order of their source lines, as LoadGen writes them.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from checker.samplegen.loadgen import RunSpec

AUDIT_WARNING = "Found Audit Config file (audit.config). Overriding TestSettings from audit.config file."
_HEADER = {"loadgen_version": 53, "loadgen_build_date_local": 55, "loadgen_build_date_utc": 56,
           "loadgen_git_commit_date": 57, "loadgen_git_log_message": 58, "loadgen_git_status_message": 60,
           "loadgen_file_sha1": 67}
_QSL = {"test_datetime": 1211, "sut_name": 1212, "get_sut_name_duration_ns": 1213, "qsl_name": 1214,
        "qsl_reported_total_count": 1215, "qsl_reported_performance_count": 1216}
_SETTINGS = {
    "requested_scenario": 278, "requested_test_mode": 279,
    "requested_single_stream_expected_latency_ns": 284, "requested_single_stream_target_latency_percentile": 286,
    "requested_multi_stream_expected_latency_ns": 290, "requested_multi_stream_target_latency_percentile": 292,
    "requested_multi_stream_samples_per_query": 294, "requested_server_target_qps": 298,
    "requested_server_target_latency_ns": 299, "requested_server_target_latency_percentile": 301,
    "requested_server_coalesce_queries": 303, "requested_server_find_peak_qps_decimals_of_precision": 305,
    "requested_server_find_peak_qps_boundary_step_size": 308, "requested_server_max_async_queries": 310,
    "requested_server_num_issue_query_threads": 312, "requested_offline_expected_qps": 316,
    "requested_min_duration_ms": 322, "requested_max_duration_ms": 323, "requested_min_query_count": 324,
    "requested_max_query_count": 325, "requested_qsl_rng_seed": 326, "requested_sample_index_rng_seed": 327,
    "requested_schedule_rng_seed": 329, "requested_accuracy_log_rng_seed": 330,
    "requested_accuracy_log_probability": 332, "requested_accuracy_log_sampling_target": 334,
    "requested_print_timestamps": 336, "requested_performance_issue_unique": 337,
    "requested_performance_issue_same": 339, "requested_performance_issue_same_index": 341,
    "requested_performance_sample_count_override": 343, "requested_accuracy_sample_count_override": 345,
    "requested_sample_concatenate_permutation": 347, "requested_use_token_latencies": 351,
    "requested_server_ttft_latency": 354, "requested_server_tpot_latency": 356,
    "effective_scenario": 428, "effective_test_mode": 429, "effective_samples_per_query": 431,
    "effective_target_qps": 432, "effective_target_latency_ns": 433, "effective_target_latency_percentile": 434,
    "effective_max_async_queries": 436, "effective_target_duration_ms": 437, "effective_min_duration_ms": 439,
    "effective_max_duration_ms": 440, "effective_min_query_count": 441, "effective_max_query_count": 442,
    "effective_min_sample_count": 443, "effective_qsl_rng_seed": 444, "effective_sample_index_rng_seed": 445,
    "effective_schedule_rng_seed": 447, "effective_accuracy_log_rng_seed": 448,
    "effective_accuracy_log_probability": 450, "effective_accuracy_log_sampling_target": 452,
    "effective_print_timestamps": 454, "effective_performance_issue_unique": 455,
    "effective_performance_issue_same": 457, "effective_performance_issue_same_index": 459,
    "effective_performance_sample_count": 461, "effective_accuracy_sample_count": 463,
    "effective_sample_concatenate_permutation": 465}
_RESULTS = {
    "result_validity": 674, "result_perf_constraints_met": 677, "result_min_duration_met": 679,
    "result_min_queries_met": 680, "early_stopping_met": 681, "result_invalid_reason": 695,
    "early_stopping_result": 700, "early_stopping_ttft_result": 706, "early_stopping_tpot_result": 708,
    "result_query_count": 712, "result_overlatency_query_count": 714, "result_min_query_latency_ns": 719,
    "result_max_query_latency_ns": 720, "result_mean_query_latency_ns": 721,
    "result_qps_with_loadgen_overhead": 735, "result_qps_without_loadgen_overhead": 736,
    "early_stopping_latency_ss": 737, "early_stopping_latency_ms": 739, "result_scheduled_samples_per_sec": 760,
    "result_completed_samples_per_sec": 763, "result_samples_per_second": 768, "result_min_latency_ns": 774,
    "result_max_latency_ns": 775, "result_mean_latency_ns": 776, "result_first_token_min_latency_ns": 786,
    "result_first_token_max_latency_ns": 788, "result_first_token_mean_latency_ns": 790,
    "result_token_throughput_with_loadgen_overhead": 801, "result_token_throughput": 803,
    "result_time_to_output_token_min": 810, "result_time_to_output_token_max": 812,
    "result_time_to_output_token_mean": 814, "result_completed_tokens_per_second": 818,
    "result_tokens_per_second": 822, "num_errors": 852}
_RESULT_PATTERNS = ((re.compile(r"result_[\d.]+_percentile_per_query_latency_ns"), 724),
                    (re.compile(r"result_[\d.]+_percentile_latency_ns"), 778),
                    (re.compile(r"result_first_token_[\d.]+_percentile_latency_ns"), 793),
                    (re.compile(r"result_time_per_output_token_[\d.]+_percentile_ns"), 805))
_LOADGEN_FILES = ("/early_stopping.cc", "/loadgen.cc", "/logging.cc", "/mlperf.conf", "/results.cc",
                  "/test_settings_internal.cc")


@dataclass(frozen=True)
class Record:
    """One `:::MLLOG` record."""

    key: str
    value: Any
    time_ms: float
    file: str
    line: int
    warning: bool = False


def _digest(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


def spread(n: int, k: int, key: str) -> list[int]:
    """`k` distinct sample indices below `n`, scattered in a deterministic order (cheap for large n)."""
    value = int(key[:12], 16)
    step = value % max(1, n - 1) + 1
    while math.gcd(step, n) != 1:
        step += 1
    return [(value + i * step) % n for i in range(min(k, n))]


def _result_line(key: str) -> int:
    if key in _RESULTS:
        return _RESULTS[key]
    for pattern, line in _RESULT_PATTERNS:
        if pattern.fullmatch(key):
            return line
    raise ValueError(f"not a LoadGen result key: {key}")


def run_start(run: RunSpec) -> datetime:
    """When the run started: in the month the round's runs are made, a few days apart per run."""
    major, minor = run.version
    offset = int(_digest(run.round_, run.label)[:6], 16) % (14 * 24 * 60)
    return datetime(2020 + major, 1 if minor == 0 else 7, 10, 8) + timedelta(minutes=offset)


def header_values(run: RunSpec) -> dict[str, Any]:
    """LoadGen's version block: `<release>.<patch> @ <commit>` and a build a few days before the run."""
    major, minor = run.version
    commit = _digest("loadgen", run.round_)
    release = run.loadgen_release if run.loadgen_release.count(".") > 1 else \
        f"{run.loadgen_release}.{int(commit[:2], 16) % 12}"
    built = run_start(run) - timedelta(days=2, seconds=int(commit[:4], 16))
    log = f"{_digest(commit, 'parent')} Update v{major}.{minor} submission tooling (#2398)"
    return {"loadgen_version": f"{release} @ {commit[:10]}",
            "loadgen_build_date_local": built.isoformat(timespec="microseconds"),
            "loadgen_build_date_utc": built.isoformat(timespec="microseconds"),
            "loadgen_git_commit_date": (built - timedelta(days=3)).isoformat(timespec="seconds") + "-06:00",
            "loadgen_git_log_message": f"{commit} Update v{major}.{minor} benchmark table (#2399)\n{log}",
            "loadgen_git_status_message": "",
            "loadgen_file_sha1": {name: _digest(run.round_, name) for name in _LOADGEN_FILES}}


def records(run: RunSpec, values: Mapping[str, Any]) -> list[Record]:
    """Every record of the run's detail log, in LoadGen's order."""
    start = run_start(run)
    wanted = values
    out = [Record(k, v, 0.006359, "version.cc", line) for (k, line), v in
           zip(_HEADER.items(), header_values(run).values(), strict=True)]
    qsl = {"test_datetime": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "sut_name": run.sut_name,
           "get_sut_name_duration_ns": 300 + int(_digest(run.label)[:2], 16), "qsl_name": "PyQSL",
           "qsl_reported_total_count": wanted["qsl_reported_total_count"],
           "qsl_reported_performance_count": wanted["qsl_reported_performance_count"]}
    out += [Record(k, qsl[k], 0.018701, "loadgen.cc", line) for k, line in _QSL.items()]
    if run.audit is not None:
        out.append(Record("warning_generic_message", AUDIT_WARNING, 0.032402, "loadgen.cc", 1235, warning=True))
    for prefix, t in (("requested_", 0.067581), ("effective_", 0.069008)):
        keys = sorted((k for k in wanted if k.startswith(prefix)), key=_SETTINGS.__getitem__)
        out += [Record(k, wanted[k], t, "test_settings_internal.cc", _SETTINGS[k]) for k in keys]
    out += _run_records(run, wanted)
    return out


def _run_records(run: RunSpec, values: Mapping[str, Any]) -> list[Record]:
    """From "Starting ... mode" to the end of the log."""
    rate = max(run.sample_rate, 1e-3) if run.scenario not in ("SingleStream", "MultiStream") else 1e9 / run.metric
    count = run.performance_sample_count if run.performance else run.accuracy_sample_count
    duration_ms = values["effective_min_duration_ms"] * 1.03 + 1500 if run.performance else count / rate * 1000 + 800
    loaded = spread(run.dataset_size, min(count, run.performance_sample_count, 256), _digest(run.round_, run.label, "qsl"))
    spq = values["effective_samples_per_query"]
    queries = 1 if run.scenario == "Offline" else max(1, count // spq)
    mode = "performance" if run.performance else "accuracy"
    out = [Record("generic_message", f"Starting {mode} mode", 0.08426, "loadgen.cc", 848 if run.performance else 1101),
           Record("loaded_qsl_set", loaded, 15.882, "loadgen.cc", 608),
           Record("generated_query_count", queries, 16.89, "loadgen.cc", 427),
           Record("generated_samples_per_query", spq, 16.89, "loadgen.cc", 428),
           Record("generated_query_duration", int(duration_ms * 1e6), 16.89, "loadgen.cc", 429)]
    if run.performance:
        out.append(Record("generic_message", "Ending naturally: Minimum query count and test duration met.",
                          duration_ms, "issue_query_controller.cc", 482))
    logger = ("swap_request_slots_retry_count", "swap_request_slots_retry_retry_count",
              "swap_request_slots_retry_reencounter_count", "start_reading_entries_retry_count",
              "tls_total_log_cas_fail_count", "tls_total_swap_buffers_slot_retry_count")
    out += [Record(f"logger_{name}", 0, duration_ms + 310.5, "logging.cc", 902 + 2 * n) for n, name in enumerate(logger)]
    begin = run_start(run) + timedelta(milliseconds=10)
    for key, when, line in (("power_begin", begin, 562),
                            ("power_end", begin + timedelta(milliseconds=duration_ms), 564)):
        out.append(Record(key, when.strftime("%m-%d-%Y %H:%M:%S.") + f"{when.microsecond // 1000:03d}",
                          duration_ms + 310.6, "loadgen.cc", line))
    keys = sorted((k for k in values if k.startswith(("result_", "early_stopping_")) or k == "num_errors"),
                  key=_result_line)
    out += [Record(k, values[k], duration_ms + 3324.8, "results.cc", _result_line(k)) for k in keys]
    return out


_PLAIN = re.compile(r'[^"\\\x00-\x1f\x7f-\uffff]*')


def _json(value: Any) -> str:
    """A value as JSON (compact containers, as LoadGen writes them)."""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and _PLAIN.fullmatch(value):
        return f'"{value}"'
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return json.dumps(value)


def render(records_: list[Record], run: RunSpec) -> str:
    """The detail log text: one `:::MLLOG` line per record."""
    pid = 1000 + int(_digest(run.round_, run.label, "pid")[:4], 16) % 60000
    tail = f', "pid": {pid}, "tid": {pid}}}}}\n'
    return "".join(
        f':::MLLOG {{"key": "{rec.key}", "value": {_json(rec.value)}, "time_ms": {rec.time_ms:.6f}, '
        f'"namespace": "mlperf::logging", "event_type": "POINT_IN_TIME", "metadata": {{"is_error": false, '
        f'"is_warning": {"true" if rec.warning else "false"}, "file": "{rec.file}", "line_no": {rec.line}{tail}'
        for rec in records_)
