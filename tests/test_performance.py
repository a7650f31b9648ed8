"""Cases for the LoadGen performance rules (PERF001-PERF019), the metric and judge_performance_log."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from checker.checks.performance import audit_config_line, judge_performance_log
from checker.context import FileCache, Options, ResultContext
from checker.discovery import discover
from checker.metric import compute_metric
from checker.parsers.loadgen import parse_detail_log
from checker.rulebook import load_rulebook
from tests.rulecase import RuleCase, case_id, run_case, run_on
from tests.treeedit import add_log_record, drop_log_key, edit_json, set_log_value, set_summary_value

V6 = "closed/Acme/results"
LLM = f"{V6}/acme_x8_dc/llama3.1-8b"
EDGE = f"{V6}/acme_e1_edge/resnet50"
V5 = "closed/Acme/results/acme_x8_dc"
RUN = "performance/run_1"
DETAIL = f"{RUN}/mlperf_log_detail.txt"
SUMMARY = f"{RUN}/mlperf_log_summary.txt"
AUDIT = "Found Audit Config file (audit.config). Overriding TestSettings from audit.config file."


def detail(result: str, key: str, value: object):
    """A mutation setting one key of a result's performance detail log."""
    def mutate(tree: Path) -> None:
        set_log_value(tree / result / DETAIL, key, value)
    mutate.__name__ = f"{result.rsplit('/', 2)[-2]}-{result.rsplit('/', 1)[-1]}-{key}={value}"
    return mutate


def loadgen_error_record(tree: Path) -> None:
    add_log_record(tree / EDGE / "Offline" / DETAIL, "error_runtime", "Issue query timed out", error=True,
                   after="effective_scenario")


def invalid_with_reason(tree: Path) -> None:
    log = tree / EDGE / "Offline" / DETAIL
    set_log_value(log, "result_validity", "INVALID")
    set_log_value(log, "result_min_duration_met", False)
    add_log_record(log, "result_invalid_reason", "Reduce expected QPS so the run meets the min duration",
                   after="result_validity")


def token_early_stopping_failed(tree: Path) -> None:
    log = tree / LLM / "Server" / DETAIL
    set_log_value(log, "early_stopping_met", False)
    set_log_value(log, "early_stopping_ttft_result", " * Only processed 80 queries; 99 more needed.")


def tpot_missing(tree: Path) -> None:
    drop_log_key(tree / LLM / "Server" / DETAIL, "result_time_per_output_token_99.00_percentile_ns")


def no_concat_key(tree: Path) -> None:
    drop_log_key(tree / V5 / "llama2-70b-99/Offline" / DETAIL, "effective_sample_concatenate_permutation")


def no_concat_key_conf_enables(tree: Path) -> None:
    no_concat_key(tree)
    conf = tree / "closed/Acme/measurements/acme_x8_dc/llama2-70b-99/Offline/user.conf"
    conf.write_text(conf.read_text() + "\nllama2-70b.*.sample_concatenate_permutation = 1\n")


def summary_validity(tree: Path) -> None:
    set_summary_value(tree / EDGE / "Offline" / SUMMARY, "Result is", "INVALID")


def summary_rate(tree: Path) -> None:
    set_summary_value(tree / EDGE / "Offline" / SUMMARY, "Samples per second", "99999.99")


def summary_seed(tree: Path) -> None:
    set_summary_value(tree / LLM / "Server" / SUMMARY, "schedule_rng_seed", "12345")


def audit_in_perf_log(tree: Path) -> None:
    add_log_record(tree / EDGE / "Offline" / DETAIL, "warning_generic_message", AUDIT, warning=True,
                   after="qsl_reported_performance_count")


def audit_in_accuracy_log(tree: Path) -> None:
    add_log_record(tree / EDGE / "Offline/accuracy/mlperf_log_detail.txt", "warning_generic_message", AUDIT,
                   warning=True, after="qsl_reported_performance_count")


def network_system(tree: Path) -> None:
    edit_json(tree / "closed/Acme/systems/acme_e1_edge.json", is_network="true")


def _ss_log_in_offline(tree: Path) -> None:
    shutil.copy(tree / EDGE / "SingleStream" / DETAIL, tree / EDGE / "Offline" / DETAIL)
    shutil.copy(tree / EDGE / "SingleStream" / SUMMARY, tree / EDGE / "Offline" / SUMMARY)


def offline_from_singlestream_on_edge(tree: Path) -> None:
    _ss_log_in_offline(tree)


def offline_from_singlestream_on_datacenter(tree: Path) -> None:
    _ss_log_in_offline(tree)
    edit_json(tree / "closed/Acme/systems/acme_e1_edge.json", system_type="datacenter")


def multistream_from_singlestream_without_estimate(tree: Path) -> None:
    shutil.copy(tree / EDGE / "SingleStream" / DETAIL, tree / EDGE / "MultiStream" / DETAIL)
    set_log_value(tree / EDGE / "MultiStream" / DETAIL, "early_stopping_latency_ms", 0)


def server_metric_missing(tree: Path) -> None:
    drop_log_key(tree / LLM / "Server" / DETAIL, "result_completed_tokens_per_second")


CASES = [
    RuleCase("PERF001", True, loadgen_error_record, message="error_runtime"),
    RuleCase("PERF001", False),
    RuleCase("PERF001", False, base="closed-v5.1"),
    RuleCase("PERF002", True, invalid_with_reason, message="failed: min duration"),
    RuleCase("PERF002", False),
    RuleCase("PERF002", False, base="closed-v5.1"),
    RuleCase("PERF003", True, detail(f"{EDGE}/Offline", "effective_min_duration_ms", 60000), message="below the round's"),
    RuleCase("PERF003", True, detail(f"{LLM}/Server", "result_min_duration_met", False), message="not met"),
    RuleCase("PERF003", False),
    RuleCase("PERF003", False, base="closed-v5.1"),
    RuleCase("PERF004", True, detail(f"{EDGE}/Offline", "result_min_queries_met", False), message="not met"),
    RuleCase("PERF004", True, detail(f"{EDGE}/Offline", "effective_min_query_count", 0), message="below 1"),
    # llama3.1-8b requires equal issue: the round exempts it from the configured minimum.
    RuleCase("PERF004", False, detail(f"{LLM}/Offline", "effective_min_query_count", 0)),
    RuleCase("PERF004", False),
    RuleCase("PERF005", True, detail(f"{EDGE}/Offline", "effective_samples_per_query", 100), message="below the 24576"),
    RuleCase("PERF005", False),
    RuleCase("PERF005", False, base="closed-v5.1"),
    RuleCase("PERF006", True, detail(f"{EDGE}/SingleStream", "early_stopping_met", False), message="Processed at least"),
    RuleCase("PERF006", True, token_early_stopping_failed, message="99 more needed"),
    RuleCase("PERF006", False, detail(f"{EDGE}/Offline", "early_stopping_met", False)),   # Offline: no early stopping
    RuleCase("PERF006", False),
    RuleCase("PERF007", True, detail(f"{LLM}/Server", "effective_schedule_rng_seed", 1), message="schedule_rng_seed is 1"),
    RuleCase("PERF007", False),
    RuleCase("PERF007", False, base="closed-v5.1"),
    RuleCase("PERF008", True, detail(f"{EDGE}/SingleStream", "effective_performance_sample_count", 10), message="below 1024"),
    RuleCase("PERF008", False),
    RuleCase("PERF009", True, detail(f"{V5}/resnet50/Server", "effective_target_latency_ns", 20000000),
             base="closed-v5.1", message="exceeds the 15000000 ns bound"),
    RuleCase("PERF009", False, base="closed-v5.1"),
    RuleCase("PERF009", False),
    RuleCase("PERF010", True, detail(f"{LLM}/Offline", "requested_use_token_latencies", False), message="LLM"),
    RuleCase("PERF010", False),
    # 600 ms: above the Interactive limit (500 ms), below the Server one (2 s).
    RuleCase("PERF011", True, detail(f"{LLM}/Interactive", "result_first_token_99.00_percentile_latency_ns", 600000000),
             message="Interactive limit 500000000"),
    RuleCase("PERF011", True, tpot_missing, message="TPOT absent"),
    RuleCase("PERF011", False, detail(f"{LLM}/Server", "result_first_token_99.00_percentile_latency_ns", 600000000)),
    RuleCase("PERF011", False),
    RuleCase("PERF012", True, detail(f"{LLM}/Offline", "effective_sample_concatenate_permutation", False),
             message="equal-issue mode is off"),
    RuleCase("PERF012", True, no_concat_key, base="closed-v5.1", message="absent"),
    RuleCase("PERF012", False, no_concat_key_conf_enables, base="closed-v5.1"),
    RuleCase("PERF012", False),
    RuleCase("PERF013", True, summary_validity, message="summary Result is is INVALID"),
    RuleCase("PERF013", True, summary_rate, message="result_samples_per_second"),
    RuleCase("PERF013", True, summary_seed, message="schedule_rng_seed"),
    RuleCase("PERF013", False),
    RuleCase("PERF013", False, base="closed-v5.1"),
    RuleCase("PERF013", False, base="open-v6.0"),
    RuleCase("PERF014", True, audit_in_perf_log, message="audit.config"),
    RuleCase("PERF014", True, audit_in_accuracy_log, message="audit.config"),
    RuleCase("PERF014", False),
    RuleCase("PERF015", True, detail(f"{EDGE}/Offline", "loadgen_version", "5.1.0 @ 091d51f041"), round="v6.0",
             message="does not belong to round v6.0"),
    RuleCase("PERF015", False),
    RuleCase("PERF015", False, base="closed-v5.1"),
    RuleCase("PERF016", True, network_system, message="Network SUT"),
    RuleCase("PERF016", False),
    RuleCase("PERF017", True, detail(f"{EDGE}/Offline", "effective_test_mode", "AccuracyOnly"), message="AccuracyOnly"),
    RuleCase("PERF017", False),
    RuleCase("PERF018", True, detail(f"{LLM}/Offline", "effective_scenario", "Server"), message="holds a 'Server' run"),
    RuleCase("PERF018", True, offline_from_singlestream_on_datacenter, message="edge"),
    RuleCase("PERF018", False, offline_from_singlestream_on_edge),
    RuleCase("PERF018", False),   # Interactive directories hold Server runs
    RuleCase("PERF019", True, server_metric_missing, message="result_completed_tokens_per_second is missing"),
    RuleCase("PERF019", True, multistream_from_singlestream_without_estimate, message="not enough samples"),
    RuleCase("PERF019", False),
    RuleCase("PERF019", False, base="open-v6.0"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


def test_perf015_is_a_warning(samples: Path, tmp_path: Path) -> None:
    report = run_case(CASES[[c.code for c in CASES].index("PERF015")], samples, tmp_path)
    assert {f.severity for f in report.findings if f.code == "PERF015"} == {"warning"}


def test_valid_samples_report_their_metric(samples: Path) -> None:
    report = run_on(samples / "closed-v6.0", select=("PERF",))
    by_path = {r.path: r for r in report.results}
    interactive = by_path[f"{LLM}/Interactive"]
    assert interactive.valid and interactive.metric["unit"] == "Tokens/s" and not interactive.inferred
    assert interactive.extra["effective_scenario"] == "Server"
    single = by_path[f"{EDGE}/SingleStream"]
    assert single.metric == {"value": 284000 / 1e6, "unit": "Latency (ms)"}


def _result_ctx(tree: Path, rel: str, round_: str) -> ResultContext:
    submission = discover(tree)
    unit = next(r for r in submission.results if r.rel == rel)
    return ResultContext(submission=submission, rulebook=load_rulebook(round_), options=Options(), cache=FileCache(),
                         unit=unit)


def test_inferred_offline_from_singlestream(samples: Path, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    shutil.copytree(samples / "closed-v6.0", tree)
    offline_from_singlestream_on_edge(tree)
    report = run_on(tree, select=("PERF",))
    record = next(r for r in report.results if r.path == f"{EDGE}/Offline")
    log = parse_detail_log(tree / EDGE / "Offline" / DETAIL).value
    assert record.valid and record.inferred
    assert record.metric == {"value": log.get("result_qps_without_loadgen_overhead"), "unit": "Samples/s"}


def test_inference_formulas_and_units() -> None:
    rulebook = load_rulebook("v6.0")
    ss = parse_detail_text_log({"effective_scenario": "SingleStream", "early_stopping_latency_ms": 2_000_000,
                                "early_stopping_latency_ss": 1_500_000, "result_qps_without_loadgen_overhead": 700.5})
    ms = compute_metric(ss, rulebook, rulebook.benchmark("resnet"), "MultiStream")
    assert (ms.value, ms.unit, ms.inferred) == (2_000_000 * 8 / 1e6, "Latency (ms)", True)
    offline = compute_metric(ss, rulebook, rulebook.benchmark("resnet"), "Offline")
    assert (offline.value, offline.unit) == (700.5, "Samples/s")
    # llama3.1-8b-edge Offline inferred from SingleStream is a samples/s figure, officially labelled Tokens/s.
    edge_llm = compute_metric(ss, rulebook, rulebook.benchmark("llama3.1-8b-edge"), "Offline")
    assert (edge_llm.unit, edge_llm.official_unit) == ("Samples/s", "Tokens/s")
    mslog = parse_detail_text_log({"effective_scenario": "MultiStream", "effective_samples_per_query": 8,
                                   "result_mean_query_latency_ns": 4_000_000})
    assert compute_metric(mslog, rulebook, rulebook.benchmark("resnet"), "Offline").value == 8 * 1000 / (4_000_000 / 1e6)


def test_wan_singlestream_in_seconds_and_v41_official_labels() -> None:
    wan = load_rulebook("v6.0")
    log = parse_detail_text_log({"effective_scenario": "SingleStream", "early_stopping_latency_ss": 43936000879})
    metric = compute_metric(log, wan, wan.benchmark("wan-2.2-t2v-a14b"), "SingleStream")
    assert (str(metric.value), metric.unit) == ("43.936000879", "Latency (s)")   # the official CSV text
    v41 = load_rulebook("v4.1")
    log = parse_detail_text_log({"effective_scenario": "Offline", "result_tokens_per_second": 3062.72})
    metric = compute_metric(log, v41, v41.benchmark("llama2-70b-99"), "Offline")
    assert (metric.value, metric.unit, metric.official_unit) == (3062.72, "Tokens/s", "Samples/s")


def test_judge_performance_log_on_a_compliance_run(samples: Path) -> None:
    tree = samples / "closed-v6.0"
    ctx = _result_ctx(tree, f"{EDGE}/Offline", "v6.0")
    log = parse_detail_log(tree / EDGE / "Offline/TEST01" / DETAIL).value
    assert audit_config_line(log, ctx) is not None
    assert [code for code, _ in judge_performance_log(log, ctx)] == []
    other = {"qsl_rng_seed": 1, "sample_index_rng_seed": 2, "schedule_rng_seed": 3}
    codes = [code for code, _ in judge_performance_log(log, ctx, seeds=other)]
    assert codes == ["PERF007"] * 3
    assert [code for code, _ in judge_performance_log(log, ctx, seeds=other, codes=["PERF003"])] == []


def parse_detail_text_log(values: dict):
    """A DetailLog holding `values` (one record each), as if parsed from a file."""
    from checker.parsers.loadgen import parse_detail_text

    text = "".join(f":::MLLOG {json.dumps({'key': k, 'value': v, 'metadata': {}})}\n" for k, v in values.items())
    return parse_detail_text(text, Path("mlperf_log_detail.txt")).value


# --------------------------------------------------------------------------- real published trees


def _perf_errors(root: Path, round_: str) -> dict[str, set[str]]:
    """result -> PERF codes of its error findings, on a real tree read in place."""
    report = run_on(root, round_, select=("PERF",))
    out: dict[str, set[str]] = {}
    for f in report.findings:
        if f.severity == "error":
            out.setdefault(f.result, set()).add(f.code)
    return out


@pytest.mark.parametrize("round_", ["v4.1", "v6.0"])
def test_real_officially_valid_trees_pass_every_perf_rule(real: Path, round_: str) -> None:
    assert _perf_errors(real / round_, round_) == {}


def test_real_v51_accuracy_logs_made_under_an_audit_config(real: Path) -> None:
    # AMD's llama2-70b Offline accuracy/ holds a PerformanceOnly TEST06-style run made with an
    # audit.config (accuracy_log_sampling_target 100); the official checker accepted it.
    errors = _perf_errors(real / "v5.1", "v5.1")
    assert errors == {f"closed/AMD/results/8xMI325X_2xEPYC_9575F_2/{bm}/Offline": {"PERF014"}
                      for bm in ("llama2-70b-99", "llama2-70b-99.9")}


def test_real_v50_test_runs_seed_failures_match_the_official_ones(real: Path) -> None:
    root = real / "v5.0-test-runs"
    errors = _perf_errors(root, "v5.0")
    with open(root / "official_verdicts.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    official = {"/".join((r["division"], r["submitter"], "results", r["system"], r["benchmark"], r["scenario"]))
                for r in rows if "seed is wrong" in r["reasons"]}
    assert {r for r, codes in errors.items() if "PERF007" in codes} == official
    assert all({"PERF003", "PERF005"} <= codes for codes in errors.values()) and len(errors) == len(rows)
