"""Compliance test directories (TESTxx), as the upstream verification scripts leave them.

The audit settings are those of the `audit.config` files shipped in LoadGen's `compliance/` folder
(the same for every round); a compliance run logs LoadGen's "Found Audit Config file" warning.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from checker.samplegen import accuracy
from checker.samplegen.files import write
from checker.samplegen.loadgen import LATENCY_SCENARIOS
from checker.samplegen.runs import ResultPlan, seed_of, write_run

ACCURACY_LOG_SEED = 720381539243781796
#: compliance/TEST01/<model>/audit.config accuracy_log_sampling_target (4096 for every other model).
_TEST01_SAMPLING = {"3d-unet": 64, "yolo": 64, "stable-diffusion-xl": 128, "retinanet": 256,
                    "pointpainting": 256, "wan-2.2": 50}
_TEST04_AUDIT = {"performance_issue_unique": False, "performance_issue_same": True, "performance_issue_same_index": 3}
_TEST06_AUDIT = {"accuracy_log_rng_seed": ACCURACY_LOG_SEED, "accuracy_log_sampling_target": 100,
                 "min_query_count": 100, "min_duration": 0}


def _sampling_target(model: str) -> int:
    return next((n for prefix, n in _TEST01_SAMPLING.items() if model.startswith(prefix)), 4096)


def _score(plan: ResultPlan, values: dict, summary_style: bool) -> float:
    """The score the verify_performance scripts compare: throughput, or a latency (TEST01, ns) /
    1e9 / latency (TEST04/TEST05, from the summary log) for SingleStream and MultiStream."""
    if plan.effective == "SingleStream":
        latency = values["early_stopping_latency_ss"]
    elif plan.effective == "MultiStream":
        latency = values["early_stopping_latency_ms"]
    else:
        key = "result_samples_per_second" if plan.effective == "Offline" else "result_completed_samples_per_sec"
        return values[key]
    return round(1e9 / latency, 6) if summary_style else latency


def _verify_performance(reference: float, test: float, upper: bool) -> str:
    name = ("Reference score", "Test score") if upper else ("reference score", "test score")
    return f"Verifying performance.\n{name[0]} = {reference:g}\n{name[1]} = {test:g}\nTEST PASS\n"


def test01(plan: ResultPlan, test_dir: Path, reference: dict) -> None:
    """TEST01: a performance run logging accuracy samples, compared with the accuracy run."""
    target = _sampling_target(plan.bench.name)
    run = plan.run(factor=0.998 if plan.effective not in LATENCY_SCENARIOS else 1.002, suffix="/TEST01",
                   audit={"accuracy_log_rng_seed": ACCURACY_LOG_SEED, "accuracy_log_sampling_target": target})
    values = write_run(test_dir / "performance" / "run_1", run)
    source = plan.accuracy_log
    logged = target + target // 97
    sampled = plan.sampled_log(logged)
    write(test_dir / "accuracy" / "mlperf_log_accuracy.json", sampled.published(plan.rulebook.accuracy_log_truncation))
    write(test_dir / "accuracy" / "accuracy.txt", accuracy.accuracy_txt([], sampled.sha256))
    counters = {"num_acc_log_entries": source.entries, "num_acc_log_duplicate_keys": 0,
                "num_acc_log_data_mismatch": 0, "num_perf_log_entries": logged,
                "num_perf_log_qsl_idx_match": logged, "num_perf_log_data_mismatch": 0, "num_missing_qsl_idxs": 0}
    lines = ["Verifying accuracy. This might take a while...", "Reading accuracy mode results...",
             "Reading performance mode results..."] + [f"{k} = {v}" for k, v in counters.items()] + ["TEST PASS", ""]
    write(test_dir / "verify_accuracy.txt", "\n".join(lines) + "\n")
    write(test_dir / "verify_performance.txt",
          _verify_performance(_score(plan, reference, False), _score(plan, values, False), True))


def _performance_test(name: str, audit: dict) -> Callable[[ResultPlan, Path, dict], None]:
    def performance_test(plan: ResultPlan, test_dir: Path, reference: dict) -> None:
        seeds = plan.rulebook.test_seeds.get(name)
        run = plan.run(factor=1.004 if plan.effective not in LATENCY_SCENARIOS else 0.996, audit=audit,
                       seeds=seeds, suffix=f"/{name}")
        values = write_run(test_dir / "performance" / "run_1", run)
        write(test_dir / "verify_performance.txt",
              _verify_performance(_score(plan, reference, True), _score(plan, values, True), False))
    performance_test.__doc__ = f"{name}: a performance run with the test's audit settings, compared with the submission run."
    return performance_test


def test06(plan: ResultPlan, test_dir: Path, reference: dict) -> None:
    """TEST06: ~100 logged LLM outputs whose EOS, first-token and length properties hold."""
    rng = random.Random(seed_of(plan.label, "TEST06"))
    count = 100 - rng.randrange(8)
    order = rng.sample(range(plan.accuracy_samples), count)
    first_token = plan.effective != "Offline"
    payloads = dict(accuracy.token_payloads(order, min(plan.tokens_per_sample, 16.0),
                                            seed_of(plan.label, "TEST06", "log"), first_token))
    write(test_dir / "accuracy" / "mlperf_log_accuracy.json", accuracy.render_entries(order, payloads))
    lines = [f"First token check pass: {'True' if first_token else 'Skipped'}", "EOS check pass: True",
             "Sample length check pass: True", "TEST06 verification complete"]
    write(test_dir / "verify_accuracy.txt", "\n".join(lines) + "\n")


def test07(plan: ResultPlan, test_dir: Path, reference: dict) -> None:
    """TEST07: the evaluator's output on the compliance run, then the verification summary."""
    score = plan.scores.get("exact_match", 0.0)
    lines = [f"{{'exact_match': {score}, 'samples': 990}}", "", "TEST07 Verification Summary",
             f"Accuracy score: {score}", "Accuracy threshold: 60.698", "Accuracy check pass: True", "TEST PASS"]
    write(test_dir / "verify_accuracy.txt", "\n".join(lines) + "\n")


def test08(plan: ResultPlan, test_dir: Path, reference: dict) -> None:
    """TEST08: matched samples and normalized-entropy differences, then the verdict."""
    lines = ["num_perf_log_entries = 4096", "num_matched = 4096", "max_ne_mismatch = 0", "tolerance = 0.10%",
             "TEST PASS", "TEST08 verification complete"]
    write(test_dir / "verify_accuracy.txt", "\n".join(lines) + "\n")


def test09(plan: ResultPlan, test_dir: Path, reference: dict) -> None:
    """TEST09: output-length statistics of the compliance run, then the verdict."""
    mean = plan.tokens_per_sample
    lines = [f"Total samples: {plan.accuracy_samples}", f"Mean output tokens: {mean:.2f}",
             f"Min output tokens: {int(mean * 0.2)}", f"Max output tokens: {int(mean * 3)}",
             f"Std deviation: {mean * 0.4:.2f}", "Min check pass: True", "Max check pass: True", "TEST PASS"]
    write(test_dir / "verify_output_len.txt", "\n".join(lines) + "\n")


WRITERS: dict[str, Callable[[ResultPlan, Path, dict], None]] = {
    "TEST01": test01, "TEST04": _performance_test("TEST04", _TEST04_AUDIT),
    "TEST05": _performance_test("TEST05", {"test05": True}), "TEST06": test06,
    "TEST07": test07, "TEST08": test08, "TEST09": test09}


def write_tests(plan: ResultPlan, root: Path, reference: dict) -> list[str]:
    """Write every compliance test the benchmark needs under `root`; `reference` holds the values of
    the submission's performance run. Returns the test names."""
    for test in plan.bench.compliance:
        WRITERS[test](plan, root / test, reference)
    return list(plan.bench.compliance)
