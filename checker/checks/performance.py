"""LoadGen performance (PERF): every result's performance run re-judged from its detail log.

Most rules judge one performance run: a result's `performance/run_1` log, or — through
:func:`judge_performance_log` — a compliance test's performance log, with the same logic. Constants
come from the round's rulebook (`performance`, `seeds`, the benchmark's tables).
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping

from checker.context import ResultContext
from checker.endpoints import duration_shortfall
from checker.metric import compute_metric, number
from checker.model import Issue
from checker.parsers.loadgen import DetailLog
from checker.parsers.summary import SummaryLog
from checker.registry import rule
from checker.summary_crosscheck import SEED_KEYS, summary_disagreements

VALID = "VALID"
PERFORMANCE_ONLY = "PerformanceOnly"
#: LoadGen's verdicts on the parts of a run's validity, as logged.
VALIDITY_PARTS = {"result_min_duration_met": "min duration", "result_min_queries_met": "min queries",
                  "result_perf_constraints_met": "performance constraints", "early_stopping_met": "early stopping"}
TTFT_P99 = "result_first_token_99.00_percentile_latency_ns"
TPOT_P99 = "result_time_per_output_token_99.00_percentile_ns"


@dataclass(frozen=True)
class Run:
    """One performance run to judge: its detail log and the seeds it must have used."""

    log: DetailLog
    seeds: Mapping[str, int]


Judge = Callable[[ResultContext, Run], Iterator[Issue]]
#: The rules that judge one run, by code (see judge_performance_log).
RUN_JUDGES: dict[str, Judge] = {}


def run_rule(code: str, name: str, loadgen_only: bool = False, **kwargs: Any) -> Callable[[Judge], Judge]:
    """Declare a rule that judges one performance run; it runs on the result's main run and is
    available to compliance checks through :func:`judge_performance_log`. A `loadgen_only` rule
    judges what only LoadGen logs (validity verdicts, sample counts, settings): it is not applied to
    the view of an endpoints result's run (spec 3.12)."""

    def decorate(judge: Judge) -> Judge:
        @functools.wraps(judge)
        def on_main_run(ctx: ResultContext) -> Iterator[Issue]:
            log = ctx.perf_log
            if log is not None and not (loadgen_only and ctx.endpoints):
                yield from judge(ctx, Run(log, ctx.rulebook.seeds))

        if loadgen_only:  # the documentation says so, at the end of its Checks: section
            on_main_run.__doc__ = inspect.getdoc(judge).replace(
                "\nWhy:", " Not applied to endpoints results (their runs have no such LoadGen record).\nWhy:", 1)

        rule(code, name, **kwargs)(on_main_run)
        RUN_JUDGES[code] = judge
        return judge

    return decorate


def judge_performance_log(log: DetailLog, ctx: ResultContext, seeds: Mapping[str, int] | None = None,
                          codes: Iterable[str] | None = None) -> Iterator[tuple[str, Issue]]:
    """Judge any performance log of the result in ``ctx`` (e.g. a compliance run) with the PERF rules.

    ``seeds`` replaces the round's seeds (TEST05 runs use the rulebook's test seeds); ``codes``
    restricts the rules applied. Yields ``(code, issue)`` pairs; never raises on bad input.
    """
    run = Run(log, seeds if seeds is not None else ctx.rulebook.seeds)
    wanted = set(codes) if codes is not None else None
    for code, judge in RUN_JUDGES.items():
        if wanted is None or code in wanted:
            for issue in judge(ctx, run):
                yield code, issue


def audit_config_line(log: DetailLog, ctx: ResultContext) -> int | None:
    """Line of LoadGen's audit.config warning in ``log`` (None when absent): compliance runs need it."""
    return log.has_warning(ctx.rulebook.performance.audit_config_warning)


def _at(log: DetailLog, key: str, message: str, expected: Any, actual: Any, hint: str) -> Issue:
    """An issue located at the first record of ``key`` in ``log`` (or where a view read it from)."""
    return Issue(message, path=log.where(key), line=log.line(key), expected=expected, actual=actual, hint=hint)


def _shown(value: Any) -> str:
    """A logged value for a message: absent values say so."""
    return "absent" if value is None else repr(value) if isinstance(value, str) else str(value)


def _integer(log: DetailLog, key: str) -> int | None:
    """An integer-valued key (seeds exceed 2**63 and must not go through float)."""
    value = log.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _conf_enables_equal_issue(ctx: ResultContext, scenario: str | None) -> bool:
    """True when the result's user.conf (else mlperf.conf) sets sample_concatenate_permutation to a
    non-zero value for the benchmark's LoadGen model name (the MLPerf name without -99/-99.9)."""
    model = re.sub(r"-99(\.9)?$", "", ctx.benchmark_name or "")
    for name in ("user.conf", "mlperf.conf"):
        conf = ctx.conf(ctx.unit.measurements_dir / name)
        value = conf.lookup(model, scenario or "*", "sample_concatenate_permutation") if conf is not None else None
        if value is not None:
            try:
                return float(value) != 0
            except ValueError:
                return False
    return False


def _equal_issue_required(ctx: ResultContext) -> bool:
    """True when the round requires equal-issue mode for this result's benchmark and division."""
    bench = ctx.benchmark
    return bool(bench and bench.equal_issue and ctx.unit.division in ctx.rulebook.policies.equal_issue_divisions)


# --------------------------------------------------------------------------- the run itself


@run_rule("PERF001", "loadgen-error", fast=True)
def loadgen_error(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """LoadGen logged an error record during the performance run.

    Checks: no record of the detail log has `metadata.is_error` true (`error_runtime`,
    `error_invalid_config`, `error_invalid_test_settings`, `error_uncommitted_loadgen_changes`...).
    Why: LoadGen marks a run it could not conduct as intended (bad settings, several conf files,
    a modified LoadGen) with error records; the v6 official checker ignores them unless given a flag.
    Fix: fix the cause named in the message (a clean LoadGen build, one user.conf, valid settings)
    and re-run the performance test.
    Rules: MLPerf Inference rules, "LoadGen" (an unmodified LoadGen must be used) and "Submission".
    """
    for record in run.log.errors:
        yield Issue(f"LoadGen error {record.key}: {str(record.value)[:200]}", path=run.log.path, line=record.line,
                    expected="no error records", actual=record.key,
                    hint="Remove the cause LoadGen names and re-run; an errored run cannot be submitted.")


@run_rule("PERF002", "result-invalid", loadgen_only=True, fast=True)
def result_invalid(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """LoadGen did not judge the performance run VALID.

    Checks: `result_validity` is `VALID`; the finding quotes `result_invalid_reason` when logged and
    names which of min duration, min queries, performance constraints and early stopping failed.
    Why: LoadGen's own verdict is the first condition of a valid result; the v6 official checker
    never reads it (spec 7.1), so an INVALID run could be published.
    Fix: re-run with settings that satisfy LoadGen (longer duration, more queries, a target QPS or
    latency the system meets) until the summary reads `Result is : VALID`.
    Rules: MLPerf Inference rules, "LoadGen" and the scenario definitions (section "Scenarios").
    """
    log = run.log
    validity = log.get("result_validity")
    if validity == VALID:
        return
    failed = [label for key, label in VALIDITY_PARTS.items() if log.get(key) is False]
    reason = log.get("result_invalid_reason")
    detail = "; ".join(x for x in (f"reason: {reason}" if reason else "",
                                    f"failed: {', '.join(failed)}" if failed else "") if x)
    yield _at(log, "result_validity", f"result_validity is {_shown(validity)}" + (f" ({detail})" if detail else ""),
              VALID, validity, "Re-run until LoadGen reports the run VALID; its summary says which condition failed.")


@run_rule("PERF003", "min-duration", relaxed_by_short_run=True, fast=True)
def min_duration(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """The performance run did not last the round's minimum duration.

    Checks: `result_min_duration_met` is true (achieved) and `effective_min_duration_ms` is at least
    the round's minimum (configured), except for benchmarks the round exempts. An endpoints run has
    no LoadGen verdict: its achieved `duration_ns` must reach the round's minimum.
    Why: a shorter run measures less of the system's steady state; the official checker reads only
    the configured value, so a run that ended early would pass (spec 7.1 item 10).
    Fix: set `min_duration` to the round's minimum (600000 ms) in user.conf, or remove the override,
    and re-run.
    Rules: MLPerf Inference rules, "Scenarios" (minimum run duration of 600 s).
    """
    bench, log = ctx.benchmark, run.log
    if bench is not None and bench.exempt_min_duration:
        return
    met = log.get("result_min_duration_met")
    if ctx.endpoints:
        yield from duration_shortfall(log, ctx.rulebook.min_duration_ms)
    elif met is not True:
        yield _at(log, "result_min_duration_met", f"LoadGen reports the minimum duration not met "
                  f"(result_min_duration_met is {_shown(met)})", True, met,
                  "Let the run last at least the minimum duration; do not stop it early.")
    need = ctx.rulebook.min_duration_ms
    found = number(log, "effective_min_duration_ms")
    if found is None or found < need:
        yield _at(log, "effective_min_duration_ms",
                  f"configured minimum duration {_shown(log.get('effective_min_duration_ms'))} ms is below the "
                  f"round's {need} ms", need, log.get("effective_min_duration_ms"),
                  f"Set min_duration to {need} ms (LoadGen's default) in user.conf and re-run.")


@run_rule("PERF004", "min-query-count", loadgen_only=True, relaxed_by_short_run=True, fast=True)
def min_query_count(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """The performance run issued fewer queries than required.

    Checks: `result_min_queries_met` is true (LoadGen's verdict); for scenarios without early
    stopping (Offline), `effective_min_query_count` is at least the benchmark's minimum for the
    scenario, unless the round exempts benchmarks that require equal-issue mode.
    Why: too few queries make the measured figure statistically meaningless.
    Fix: remove `min_query_count` overrides below the official value from user.conf and re-run.
    Rules: MLPerf Inference rules, "Scenarios" (minimum number of queries).
    """
    log, bench, perf = run.log, ctx.benchmark, ctx.rulebook.performance
    met = log.get("result_min_queries_met")
    if met is not True:
        yield _at(log, "result_min_queries_met", f"LoadGen reports the minimum query count not met "
                  f"(result_min_queries_met is {_shown(met)})", True, met,
                  "Let the run issue at least the minimum number of queries.")
    scenario = log.scenario
    if bench is None or scenario is None or scenario in perf.early_stopping_scenarios:
        return
    if perf.min_query_count_exempts_equal_issue and _equal_issue_required(ctx):
        return
    need = bench.min_query_count.get(scenario)
    found = number(log, "effective_min_query_count")
    if need is not None and (found is None or found < need):
        yield _at(log, "effective_min_query_count", f"configured minimum query count "
                  f"{_shown(log.get('effective_min_query_count'))} is below {need} for {bench.name} {scenario}",
                  need, log.get("effective_min_query_count"),
                  f"Set min_query_count to at least {need} (or remove the override) and re-run.")


@run_rule("PERF005", "offline-samples-per-query", loadgen_only=True, relaxed_by_short_run=True, fast=True)
def offline_samples_per_query(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """An Offline run's single query holds fewer samples than the benchmark's minimum.

    Checks: for Offline runs, `effective_samples_per_query` is at least the benchmark's minimum
    Offline samples per query (e.g. 24576 for resnet), in every division.
    Why: the Offline query must be large enough for the throughput to be representative; the v6
    official checker applies it to the closed division only (spec 7.1 item 7).
    Fix: raise `offline_expected_qps` (LoadGen sizes the query from it and the duration) or remove
    a samples-per-query override, and re-run.
    Rules: MLPerf Inference rules, "Scenarios" (Offline: at least 24 576 samples, or the data set).
    """
    log, bench = run.log, ctx.benchmark
    if bench is None or log.scenario != "Offline" or bench.offline_min_samples_per_query is None:
        return
    need = bench.offline_min_samples_per_query
    found = number(log, "effective_samples_per_query")
    if found is None or found < need:
        yield _at(log, "effective_samples_per_query", f"Offline query holds {_shown(log.get('effective_samples_per_query'))} "
                  f"samples, below the {need} required for {bench.name}", need, log.get("effective_samples_per_query"),
                  "Raise offline_expected_qps in user.conf so that the query holds enough samples, and re-run.")


@run_rule("PERF006", "early-stopping", loadgen_only=True, relaxed_by_short_run=True, fast=True)
def early_stopping(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """Early stopping did not succeed for a SingleStream, MultiStream or Server run.

    Checks: `early_stopping_met` is true for the round's early-stopping scenarios; the finding
    quotes LoadGen's early-stopping report (`early_stopping_result`, or `early_stopping_ttft_result`
    and `early_stopping_tpot_result` for token-latency runs).
    Why: the reported latency percentile is only trustworthy when enough queries met the bound
    for early stopping to confirm it.
    Fix: run longer (more queries) or at a lower target QPS / higher latency target, as LoadGen's
    report suggests.
    Rules: MLPerf Inference rules, "Early stopping" (latency percentiles).
    """
    log = run.log
    if log.scenario not in ctx.rulebook.performance.early_stopping_scenarios:
        return
    met = log.get("early_stopping_met")
    if met is True:
        return
    reports = [f"{key}: {str(log.get(key)).strip()}" for key in
               ("early_stopping_result", "early_stopping_ttft_result", "early_stopping_tpot_result")
               if str(log.get(key) or "").strip()]
    yield _at(log, "early_stopping_met", f"early stopping not met (early_stopping_met is {_shown(met)})"
              + (f"; {' | '.join(reports)}" if reports else ""), True, met,
              "Run more queries or relax the load until LoadGen's early-stopping estimate is met.")


@run_rule("PERF007", "rng-seeds", fast=True)
def rng_seeds(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """A random seed of the run is not the round's official seed.

    Checks: `effective_qsl_rng_seed`, `effective_sample_index_rng_seed` and
    `effective_schedule_rng_seed` equal the round's seeds (TEST05 runs: the round's TEST05 seeds),
    compared as 64-bit integers; one finding per wrong seed. An endpoints run has no QSL seed: its
    config.yaml's dataloader and scheduler seeds are checked (rulebook `endpoints.seeds`).
    Why: the seeds fix which samples are loaded and in which order queries arrive; other seeds
    (e.g. an outdated LoadGen or a conf override) mean a different, possibly easier, test.
    Fix: use the round's LoadGen release (its built-in mlperf.conf holds the seeds) and remove any
    seed override from user.conf.
    Rules: MLPerf Inference rules, "LoadGen" (official random seeds of the round).
    """
    log = run.log
    for name in ctx.rulebook.endpoints.seeds if ctx.endpoints else SEED_KEYS:
        key = f"effective_{name}"
        expected, found = run.seeds.get(name), _integer(log, key)
        if expected is not None and found != expected:
            yield _at(log, key, f"{name} is {_shown(log.get(key))}, the round's is {expected}", expected, log.get(key),
                      "Use the round's LoadGen (its mlperf.conf holds the seeds) and drop seed overrides.")


@run_rule("PERF008", "performance-sample-count", loadgen_only=True, fast=True)
def performance_sample_count(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """The run loaded fewer performance samples than the benchmark requires.

    Checks: `effective_performance_sample_count` is at least the benchmark's performance sample count.
    Why: too few distinct samples in memory lets caches hold the whole working set.
    Fix: remove the `performance_sample_count_override` from user.conf (or set it to the official
    value) and re-run.
    Rules: MLPerf Inference rules, "Benchmarks" (performance sample count per model).
    """
    log, bench = run.log, ctx.benchmark
    if bench is None or bench.performance_sample_count is None:
        return
    need, found = bench.performance_sample_count, number(log, "effective_performance_sample_count")
    if found is None or found < need:
        yield _at(log, "effective_performance_sample_count", f"performance sample count "
                  f"{_shown(log.get('effective_performance_sample_count'))} is below {need} for {bench.name}",
                  need, log.get("effective_performance_sample_count"),
                  f"Set performance_sample_count_override to {need} or remove it, and re-run.")


@run_rule("PERF009", "latency-bound", loadgen_only=True, fast=True)
def latency_bound(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """The run's latency target exceeds the benchmark's bound for the scenario.

    Checks: for early-stopping runs of a benchmark with a latency bound for the directory's scenario
    (else for the LoadGen scenario it is run as), `effective_target_latency_ns` is at most the bound.
    Why: LoadGen validates the latency percentile against the configured target; a target above
    the bound makes an over-latency run VALID. Interactive directories use their own bound where
    the round has one (the official checker applies the Server bound).
    Fix: set `target_latency` in user.conf to at most the bound (or remove the override) and re-run.
    Rules: MLPerf Inference rules, "Benchmarks" (Server latency constraints per model).
    """
    log, bench, scenario = run.log, ctx.benchmark, ctx.scenario
    if bench is None or scenario is None or log.scenario not in ctx.rulebook.performance.early_stopping_scenarios:
        return
    bound = bench.latency_bound_ns.get(scenario, bench.latency_bound_ns.get(log.scenario))
    if bound is None:
        return
    found = number(log, "effective_target_latency_ns")
    if found is None or found > bound:
        yield _at(log, "effective_target_latency_ns", f"target latency {_shown(log.get('effective_target_latency_ns'))} ns "
                  f"exceeds the {bound} ns bound of {bench.name} {scenario}", bound, log.get("effective_target_latency_ns"),
                  f"Set target_latency to at most {bound // 1_000_000} ms and re-run.")


@run_rule("PERF010", "token-latencies-off", loadgen_only=True, fast=True)
def token_latencies_off(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """An LLM run was made without LoadGen's token latencies.

    Checks: for the round's token-latency LLMs, `requested_use_token_latencies` is true.
    Why: without it LoadGen measures neither time to first token nor time per output token, so the
    LLM latency limits cannot be verified.
    Fix: set `use_token_latencies = 1` for the model in user.conf (LoadGen's mlperf.conf does) and re-run.
    Rules: MLPerf Inference rules, "Benchmarks" (LLM latency constraints: TTFT and TPOT).
    """
    log, bench = run.log, ctx.benchmark
    if bench is None or not bench.token_latencies:
        return
    value = log.get("requested_use_token_latencies")
    if value is not True:
        yield _at(log, "requested_use_token_latencies", f"use_token_latencies is {_shown(value)} for the LLM "
                  f"{bench.name}", True, value, "Enable use_token_latencies for the model and re-run.")


@run_rule("PERF011", "token-latency-limits", fast=True)
def token_latency_limits(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """An LLM run's 99th-percentile TTFT or TPOT is not below the limit of its directory's scenario.

    Checks: where the benchmark has token-latency limits for the directory scenario (Server limits
    for Server, Interactive limits for Interactive), `result_first_token_99.00_percentile_latency_ns`
    and `result_time_per_output_token_99.00_percentile_ns` are strictly below them; a missing value
    is a finding too. Endpoints runs: the early-stopping estimates `ttft`/`tpot.early_stopping_percentiles.99.0`
    of result_summary.json, judged by the directory scenario as well.
    Why: these are the LLM latency constraints. The official v6 checker applies the Server limits
    to Interactive directories, which hold LoadGen Server runs (spec 7.1), accepting runs 4x too slow.
    Fix: lower the load (target QPS) until both percentiles are below the limits, or submit the run
    under the scenario whose limits it meets.
    Rules: MLPerf Inference rules, "Benchmarks" (LLM TTFT/TPOT constraints per scenario).
    """
    log, bench, scenario = run.log, ctx.benchmark, ctx.scenario
    limits = bench.token_latency_limits_ns.get(scenario) if bench is not None and scenario else None
    if limits is None:
        return
    for key, what, limit in ((TTFT_P99, "TTFT", limits.ttft), (TPOT_P99, "TPOT", limits.tpot)):
        found = number(log, key)
        if found is None or found >= limit:
            yield _at(log, key, f"99th-percentile {what} {_shown(log.get(key))} ns is not below the {scenario} limit "
                      f"{limit} ns of {bench.name}", f"< {limit}", log.get(key),
                      f"Reduce the load until the 99th-percentile {what} is below {limit / 1e6:g} ms.")


@run_rule("PERF012", "equal-issue", loadgen_only=True, fast=True)
def equal_issue(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """A benchmark that requires equal-issue mode was run without it.

    Checks: where the round requires equal issue for the benchmark in this division,
    `effective_sample_concatenate_permutation` is true. LoadGen builds that do not log the setting
    (some v4.x builds) are judged, as the v4.1 official checker did, by the measurements'
    `user.conf` / `mlperf.conf` (`<model>.<scenario or *>.sample_concatenate_permutation = 1`).
    Why: for variable-size inputs, equal-issue mode makes every run issue the same mix of samples;
    without it a run can be favoured by the sample order. The v6 official checker never checks it.
    Fix: set `sample_concatenate_permutation = 1` for the model (LoadGen's mlperf.conf does) and re-run.
    Rules: MLPerf Inference rules, "Benchmarks" (equal issue mode for variable-length models).
    """
    if not _equal_issue_required(ctx):
        return
    value = run.log.get("effective_sample_concatenate_permutation")
    if value is None and _conf_enables_equal_issue(ctx, run.log.scenario):
        return
    if value is not True:
        yield _at(run.log, "effective_sample_concatenate_permutation", f"equal-issue mode is off "
                  f"(effective_sample_concatenate_permutation is {_shown(value)}) for {ctx.benchmark_name}",
                  True, value, "Enable sample_concatenate_permutation for the model and re-run.")


@run_rule("PERF016", "network-sut-name", fast=True)
def network_sut_name(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """A network-division (or network-mode) run does not name a network SUT.

    Checks: when the division is `network` or the system declares `is_network` true, the log's
    `sut_name` contains the round's network substring (`Network SUT`).
    Why: the network division measures a SUT reached over the network; the name is how LoadGen's
    network harness marks such runs.
    Fix: run with the network harness (its SUT is named "... Network SUT ...") and re-run.
    Rules: MLPerf Inference rules, "Network division".
    """
    system = ctx.system_json if isinstance(ctx.system_json, dict) else {}
    networked = ctx.unit.division == "network" or str(system.get("is_network", "")).strip().lower() == "true"
    if not networked:
        return
    needle = ctx.rulebook.system.network_sut_substring
    name = run.log.get("sut_name")
    if not isinstance(name, str) or needle not in name:
        yield _at(run.log, "sut_name", f"sut_name {_shown(name)} does not contain {needle!r}", needle, name,
                  f"Use LoadGen's network SUT (its name contains {needle!r}) for network results.")


@run_rule("PERF017", "test-mode", loadgen_only=True, fast=True)
def test_mode(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """The performance log is not a PerformanceOnly run.

    Checks: `effective_test_mode` is `PerformanceOnly`.
    Why: an AccuracyOnly (or other) log in `performance/run_1` measures nothing; it is usually the
    accuracy run's log copied into the wrong directory.
    Fix: copy the performance run's logs into performance/run_1.
    Rules: MLPerf Inference submission rules, "Directory structure" (performance run logs).
    """
    mode = run.log.mode
    if mode != PERFORMANCE_ONLY:
        yield _at(run.log, "effective_test_mode", f"effective_test_mode is {_shown(run.log.get('effective_test_mode'))}",
                  PERFORMANCE_ONLY, run.log.get("effective_test_mode"),
                  "Put the PerformanceOnly run's logs in performance/run_1.")


@run_rule("PERF018", "scenario-mismatch", fast=True)
def scenario_mismatch(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """The log's scenario is not the one the directory names, nor an allowed inference.

    Checks: `effective_scenario` is the LoadGen scenario of the directory's scenario (Interactive
    directories hold Server runs), or the round allows inferring the directory's scenario from the
    log's (Offline from SingleStream or MultiStream, MultiStream from SingleStream) and the system
    type is one where inference is allowed (edge). An endpoints run's scenario comes from its
    config.yaml `type` (`online` is Server, `interactive` Interactive; an Interactive or SingleStream
    directory names its online run's scenario) and must be the directory's own.
    Why: a result is reported under its directory's scenario; a run of another scenario either
    gives a figure of the wrong kind or, where a formula exists, an inferred one that the rules
    allow on edge systems only. The older official checkers accepted any substitution (spec 7.1).
    Fix: put the run under the directory of its own scenario, or run the directory's scenario.
    Rules: MLPerf Inference rules, "Scenarios" (inferring Offline/MultiStream results on edge systems).
    """
    log, directory = run.log, ctx.scenario
    if directory is None:
        return
    perf = ctx.rulebook.performance
    expected = directory if ctx.endpoints else perf.run_scenario(directory)
    found = log.scenario
    if found == expected:
        return
    if found is not None and perf.inference.allows(directory, found):
        system = ctx.system_json if isinstance(ctx.system_json, dict) else {}
        system_type = system.get("system_type")
        system_class = ctx.rulebook.system.system_types.get(system_type) if isinstance(system_type, str) else None
        if system_class is None or system_class in perf.inference.system_classes:
            return
        yield _at(log, "effective_scenario", f"{directory} result inferred from a {found} run on a {system_type} "
                  f"system: inference is allowed on {', '.join(perf.inference.system_classes)} systems only",
                  expected, found, f"Run the {directory} scenario itself.")
        return
    yield _at(log, "effective_scenario", f"directory {ctx.unit.scenario} holds a {_shown(log.get('effective_scenario'))} "
              f"run; expected {expected}", expected, log.get("effective_scenario"),
              f"Put the run under its own scenario directory, or run the {expected} scenario.")


@run_rule("PERF019", "metric-unavailable", fast=True)
def metric_unavailable(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """The result's reported figure cannot be computed from the log.

    Checks: the LoadGen field of the headline metric (per scenario and benchmark) is present and
    numeric, and for inferred results the inputs of the formula are usable (a MultiStream result
    inferred from SingleStream needs a non-zero 99th-percentile early-stopping estimate). An
    endpoints run's field is the round's endpoints field for the scenario (SingleStream: the mean
    latency) unless the benchmark has its own: an LLM's token rate `tps`, for Offline too, where the
    official checker looks for a field the endpoints files never give and fails the result (spec 3.12).
    Why: a result without a figure cannot be published; a zero estimate means too few samples.
    Fix: upload the complete, unedited detail log of a finished run (re-run if LoadGen could not
    make an estimate).
    Rules: MLPerf Inference rules, "Scenarios" (the metric of each scenario) and "Inferring results" (edge systems).
    """
    if ctx.scenario is None:
        return
    metric = compute_metric(run.log, ctx.rulebook, ctx.benchmark, ctx.scenario)
    if metric.value is None:
        yield Issue(f"no {ctx.scenario} figure: {metric.problem}", path=run.log.path, line=metric.line,
                    expected=metric.key, actual="absent",
                    hint="Upload the complete detail log of a finished run; re-run if LoadGen made no estimate.")


@run_rule("PERF013", "summary-mismatch", loadgen_only=True, fast=True)
def summary_mismatch(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """The summary log disagrees with the detail log of the same run.

    Checks: `mlperf_log_summary.txt` beside the detail log shows the same validity (`Result is`),
    scenario, seeds and headline figures (samples/tokens per second, percentile latencies and
    early-stopping estimates, within the summary's printed precision).
    Why: LoadGen writes both files from the same run; a disagreement means one of them was edited
    or they come from different runs. The official checker never reads the summary.
    Fix: upload the two logs of one and the same run, unedited.
    Rules: MLPerf Inference submission rules, "Directory structure" (LoadGen logs, unmodified).
    """
    summary: SummaryLog | None = ctx.summary_log(run.log.path.with_name("mlperf_log_summary.txt"))
    if summary is None:
        return
    for label, shown, logged, key in summary_disagreements(summary, run.log):
        yield Issue(f"summary {label} is {shown} but the detail log has {key} = {_shown(logged)}",
                    path=summary.path, line=summary.lines.get(label), expected=logged, actual=shown,
                    hint="Upload the summary and detail logs of the same run, as LoadGen wrote them.")


@run_rule("PERF015", "loadgen-version", loadgen_only=True, severity="warning", fast=True)
def loadgen_version(ctx: ResultContext, run: Run) -> Iterator[Issue]:
    """The run was made with a LoadGen release that does not belong to the round.

    Checks: the version number of `loadgen_version` (before `@`) is one of the round's LoadGen
    versions (or starts with one followed by a dot).
    Why: each round fixes its LoadGen release (seeds, settings, rules); another release usually
    shows up as wrong seeds or settings, but not always.
    Fix: rebuild LoadGen from the round's release and re-run.
    Rules: MLPerf Inference rules, "LoadGen" (use the round's LoadGen version).
    """
    value = run.log.get("loadgen_version")
    version = value.split("@", 1)[0].strip() if isinstance(value, str) else None
    prefixes = ctx.rulebook.loadgen_version_prefixes
    if version and any(version == p or version.startswith(p + ".") for p in prefixes):
        return
    yield _at(run.log, "loadgen_version", f"LoadGen version {_shown(value)} does not belong to round "
              f"{ctx.rulebook.round} (expected {' / '.join(prefixes)})", " / ".join(prefixes), value,
              f"Use the LoadGen release of round {ctx.rulebook.round}.")


# --------------------------------------------------------------------------- rules on the result


@rule("PERF014", "audit-config-in-run", fast=True)
def audit_config_in_run(ctx: ResultContext) -> Iterator[Issue]:
    """The submission's performance or accuracy run was made with an audit.config in place.

    Checks: neither `performance/run_1/mlperf_log_detail.txt` nor `accuracy/mlperf_log_detail.txt`
    holds LoadGen's warning "Found Audit Config file (audit.config)" (compliance runs must hold it).
    Why: an audit.config overrides the test settings (mode, sample counts, duration) for a
    compliance test; a submission run made with one left in the working directory is not the
    official test. No official checker looks for it (spec 7.1 item 15).
    Fix: delete audit.config from the working directory and re-run the performance and accuracy tests.
    Rules: MLPerf Inference rules, "Compliance" (audit.config only for the audit tests).
    """
    for log in (ctx.perf_log, ctx.acc_log):
        line = audit_config_line(log, ctx) if log is not None else None
        if line is not None:
            yield Issue(f"LoadGen ran with an audit.config (warning at line {line})", path=log.path, line=line,
                        expected="no audit.config warning", actual=ctx.rulebook.performance.audit_config_warning,
                        hint="Remove audit.config from the working directory and re-run this test.")

