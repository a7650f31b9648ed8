"""Endpoints submissions (v6.1): the rules that only endpoints-harness results have.

An endpoints result's performance and accuracy runs are read through LoadGen-style views
(`ResultContext.perf_log` / `acc_log`, see :mod:`checker.parsers.endpoints`), so the PERF and ACC rules
judge them where the official checker does; the rules here cover what has no LoadGen counterpart: the
models allowed on the harness, the measured latency bound, a run that did not finish cleanly, the
scores of `accuracy_results.json`, and the audits of `audit/audit_<name>.json` (spec 3.10.8, 3.12).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from checker.context import ResultContext
from checker.endpoints import Score, raw_scores, read_scores
from checker.metric import number
from checker.model import Issue, Severity
from checker.parsers.endpoints import EndpointsLog
from checker.registry import annotator, rule
from checker.rulebook import AccuracyTarget

P99 = "result_99.00_percentile_latency_ns"


def _view(ctx: ResultContext, kind: str) -> EndpointsLog | None:
    """The endpoints view of the `performance` or `accuracy` run (None for LoadGen results)."""
    return ctx.endpoints_runs.get(kind) if ctx.endpoints else None


def _config_path(ctx: ResultContext) -> Path:
    """The result's harness configuration (the first name the round allows when none exists)."""
    names = ctx.rulebook.endpoints.config_files
    return next((ctx.unit.path / n for n in names if os.path.lexists(ctx.unit.path / n)), ctx.unit.path / names[0])


@rule("PERF020", "endpoints-model-not-allowed", fast=True)
def endpoints_model_not_allowed(ctx: ResultContext) -> Iterator[Issue]:
    """An endpoints result is for a benchmark the round does not allow on the endpoints harness.

    Checks: the result's benchmark (after aliases and the open division's model_mapping.json) is one
    of the round's `endpoints_allowed_models` (v6.1: wan-2.2-t2v-a14b, qwen3-vl-235b-a22b,
    qwen3.6-27b, llama3.1-8b, llama3.1-8b-edge, gpt-oss-120b, deepseek-r1).
    Why: only these benchmarks have an endpoints harness whose results the round accepts in place
    of LoadGen logs; for the others the LoadGen evidence is required.
    Fix: run the benchmark under LoadGen and submit its logs (performance/run_1, accuracy/).
    Rules: MLPerf Inference submission rules for v6.1, endpoints ("LoadGen++") submissions.
    """
    if not ctx.endpoints or ctx.benchmark_name is None:
        return
    allowed = ctx.rulebook.endpoints_allowed_models
    if ctx.benchmark_name not in allowed:
        yield Issue(f"{ctx.benchmark_name} may not be submitted through the endpoints harness in round "
                    f"{ctx.rulebook.round}", path=_config_path(ctx), expected=", ".join(allowed),
                    actual=ctx.benchmark_name, hint="Submit this benchmark with LoadGen logs instead.")


@rule("PERF021", "endpoints-latency-bound", fast=True)
def endpoints_latency_bound(ctx: ResultContext) -> Iterator[Issue]:
    """An endpoints run's 99th-percentile latency exceeds the benchmark's bound for its scenario.

    Checks: for benchmarks without token latencies, where the round bounds the directory scenario's
    latency (qwen3-vl-235b-a22b: Server 12 s, Interactive 1.5 s), the early-stopping 99th-percentile
    latency of `performance/result_summary.json` (`latency.early_stopping_percentiles.99.0`) is at
    most the bound. LLMs are judged on TTFT/TPOT instead (PERF011).
    Why: an endpoints run has no LoadGen target latency or validity verdict; its measured latency is
    what shows the scenario's constraint held. The Interactive bound applies to Interactive
    directories (the official LoadGen path applies the Server bound to them).
    Fix: lower the load (target QPS) until the 99th-percentile latency is within the bound.
    Rules: MLPerf Inference rules, "Benchmarks" (latency constraints per model and scenario).
    """
    log, bench, scenario = _view(ctx, "performance"), ctx.benchmark, ctx.scenario
    if log is None or bench is None or bench.token_latencies or scenario is None:
        return
    bound = bench.latency_bound_ns.get(scenario)
    if bound is None:
        return
    found = number(log, P99)
    if found is None or found > bound:
        shown = f"{found:.0f} ns" if found is not None else "not recorded"
        yield Issue(f"99th-percentile latency {shown} exceeds the {bound} ns bound of {bench.name} {scenario}",
                    path=log.where(P99), line=log.line(P99), expected=f"<= {bound}", actual=log.get(P99, "absent"),
                    hint=f"Lower the load until the 99th-percentile latency is at most {bound / 1e9:g} s.")


@rule("PERF022", "endpoints-run-incomplete", fast=True)
def endpoints_run_incomplete(ctx: ResultContext) -> Iterator[Issue]:
    """An endpoints performance run did not finish cleanly: failed or missing samples, or not complete.

    Checks: `performance/result_summary.json` reports no failed sample (`n_samples_failed`), every
    issued sample completed (`n_samples_completed` = `n_samples_issued`), and, where recorded, the
    run's `state` is `complete` and `complete` is true.
    Why: the endpoints harness has no LoadGen validity verdict; a run with failed or unfinished
    requests measured a different workload (failed requests are fast), and an interrupted run's
    metrics are partial. The official checker reads none of these fields.
    Fix: fix the cause of the failures (server errors, timeouts) and re-run until every sample completes.
    Rules: MLPerf Inference rules, "Scenarios" (every issued query must complete).
    """
    log = _view(ctx, "performance")
    if log is None:
        return
    failed = number(log, "num_errors")
    if failed:
        yield Issue(f"{failed:g} samples failed during the endpoints run", path=log.where("num_errors"),
                    line=log.line("num_errors"), expected=0, actual=log.get("num_errors"),
                    hint="Fix the cause of the failed requests and re-run until none fails.")
    issued, completed = number(log, "qsl_reported_total_count"), number(log, "result_query_count")
    if issued is not None and completed is not None and completed < issued:
        yield Issue(f"only {completed:g} of {issued:g} issued samples completed", path=log.where("result_query_count"),
                    line=log.line("result_query_count"), expected=issued, actual=completed,
                    hint="Re-run until every issued sample completes.")
    state, complete = log.get("endpoints_state"), log.get("endpoints_complete")
    if (state is not None and state != "complete") or (complete is not None and complete is not True):
        key = "endpoints_complete" if complete is not None and complete is not True else "endpoints_state"
        yield Issue(f"the endpoints run is not complete (state {state!r}, complete {complete!r})", path=log.where(key),
                    line=log.line(key), expected="state 'complete', complete true", actual=f"{state!r}, {complete!r}",
                    hint="Re-run the benchmark to completion; an interrupted run's metrics are partial.")


def _targets(ctx: ResultContext) -> list[AccuracyTarget]:
    """The accuracy targets of the result's benchmark and directory scenario."""
    return ctx.benchmark.accuracy_for(ctx.scenario) if ctx.benchmark is not None else []


def _scores(ctx: ResultContext, log: EndpointsLog) -> dict[str, Score]:
    """The target metrics' values found in the accuracy run's scores."""
    return read_scores(log, _targets(ctx), ctx.rulebook.endpoints.score_keys)


@rule("ACC016", "endpoints-accuracy-missing", fast=True)
def endpoints_accuracy_missing(ctx: ResultContext) -> Iterator[Issue]:
    """An endpoints result's accuracy run reports no score.

    Checks: `accuracy/accuracy_results.json` has at least one `accuracy_scores` entry of the accuracy
    data set (`dataset_type` absent or `accuracy`) with a `score`, in every division.
    Why: without a score the result shows no accuracy at all; the official checker rejects it too.
    Fix: run the harness's accuracy mode and upload its accuracy_results.json.
    Rules: MLPerf Inference submission rules, "Accuracy".
    """
    log = _view(ctx, "accuracy")
    if log is None or any(e.get("score") is not None for _, e in log.scores):
        return
    yield Issue("accuracy_results.json reports no accuracy score (no accuracy_scores entry with a score)", path=log.path,
                line=log.document.line_of(("accuracy_scores",)) if log.document else None,
                expected="accuracy_scores[*].score", actual="absent",
                hint="Upload the accuracy_results.json the harness wrote for the accuracy run.")


@rule("ACC017", "endpoints-accuracy-target")
def endpoints_accuracy_target(ctx: ResultContext) -> Iterator[Issue]:
    """An endpoints result's accuracy score misses the round's target for the benchmark.

    Checks: every value `accuracy_results.json` gives for a target metric (see ACC018 for how scores
    are matched) against every bound of that metric for the directory scenario (`reference x ratio`,
    at least or at most). An error in closed and network, a warning in open.
    Why: a closed result is comparable only at the benchmark's quality. The official checker enforces
    the target for qwen3-vl-235b-a22b only (spec 3.12) and accepts any score for the other endpoints
    models; the round's targets apply to all of them.
    Fix: re-run the accuracy mode with a configuration that reaches the target.
    Rules: MLPerf Inference rules, "Benchmarks" (accuracy targets); submission rules, "Accuracy".
    """
    log = _view(ctx, "accuracy")
    if log is None:
        return
    found = _scores(ctx, log)
    severity = None if ctx.rulebook.division_rules.closed(ctx.unit.division) else Severity.WARNING
    for target in _targets(ctx):
        score = found.get(target.metric)
        if score is None or target.passes(score.value):
            continue
        op = ">=" if target.direction == "at_least" else "<="
        yield Issue(f"{target.metric} {score.raw} misses the target {op} {target.threshold:.6g} "
                    f"({target.reference:g} x {target.ratio:g})", path=log.path,
                    line=log.document.line_of(score.keys) if log.document else None,
                    expected=f"{op} {target.threshold:.6g}", actual=score.raw, severity=severity,
                    hint="Re-run the accuracy mode with a configuration that reaches the target.")


@rule("ACC018", "endpoints-accuracy-unmatched", severity="info")
def endpoints_accuracy_unmatched(ctx: ResultContext) -> Iterator[Issue]:
    """An endpoints result's scores name no value for a lower-bound target metric (information).

    Checks: each lower-bound target metric of the benchmark is found in `accuracy_scores`: in a dict
    score under its name or the last `_`-separated part of it (any case), or, when the run has a
    single accuracy entry and the benchmark a single lower-bound metric, as a plain score or under a
    generic key (`f1`, `score`, `accuracy`). Several entries with plain scores (gpt-oss-120b's per
    data-set scores) cannot be combined without the harness's weighting and stay unmatched.
    Why: an unmatched metric is not compared with its target (ACC017), so a reviewer must compare it.
    Fix: none needed if the score is right; name the metric in the score (e.g. {"exact_match": 83.4}).
    Rules: MLPerf Inference submission rules, "Accuracy" (information for reviewers).
    """
    log = _view(ctx, "accuracy")
    if log is None or not log.scores:
        return
    found = _scores(ctx, log)
    lows = dict.fromkeys(t.metric for t in _targets(ctx) if t.direction == "at_least")
    missing = [m for m in lows if m not in found]
    if missing:
        yield Issue(f"no value for {', '.join(missing)} in accuracy_scores; not compared with the target",
                    path=log.path, expected=", ".join(missing), actual=", ".join(sorted(raw_scores(log))) or "no score",
                    hint="Check the score against the target by hand, or name the metric in the score.")


def _audits(ctx: ResultContext) -> list[tuple[str, str, Path]]:
    """(test, audit name, file) of the benchmark's compliance tests that have an endpoints audit;
    compliance applies to the closed and network divisions."""
    bench, spec = ctx.benchmark, ctx.rulebook.endpoints
    if not ctx.endpoints or bench is None or not ctx.rulebook.division_rules.closed(ctx.unit.division):
        return []
    return [(test, spec.audits[test], ctx.unit.path / spec.audit_file.format(name=spec.audits[test]))
            for test in bench.compliance if test in spec.audits]


@rule("CMP014", "endpoints-audit-missing", fast=True)
def endpoints_audit_missing(ctx: ResultContext) -> Iterator[Issue]:
    """An endpoints result lacks the audit file of a compliance test its benchmark needs.

    Checks: in the closed and network divisions, for each compliance test of the benchmark that the
    endpoints harness performs (rulebook `endpoints.required_audits`; v6.1: TEST04, needed by
    wan-2.2-t2v-a14b), `audit/audit_<name>.json` exists (TEST04: `audit_output_caching_test.json`).
    Why: the audit replaces the LoadGen compliance test for endpoints results; without it the
    result's compliance is not shown.
    Fix: run the harness's audit for the test and upload `audit/audit_<name>.json`.
    Rules: MLPerf Inference rules, "Compliance" (audit tests).
    """
    required = ctx.rulebook.endpoints.required_audits if ctx.rulebook.endpoints else []
    for test, name, path in _audits(ctx):
        if test in required and not os.path.lexists(path):
            yield Issue(f"{test} audit {path.name} is missing", path=path, expected=path.name, actual="absent",
                        hint=f"Run the harness's {name} audit and upload its {path.name}.")


@rule("CMP015", "endpoints-audit-failed", fast=True)
def endpoints_audit_failed(ctx: ResultContext) -> Iterator[Issue]:
    """An endpoints audit file does not record a pass of the test it is named after.

    Checks: in the closed and network divisions, every `audit/audit_<name>.json` of a compliance test
    the benchmark needs has `"test": "<name>"` and `"passed": true` (an unreadable file is LOG001).
    The official checker also reads the audits of open-division results; compliance is a closed and
    network requirement, as for LoadGen results.
    Why: the audit is the compliance evidence of an endpoints result; a failed audit (or the audit of
    another test under this name) does not show compliance.
    Fix: fix what the audit found, re-run it and upload its output unedited.
    Rules: MLPerf Inference rules, "Compliance" (audit tests).
    """
    for test, name, path in _audits(ctx):
        data = ctx.json(path) if os.path.lexists(path) else None
        if data is None:
            continue
        if data.get("test") != name:
            yield Issue(f"{path.name} records the test {data.get('test')!r}, not {name!r}", path=path,
                        expected=name, actual=data.get("test", "absent"),
                        hint=f"Upload the output of the {name} audit under this name.")
        elif data.get("passed") is not True:
            yield Issue(f"{test} audit {name} did not pass (passed is {data.get('passed', 'absent')!r})", path=path,
                        expected=True, actual=data.get("passed", "absent"),
                        hint=f"Fix what the {name} audit found and re-run it until it passes.")


@rule("CMP016", "endpoints-output-length", fast=True)
def endpoints_output_length(ctx: ResultContext) -> Iterator[Issue]:
    """An endpoints run's mean output length is outside the round's TEST09 window.

    Checks: in the closed and network divisions, for benchmarks that need the output-length test
    (rulebook `endpoints.output_length_test`, TEST09: gpt-oss-120b), the performance run's mean output
    length (`output_sequence_lengths.avg`) lies within the benchmark's TEST09 bounds (gpt-oss-120b:
    1150.38 to 1406.02 tokens). The official checker hard-codes gpt-oss's bounds and raises on a
    missing value; here the rulebook's bounds apply and a missing value is a finding.
    Why: TEST09 shows that the system generates answers of the reference length in performance mode
    (shorter answers would inflate the throughput).
    Fix: generate complete answers (no early stop or output cap beyond the reference settings) and re-run.
    Rules: MLPerf Inference rules, "Compliance" (TEST09 output length).
    """
    spec, bench, log = ctx.rulebook.endpoints, ctx.benchmark, _view(ctx, "performance")
    if (log is None or bench is None or spec.output_length_test not in bench.compliance
            or not ctx.rulebook.division_rules.closed(ctx.unit.division)):
        return
    bounds = bench.compliance_bounds.get(spec.output_length_test)
    if bounds is None:
        return
    found = number(log, "mean_output_tokens")
    if found is None or not bounds.contains(found):
        window = f"[{bounds.min:g}, {bounds.max:g}]" if bounds.min is not None and bounds.max is not None else str(bounds)
        yield Issue(f"mean output length {found if found is not None else 'not recorded'} tokens is outside the "
                    f"{spec.output_length_test} window {window} of {bench.name}", path=log.where("mean_output_tokens"),
                    line=log.line("mean_output_tokens"), expected=window, actual=log.get("mean_output_tokens", "absent"),
                    hint="Generate complete answers with the reference settings and re-run.")


@annotator
def endpoints_accuracy(ctx: ResultContext) -> None:
    """Fill `accuracy` (and `accuracy_values`) of an endpoints result from its matched scores, else
    from its first raw score, as the official CSV shows it."""
    log = _view(ctx, "accuracy")
    if log is None:
        return
    found = _scores(ctx, log)
    ctx.outcome["accuracy"] = {m: s.raw for m, s in found.items()} or raw_scores(log)
    ctx.outcome["accuracy_values"] = {m: s.value for m, s in found.items()}
