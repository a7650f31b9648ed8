"""Structure (STR): the files and directories the round's layout requires."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Iterator

from checker.context import BaseContext, ResultContext, SubmissionContext, SubmitterContext
from checker.discovery import V5_MARKERS, subdirectories
from checker.endpoints import exempt_files
from checker.endpoints import missing_files as endpoints_missing_files
from checker.model import Issue, Severity
from checker.parsers.common import small_file
from checker.registry import rule
from checker.tree import lkind


def hygiene_severity(ctx: BaseContext) -> Severity:
    """The round's severity for layout hygiene (rulebook `policies.hygiene`: error up to v5.1, warning from v6.0)."""
    return Severity(ctx.rulebook.policies.hygiene)


def _missing(directory: Path, names: list[str], what: str) -> Iterator[Issue]:
    """One issue for a missing directory, else one per missing file (a directory in a file's place is one)."""
    if not os.path.isdir(directory):
        yield Issue(f"{what} directory is missing (it must hold {', '.join(names)})", path=directory,
                    expected=", ".join(names), actual="no directory",
                    hint=f"Create {directory.name}/ and copy {', '.join(names)} of the run into it.")
        return
    below = os.path.join(directory, "")  # (strings: a Path for each file only where there is an issue)
    for name in names:
        kind = lkind(below + name)
        if kind is not None and kind != "dir":
            continue
        path = directory / name
        if kind is None:
            yield Issue(f"{what} file {name} is missing", path=path, expected=name, actual="absent",
                        hint=f"Add {name} to {directory.name}/: the file this run produced or used, unchanged.")
        elif kind == "dir":
            yield Issue(f"{what} file {name} is a directory", path=path, expected=f"file {name}", actual="directory",
                        hint=f"Replace the directory {name}/ by the file {name} the run wrote.")


@rule("STR001", "missing-required-file", fast=True)
def missing_required_file(ctx: ResultContext) -> Iterator[Issue]:
    """A file the round's layout requires in a result is missing.

    Checks: `performance/run_1/` holds the detail and summary logs (plus `spl.txt` for power results),
    `accuracy/` holds `accuracy.txt`, `mlperf_log_accuracy.json` and the accuracy run's detail and
    summary logs, and the measurements directory (the result directory from v6.0, `measurements/…`
    up to v5.1) holds the implementation-description JSON, `user.conf` and `README.md` (and
    `mlperf.conf` where the round requires it). An endpoints result (v6.1) holds instead of the
    LoadGen logs `config.yaml` (or `config.yml`), `performance/result_summary.json` and
    `accuracy/accuracy_results.json`, and needs no `user.conf`.
    Why: a result is only as good as the evidence uploaded with it; reviewers and the checker need
    every one of these files to judge the run.
    Fix: copy the missing file from the run's output directory into the place the finding names
    (LoadGen writes the logs into its output directory; the accuracy script writes accuracy.txt).
    Rules: MLPerf Inference submission rules, "Directory structure" (results, measurements).
    """
    files = ctx.rulebook.layout_files
    if ctx.endpoints:
        yield from endpoints_missing_files(ctx)
    else:
        perf = list(files.performance.required) + (list(files.power.run_extra) if ctx.has_power else [])
        yield from _missing(ctx.perf_dir, perf, "performance run")
        yield from _missing(ctx.acc_dir, list(files.accuracy.required), "accuracy")
    mdir = ctx.unit.measurements_dir
    needed = [n for n in ctx.rulebook.measurements.required_files if n not in exempt_files(ctx)]
    if not mdir.is_dir():
        yield Issue("measurements directory is missing", path=mdir, expected="directory with the implementation JSON, "
                    + ", ".join(needed), actual="no directory",
                    hint=f"Create {ctx.rel(mdir)}/ with the implementation description and {', '.join(needed)}.")
        return
    yield from _missing(mdir, needed, "measurements")
    mpath = ctx.measurements_path
    if mpath is None or not os.path.lexists(mpath):
        expected = "measurements.json" if ctx.unit.layout == "v6" else f"{ctx.unit.system}_<implementation>_{ctx.unit.scenario}.json"
        yield Issue(f"implementation-description JSON is missing ({expected})", path=mpath or mdir,
                    expected=expected, actual="absent",
                    hint=f"Write {expected} (retraining, weight transformations, data types, starting weights) "
                         f"into {ctx.rel(mdir)}/.")


@rule("STR002", "unexpected-file", fast=True)
def unexpected_file(ctx: ResultContext) -> Iterator[Issue]:
    """A run directory of a result holds a file its exact file list does not allow.

    Checks: the files of `accuracy/`, `performance/run_1/` and, for power results,
    `performance/ranging/` are the round's required files plus its optional ones (rulebook
    `layout_files`, including `always_optional` such as `mlperf_log_trace.json`); subdirectories
    (e.g. `accuracy/images/`) and links (see STR010) are not judged here. An error up to v5.1, where
    the official checker rejects the result; a warning from v6.0, whose checker dropped the rule
    (rulebook `policies.hygiene`).
    Why: these directories hold exactly what LoadGen and the accuracy script wrote; anything else is
    a stray copy, a log of another run or a file in the wrong place.
    Fix: move the file where it belongs (e.g. next to the result, or into documentation) or delete it.
    Rules: MLPerf Inference submission rules, "Directory structure" (accuracy and performance run directories).
    """
    if ctx.endpoints:  # the endpoints harness's directories have no exact file list
        return
    files = ctx.rulebook.layout_files
    extra = set(files.always_optional)
    perf = set(files.performance.required) | set(files.performance.optional) | extra
    dirs = [(ctx.acc_dir, set(files.accuracy.required) | set(files.accuracy.optional) | extra),
            (ctx.perf_dir, perf | (set(files.power.run_extra) if ctx.has_power else set()))]
    if ctx.has_power:
        dirs.append((ctx.unit.path / "performance" / "ranging", set(files.power.ranging) | extra))
    for directory, allowed in dirs:
        for name in [] if ctx.leaves_submission(directory) else _file_names(directory):
            if name not in allowed:
                yield Issue(f"unexpected file {name} in {directory.name}/", path=directory / name,
                            expected=", ".join(sorted(allowed)), actual=name, severity=hygiene_severity(ctx),
                            hint=f"Remove {name} from {directory.name}/ or move it out of the run directory.")


@rule("STR011", "missing-code-directory", fast=True)
def missing_code_directory(ctx: ResultContext) -> Iterator[Issue]:
    """The source code directory of a result's benchmark is missing.

    Checks: up to v5.1, `code/<benchmark>/` exists for the benchmark directory of every result (as a
    directory, or as a file naming another directory of `code/`); from v6.0 only `src/` must exist
    (rulebook `layout_files.code_dir` and `code_per_benchmark`).
    Why: closed-division results must come with the code that produced them so that others can
    inspect and reproduce them; the official checker rejects the result without it.
    Fix: add the implementation under `code/<benchmark>/` (v5.1 and before) or `src/` (from v6.0).
    Rules: MLPerf Inference rules, "Source code requirements for replication"; submission rules, "Directory structure".
    """
    files = ctx.rulebook.layout_files
    code = ctx.unit.submitter_dir / files.code_dir
    if not code.is_dir() or code.is_symlink():
        yield Issue(f"source code directory {files.code_dir}/ is missing", path=code, expected=f"{files.code_dir}/",
                    actual="absent", hint=f"Add the implementation's source code under {files.code_dir}/.")
        return
    if not files.code_per_benchmark:
        return
    names = {ctx.unit.benchmark, ctx.benchmark_name or ctx.unit.benchmark}
    if any(_is_code_dir(code, name) for name in names):
        return
    yield Issue(f"no source code directory {files.code_dir}/{ctx.unit.benchmark}/ for this result's benchmark",
                path=code / ctx.unit.benchmark, expected=f"{files.code_dir}/{ctx.unit.benchmark}/", actual="absent",
                hint=f"Add the implementation under {files.code_dir}/{ctx.unit.benchmark}/ (or a file there naming "
                     f"the directory of {files.code_dir}/ that holds it).")


def _is_code_dir(code: Path, name: str) -> bool:
    """`code/<name>` is a directory, or a small file whose text names a directory of `code/`."""
    path = code / name
    if path.is_symlink():
        return False
    if path.is_dir():
        return True
    try:
        if not path.is_file() or path.stat().st_size > 4096:
            return False
        target = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return False
    return bool(target) and "/" not in target and (code / target).is_dir() and not (code / target).is_symlink()


@rule("STR012", "empty-required-file", fast=True)
def empty_required_file(ctx: ResultContext) -> Iterator[Issue]:
    """A file the round requires beside a result is empty.

    Checks: `README.md`, `user.conf` (and `mlperf.conf` where the round requires it; rulebook
    `measurements.required_files`) in the result's measurements directory have visible content.
    Why: the README says how to reproduce the result and user.conf holds the LoadGen settings used;
    the official checker rejects empty ones.
    Fix: write the reproduction steps into README.md and copy the user.conf the run used.
    Rules: MLPerf Inference submission rules, "Directory structure" (measurements: README.md, user.conf).
    """
    for name in ctx.rulebook.measurements.required_files:
        path = ctx.unit.measurements_dir / name
        if lkind(path) != "file":  # (a link is not followed)
            continue
        if _blank(path):
            yield Issue(f"{name} is empty", path=path, expected="non-empty file", actual="empty",
                        hint=f"Write the content of {name} (the official checker rejects an empty one).")


def _blank(path: Path) -> bool:
    """True when the file has no visible character (only the first 64 KiB are looked at)."""
    data = small_file(path)  # the run's one read of a small file (user.conf is parsed too)
    if data is not None:
        return not data[:65536].strip()
    try:
        with open(path, "rb") as fh:
            return not fh.read(65536).strip()
    except OSError:
        return False


@rule("STR015", "layout-mismatch", scope="submitter", fast=True)
def layout_mismatch(ctx: SubmitterContext) -> Iterator[Issue]:
    """A submitter's directory layout is not the round's layout.

    Checks: up to v5.1 a submitter keeps `measurements/`, `compliance/` and `code/` beside `results/`;
    from v6.0 everything of a result lives in its result directory and code is in `src/` (rulebook
    `layout`). A submitter holding any of the old directories is read with the old layout.
    Why: files in the wrong layout are not where the round's reviewers and tools look: the round's
    official checker rejects every result of such a submitter.
    Fix: move the files to the round's layout (from v6.0: measurements.json, user.conf, README.md and
    TESTxx/ into each result directory, code/ renamed src/; the official preprocessing script does it).
    Rules: MLPerf Inference submission rules, "Directory structure" (for the round).
    """
    want = ctx.rulebook.layout
    if ctx.unit.layout == want:
        return
    found = [d for d in V5_MARKERS if (ctx.unit.path / d).is_dir()]
    actual = (f"{want} layout expected, found the v5 directories {', '.join(d + '/' for d in found)}"
              if found else "no measurements/, compliance/ or code/ directory (the v6 layout)")
    yield Issue(f"round {ctx.rulebook.round} uses the {want} layout: {actual}", path=ctx.unit.path,
                expected=f"{want} layout", actual=f"{ctx.unit.layout} layout",
                hint="Rearrange the submitter directory into the round's layout (see the round's directory structure).")


def _subdirs(path: Path) -> list[Path]:
    """Real (not linked) subdirectories, sorted."""
    return [path / name for name in subdirectories(path)]


def _is_empty(path: Path) -> bool:
    """True when the directory has no entry (or cannot be listed)."""
    try:
        with os.scandir(path) as it:
            return next(it, None) is None
    except OSError:
        return True


def _closest(name: str, candidates: list[str]) -> str | None:
    """The candidate closest to `name` (letter case ignored), or None when nothing is close."""
    by_lower = {c.lower(): c for c in candidates}
    hit = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.5)
    return by_lower[hit[0]] if hit else None


def _benchmark_dirs(ctx: SubmissionContext) -> Iterator[tuple[Path, set[Path]]]:
    """Every `results/<system>/<benchmark>/` directory with the result directories found below it."""
    by_benchmark: dict[Path, set[Path]] = {}
    for result in ctx.submission.results:
        by_benchmark.setdefault(result.path.parent, set()).add(result.path)
    for sub in ctx.submission.submitters:
        for system in _subdirs(sub.path / "results"):
            for bench in _subdirs(system):
                yield bench, by_benchmark.get(bench, set())


@rule("STR013", "not-a-scenario-directory", scope="submission", fast=True)
def not_a_scenario_directory(ctx: SubmissionContext) -> Iterator[Issue]:
    """A directory where a scenario directory belongs is not named after a scenario.

    Checks: every directory of `results/<system>/<benchmark>/` is a scenario of the round (any letter
    case: `Offline`, `offline`, ...); each other one is reported once, with the closest scenario name.
    Why: only scenario directories are read as results: a misspelt one (`Ofline`, `server_run`) is
    silently left out of the submission. This concerns no checked result, so none is invalidated.
    Fix: rename the directory to the scenario it holds (the finding names the closest one).
    Rules: MLPerf Inference submission rules, "Directory structure" (`results/<system>/<benchmark>/<scenario>`).
    """
    scenarios = list(ctx.rulebook.scenarios)
    for bench, found in _benchmark_dirs(ctx):
        if ctx.rulebook.canonical_scenario(bench.name) is not None:
            continue  # the benchmark level itself is missing: STR014
        for child in _subdirs(bench):
            if child in found or ctx.rulebook.canonical_scenario(child.name) is not None:
                continue
            close = _closest(child.name, scenarios)
            hint = f"Rename it to {close}/." if close else f"Name it after its scenario: {', '.join(scenarios)}."
            yield Issue(f"{child.name}/ is not a scenario directory{f' (closest: {close})' if close else ''}; "
                        f"it is not checked", path=child, expected=", ".join(scenarios), actual=child.name, hint=hint)


@rule("STR014", "benchmark-without-scenarios", scope="submission", fast=True)
def benchmark_without_scenarios(ctx: SubmissionContext) -> Iterator[Issue]:
    """A directory where a benchmark directory belongs holds no scenario directory.

    Checks: every non-empty directory of `results/<system>/` contains at least one scenario
    directory. A scenario directly under `results/<system>/` (the benchmark level is missing) and a
    benchmark directory with no scenario level are reported once, with the closest benchmark name
    when the directory's name is none of the round's.
    Why: results are only found at `results/<system>/<benchmark>/<scenario>/`; anything placed
    elsewhere is silently left out of the submission. This concerns no checked result.
    Fix: move the runs into `results/<system>/<benchmark>/<scenario>/`.
    Rules: MLPerf Inference submission rules, "Directory structure" (`results/<system>/<benchmark>/<scenario>`).
    """
    rb = ctx.rulebook
    for bench, found in _benchmark_dirs(ctx):
        if found or _is_empty(bench):
            continue  # an empty directory is STR009's
        scenario = rb.canonical_scenario(bench.name)
        if scenario is not None:
            yield Issue(f"scenario directory {bench.name}/ sits directly under the system: the benchmark level is "
                        f"missing, so it is not checked", path=bench, expected=f"{bench.parent.name}/<benchmark>/{bench.name}/",
                        actual=f"{bench.parent.name}/{bench.name}/",
                        hint=f"Move it to results/{bench.parent.name}/<benchmark>/{bench.name}/.")
            continue
        if _subdirs(bench):
            continue  # its subdirectories are misnamed scenarios: STR013
        known = rb.resolve_benchmark(bench.name) is not None
        close = None if known else _closest(bench.name, [*rb.benchmarks, *rb.aliases])
        extra = f" (closest benchmark: {close})" if close else ""
        yield Issue(f"{bench.name}/ holds no scenario directory{extra}; nothing in it is checked", path=bench,
                    expected=f"{bench.name}/<scenario>/", actual="no scenario directory",
                    hint=f"Put each run into {bench.name}/<scenario>/ (e.g. {bench.name}/Offline/).")


def _file_names(directory: Path) -> list[str]:
    """Names of the regular files (links not followed) of a directory, sorted; [] when unreadable."""
    try:
        with os.scandir(directory) as it:
            return sorted(e.name for e in it if e.is_file(follow_symlinks=False))
    except OSError:
        return []


def _files_at_result_levels(ctx: SubmissionContext) -> Iterator[tuple[Path, str]]:
    """Files standing where `results/`, a benchmark or a scenario directory belongs, with what belongs there."""
    for sub in ctx.submission.submitters:
        results = sub.path / "results"
        if lkind(results) == "file":
            yield results, "the results/ directory"
            continue
        for system in _subdirs(results):
            for name in _file_names(system):
                if ctx.rulebook.resolve_benchmark(name) is not None:
                    yield system / name, "a benchmark directory"
            for bench in _subdirs(system):
                for name in _file_names(bench):
                    yield bench / name, "scenario directories only"


@rule("STR016", "file-in-place-of-directory", scope="submission", fast=True)
def file_in_place_of_directory(ctx: SubmissionContext) -> Iterator[Issue]:
    """A file stands where the layout has a directory of results.

    Checks: `results/` is a directory; no file of `results/<system>/` is named after a benchmark of the
    round; `results/<system>/<benchmark>/` holds directories only (one per scenario).
    Why: results are only found in `results/<system>/<benchmark>/<scenario>/` directories; a file in
    their place (a broken copy, an archive that was never unpacked) silently drops those results
    from the submission. This concerns no checked result, so none is invalidated.
    Fix: replace the file by the directory it stands for (unpack or re-copy it), or remove it.
    Rules: MLPerf Inference submission rules, "Directory structure" (`results/<system>/<benchmark>/<scenario>`).
    """
    for path, belongs in _files_at_result_levels(ctx):
        yield Issue(f"{path.name} is a file where the layout has {belongs}; nothing in it is checked",
                    path=path, expected=belongs, actual="a file",
                    hint=f"Replace {path.name} by the directory it stands for, or remove it.")
