"""Compliance (CMP): what the submitted verification outputs claim against what the logs show, and
which audit checks could not be recomputed from the published files (and why)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from checker.checks.compliance import comparison, present_tests, verify
from checker.checks.compliance_recompute import test01_accuracy, test06, test08, test09
from checker.compliance.verify import VerifyText
from checker.context import ResultContext
from checker.model import Issue
from checker.registry import rule

TEST01_COUNTERS = ("num_acc_log_entries", "num_perf_log_entries", "num_perf_log_qsl_idx_match",
                   "num_perf_log_data_mismatch")
TEST08_COUNTERS = ("num_acc_log_entries", "num_perf_log_entries", "num_matched", "num_unmatched", "num_ne_mismatch")
#: Verification outputs print rounded scores; numbers closer than this (relative) are the same.
#: This is the checker's comparison precision, not an MLPerf constant.
PRINT_TOLERANCE = 1e-3
TEST06_LABELS = {"eos": "EOS check pass", "first_token": "First token check pass", "length": "Sample length check pass"}


def _close(shown: float, value: float) -> bool:
    """Equal within the precision verification outputs print with."""
    return abs(shown - value) <= PRINT_TOLERANCE * max(abs(value), 1e-12) + 0.005


def _differences(text: VerifyText, expected: Iterable[tuple[str, float | None, float | None]]) -> Iterator[Issue]:
    """An issue for each (label, value, alternative) whose number in `text` is neither `value` nor `alternative`."""
    for label, value, alternative in expected:
        shown = text.number(label)
        if shown is None or value is None:
            continue
        if _close(shown[0], value) or (alternative is not None and _close(shown[0], alternative)):
            continue
        yield Issue(f"{text.path.parent.name}/{text.path.name} reports {label} = {shown[0]:g} but the logs give "
                    f"{value:.6g}", path=text.path, line=shown[1], expected=f"{value:.6g}", actual=f"{shown[0]:g}",
                    hint="Re-run the verification script on the logs that are submitted (it was run on other logs, "
                         "or its output was edited).")


def _verdict_disagrees(text: VerifyText | None, recomputed_pass: bool, what: str) -> Iterator[Issue]:
    if text is not None and recomputed_pass and text.pass_line is None and text.fail_line is not None:
        yield Issue(f"{text.path.parent.name}/{text.path.name} reports TEST FAIL but {what} passes when recomputed "
                    f"from the logs", path=text.path, line=text.fail_line, expected="TEST PASS", actual="TEST FAIL",
                    hint="Re-run the verification script on the submitted logs and upload its output.")


def _performance(ctx: ResultContext, test: str, tdir: Path) -> Iterator[Issue]:
    result = comparison(ctx, test, tdir)
    text = verify(ctx, tdir / "verify_performance.txt")
    if result is None or text is None:
        return
    scores = (("Reference score", result.reference), ("Test score", result.test))
    yield from _differences(text, [(label, value, 1e9 / value if value else None) for label, value in scores])
    yield from _verdict_disagrees(text, result.passed, f"{test}'s performance check")


def _test01(ctx: ResultContext, tdir: Path) -> Iterator[Issue]:
    text = verify(ctx, tdir / "verify_accuracy.txt")
    if text is None:
        return
    got = test01_accuracy(ctx, tdir)
    if got.complete:
        yield from _differences(text, [(name, getattr(got.value, name), None) for name in TEST01_COUNTERS])
        yield from _verdict_disagrees(text, got.value.faithful_pass, "TEST01's accuracy check")
        return
    expected = ctx.benchmark.expected_accuracy_samples(ctx.scenario) if ctx.benchmark else None
    shown = text.number("num_acc_log_entries")
    if expected and shown and shown[0] < expected:
        yield Issue(f"TEST01/verify_accuracy.txt was computed against an accuracy log of {shown[0]:g} entries; "
                    f"the accuracy run logs {expected} samples", path=text.path, line=shown[1],
                    expected=f">= {expected}", actual=f"{shown[0]:g}",
                    hint="Run TEST01's verification against the submitted accuracy run's full log.")


def _test06(ctx: ResultContext, tdir: Path) -> Iterator[Issue]:
    text, got = verify(ctx, tdir / "verify_accuracy.txt"), test06(ctx, tdir)
    if text is None or got is None or not got.complete:
        return
    for attr, label in TEST06_LABELS.items():
        flag = text.flag(label)
        if flag is not None and flag[0] == "False" and not getattr(got.value, attr):
            yield Issue(f"TEST06/verify_accuracy.txt reports '{label}: False' but the check passes on the submitted "
                        f"log ({got.value.entries} samples)", path=text.path, line=flag[1], expected="True",
                        actual="False", hint="Re-run TEST06's verification on the submitted log and upload its output.")


def _thresholds(ctx: ResultContext, test: str, text: VerifyText | None, labels: dict[str, str]) -> Iterator[Issue]:
    bound = ctx.benchmark.compliance_bounds.get(test) if ctx.benchmark else None
    if bound is None or text is None:
        return
    for label, end in labels.items():
        shown, value = text.number(label), getattr(bound, end)
        if shown is not None and value is not None and not _close(shown[0], value):
            yield Issue(f"{test}/{text.path.name} applies {label} = {shown[0]:g}; the round's is {value:g}",
                        path=text.path, line=shown[1], expected=f"{value:g}", actual=f"{shown[0]:g}",
                        hint=f"Run {test}'s verification with the round's audit.config thresholds.")


def _test08(ctx: ResultContext, tdir: Path) -> Iterator[Issue]:
    text, got = verify(ctx, tdir / "verify_accuracy.txt"), test08(ctx, tdir)
    if text is None:
        return
    tolerance = ctx.rulebook.compliance_checks.test("TEST08").tolerance
    shown = text.number("tolerance")
    if tolerance is not None and shown is not None and not _close(shown[0], tolerance * 100):
        yield Issue(f"TEST08/verify_accuracy.txt used a tolerance of {shown[0]:g} %; the round's is {tolerance * 100:g} %",
                    path=text.path, line=shown[1], expected=f"{tolerance * 100:g} %", actual=f"{shown[0]:g} %",
                    hint="Run TEST08's verification with the default --tolerance.")
    if got.value is not None:
        yield from _differences(text, [(name, getattr(got.value, name), None) for name in TEST08_COUNTERS])
        yield from _verdict_disagrees(text, got.value.passed, "TEST08")


def _test09(ctx: ResultContext, tdir: Path) -> Iterator[Issue]:
    text, got = verify(ctx, tdir / "verify_output_len.txt"), test09(ctx, tdir)
    yield from _thresholds(ctx, "TEST09", text, {"Min threshold": "min", "Max threshold": "max"})
    if text is None or got.value is None:
        return
    yield from _differences(text, [("Mean output tokens", got.value.mean, None), ("Total samples", got.value.count, None)])


@rule("CMP012", "verify-output-mismatch", severity="warning")
def verify_output_mismatch(ctx: ResultContext) -> Iterator[Issue]:
    """A submitted verification output disagrees with the logs it is supposed to summarise.

    Checks: the numbers of `verify_performance.txt` (reference and test score, also as
    1e9/latency) against the detail logs; TEST01's `verify_accuracy.txt` counters against the
    recomputation on full logs, or its accuracy-log entry count against the accuracy run's sample
    count; TEST06's check lines, TEST08's counters and tolerance, TEST09's mean, sample count and
    thresholds, TEST07's threshold against the rulebook; and any `TEST FAIL` the logs contradict.
    (A `TEST PASS` the logs contradict is an error of the recomputation rules.)
    Why: the verification output should be the script's output on the submitted logs; different
    numbers mean it was produced from other logs, with other settings, or edited.
    Fix: re-run the test's verification script on the submitted logs, with the round's thresholds,
    and upload its unedited output.
    Rules: MLPerf Inference rules, "Audit" / compliance tests; submission rules (unmodified outputs).
    """
    for test, tdir in present_tests(ctx):
        if ctx.rulebook.compliance_checks.test(test).performance is not None:
            yield from _performance(ctx, test, tdir)
        if test == "TEST01":
            yield from _test01(ctx, tdir)
        elif test == "TEST06":
            yield from _test06(ctx, tdir)
        elif test == "TEST07":
            yield from _thresholds(ctx, test, verify(ctx, tdir / "verify_accuracy.txt"), {"Accuracy threshold": "min"})
        elif test == "TEST08":
            yield from _test08(ctx, tdir)
        elif test == "TEST09":
            yield from _test09(ctx, tdir)


def _reasons(ctx: ResultContext, test: str, tdir: Path) -> str | None:
    """Why a test's accuracy-side check could not be recomputed (None when it was)."""
    if test == "TEST01":
        got = test01_accuracy(ctx, tdir)
        return None if got.complete else f"TEST01 accuracy: {got.reason}; compared the visible entries and the counters " \
                                         f"of verify_accuracy.txt instead"
    if test == "TEST06":
        got = test06(ctx, tdir)
        return None if got is None or got.complete else f"TEST06: {got.reason}; per-sample checks run on the visible " \
                                                        f"entries, the sample count unchecked"
    if test == "TEST07":
        return "TEST07: scoring needs the benchmark's evaluator and the full log; the score of verify_accuracy.txt " \
               "was checked against the round's threshold instead"
    if test == "TEST08":
        got = test08(ctx, tdir)
        return None if got.complete else f"TEST08: {got.reason}; the counters of verify_accuracy.txt were checked instead"
    if test == "TEST09":
        got = test09(ctx, tdir)
        return None if got.complete else f"TEST09: {got.reason}; the mean of verify_output_len.txt was checked instead"
    return None


@rule("CMP013", "compliance-not-recomputed", severity="info")
def compliance_not_recomputed(ctx: ResultContext) -> Iterator[Issue]:
    """A compliance test's accuracy-side check could not be recomputed from the submitted files.

    Checks: nothing fails here; it records, per test, why the recomputation rules fell back to the
    verification output: TEST01/TEST08/TEST09 logs truncated by the publication tool (4096 + 4096
    characters kept) with no raw copy, a truncated TEST06 log, TEST07's evaluator.
    Why: a verdict re-checked only from the submitter's own output is weaker evidence than one
    recomputed from the logs; reviewers should know which is which.
    Fix: nothing is required; to allow the recomputation, keep the untruncated logs (the truncation
    tool's backup) available to the reviewers, e.g. as a raw copy in the test folder.
    Rules: MLPerf Inference submission rules, accuracy-log truncation; "Audit" / compliance tests.
    """
    for test, tdir in present_tests(ctx):
        reason = _reasons(ctx, test, tdir)
        if reason:
            yield Issue(f"not recomputed: {reason}", path=tdir, expected="recomputable logs", actual="truncated or absent",
                        hint="Keep the untruncated logs available to the reviewers to allow a full recomputation.")
