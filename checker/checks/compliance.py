"""Compliance (CMP): the audit tests each result needs, their files, the verdicts their scripts wrote,
that their runs were made under the test's audit.config, and their performance re-judged from the logs.

Which tests a benchmark needs comes from the rulebook (`benchmarks.<name>.compliance`), in the closed
and network divisions only; where they live follows the layout (`compliance/<system>/<benchmark>/
<scenario>/TESTxx` up to v5.1, `TESTxx/` inside the result from v6.0). The recomputation of the tests'
accuracy-side checks is in `compliance_recompute`; the algorithms are in `checker.compliance`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from checker.checks.performance import judge_performance_log
from checker.compliance.audit import audit_gaps
from checker.compliance.performance import Comparison, compare_runs
from checker.compliance.verify import VerifyText, parse_verify
from checker.context import ResultContext
from checker.model import Issue, Severity
from checker.parsers.common import Parsed
from checker.parsers.loadgen import DetailLog
from checker.registry import REGISTRY, rule
from checker.tree import lkind

RUN_LOG = "performance/run_1/mlperf_log_detail.txt"
TEST06_LINES = (("First token check pass", ("True", "Skipped")), ("EOS check pass", ("True",)),
                ("Sample length check pass", ("True",)))


# --------------------------------------------------------------------------- shared helpers


def required_tests(ctx: ResultContext) -> list[str]:
    """The compliance tests this result needs (none in open, for unknown benchmarks, for endpoints
    results: their audits are JSON files, see `checks.endpoints`)."""
    bench = ctx.benchmark
    if bench is None or not ctx.rulebook.division_rules.closed(ctx.unit.division) or ctx.endpoints:
        return []
    return list(bench.compliance)


def _compliance_root(ctx: ResultContext) -> Path:
    """The directory holding the result's TESTxx folders; up to v5.1 the scenario folder of the
    compliance tree may differ in case from the results tree (`offline` vs `Offline`)."""
    root = ctx.unit.compliance_dir
    if ctx.unit.layout != "v5" or root.is_dir():
        return root
    try:
        names = sorted(e.name for e in os.scandir(root.parent) if e.is_dir(follow_symlinks=False))
    except OSError:
        return root
    same = [n for n in names if n.lower() == root.name.lower()]
    return root.parent / same[0] if same else root


def test_dir(ctx: ResultContext, test: str) -> Path | None:
    """The folder of `test` for this result when it exists (links are not followed)."""
    path = _compliance_root(ctx) / test
    return path if lkind(path) == "dir" else None


def present_tests(ctx: ResultContext) -> list[tuple[str, Path]]:
    """(test, folder) of every required test that is present (looked up once per result: a dozen rules ask)."""
    return ctx.cache.get("compliance-tests", ctx.unit.path, lambda _: Parsed(
        [(t, d) for t in required_tests(ctx) if (d := test_dir(ctx, t)) is not None])) or []


def verify(ctx: ResultContext, path: Path) -> VerifyText | None:
    """A verification output, parsed once (None when missing or unreadable; LOG findings follow)."""
    return ctx.cache.get("verify", path, parse_verify)


def claim(text: VerifyText | None, name: str) -> str:
    """What the submitted verification output says, for messages."""
    if text is None:
        return f"no {name} was submitted"
    if text.pass_line is not None:
        return f"the submitted {name} claims TEST PASS (line {text.pass_line})"
    if text.fail_line is not None:
        return f"the submitted {name} also reports TEST FAIL (line {text.fail_line})"
    return f"the submitted {name} states no verdict"


def run_log(ctx: ResultContext, tdir: Path) -> DetailLog | None:
    """The detail log of a test's performance-mode run."""
    return ctx.detail_log(tdir / RUN_LOG)


def comparison(ctx: ResultContext, test: str, tdir: Path) -> Comparison | None:
    """The test's performance check recomputed from the submitted and the test run's detail logs."""
    rules = ctx.rulebook.compliance_checks
    policy = rules.test(test).performance
    reference, log = ctx.perf_log, run_log(ctx, tdir)
    if policy is None or reference is None or log is None:
        return None
    return compare_runs(reference, log, policy, rules.score_field, rules.relaxed_latency_ns)


def verify_files(ctx: ResultContext, test: str) -> list[str]:
    """The verification outputs a test must have (the `verify_*` names of its required files)."""
    files = ctx.rulebook.compliance_tests.get(test, {})
    return [f for f in files.get("required", []) if f.startswith("verify_")]


def _nondeterministic(ctx: ResultContext, tdir: Path) -> bool:
    """TEST01's accuracy was not verified deterministically (no `TEST PASS` in verify_accuracy.txt)."""
    text = verify(ctx, tdir / "verify_accuracy.txt")
    return text is not None and text.pass_line is None


# --------------------------------------------------------------------------- structure


@rule("CMP001", "compliance-test-missing", fast=True)
def compliance_test_missing(ctx: ResultContext) -> Iterator[Issue]:
    """A compliance test the benchmark needs is missing from the result.

    Checks: for closed and network results, every test the round requires for the benchmark
    (TEST01, TEST04, TEST05 in v4.1, TEST06, TEST07, TEST08, TEST09 per the rulebook) has its
    folder: `compliance/<system>/<benchmark>/<scenario>/TESTxx` up to v5.1, `TESTxx/` inside the
    result directory from v6.0. Reported once per missing test. Open results are exempt.
    Why: the audit tests are the evidence that the submitted run was not tuned to the official
    settings (caching, sampling, seeds, output consistency); without them the result is unaudited.
    Fix: run the named test with the audit.config of `compliance/TESTxx` of the round's inference
    repository, run its `run_verification.py`, and copy its output folder to the path given.
    Rules: MLPerf Inference rules, "Audit" / compliance tests; submission rules, "Directory structure".
    """
    for test in required_tests(ctx):
        if test_dir(ctx, test) is None:
            where = ctx.unit.compliance_test_dir(test)
            yield Issue(f"compliance test {test} is missing ({ctx.rel(where)} does not exist)", path=where,
                        expected=f"{test}/ with its verification output and logs", actual="absent",
                        hint=f"Run {test} with its audit.config, then run compliance/{test}/run_verification.py "
                             f"and copy its output folder to {ctx.rel(where)}.")


@rule("CMP002", "compliance-file-missing", fast=True)
def compliance_file_missing(ctx: ResultContext) -> Iterator[Issue]:
    """A file a compliance test folder must hold is missing.

    Checks: each present test folder holds the files of the round's list (`compliance_tests` of the
    rulebook): the verification outputs (`verify_accuracy.txt`, `verify_performance.txt`,
    `verify_output_len.txt`) and the logs they were computed from; for TEST01 whose accuracy was
    not verified deterministically also `accuracy/baseline_accuracy.txt` and
    `accuracy/compliance_accuracy.txt`.
    Why: a verdict without the logs behind it cannot be re-checked, and logs without the verdict
    show the test was not verified.
    Fix: copy the complete output folder that `run_verification.py` wrote (and, for TEST01's
    non-deterministic mode, the two accuracy outputs of `create_accuracy_baseline.sh`).
    Rules: MLPerf Inference submission rules, "Directory structure" (compliance folders).
    """
    for test, tdir in present_tests(ctx):
        needed = list(ctx.rulebook.compliance_tests.get(test, {}).get("required", []))
        if test == "TEST01" and _nondeterministic(ctx, tdir):
            needed += ["accuracy/baseline_accuracy.txt", "accuracy/compliance_accuracy.txt"]
        for name in needed:
            path = tdir / name
            kind = lkind(path)
            if kind is None or kind == "dir":
                found = "absent" if kind is None else "a directory"
                yield Issue(f"{test} lacks {name}{'' if found == 'absent' else ' (a directory is in its place)'}",
                            path=path, expected=name, actual=found,
                            hint=f"Copy {name} from the output folder of {test}'s run_verification.py.")


# --------------------------------------------------------------------------- the submitted verdicts


def _pass_missing(ctx: ResultContext, test: str, tdir: Path) -> Iterator[Issue]:
    for name in verify_files(ctx, test):
        if test == "TEST06" or (test == "TEST01" and name == "verify_accuracy.txt"):
            continue
        text = verify(ctx, tdir / name)
        if text is not None and text.pass_line is None:
            line = text.fail_line
            yield Issue(f"{test}/{name} does not report TEST PASS"
                        + (f" ({text.lines[line - 1].strip()})" if line else ""),
                        path=tdir / name, line=line, expected="TEST PASS",
                        actual=text.lines[line - 1].strip() if line else "no verdict",
                        hint=f"Investigate why {test} failed, fix the system and re-run the test and its verification.")


def _test06_lines(ctx: ResultContext, tdir: Path) -> Iterator[Issue]:
    text = verify(ctx, tdir / "verify_accuracy.txt")
    if text is None:
        return
    for label, accepted in TEST06_LINES:
        found = text.flag(label)
        if found is None or found[0] not in accepted:
            yield Issue(f"TEST06/verify_accuracy.txt: '{label}' is {found[0] if found else 'absent'}",
                        path=text.path, line=found[1] if found else None, expected=" or ".join(accepted),
                        actual=found[0] if found else "absent",
                        hint="Fix the SUT's output (EOS padding, first token, token counts) and re-run TEST06.")


def _test01_nondeterministic(ctx: ResultContext, tdir: Path) -> Iterator[Issue]:
    """TEST01 non-deterministic mode: every target metric within the tolerance in both accuracy outputs."""
    text = verify(ctx, tdir / "verify_accuracy.txt")
    bench = ctx.benchmark
    if text is None or text.pass_line is not None or bench is None:
        return
    baseline = ctx.accuracy_txt(tdir / "accuracy" / "baseline_accuracy.txt")
    compliance = ctx.accuracy_txt(tdir / "accuracy" / "compliance_accuracy.txt")
    if baseline is None or compliance is None:
        return
    for metric in dict.fromkeys(t.metric for t in bench.accuracy):
        if metric not in ctx.rulebook.accuracy_patterns:
            continue
        pattern = ctx.rulebook.accuracy_regex(metric)
        base, comp = baseline.find(pattern), compliance.find(pattern)
        delta = ctx.rulebook.test01_delta(bench.name, metric)
        if not base or not comp:
            yield Issue(f"TEST01 non-deterministic mode: {metric} is missing from "
                        f"{'baseline' if not base else 'compliance'}_accuracy.txt",
                        path=(baseline if not base else compliance).path, expected=f"a {metric} value", actual="absent",
                        hint="Score both logs with the benchmark's accuracy script (create_accuracy_baseline.sh).")
            continue
        b, c = float(base[0][0]), float(comp[0][0])
        diff = abs(1 - b / c) * 100 if b and c else None
        if diff is None or diff > delta:
            shown = "a zero value" if diff is None else f"{diff:.4f} %"
            yield Issue(f"TEST01 non-deterministic mode: {metric} baseline {b} vs compliance {c} differ by {shown}, "
                        f"over the {delta} % allowed", path=compliance.path, line=comp[0][1],
                        expected=f"<= {delta} %", actual=shown,
                        hint="The performance-mode outputs are not those of the accuracy run: fix the SUT and re-run TEST01.")


@rule("CMP003", "compliance-verification-failed", fast=True)
def compliance_verification_failed(ctx: ResultContext) -> Iterator[Issue]:
    """The verification output a compliance test's script wrote does not pass.

    Checks: as the official checker does, `verify_performance.txt` (TEST01, TEST04, TEST05),
    `verify_accuracy.txt` (TEST07, TEST08) and `verify_output_len.txt` (TEST09) have a line starting
    with `TEST PASS`; TEST06's `verify_accuracy.txt` reads `First token check pass: True` (or
    `Skipped`), `EOS check pass: True` and `Sample length check pass: True`; TEST01's
    `verify_accuracy.txt` says `TEST PASS`, or else (non-deterministic mode) every accuracy metric
    of the benchmark agrees between `baseline_accuracy.txt` and `compliance_accuracy.txt` within the
    round's delta (1 %, 0.1 % for 99.9 variants, per-metric overrides such as SDXL's FID 2 %).
    Why: these are the submitter's own verdicts on the audit; a failing one means the audit failed.
    Whether the logs agree with them is checked by the recomputation rules (CMP006-CMP011).
    Fix: find why the test failed (the output names the counters or scores), fix the system and
    re-run the test and its verification.
    Rules: MLPerf Inference rules, "Audit" / compliance tests TEST01-TEST09.
    """
    for test, tdir in present_tests(ctx):
        yield from _pass_missing(ctx, test, tdir)
        if test == "TEST06":
            yield from _test06_lines(ctx, tdir)
        elif test == "TEST01":
            yield from _test01_nondeterministic(ctx, tdir)


# --------------------------------------------------------------------------- the runs


@rule("CMP004", "audit-config-not-applied", fast=True)
def audit_config_not_applied(ctx: ResultContext) -> Iterator[Issue]:
    """A compliance test's run does not show that the test's audit.config was in force.

    Checks: the detail log of each test's performance-mode run (`TESTxx/performance/run_1/`, when
    present) holds LoadGen's warning "Found Audit Config file (audit.config)", and the settings the
    test's audit.config imposes appear as the run's `effective_*` values: TEST01 accuracy-log seed
    and sampling target (per benchmark), TEST04 `performance_issue_same` with index 3 and not
    unique, TEST06/07/09 sampling target and zero minimum duration, TEST08 sampling target.
    Why: without the audit.config the "compliance" run is an ordinary run: TEST04 no longer
    repeats one sample (caching goes undetected), TEST01 logs no responses. No official checker
    verifies it.
    Fix: copy the test's audit.config (compliance/TESTxx/[<model>/]audit.config of the round's
    repository) into the working directory, re-run the test, then remove it.
    Rules: MLPerf Inference rules, "Audit" / compliance tests (audit.config per test).
    """
    warning = ctx.rulebook.performance.audit_config_warning
    bench = ctx.benchmark
    for test, tdir in present_tests(ctx):
        log = run_log(ctx, tdir)
        if log is None:
            continue
        expected = {**ctx.rulebook.compliance_checks.test(test).audit,
                    **(bench.compliance_audit.get(test, {}) if bench else {})}
        for gap in audit_gaps(log, warning, expected):
            if gap.key is None:
                yield Issue(f"{test} run does not show LoadGen's audit.config warning: the test's settings were "
                            f"not in force", path=log.path, expected=warning, actual="no such warning",
                            hint=f"Copy {test}'s audit.config into the working directory and re-run {test}.")
            else:
                yield Issue(f"{test} run has {gap.key} = {gap.actual}, its audit.config sets {gap.expected}",
                            path=log.path, line=gap.line, expected=gap.expected, actual=gap.actual,
                            hint=f"Re-run {test} with the round's unmodified audit.config for this benchmark.")


@rule("CMP005", "compliance-run-invalid")
def compliance_run_invalid(ctx: ResultContext) -> Iterator[Issue]:
    """A compliance test's performance run fails the performance rules.

    Checks: the detail log of TEST01, TEST04 and (v4.1) TEST05 runs goes through every PERF rule
    that judges a run (LoadGen errors, validity, duration, query counts, early stopping, seeds,
    sample count, latency bounds, token latencies, equal issue, network SUT, test mode, scenario,
    metric, summary agreement, LoadGen version), with the TEST05 seeds of the rulebook for TEST05.
    Each finding names the PERF rule it comes from; its severity is that rule's.
    Why: the official checker re-runs its performance checks on these runs: a compliance run that
    is not itself a valid run proves nothing about the submitted one.
    Fix: fix what the quoted PERF finding says for the test's run and re-run the test.
    Rules: MLPerf Inference rules, "Audit" / compliance tests, and the LoadGen rules of PERF.
    """
    checks = ctx.rulebook.compliance_checks
    short_run = ctx.options.profile == "short-run"
    for test, tdir in present_tests(ctx):
        log = run_log(ctx, tdir)
        if log is None or not checks.test(test).judge_performance:
            continue
        for code, issue in judge_performance_log(log, ctx, seeds=ctx.rulebook.test_seeds.get(test)):
            source = REGISTRY.get(code)
            if source is None or not source.applies_to(ctx.rulebook.round):
                continue
            severity = issue.severity or source.severity
            if short_run and source.relaxed_by_short_run and severity == Severity.ERROR:
                severity = Severity.WARNING
            yield Issue(f"{test} run, {code} {source.name}: {issue.message}", path=issue.path, line=issue.line,
                        expected=issue.expected, actual=issue.actual, hint=issue.hint, severity=severity)


@rule("CMP006", "compliance-performance-recomputed", fast=True)
def compliance_performance_recomputed(ctx: ResultContext) -> Iterator[Issue]:
    """A compliance test's performance check fails when recomputed from the detail logs.

    Checks: the score `verify_performance.py` compares (Offline samples/s, Server completed
    samples/s, SingleStream/MultiStream early-stopping latency) of the test run against the
    submitted run, with the test's rule from the rulebook: TEST01 within +-10 % (20 % for
    SingleStream <= 0.2 ms, MultiStream <= 1.6 ms); TEST04 not more than 10 % faster (20 % for
    latency scenarios, upstream's quirk); TEST05 (v4.1) not more than 5 % slower. Both runs must be
    VALID, of the same scenario and, for Server, of the same target latency. The message says
    whether the submitted verify_performance.txt claims otherwise.
    Why: the official checker only reads `TEST PASS` from the submitter's own verification output;
    the logs are complete, so the verdict can be recomputed and a wrong claim caught.
    Fix: re-run the test on the same system and settings as the submitted run; if the score still
    differs, the submitted run is not representative (e.g. caching for TEST04) and must be re-run.
    Rules: MLPerf Inference rules, "Audit" / TEST01, TEST04, TEST05 (performance verification).
    """
    for test, tdir in present_tests(ctx):
        result = comparison(ctx, test, tdir)
        if result is None or result.passed:
            continue
        text = verify(ctx, tdir / "verify_performance.txt")
        log = run_log(ctx, tdir)
        yield Issue(f"{test} performance recomputed from the detail logs fails: {'; '.join(result.problems)}; "
                    f"{claim(text, 'verify_performance.txt')}", path=log.path if log else tdir,
                    line=log.line(result.key) if log and result.key else None,
                    expected=f"{result.key} within {result.window}" if result.tolerance is not None
                    else "valid runs of the same scenario",
                    actual=f"{result.test:.6g}" if result.test is not None else "; ".join(result.problems),
                    hint=f"Re-run {test} on the system and settings of the submitted run, then its verification.")
