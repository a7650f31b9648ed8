"""The compliance recomputations as pure functions (`checker.compliance`), on hand-made logs."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest

from checker.compliance.audit import audit_gaps
from checker.compliance.performance import compare_runs
from checker.compliance.test01 import compare_accuracy
from checker.compliance.test06 import check_test06, decode, infer_width
from checker.compliance.test08 import compare_test08, normalized_entropy, parse_sample
from checker.compliance.test09 import output_lengths
from checker.compliance.verify import parse_verify
from checker.parsers.accuracy_log import Entry
from checker.parsers.loadgen import parse_detail_text
from checker.rulebook import ScorePolicy, load_rulebook

RULES = load_rulebook("v6.0").compliance_checks
TEST01 = RULES.test("TEST01").performance
TEST04 = RULES.test("TEST04").performance
TEST05 = load_rulebook("v4.1").compliance_checks.test("TEST05").performance


def entry(qsl: int, data: bytes, line: int = 1, token_count: int | None = None, token_data: bytes | None = None) -> Entry:
    return Entry(seq_id=line, qsl_idx=qsl, data=data, token_count=token_count, token_data=token_data, line=line)


def i32(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}i", *values)


# --------------------------------------------------------------------------- performance


def run(scenario: str, score: float, validity: str = "VALID", target: int = 15000000) -> dict:
    key = RULES.score_field[scenario]
    return {"effective_scenario": scenario, "result_validity": validity, key: score, "effective_target_latency_ns": target}


@pytest.mark.parametrize("factor, passes", [(1.099, True), (0.901, True), (1.101, False), (0.899, False)])
def test_test01_is_two_sided_within_ten_percent(factor: float, passes: bool) -> None:
    result = compare_runs(run("Offline", 1000.0), run("Offline", 1000.0 * factor), TEST01, RULES.score_field,
                          RULES.relaxed_latency_ns)
    assert result.passed is passes
    assert result.tolerance == pytest.approx(0.10)


def test_test01_relaxes_fast_single_stream() -> None:
    fast = compare_runs(run("SingleStream", 150_000), run("SingleStream", 150_000 * 1.15), TEST01, RULES.score_field,
                        RULES.relaxed_latency_ns)
    slow = compare_runs(run("SingleStream", 250_000), run("SingleStream", 250_000 * 1.15), TEST01, RULES.score_field,
                        RULES.relaxed_latency_ns)
    assert fast.passed and fast.tolerance == pytest.approx(0.20)
    assert not slow.passed and "outside" in slow.problems[0]


def test_invalid_runs_scenarios_and_server_targets_fail() -> None:
    invalid = compare_runs(run("Offline", 100.0), run("Offline", 100.0, "INVALID"), TEST01, RULES.score_field,
                           RULES.relaxed_latency_ns)
    assert not invalid.passed and "test run's result_validity is INVALID" in invalid.problems[0]
    other = compare_runs(run("Offline", 100.0), run("Server", 100.0), TEST01, RULES.score_field, RULES.relaxed_latency_ns)
    assert any("scenarios differ" in p for p in other.problems)
    target = compare_runs(run("Server", 100.0), run("Server", 100.0, target=1), TEST01, RULES.score_field,
                          RULES.relaxed_latency_ns)
    assert any("target latencies differ" in p for p in target.problems)
    missing = compare_runs({"effective_scenario": "Offline", "result_validity": "VALID"}, run("Offline", 1.0), TEST01,
                           RULES.score_field, RULES.relaxed_latency_ns)
    assert not missing.passed and missing.reference is None


def test_test04_is_one_sided_and_relaxes_latency_runs() -> None:
    def check(scenario: str, ref: float, test: float):
        return compare_runs(run(scenario, ref), run(scenario, test), TEST04, RULES.score_field, RULES.relaxed_latency_ns)

    assert check("Offline", 1000.0, 500.0).passed              # slower is fine
    assert check("Offline", 1000.0, 1099.0).passed
    assert not check("Offline", 1000.0, 1101.0).passed           # > 10 % faster: caching
    # latencies: faster means a lower latency; the quirk gives 20 % to a 2 ms SingleStream run
    slow_ss = check("SingleStream", 2_000_000, 2_000_000 / 1.19)
    assert slow_ss.passed and slow_ss.tolerance == pytest.approx(0.20)
    assert not check("SingleStream", 2_000_000, 2_000_000 / 1.21).passed


def test_test05_allows_five_percent_worse() -> None:
    def check(scenario: str, ref: float, test: float):
        return compare_runs(run(scenario, ref), run(scenario, test), TEST05, RULES.score_field, RULES.relaxed_latency_ns)

    assert check("Offline", 1000.0, 951.0).passed and not check("Offline", 1000.0, 949.0).passed
    assert check("Offline", 1000.0, 2000.0).passed
    assert check("MultiStream", 3_000_000, 3_140_000).passed and not check("MultiStream", 3_000_000, 3_160_000).passed


def test_policy_is_rulebook_data() -> None:
    assert isinstance(TEST01, ScorePolicy) and TEST01.direction == "both"
    assert "TEST05" not in RULES.tests


# --------------------------------------------------------------------------- TEST01 accuracy


def test_test01_identical_logs_pass_both_ways() -> None:
    acc = [entry(i, bytes([i, 1, 2, 3])) for i in range(10)]
    result = compare_accuracy(acc, [entry(3, bytes([3, 1, 2, 3])), entry(7, bytes([7, 1, 2, 3]))], dataset_size=10)
    assert result.faithful_pass and result.strict_pass
    assert (result.num_acc_log_entries, result.num_perf_log_entries, result.num_perf_log_qsl_idx_match) == (10, 2, 2)


def test_test01_first_byte_mismatch_fails_both() -> None:
    acc = [entry(i, bytes([i, 1, 2, 3])) for i in range(10)]
    result = compare_accuracy(acc, [entry(4, bytes([99, 1, 2, 3]), line=2)])
    assert not result.faithful_pass and not result.strict_pass
    assert result.first_mismatch == (4, 2)


def test_test01_later_byte_mismatch_fails_strict_only() -> None:
    acc = [entry(i, bytes([i, 1, 2, 3, 4, 5])) for i in range(10)]
    result = compare_accuracy(acc, [entry(4, bytes([4, 1, 2, 3, 4, 99]), line=5)])
    assert result.faithful_pass and not result.strict_pass
    assert result.first_strict_mismatch == (4, 5)


def test_test01_empty_against_non_empty_is_a_mismatch() -> None:
    result = compare_accuracy([entry(1, b"")], [entry(1, b"\x01")])
    assert not result.faithful_pass


def test_test01_overwrite_quirk_compares_duplicates_with_the_earlier_performance_entry() -> None:
    acc = [entry(1, b"\x05AAAA")]
    perf = [entry(1, b"\x06AAAA", line=1), entry(1, b"\x06AAAA", line=2)]
    result = compare_accuracy(acc, perf)
    # the first differs from the accuracy run; the duplicate is compared with the first (quirk)
    assert result.num_perf_log_data_mismatch == 1
    assert result.strict_mismatch == 2


def test_test01_missing_indices_still_pass_but_no_match_fails() -> None:
    acc = [entry(i, bytes([i])) for i in range(5)]
    assert compare_accuracy(acc, [entry(2, b"\x02"), entry(42, b"\x2a")], dataset_size=5).faithful_pass
    result = compare_accuracy(acc, [entry(42, b"\x2a")], dataset_size=5)
    assert not result.faithful_pass and result.num_missing_qsl_idxs == 1 and result.out_of_range == 1


def test_test01_duplicate_keys_in_the_accuracy_log_are_counted() -> None:
    result = compare_accuracy([entry(1, b"\x01"), entry(1, b"\x02"), entry(1, b"\x01")], [])
    assert (result.num_acc_log_duplicate_keys, result.num_acc_log_data_mismatch) == (2, 1)


# --------------------------------------------------------------------------- TEST06


def llm(qsl: int, tokens: list[int], count: int | None = None, first: list[int] | None = None, width: int = 4) -> Entry:
    fmt = {4: "i", 8: "q", 2: "h"}[width]
    data = struct.pack(f"<{len(tokens)}{fmt}", *tokens)
    token_data = struct.pack(f"<{len(first)}{fmt}", *first) if first is not None else None
    return entry(qsl, data, line=qsl + 2, token_count=len(tokens) if count is None else count, token_data=token_data)


def test_test06_clean_log_passes() -> None:
    log = [llm(i, [10 + i, 11, 12, 2], first=[10 + i]) for i in range(5)]
    result = check_test06(log, [2], first_token=True)
    assert result.passed and result.entries == 5 and (result.width, result.width_source) == (4, "token_count")


def test_test06_two_trailing_eos_fail_but_element_zero_is_never_examined() -> None:
    assert not check_test06([llm(0, [5, 6, 2, 2])], [2], first_token=False).passed
    assert check_test06([llm(0, [2, 2])], [2], first_token=False).passed   # upstream stops at index 1
    assert not check_test06([llm(0, [5, 128001, 128009])], [128001, 128009], first_token=False).passed


def test_test06_first_token_checked_except_offline() -> None:
    log = [llm(0, [5, 6, 2], first=[9])]
    assert not check_test06(log, [2], first_token=True).passed
    assert check_test06(log, [2], first_token=False).passed
    missing = check_test06([llm(0, [5, 6, 2])], [2], first_token=True)
    assert missing.first_token and "no usable token_data" in missing.first_token[0][2]


def test_test06_wrong_token_count_fails_length() -> None:
    result = check_test06([llm(0, [5, 6, 7], count=4)], [2], first_token=False)
    assert not result.passed and result.length[0][0] == 0


def test_test06_infers_int64_from_token_count_and_empty_log_passes_vacuously() -> None:
    log = [llm(i, [128000, 5, 128009], width=8) for i in range(3)]
    assert infer_width(log, 4) == (8, "token_count")
    assert check_test06(log, [128009], first_token=False).passed
    empty = check_test06([], [2], first_token=True)
    assert empty.passed and empty.entries == 0


def test_decode_rejects_partial_tokens() -> None:
    assert decode(b"\x01\x00\x00", 4) is None
    assert decode(i32(-1, 7), 4) == [-1, 7]


# --------------------------------------------------------------------------- TEST08


def dlrm3(ts: int, query: int, preds: list[float], labels: list[float], weights: list[float]) -> bytes:
    values = [ts, query, *preds, *labels, *weights, len(preds)]
    return struct.pack(f"<{len(values)}f", *values)


def test_test08_sample_and_normalized_entropy() -> None:
    sample = parse_sample(dlrm3(1, 2, [0.25, 0.75], [0, 1], [1, 1]))
    assert sample is not None and sample.key == (1, 2) and len(sample.preds) == 2
    assert parse_sample(b"\x00" * 12 + struct.pack("<f", 5.0)) is None
    ne = normalized_entropy([0.25, 0.75], [0, 1], [1, 1])
    assert ne == pytest.approx(-math.log(0.75) / math.log(2), rel=1e-6)


@pytest.mark.parametrize("change, passes", [(1.0009, True), (1.0011, False)])
def test_test08_relative_ne_tolerance(change: float, passes: bool) -> None:
    labels, weights, preds = [0, 1, 1, 0], [1, 1, 1, 1], [0.2, 0.7, 0.9, 0.4]
    base = normalized_entropy(preds, labels, weights)
    # scale one prediction until NE moves by the wanted ratio (bisection on p0)
    lo, hi = 0.2, 0.5
    for _ in range(80):
        mid = (lo + hi) / 2
        ratio = normalized_entropy([mid, *preds[1:]], labels, weights) / base
        lo, hi = (mid, hi) if ratio < change else (lo, mid)
    moved = [lo, *preds[1:]]
    acc = [entry(0, dlrm3(7, 1, preds, labels, weights))]
    perf = [entry(0, dlrm3(7, 1, moved, labels, weights))]
    assert compare_test08(acc, perf, 0.001).passed is passes


def test_test08_unmatched_and_unmatchable_samples_fail() -> None:
    acc = [entry(0, dlrm3(7, 1, [0.5], [1], [1]))]
    result = compare_test08(acc, [entry(0, dlrm3(7, 2, [0.5], [1], [1]))], 0.001)
    assert not result.passed and result.num_unmatched == 1 and result.num_matched == 0
    assert not compare_test08(acc, [], 0.001).passed
    garbage = compare_test08(acc, [entry(0, b"\x00\x01")], 0.001)
    assert garbage.undecodable == 1 and garbage.num_unmatched == 1


# --------------------------------------------------------------------------- TEST09


def test_test09_mean_counts_every_entry_and_empty_payloads() -> None:
    stats = output_lengths([entry(0, i32(*range(10))), entry(0, i32(*range(20))), entry(1, b"")])
    assert (stats.count, stats.mean, stats.shortest, stats.longest) == (3, 10.0, 0, 20)
    assert output_lengths([]).mean is None


@pytest.mark.parametrize("mean, inside", [(1150.38, True), (1406.02, True), (1150.37, False), (1406.03, False)])
def test_test09_bounds_are_inclusive(mean: float, inside: bool) -> None:
    bound = load_rulebook("v6.0").benchmarks["gpt-oss-120b"].compliance_bounds["TEST09"]
    assert bound.contains(mean) is inside


# --------------------------------------------------------------------------- audit config and outputs


def detail(*records: tuple[str, object, bool]) -> str:
    import json

    return "\n".join(":::MLLOG " + json.dumps({"key": k, "value": v, "metadata": {"is_warning": w}}) for k, v, w in records)


def test_audit_gaps() -> None:
    warning = "Found Audit Config file (audit.config)"
    good = parse_detail_text(detail(("warning_generic_message", warning + ". Overriding", True),
                                    ("effective_performance_issue_same", True, False),
                                    ("effective_performance_issue_same_index", 3, False)), Path("x")).value
    expected = {"performance_issue_same": True, "performance_issue_same_index": 3, "not_logged": 1}
    assert audit_gaps(good, warning, expected) == []
    bad = parse_detail_text(detail(("effective_performance_issue_same", False, False),
                                   ("effective_performance_issue_same_index", 0, False)), Path("x")).value
    gaps = audit_gaps(bad, warning, expected)
    assert [g.key for g in gaps] == [None, "effective_performance_issue_same", "effective_performance_issue_same_index"]
    assert gaps[2].line == 2


def test_verify_text_lookups(tmp_path: Path) -> None:
    path = tmp_path / "verify_performance.txt"
    path.write_text("INFO log_parser.py: /home/x\nVerifying performance.\nreference score = 70096.94\n"
                    "Test score = 69995.95\nFirst token check pass: Skipped\nTEST PASS\n")
    text = parse_verify(path).value
    assert text.number("Reference score") == (70096.94, 3) and text.number("test score") == (69995.95, 4)
    assert text.flag("First token check pass") == ("Skipped", 5)
    assert text.pass_line == 6 and text.fail_line is None
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert parse_verify(empty).value is None and parse_verify(empty).problems[0].code == "LOG002"
