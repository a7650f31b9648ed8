"""Compliance test directories (TESTxx), as the upstream verification scripts leave them.

Audit settings (the test's `audit.config`), score fields, pass bounds and the expected TEST06 size
come from the round's rulebook (`compliance_checks`, `benchmarks.<name>.compliance_audit` and
`compliance_bounds`); a compliance run logs LoadGen's "Found Audit Config file" warning.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from checker.model import LATENCY_SCENARIOS
from checker.samplegen import accuracy
from checker.samplegen.files import write
from checker.samplegen.runs import ResultPlan, seed_of, write_run

#: Throughput of a compliance run relative to the submission run (inside every tolerance).
_TEST01_SPEED, _REPEAT_SPEED = 0.998, 0.996


def audit(plan: ResultPlan, test: str) -> dict[str, Any]:
    """The audit.config settings of `test` for this result's benchmark."""
    return {**plan.rulebook.compliance_checks.test(test).audit, **plan.bench.compliance_audit.get(test, {})}


def _score(plan: ResultPlan, values: Mapping[str, Any], converted: bool) -> float:
    """The score verify_performance compares: the round's score field; `converted` turns a latency
    into 1e9 / latency, as the summary-based scripts (TEST04/TEST05) do."""
    score = values[plan.rulebook.compliance_checks.score_field[plan.effective]]
    return round(1e9 / score, 6) if converted and plan.effective in LATENCY_SCENARIOS else score


def _speed(plan: ResultPlan, factor: float) -> float:
    """A throughput ratio as a ratio of the reported figure (a slower latency run has a larger one)."""
    return 1 / factor if plan.effective in LATENCY_SCENARIOS else factor


def _verify_performance(reference: float, test: float, upper: bool) -> str:
    name = ("Reference score", "Test score") if upper else ("reference score", "test score")
    return f"Verifying performance.\n{name[0]} = {reference:g}\n{name[1]} = {test:g}\nTEST PASS\n"


def test01(plan: ResultPlan, test_dir: Path, reference: Mapping[str, Any]) -> None:
    """TEST01: a performance run logging sampled accuracy entries, compared with the accuracy run."""
    settings = audit(plan, "TEST01")
    target = settings.get("accuracy_log_sampling_target", plan.accuracy_samples)
    run = plan.run(factor=_speed(plan, _TEST01_SPEED), suffix="/TEST01", audit=settings)
    values = write_run(test_dir / "performance" / "run_1", run)
    logged = target + target // 97
    sampled = plan.sampled_log(logged)
    write(test_dir / "accuracy" / "mlperf_log_accuracy.json", sampled.published(plan.rulebook.accuracy_log_truncation))
    write(test_dir / "accuracy" / "accuracy.txt", accuracy.accuracy_txt([], sampled.sha256))
    counters = {"num_acc_log_entries": plan.accuracy_log.entries, "num_acc_log_duplicate_keys": 0,
                "num_acc_log_data_mismatch": 0, "num_perf_log_entries": logged,
                "num_perf_log_qsl_idx_match": logged, "num_perf_log_data_mismatch": 0, "num_missing_qsl_idxs": 0}
    lines = ["Verifying accuracy. This might take a while...", "Reading accuracy mode results...",
             "Reading performance mode results...", *(f"{k} = {v}" for k, v in counters.items()), "TEST PASS", ""]
    write(test_dir / "verify_accuracy.txt", "\n".join(lines) + "\n")
    write(test_dir / "verify_performance.txt",
          _verify_performance(_score(plan, reference, False), _score(plan, values, False), True))


def _performance_test(name: str) -> Callable[[ResultPlan, Path, Mapping[str, Any]], None]:
    def performance_test(plan: ResultPlan, test_dir: Path, reference: Mapping[str, Any]) -> None:
        run = plan.run(factor=_speed(plan, _REPEAT_SPEED), audit=audit(plan, name),
                       seeds=plan.rulebook.test_seeds.get(name), suffix=f"/{name}")
        values = write_run(test_dir / "performance" / "run_1", run)
        write(test_dir / "verify_performance.txt",
              _verify_performance(_score(plan, reference, True), _score(plan, values, True), False))
    performance_test.__doc__ = f"{name}: a performance run with the test's audit settings, compared with the submission."
    return performance_test


def test06(plan: ResultPlan, test_dir: Path, reference: Mapping[str, Any]) -> None:
    """TEST06: about the expected number of logged LLM outputs, with valid EOS, first-token and length."""
    rng = random.Random(seed_of(plan.label, "TEST06"))
    count = plan.rulebook.compliance_checks.test06_entries.expected - rng.randrange(8)
    order = rng.sample(range(plan.accuracy_samples), count)
    first_token = plan.effective != "Offline"
    payloads = dict(accuracy.token_payloads(order, min(plan.tokens_per_sample, 16.0),
                                            seed_of(plan.label, "TEST06", "log"), first_token))
    write(test_dir / "accuracy" / "mlperf_log_accuracy.json", accuracy.render_entries(order, payloads))
    lines = [f"First token check pass: {'True' if first_token else 'Skipped'}", "EOS check pass: True",
             "Sample length check pass: True", "TEST06 verification complete"]
    write(test_dir / "verify_accuracy.txt", "\n".join(lines) + "\n")


def test07(plan: ResultPlan, test_dir: Path, reference: Mapping[str, Any]) -> None:
    """TEST07: the evaluator's output on the compliance run, then the verification summary."""
    threshold = plan.bench.compliance_bounds["TEST07"].min
    score = round(threshold * 1.12, 3)
    samples = audit(plan, "TEST07").get("accuracy_log_sampling_target", plan.accuracy_samples)
    lines = [f"{{'exact_match': {score}, 'samples': {samples}}}", "", "TEST07 Verification Summary",
             f"Accuracy score: {score}", f"Accuracy threshold: {threshold}", "Accuracy check pass: True", "TEST PASS"]
    write(test_dir / "verify_accuracy.txt", "\n".join(lines) + "\n")


def test08(plan: ResultPlan, test_dir: Path, reference: Mapping[str, Any]) -> None:
    """TEST08: matched samples and normalized-entropy differences, then the verdict."""
    samples = audit(plan, "TEST08").get("accuracy_log_sampling_target", plan.accuracy_samples)
    tolerance = plan.rulebook.compliance_checks.test("TEST08").tolerance or 0.0
    lines = [f"num_perf_log_entries = {samples}", f"num_matched = {samples}", "max_ne_mismatch = 0",
             f"tolerance = {tolerance * 100:.2f}%", "TEST PASS", "TEST08 verification complete"]
    write(test_dir / "verify_accuracy.txt", "\n".join(lines) + "\n")


def test09(plan: ResultPlan, test_dir: Path, reference: Mapping[str, Any]) -> None:
    """TEST09: output-length statistics of the compliance run (mean inside the bounds), then the verdict."""
    bounds = plan.bench.compliance_bounds["TEST09"]
    mean = (bounds.min + bounds.max) / 2
    lines = [f"Total samples: {plan.accuracy_samples}", f"Mean output tokens: {mean:.2f}",
             f"Min output tokens: {int(mean * 0.2)}", f"Max output tokens: {int(mean * 3)}",
             f"Std deviation: {mean * 0.4:.2f}", "Min check pass: True", "Max check pass: True", "TEST PASS"]
    write(test_dir / "verify_output_len.txt", "\n".join(lines) + "\n")


WRITERS: dict[str, Callable[[ResultPlan, Path, Mapping[str, Any]], None]] = {
    "TEST01": test01, "TEST04": _performance_test("TEST04"), "TEST05": _performance_test("TEST05"),
    "TEST06": test06, "TEST07": test07, "TEST08": test08, "TEST09": test09}


def write_tests(plan: ResultPlan, root: Path, reference: Mapping[str, Any]) -> list[str]:
    """Write every compliance test the benchmark needs under `root`; `reference` holds the values of
    the submission's performance run. Returns the test names."""
    for test in plan.bench.compliance:
        WRITERS[test](plan, root / test, reference)
    return list(plan.bench.compliance)
