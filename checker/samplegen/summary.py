"""`mlperf_log_summary.txt`, rendered from the same values as the detail log (see `loadgen`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.samplegen.loadgen import PERCENTILES, RunSpec
from checker.samplegen.mllog import Record

RULE = "=" * 48


def _yes(flag: Any) -> str:
    return "Yes" if flag else "NO"


def _items(text: str) -> list[str]:
    """LoadGen's one-line ` * a.  * b` report as the summary prints it, one item per line."""
    return [" * " + part.strip() for part in str(text).split(" * ") if part.strip()]


def _headline(run: RunSpec, v: Mapping[str, Any]) -> list[str]:
    sc = run.scenario
    if sc == "SingleStream":
        return [f"90.0th percentile latency (ns) : {v['result_90.00_percentile_latency_ns']}"]
    if sc == "MultiStream":
        return [f"99.0th percentile latency (ns) : {v['result_99.00_percentile_per_query_latency_ns']}"]
    if sc == "Server":
        lines = [f"Completed samples per second    : {v['result_completed_samples_per_sec']:.2f}"]
        if run.token_latencies:
            lines.append(f"Completed tokens per second: {v['result_completed_tokens_per_second']:.2f}")
        return lines
    lines = [f"Samples per second: {v['result_samples_per_second']}"]
    if run.token_latencies:
        lines.append(f"Tokens per second: {v['result_tokens_per_second']}")
    return lines


def _validity(run: RunSpec, v: Mapping[str, Any]) -> list[str]:
    lines = [f"Result is : {v['result_validity']}"]
    if run.scenario == "Server":
        lines.append(f"  Performance constraints satisfied : {_yes(v['result_perf_constraints_met'])}")
    lines += [f"  Min duration satisfied : {_yes(v['result_min_duration_met'])}",
              f"  Min queries satisfied : {_yes(v['result_min_queries_met'])}",
              f"  Early stopping satisfied: {_yes(v['early_stopping_met'])}"]
    if v["result_validity"] != "VALID":
        lines.append("Recommendations:")
        if v.get("result_invalid_reason"):
            lines.append(" * " + str(v["result_invalid_reason"]).strip())
    if run.token_latencies and run.scenario != "Offline":
        lines += ["TTFT Early Stopping Result:", *_items(v["early_stopping_ttft_result"]),
                  "TPOT Early Stopping Result:", *_items(v["early_stopping_tpot_result"])]
    elif run.scenario in ("SingleStream", "MultiStream"):
        lines += ["Early Stopping Result:", *_items(v["early_stopping_result"])]
    return lines


def _stats(run: RunSpec, v: Mapping[str, Any]) -> list[str]:
    sc = run.scenario
    lines: list[str] = []
    if sc == "SingleStream":
        lines += [f"QPS w/ loadgen overhead         : {v['result_qps_with_loadgen_overhead']:.2f}",
                  f"QPS w/o loadgen overhead        : {v['result_qps_without_loadgen_overhead']:.2f}", ""]
    elif sc == "MultiStream":
        lines += ["Per-query latency:  ", f"Min latency (ns)                : {v['result_min_query_latency_ns']}",
                  f"Max latency (ns)                : {v['result_max_query_latency_ns']}",
                  f"Mean latency (ns)               : {v['result_mean_query_latency_ns']}"]
        lines += [f"{p} percentile latency (ns)   : {v[f'result_{p}_percentile_per_query_latency_ns']}"
                  for p in PERCENTILES]
        lines += ["", "Per-sample latency:"]
    elif sc == "Server":
        lines.append(f"Scheduled samples per second : {v['result_scheduled_samples_per_sec']:.2f}")
    lines += [f"Min latency (ns)                : {v['result_min_latency_ns']}",
              f"Max latency (ns)                : {v['result_max_latency_ns']}",
              f"Mean latency (ns)               : {v['result_mean_latency_ns']}"]
    lines += [f"{p} percentile latency (ns)   : {v[f'result_{p}_percentile_latency_ns']}" for p in PERCENTILES]
    if run.token_latencies and sc == "Server":
        lines += ["", f"Completed tokens per second                 : {v['result_completed_tokens_per_second']:.2f}",
                  f"Min First Token latency (ns)                : {v['result_first_token_min_latency_ns']}",
                  f"Max First Token latency (ns)                : {v['result_first_token_max_latency_ns']}",
                  f"Mean First Token latency (ns)               : {v['result_first_token_mean_latency_ns']}"]
        lines += [f"{p} percentile first token latency (ns)   : {v[f'result_first_token_{p}_percentile_latency_ns']}"
                  for p in PERCENTILES]
        lines += ["", f"Min Time to Output Token (ns)                : {v['result_time_to_output_token_min']}",
                  f"Max Time to Output Token (ns)                : {v['result_time_to_output_token_max']}",
                  f"Mean Time to Output Token (ns)               : {v['result_time_to_output_token_mean']}"]
        lines += [f"{p} percentile time to output token (ns)   : {v[f'result_time_per_output_token_{p}_percentile_ns']}"
                  for p in PERCENTILES]
    return lines


def _parameters(run: RunSpec, v: Mapping[str, Any]) -> list[str]:
    e = {k.removeprefix("effective_"): val for k, val in v.items() if k.startswith("effective_")}
    lines = [f"samples_per_query : {e['samples_per_query']}", f"target_qps : {e['target_qps']}"]
    if run.token_latencies:
        lines += [f"ttft_latency (ns): {v.get('requested_server_ttft_latency', run.ttft_ns)}",
                  f"tpot_latency (ns): {v.get('requested_server_tpot_latency', run.tpot_ns)}"]
    else:
        lines.append(f"target_latency (ns): {e['target_latency_ns']}")
    lines += [f"max_async_queries : {e['max_async_queries']}", f"min_duration (ms): {e['min_duration_ms']}",
              f"max_duration (ms): {e['max_duration_ms']}", f"min_query_count : {e['min_query_count']}",
              f"max_query_count : {e['max_query_count']}"]
    lines += [f"{name} : {e[name]}" for name in ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed",
                                                  "accuracy_log_rng_seed", "accuracy_log_probability",
                                                  "accuracy_log_sampling_target")]
    lines += [f"print_timestamps : {int(e['print_timestamps'])}",
              f"performance_issue_unique : {int(e['performance_issue_unique'])}",
              f"performance_issue_same : {int(e['performance_issue_same'])}",
              f"performance_issue_same_index : {e['performance_issue_same_index']}",
              f"performance_sample_count : {e['performance_sample_count']}"]
    if "accuracy_sample_count" in e:
        lines.append(f"accuracy_sample_count : {e['accuracy_sample_count']}")
    if e["sample_concatenate_permutation"]:
        lines += ["WARNING: sample_concatenate_permutation was set to true. ",
                  "Generated samples per query might be different as the one in the setting.",
                  "Check the generated_samples_per_query line in the detailed log for the real",
                  "samples_per_query value"]
    return lines


def _counts(records: list[Record]) -> list[str]:
    warnings = sum(rec.warning for rec in records)
    plural = "s" if warnings > 1 else ""
    return ["", f"{warnings} warning{plural} encountered. See detailed log." if warnings
            else "No warnings encountered during test.", "", "No errors encountered during test."]


def render(run: RunSpec, values: Mapping[str, Any], records: list[Record]) -> str:
    """The summary text; an accuracy run's summary only has the warning and error counts."""
    if not run.performance:
        return "\n".join(_counts(records)) + "\n"
    lines = [RULE, "MLPerf Results Summary", RULE, f"SUT name : {run.sut_name}",
             f"Scenario : {run.scenario}", f"Mode     : {run.mode}"]
    lines += _headline(run, values) + _validity(run, values)
    lines += ["", RULE, "Additional Stats", RULE] + _stats(run, values)
    lines += ["", RULE, "Test Parameters Used", RULE] + _parameters(run, values) + _counts(records)
    return "\n".join(lines) + "\n"
