"""CMP rules: firing and silent cases on generated trees, and what they say about the real trees."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from checker.parsers.loadgen import parse_detail_log
from checker.rulebook import available_rounds, load_rulebook
from checker.samplegen.accuracy import entry, fields, render_log
from checker.samplegen.specs import ResultSpec, SubmissionSpec, SystemSpec
from checker.samplegen.tree import write_submission
from tests.rulecase import RuleCase, case_id, run_case
from tests.treeedit import delete, drop_log_key, replace_text, set_log_value

R = "closed/Acme/results/acme_e1_edge/resnet50"
LLM = "closed/Acme/results/acme_x8_dc/llama3.1-8b"
V51 = "closed/Acme/compliance/acme_x8_dc/resnet50"
GPT = "closed/Acme/results/dc/gpt-oss-120b/Offline"
DLRM = "closed/Acme/results/dc/dlrm-v3/Offline"
RUN = "performance/run_1/mlperf_log_detail.txt"
ACC = "mlperf_log_accuracy.json"
#: Trees made by this module (gpt-oss-120b with TEST07/TEST09, dlrm-v3 with TEST08).
OWN_TREES = {"cmp-gptoss": ("gpt-oss-120b", "Offline"), "cmp-dlrm3": ("dlrm-v3", "Offline")}


# --------------------------------------------------------------------------- log writers


def int32(*values: int) -> str:
    return struct.pack(f"<{len(values)}i", *values).hex().upper()


def write_log(path: Path, items: list[tuple[int, str]]) -> str:
    """Write an accuracy log of (qsl_idx, payload fields) entries; return its text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_log(entry(seq, idx, payload) for seq, (idx, payload) in enumerate(items))
    path.write_text(text, encoding="ascii")
    return text


def full_test01_logs(tree: Path, change=lambda idx, value: value, scenario: str = "Offline") -> None:
    """Small untruncated accuracy-run and TEST01 logs (resnet int32 class ids); `change` alters the
    performance-mode value of a sample."""
    base = tree / R / scenario
    write_log(base / "accuracy" / ACC, [(i, fields(int32(i * 3))) for i in range(20)])
    write_log(base / "TEST01" / "accuracy" / ACC, [(i, fields(int32(change(i, i * 3)))) for i in (2, 5, 5, 11, 17)])


def first_byte_differs(tree: Path) -> None:
    full_test01_logs(tree, lambda idx, v: v + 1 if idx == 11 else v)


def later_byte_differs(tree: Path) -> None:
    full_test01_logs(tree, lambda idx, v: v + 256 if idx == 17 else v)


def identical_full_logs(tree: Path) -> None:
    full_test01_logs(tree)


def all_full_logs(tree: Path) -> None:
    for scenario in ("SingleStream", "MultiStream", "Offline"):
        full_test01_logs(tree, scenario=scenario)


def visible_difference_in_truncated_logs(tree: Path) -> None:
    base = tree / R / "Offline"
    write_log(base / "accuracy" / ACC, [(i, fields(int32(i))) for i in range(400)])
    write_log(base / "TEST01" / "accuracy" / ACC, [(i, fields(int32(i + 1 if i == 3 else i))) for i in range(400)])
    for path in (base / "accuracy" / ACC, base / "TEST01" / "accuracy" / ACC):
        text = path.read_text()
        path.write_text(text[:4096] + "\n\n...\n\n" + text[-4096:])


def tokens(count: int, end: tuple[int, ...] = (128009,)) -> list[int]:
    return [1000 + i for i in range(count - len(end))] + list(end)


def write_test06_log(tree: Path, scenario: str, samples: list[list[int]], counts: list[int] | None = None) -> None:
    items = []
    for i, ids in enumerate(samples):
        data = int32(*ids)
        first = data[:8] if scenario != "Offline" else None
        items.append((i, fields(data, first, counts[i] if counts else len(ids))))
    write_log(tree / LLM / scenario / "TEST06" / "accuracy" / ACC, items)


# --------------------------------------------------------------------------- mutations


def drop_test04(tree: Path) -> None:
    delete(tree / R / "Offline" / "TEST04")


def lower_case_compliance_scenario(tree: Path) -> None:
    (tree / V51 / "Offline").rename(tree / V51 / "offline")


def drop_verify_performance(tree: Path) -> None:
    delete(tree / R / "Offline" / "TEST01" / "verify_performance.txt")


def nondeterministic(tree: Path) -> None:
    replace_text(tree / R / "Offline" / "TEST01" / "verify_accuracy.txt", "TEST PASS", "TEST FAIL")


def nondeterministic_outputs(baseline: float, compliance: float):
    def mutate(tree: Path) -> None:
        nondeterministic(tree)
        acc = tree / R / "Offline" / "TEST01" / "accuracy"
        (acc / "baseline_accuracy.txt").write_text(f"accuracy={baseline}%, good=3, total=4\n")
        (acc / "compliance_accuracy.txt").write_text(f"accuracy={compliance}%, good=3, total=4\n")
    mutate.__name__ = f"nondeterministic_{baseline}_{compliance}"
    return mutate


def fail_test04(tree: Path) -> None:
    replace_text(tree / R / "Offline" / "TEST04" / "verify_performance.txt", "TEST PASS", "TEST FAIL: Test score invalid")


def eos_reported_false(tree: Path) -> None:
    replace_text(tree / LLM / "Offline" / "TEST06" / "verify_accuracy.txt", "EOS check pass: True", "EOS check pass: False")


def audit_dropped_from_test04(tree: Path) -> None:
    log = tree / R / "Offline" / "TEST04" / RUN
    drop_log_key(log, "warning_generic_message")
    set_log_value(log, "effective_performance_issue_same", False)


def wrong_sampling_target(tree: Path) -> None:
    set_log_value(tree / R / "Offline" / "TEST01" / RUN, "effective_accuracy_log_sampling_target", 100)


def wrong_seed_in_test01(tree: Path) -> None:
    set_log_value(tree / R / "Offline" / "TEST01" / RUN, "effective_qsl_rng_seed", 1)


def v41_test05_copied_from_test04(tree: Path) -> None:
    shutil.copytree(tree / V51 / "Offline" / "TEST04", tree / V51 / "Offline" / "TEST05")


def _scale(test: str, factor: float):
    def mutate(tree: Path) -> None:
        reference = parse_detail_log(tree / R / "Offline" / RUN).value.get("result_samples_per_second")
        set_log_value(tree / R / "Offline" / test / RUN, "result_samples_per_second", reference * factor)
    mutate.__name__ = f"{test.lower()}_score_x{factor}"
    return mutate


def verify_counters_contradict(tree: Path) -> None:
    replace_text(tree / R / "Offline" / "TEST01" / "verify_accuracy.txt", "num_perf_log_data_mismatch = 0",
                 "num_perf_log_data_mismatch = 3")


def empty_test06_log(tree: Path) -> None:
    (tree / LLM / "Interactive" / "TEST06" / "accuracy" / ACC).write_text("[\n]\n")


def wrong_token_count(tree: Path) -> None:
    write_test06_log(tree, "Offline", [tokens(12) for _ in range(100)], counts=[12] * 99 + [13])


def double_eos(tree: Path) -> None:
    write_test06_log(tree, "Server", [tokens(12) for _ in range(99)] + [tokens(12, (128009, 128009))])


def sparse_test06_log(tree: Path) -> None:
    write_test06_log(tree, "Offline", [tokens(12) for _ in range(30)])


def gptoss_score(value: str):
    def mutate(tree: Path) -> None:
        path = tree / GPT / "TEST07" / "verify_accuracy.txt"
        text = path.read_text()
        path.write_text("\n".join(line for line in text.splitlines() if "exact_match" not in line
                                  and not line.startswith("Accuracy score")) + (f"\nAccuracy score: {value}\n" if value else "\n"))
    mutate.__name__ = f"test07_score_{value or 'absent'}"
    return mutate


def output_len_mean(value: float, bounds: bool = False):
    def mutate(tree: Path) -> None:
        lines = ["Total samples: 6396", f"Mean output tokens: {value:.2f}", "Min threshold: "
                 + ("1000" if bounds else "1150.38"), "Max threshold: 1406.02", "TEST PASS"]
        (tree / GPT / "TEST09" / "verify_output_len.txt").write_text("\n".join(lines) + "\n")
    mutate.__name__ = f"test09_mean_{value}{'_bounds' if bounds else ''}"
    return mutate


def short_outputs_full_log(tree: Path) -> None:
    output_len_mean(1300.0)(tree)
    write_log(tree / GPT / "TEST09" / "accuracy" / ACC, [(i, fields(int32(*range(50)))) for i in range(10)])


def dlrm_verify(unmatched: int):
    def mutate(tree: Path) -> None:
        lines = ["num_acc_log_entries = 4096", "num_perf_log_entries = 4096", "num_matched = 4096",
                 f"num_unmatched = {unmatched}", "num_ne_mismatch = 0", "tolerance = 0.10%", "TEST PASS",
                 "TEST08 verification complete"]
        (tree / DLRM / "TEST08" / "verify_accuracy.txt").write_text("\n".join(lines) + "\n")
    mutate.__name__ = f"test08_unmatched_{unmatched}"
    return mutate


def dlrm_payload(key: int, preds: list[float]) -> str:
    values = [key, 1, *preds, 0, 1, 1, 1, 1, 1, len(preds)]
    return struct.pack(f"<{len(values)}f", *values).hex().upper()


def dlrm_full_logs(shift: float):
    def mutate(tree: Path) -> None:
        dlrm_verify(0)(tree)
        write_log(tree / DLRM / "accuracy" / ACC, [(k, fields(dlrm_payload(k, [0.2, 0.7, 0.6]))) for k in range(6)])
        write_log(tree / DLRM / "TEST08" / "accuracy" / ACC,
                  [(k, fields(dlrm_payload(k, [0.2 + shift, 0.7, 0.6]))) for k in (1, 4)])
    mutate.__name__ = f"test08_full_logs_shift_{shift}"
    return mutate


def full_logs_but_fail_reported(tree: Path) -> None:
    identical_full_logs(tree)
    nondeterministic_outputs(76.0, 76.0)(tree)


def reference_score_edited(tree: Path) -> None:
    replace_text(tree / R / "Offline" / "TEST04" / "verify_performance.txt", "reference score = ", "reference score = 1")


def acc_entries_edited(tree: Path) -> None:
    replace_text(tree / R / "Offline" / "TEST01" / "verify_accuracy.txt", "num_acc_log_entries = 50000",
                 "num_acc_log_entries = 100")


CASES = [
    RuleCase("CMP001", True, mutate=drop_test04, message="compliance test TEST04 is missing"),
    RuleCase("CMP001", True, base="closed-v5.1", round="v4.1", id="v41-needs-test05", message="TEST05 is missing"),
    RuleCase("CMP001", False),
    RuleCase("CMP001", False, base="closed-v5.1"),
    RuleCase("CMP001", False, base="open-v6.0"),
    RuleCase("CMP001", False, base="closed-v5.1", mutate=lower_case_compliance_scenario),
    RuleCase("CMP002", True, mutate=drop_verify_performance, message="TEST01 lacks verify_performance.txt"),
    RuleCase("CMP002", True, mutate=nondeterministic, message="lacks accuracy/baseline_accuracy.txt"),
    RuleCase("CMP002", False),
    RuleCase("CMP003", True, mutate=fail_test04, message="does not report TEST PASS (TEST FAIL: Test score invalid)"),
    RuleCase("CMP003", True, mutate=eos_reported_false, message="'EOS check pass' is False"),
    RuleCase("CMP003", True, mutate=nondeterministic_outputs(76.0, 74.0), message="over the 1.0 % allowed"),
    RuleCase("CMP003", False, mutate=nondeterministic_outputs(76.0, 76.0)),
    RuleCase("CMP003", False),
    RuleCase("CMP004", True, mutate=audit_dropped_from_test04, message="does not show LoadGen's audit.config warning"),
    RuleCase("CMP004", True, mutate=audit_dropped_from_test04, id="issue-same",
             message="effective_performance_issue_same = False, its audit.config sets True"),
    RuleCase("CMP004", True, mutate=wrong_sampling_target, message="its audit.config sets 4096"),
    RuleCase("CMP004", False),
    RuleCase("CMP004", False, base="closed-v5.1"),
    RuleCase("CMP005", True, mutate=wrong_seed_in_test01, message="TEST01 run, PERF007 rng-seeds"),
    RuleCase("CMP005", True, base="closed-v5.1", round="v4.1", mutate=v41_test05_copied_from_test04,
             message="TEST05 run, PERF007 rng-seeds"),
    RuleCase("CMP005", False),
    RuleCase("CMP006", True, mutate=_scale("TEST01", 1.2), message="the submitted verify_performance.txt claims TEST PASS"),
    RuleCase("CMP006", True, mutate=_scale("TEST04", 1.15), message="TEST04 performance recomputed from the detail logs fails"),
    RuleCase("CMP006", False, mutate=_scale("TEST04", 0.5)),
    RuleCase("CMP006", False),
    RuleCase("CMP007", True, mutate=first_byte_differs, message="1 of 5 matched responses differ in their first byte"),
    RuleCase("CMP007", True, mutate=later_byte_differs, message="differ from the accuracy run further on"),
    RuleCase("CMP007", True, mutate=visible_difference_in_truncated_logs, message="visible in both truncated logs, 1 differ"),
    RuleCase("CMP007", True, mutate=verify_counters_contradict, message="its own counters say otherwise"),
    RuleCase("CMP007", False, mutate=identical_full_logs),
    RuleCase("CMP007", False),
    RuleCase("CMP008", True, mutate=empty_test06_log, message="TEST06 accuracy log is empty: 0 samples"),
    RuleCase("CMP008", True, mutate=wrong_token_count, message="sample length check recomputed fails for 1 of 100"),
    RuleCase("CMP008", True, mutate=double_eos, message="EOS check recomputed fails"),
    RuleCase("CMP008", True, mutate=sparse_test06_log, message="holds only 30 samples"),
    RuleCase("CMP008", False),
    RuleCase("CMP008", False, base="closed-v5.1"),
    RuleCase("CMP009", True, base="cmp-gptoss", mutate=gptoss_score("59.1"), message="below the round's threshold 60.698"),
    RuleCase("CMP009", True, base="cmp-gptoss", mutate=gptoss_score(""), message="states no accuracy score"),
    RuleCase("CMP009", False, base="cmp-gptoss"),
    RuleCase("CMP010", True, base="cmp-dlrm3", mutate=dlrm_verify(2), message="reports num_unmatched = 2"),
    RuleCase("CMP010", True, base="cmp-dlrm3", mutate=dlrm_full_logs(0.1), message="TEST08 recomputed from the full logs fails"),
    RuleCase("CMP010", False, base="cmp-dlrm3", mutate=dlrm_full_logs(0.0)),
    RuleCase("CMP010", False, base="cmp-dlrm3", mutate=dlrm_verify(0)),
    RuleCase("CMP011", True, base="cmp-gptoss", mutate=output_len_mean(1100.0), message="1100.00 tokens is outside [1150.38, 1406.02]"),
    RuleCase("CMP011", True, base="cmp-gptoss", mutate=short_outputs_full_log, message="recomputed from 10 logged responses"),
    RuleCase("CMP011", False, base="cmp-gptoss", mutate=output_len_mean(1300.0)),
    RuleCase("CMP012", True, mutate=reference_score_edited, message="reports Reference score = 14630.1"),
    RuleCase("CMP012", True, mutate=acc_entries_edited, message="against an accuracy log of 100 entries"),
    RuleCase("CMP012", True, base="cmp-gptoss", mutate=output_len_mean(1300.0, bounds=True), message="applies Min threshold = 1000"),
    RuleCase("CMP012", True, mutate=full_logs_but_fail_reported,
             message="reports TEST FAIL but TEST01's accuracy check passes"),
    RuleCase("CMP012", False),
    RuleCase("CMP012", False, base="closed-v5.1"),
    RuleCase("CMP013", True, message="not recomputed: TEST01 accuracy"),
    RuleCase("CMP013", False, mutate=all_full_logs),
]


@pytest.fixture(scope="module")
def trees(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared samples plus this module's own trees, side by side."""
    out = tmp_path_factory.mktemp("cmp-trees")
    for name in ("closed-v5.1", "closed-v6.0", "open-v6.0"):
        (out / name).symlink_to(samples / name)
    for name, (benchmark, scenario) in OWN_TREES.items():
        write_submission(out / name, SubmissionSpec(round="v6.0", division="closed", submitter="Acme", systems=[
            SystemSpec(name="dc", system_type="datacenter", results=[ResultSpec(benchmark, scenario)])]))
    (out / "cmp-gptoss" / GPT / "TEST09" / "verify_output_len.txt").write_text(
        "Total samples: 6396\nMean output tokens: 1283.40\nMin threshold: 1150.38\nMax threshold: 1406.02\nTEST PASS\n")
    return out


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, trees: Path, tmp_path: Path) -> None:
    report = run_case(case, trees, tmp_path)
    if case.mutate is later_byte_differs:
        assert {f.severity for f in report.findings if f.code == "CMP007"} == {"warning"}
    if case.mutate is sparse_test06_log:
        assert {f.severity for f in report.findings if f.code == "CMP008"} == {"warning"}


# --------------------------------------------------------------------------- rulebook data


@pytest.mark.parametrize("round_", available_rounds())
def test_every_required_test_has_its_data(round_: str) -> None:
    book = load_rulebook(round_)
    for name, bench in book.benchmarks.items():
        for test in bench.compliance:
            assert test in book.compliance_tests, f"{round_} {name}: no file list for {test}"
            assert test in book.compliance_checks.tests, f"{round_} {name}: no compliance_checks for {test}"
        if "TEST01" in bench.compliance:
            assert "accuracy_log_sampling_target" in bench.compliance_audit.get("TEST01", {}), f"{round_} {name}"
        if "TEST06" in bench.compliance:
            assert bench.eos_token_ids, f"{round_} {name}: TEST06 needs the EOS ids"
        for test in ("TEST07", "TEST09"):
            if test in bench.compliance:
                assert test in bench.compliance_bounds, f"{round_} {name}: {test} needs its bounds"


# --------------------------------------------------------------------------- real submissions


def _cmp(real: Path, tree: str, submitter: str | None = None, code: str = "CMP"):
    from checker.engine import RunConfig, check

    return check(real / tree, RunConfig(select=[code], jobs=1, submitter=submitter))


def test_real_v60_krai_wan_test04_ran_without_its_audit_config(real: Path) -> None:
    report = _cmp(real, "v6.0", "Krai", "CMP004")
    hits = {(f.result, f.message.split(":")[0]) for f in report.findings}
    for scenario in ("offline", "singlestream"):
        result = f"closed/Krai/results/h200_n1-kissv/wan-2.2-t2v-a14b/{scenario}"
        assert (result, "TEST04 run does not show LoadGen's audit.config warning") in hits
    assert all("wan-2.2" in f.result and f.result.startswith("closed/") for f in report.findings)


def test_real_v51_test01_verified_against_another_reference_run(real: Path) -> None:
    report = _cmp(real, "v5.1", "University-of-Florida")
    assert [f.code for f in report.findings if f.severity != "info"] == ["CMP012"]
    only = next(f for f in report.findings if f.code == "CMP012")
    assert "Reference score = 31.8603 but the logs give 31.935" in only.message


def test_real_v41_compliance_all_recomputed_clean(real: Path) -> None:
    report = _cmp(real, "v4.1", "Google")
    assert not [f for f in report.findings if f.severity in ("error", "warning")]
    infos = [f for f in report.findings if f.code == "CMP013"]
    assert infos and all("TEST01 accuracy" in f.message and "truncated" in f.message for f in infos)
