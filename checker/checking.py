"""Checks a submission tree: the selected rules over its units, in parallel, with incremental mode's
per-unit cache, into the report (`checker.engine` calls it when the whole-run replay does not answer)."""

from __future__ import annotations

import gc
import os
import traceback
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable

from checker import __version__
from checker.cache import (Checked, Record, RunCache, keep, own_folders, recall, result_stamps, run_key,
                           usable_folder)
from checker.context import (FileCache, ResultContext, SubmissionContext, SubmitterContext, SystemContext)
from checker.discovery import discover
from checker.engine import CHK_CODE, RunConfig
from checker.model import Finding, Issue, Options, ResultUnit, Scope, Severity, Submission, SubmitterUnit
from checker.parsers.common import ParseProblem
from checker.registry import ANNOTATORS, REGISTRY, Rule, load_rules, select
from checker.replay import Replay
from checker.report import Report, ResultRecord
from checker.rulebook import Rulebook, detect_round, load_rulebook
from checker.waivers import apply_waivers

#: Below this many results the work is done in-process (forking costs more than it saves).
PARALLEL_THRESHOLD = 64


def detect_submission_round(submission: Submission) -> str | None:
    """The round whose LoadGen version the submission's performance logs show (first log that tells)."""
    from checker.parsers.loadgen import parse_detail_log

    for result in submission.results:
        log = parse_detail_log(result.path / "performance" / "run_1" / "mlperf_log_detail.txt").value
        version = log.get("loadgen_version") if log else None
        if isinstance(version, str):
            round_ = detect_round(version)
            if round_:
                return round_
    return None


def _issue_to_finding(rule: Rule, issue: Issue, ctx_rel, result: str | None, unit: str, short_run: bool) -> Finding:
    severity = (issue.severity or rule.severity)
    if short_run and rule.relaxed_by_short_run and severity == Severity.ERROR:
        severity = Severity.WARNING
    path = ctx_rel(issue.path) if issue.path is not None else None
    return Finding(code=rule.code, name=rule.name, severity=Severity(severity).value, message=issue.message,
                   hint=issue.hint or rule.section("Fix:"), path=path, line=issue.line, result=result,
                   expected=None if issue.expected is None else str(issue.expected),
                   actual=None if issue.actual is None else str(issue.actual), unit=unit)


def _run_rule(rule: Rule, ctx: Any, result: str | None, unit: str, short_run: bool) -> list[Finding]:
    try:
        return [_issue_to_finding(rule, issue, ctx.rel, result, unit, short_run) for issue in (rule.check(ctx) or ())]
    except Exception as exc:  # a faulty rule must not stop the run
        chk = REGISTRY[CHK_CODE]
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return [Finding(code=chk.code, name=chk.name, severity=chk.severity.value,
                        message=f"rule {rule.code} ({rule.name}) raised {type(exc).__name__}: {exc} "
                                f"at {Path(where.filename).name}:{where.lineno}",
                        hint=chk.section("Fix:"), path=result or unit, result=result, unit=unit)]


def touch_standard_files(ctx: ResultContext) -> None:
    """Parse the files every result has, so that unreadable ones are reported whatever rules run."""
    _ = ctx.perf_log, ctx.acc_log, ctx.system_json, ctx.measurements
    ctx.summary_log(ctx.perf_dir / "mlperf_log_summary.txt")
    ctx.accuracy_txt(ctx.acc_dir / "accuracy.txt")
    ctx.conf(ctx.unit.measurements_dir / "user.conf")


class _Worker:
    """State shared by the result checks of one process."""

    submission: Submission
    rulebook: Rulebook
    options: Options
    rules: list[Rule]
    short_run: bool
    cache: FileCache
    prefetch: bool
    stamps: int | None

    @classmethod
    def setup(cls, submission: Submission, rulebook: Rulebook, options: Options, rules: list[Rule],
              prefetch: bool, stamps: int | None = None) -> None:
        cls.submission, cls.rulebook, cls.options, cls.rules = submission, rulebook, options, rules
        cls.short_run = options.profile == "short-run"
        cls.cache = FileCache(submission.root)
        if stamps is not None:
            cls.cache.record_touched()
        cls.prefetch = prefetch
        cls.stamps = stamps

    @classmethod
    def check(cls, result: ResultUnit) -> tuple[Checked, Record | None]:
        """Check one result; with `stamps` (the run's start), also what the check depended on (incremental mode)."""
        ctx = ResultContext(submission=cls.submission, rulebook=cls.rulebook, options=cls.options,
                            cache=cls.cache, unit=result)
        findings: list[Finding] = []
        if cls.prefetch:
            touch_standard_files(ctx)
        for rule in cls.rules:
            findings.extend(_run_rule(rule, ctx, result.rel, result.system_key, cls.short_run))
        for annotate in ANNOTATORS:
            try:
                annotate(ctx)
            except Exception:  # annotators fill report data only; a failure leaves it empty
                pass
        checked = Checked(findings, cls.cache.drain(), ctx.outcome)
        touched = cls.cache.take_touched()
        cls.cache.forget(own_folders(result))  # memory stays flat: only shared files stay parsed
        return checked, result_stamps(result, touched, cls.stamps) if cls.stamps is not None else None

    @classmethod
    def check_many(cls, results: list[ResultUnit]) -> list[tuple[Checked, Record | None]]:
        """Check a chunk of results (one task of a worker process)."""
        return [cls.check(r) for r in results]


def _chunks(items: list[ResultUnit], n: int) -> list[list[ResultUnit]]:
    """Split results into about `8 n` contiguous chunks (neighbouring results share files; small
    chunks keep the workers evenly busy to the end)."""
    size = max(1, len(items) // (n * 8) + 1)
    return [items[i:i + size] for i in range(0, len(items), size)]


def _check_results(submission: Submission, results: list[ResultUnit], rulebook: Rulebook, options: Options,
                   rules: list[Rule], jobs: int, prefetch: bool, stamps: int | None,
                   progress: Callable[[int, int], None] | None, meanwhile: Callable[[], None]):
    """Check `results` (in parallel when worth it) and call `meanwhile` in this process as they run."""
    _Worker.setup(submission, rulebook, options, rules, prefetch, stamps)
    tick = progress or (lambda done, total: None)
    out: list = []
    if jobs <= 1 or len(results) < PARALLEL_THRESHOLD:
        meanwhile()
        for r in results:
            out.append(_Worker.check(r))
            tick(len(out), len(results))
        return out
    out.append(_Worker.check(results[0]))  # here first: lazy imports and caches warm once, before the fork
    tick(1, len(results))
    import multiprocessing  # here: a run given back from the cache starts no process pool
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork")
    gc.freeze()  # what exists now (modules, rulebook, units) is shared with the workers: never scanned nor copied
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            parts = pool.map(_Worker.check_many, _chunks(results[1:], jobs))  # submitted now, run while...
            meanwhile()  # ...this process checks the submission, submitters and systems
            for part in parts:
                out.extend(part)
                tick(len(out), len(results))
            return out
    finally:
        gc.unfreeze()


def _owner_index(submission: Submission) -> dict[str, str]:
    """Maps the directories that belong to a result (result, v5 measurements and compliance) to it."""
    index: dict[str, str] = {}
    for r in submission.results:
        index[r.rel] = r.rel
        for d in (r.measurements_dir, r.compliance_dir):
            index.setdefault(submission.rel(d), r.rel)
    return index


def _owner(rel_path: str, index: dict[str, str]) -> str | None:
    for parent in [PurePosixPath(rel_path), *PurePosixPath(rel_path).parents]:
        hit = index.get(parent.as_posix())
        if hit:
            return hit
    return None


def _unit_of_path(rel_path: str) -> str:
    parts = rel_path.split("/")
    if len(parts) >= 4 and parts[2] == "systems":
        return "/".join(parts[:3] + [parts[3].removesuffix(".json")])
    if len(parts) >= 5 and parts[2] == "results":
        return "/".join(parts[:2] + ["systems", parts[3]])
    return "/".join(parts[:2])


def _problems_to_findings(problems: dict[Path, list[ParseProblem]], submission: Submission,
                          index: dict[str, str]) -> list[Finding]:
    out = []
    for path, items in problems.items():
        rel = submission.rel(path)
        owner = _owner(rel, index)
        for p in items:
            rule = REGISTRY[p.code]
            out.append(Finding(code=p.code, name=rule.name, severity=rule.severity.value, message=p.message,
                               hint=p.hint, path=rel, line=p.line, result=owner, unit=_unit_of_path(rel)))
    return out


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.code, f.path, f.line, f.message, f.result)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return sorted(out, key=Finding.sort_key)


def _verdicts(submission: Submission, findings: list[Finding], outcomes: list[dict[str, Any]]) -> list[ResultRecord]:
    by_result: dict[str, list[Finding]] = {}
    by_unit: dict[str, list[Finding]] = {}
    for f in findings:
        if f.result:
            by_result.setdefault(f.result, []).append(f)
        else:
            by_unit.setdefault(f.unit, []).append(f)
    records = []
    for r, outcome in zip(submission.results, outcomes, strict=True):
        own = by_result.get(r.rel, []) + by_unit.get(r.system_key, []) + by_unit.get(r.submitter_key, [])
        blocking = [f for f in own if f.severity == Severity.ERROR.value and not f.waived]
        records.append(ResultRecord(
            division=r.division, submitter=r.submitter, system=r.system, benchmark=r.benchmark, scenario=r.scenario,
            path=r.rel, valid=not blocking, metric=outcome.get("metric"), accuracy=outcome.get("accuracy", {}),
            inferred=bool(outcome.get("inferred", False)),
            findings=sorted({f.code for f in own if not f.waived}), extra=outcome))
    return records


def _scoped_findings(rules: list[Rule], base: dict[str, Any], sub: SubmitterUnit | None) -> Checked:
    """The submission-scope findings (`sub` None), or the submitter- and system-scope ones of `sub`."""
    short_run = base["options"].profile == "short-run"
    cache: FileCache = base["cache"]
    out: list[Finding] = []
    units: list[tuple[Scope, Any, str]] = [(Scope.SUBMISSION, SubmissionContext(**base), "")] if sub is None else [
        (Scope.SUBMITTER, SubmitterContext(**base, unit=sub), sub.key),
        *((Scope.SYSTEM, SystemContext(**base, unit=system, submitter=sub), system.key) for system in sub.systems)]
    for scope, ctx, unit in units:
        for rule in rules:
            if rule.scope == scope:
                out.extend(_run_rule(rule, ctx, None, unit, short_run))
    return Checked(out, cache.drain())


def filter_submitter(submission: Submission, name: str | None) -> Submission:
    """Keep only the submitter called `name` (case-insensitive) when given."""
    if name:
        submission.submitters = [s for s in submission.submitters if s.name.lower() == name.lower()]
    return submission


def check_tree(root: Path, config: RunConfig, jobs: int, started: int, replay: Replay | None) -> Report:
    """Check the directory `root` with `jobs` processes: the run began at `started` (epoch ns: files
    modified since are not vouched for by incremental mode), and `replay` is its kept report that did
    not hold (None without one)."""
    folder = usable_folder(config.cache, Path(os.path.realpath(root))) if config.cache is not None else None
    recalled = recall(folder) if folder is not None else frozenset()  # no schema asked again
    load_rules()
    submission = filter_submitter(discover(root), config.submitter)
    detected = False
    round_ = config.round
    if not round_:
        round_ = detect_submission_round(submission)
        detected = round_ is not None
    if not round_:
        from checker.rulebook import available_rounds

        round_ = available_rounds()[-1]
    selected_codes = {r.code for r in select(REGISTRY.values(), config.select, config.ignore) if r.applies_to(round_)}
    options = config.options
    store = RunCache(config.cache, submission, run_key(round_, selected_codes, {
        "reference_data": options.reference_data and options.reference_data.resolve(), "profile": options.profile,
        "submitter": config.submitter}) if config.cache else {}, started)
    rulebook = load_rulebook(round_)  # (not validated again when the cache knows it valid)
    if rulebook.scenario_aliases:
        submission = store.submission = filter_submitter(discover(root, rulebook.scenario_aliases), config.submitter)
    rules = [r for r in select(REGISTRY.values(), config.select, config.ignore)
             if r.check is not None and r.applies_to(round_)]
    store.plan(jobs, replay.verified if replay is not None else None)
    findings: list[Finding] = []
    problems: dict[Path, list[ParseProblem]] = {}

    def collect(got: Checked) -> None:
        findings.extend(got.findings)
        for path, items in got.problems.items():
            problems.setdefault(path, []).extend(items)

    base = dict(submission=submission, rulebook=rulebook, options=options, cache=FileCache(submission.root))
    if store.enabled:
        base["cache"].record_touched()

    def scoped() -> None:
        for sub in submission.submitters:
            got = store.reused_submitters.get(sub.key)
            if got is None:
                got = _scoped_findings(rules, base, sub)
                store.record_submitter(sub, got, base["cache"].take_touched())
            collect(got)
        got = store.submission_hit
        if got is None:
            got = _scoped_findings(rules, base, None)
            store.record_submission(got, base["cache"].take_touched())
        collect(got)

    results = submission.results
    fresh = [r for r in results if r.rel not in store.reused_results]
    checked = _check_results(submission, fresh, rulebook, options, [r for r in rules if r.scope == Scope.RESULT],
                             jobs, prefetch=any(code.startswith("LOG") for code in selected_codes),
                             stamps=store.started if store.enabled else None, progress=config.progress,
                             meanwhile=scoped)
    done = dict(store.reused_results)
    for unit, (got, stamps) in zip(fresh, checked, strict=True):
        store.record_result(unit, got, stamps)
        done[unit.rel] = got
    outcomes = []
    for r in results:
        collect(done[r.rel])
        outcomes.append(done[r.rel].outcome)
    note = store.save()
    if folder is not None and note is None:
        keep(folder, recalled)
    index = _owner_index(submission)
    findings.extend(f for f in _problems_to_findings(problems, submission, index) if f.code in selected_codes)
    findings.extend(f for f in config.findings if f.code in selected_codes)
    findings = apply_waivers(_dedupe(findings), config.waivers, selected_codes)
    records = _verdicts(submission, findings, outcomes)
    report = Report(round=round_, tool_version=__version__, results=records, findings=findings,
                    round_detected=detected, profile=config.options.profile, root=str(submission.root),
                    rules=sorted(selected_codes), prefix=submission.prefix, notes=[note] if note else [])
    if replay is not None and note is None:
        stamps = store.records()
        if stamps is not None:
            replay.save(stamps, report, store.run_id)
    return report
