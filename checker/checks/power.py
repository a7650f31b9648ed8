"""Power (PWR): the files of a power result, the Power WG checks and the power metric (spec 3.9).

A result has power when `performance/power/` exists. Every rule here is silent on results without
power, and silent on inputs another rule already reports (a missing file is PWR001, an unusable
descriptor field PWR002, a file that does not parse a LOG finding). The checks themselves are pure
functions in `checker.power.wg`; this module gathers their inputs from the result.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from checker.context import ResultContext
from checker.metric import result_metric
from checker.model import Issue
from checker.parsers.common import open_regular, small_file
from checker.power import wg
from checker.power.logs import PtdLog, SplLog, parse_ptd_log, parse_spl
from checker.power.metric import PowerMetric, average_watts, power_metric
from checker.power.session import PHASE_MODES, analysers, phase_times, shape_problems, usable
from checker.power.stamps import parse_stamp
from checker.registry import annotator, rule

#: The session descriptors: they hold the other files' hashes, so they are not hashed themselves.
DESCRIPTORS = ("client.json", "server.json")
#: Directory of each measurement phase under `performance/`.
RUN_DIRS = {"ranging": "ranging", "testing": "run_1"}


# --------------------------------------------------------------------------- inputs


def _perf(ctx: ResultContext) -> Path:
    return ctx.under("performance")


def _descriptor_path(ctx: ResultContext, name: str) -> Path:
    """`performance/power/<name>.json`: `client` or `server`."""
    return ctx.under("performance", "power", f"{name}.json")


def _descriptor(ctx: ResultContext, name: str) -> dict[str, Any] | None:
    """`performance/power/<name>.json` parsed (None when absent or unusable)."""
    data = ctx.json(_descriptor_path(ctx, name))
    return data if isinstance(data, dict) else None


def _descriptors(ctx: ResultContext) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(client.json, server.json) of a power result, None unless both are usable JSON objects."""
    if not ctx.has_power:
        return None
    client, server = _descriptor(ctx, "client"), _descriptor(ctx, "server")
    return (client, server) if client is not None and server is not None else None


def _in_both(ctx: ResultContext, field: str) -> tuple[Any, Any] | None:
    """`field` of client.json and of server.json, None unless both descriptors have it in a usable shape."""
    pair = _descriptors(ctx)
    if pair is None:
        return None
    client, server = usable(pair[0], field), usable(pair[1], field)
    return (client, server) if client is not None and server is not None else None


def _spl(ctx: ResultContext, mode: str) -> SplLog | None:
    return ctx.cache.get("spl", ctx.under("performance", RUN_DIRS[mode], "spl.txt"), parse_spl)


def _ptd(ctx: ResultContext) -> PtdLog | None:
    return ctx.cache.get("ptd", ctx.under("performance", "power", "ptd_logs.txt"), parse_ptd_log)


@dataclass(frozen=True, slots=True)
class Window:
    """LoadGen's power window of one run: epoch microseconds, and where the log says so."""

    begin: int
    end: int
    path: Path
    line: int | None

    @property
    def seconds(self) -> float:
        """Length of the window in seconds."""
        return (self.end - self.begin) / 1_000_000


def _window_or_issue(ctx: ResultContext, mode: str) -> Window | Issue | None:
    """The power window of the `mode` run, an issue saying why it is unusable, or None when its log is."""
    path = ctx.under("performance", RUN_DIRS[mode], "mlperf_log_detail.txt")
    log = ctx.detail_log(path)
    if log is None:
        return None
    stamps = {}
    for key in ("power_begin", "power_end"):
        value = log.get(key)
        stamps[key] = parse_stamp(value) if isinstance(value, str) else None
        if stamps[key] is None:
            return Issue(f"the {mode} run's detail log has no usable {key}", path=path, line=log.line(key),
                         expected=f"{key} as 'MM-DD-YYYY HH:MM:SS.fff'", actual=repr(value) if value else "absent",
                         hint="Run LoadGen through the PTD client (power mode), which makes LoadGen log its power "
                         "window, and upload the detail log unedited.")
    return Window(stamps["power_begin"], stamps["power_end"], path, log.line("power_begin"))


def _window(ctx: ResultContext, mode: str) -> Window | None:
    found = _window_or_issue(ctx, mode)
    return found if isinstance(found, Window) else None


def _average(ctx: ResultContext, mode: str) -> float | None:
    """Average watts of the `mode` run inside its LoadGen window (None when not computable)."""
    window, spl = _window(ctx, mode), _spl(ctx, mode)
    return average_watts(spl, window.begin, window.end) if window and spl else None


def _sha1(path: Path) -> str | None:
    """SHA-1 of a regular file (None for anything else: absent, a link, a pipe, unreadable)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        data = small_file(path)  # the run's one read of a small file (the logs are parsed too)
        if data is not None:
            return hashlib.sha1(data).hexdigest()
        with open_regular(path) as fh:
            return hashlib.file_digest(fh, "sha1").hexdigest()
    except OSError:
        return None


def required_power_files(ctx: ResultContext) -> list[str]:
    """Files of a power result whose SHA-1 the session records, relative to `performance/`."""
    files = ctx.rulebook.layout_files
    run = list(files.performance.required) + list(files.power.run_extra)
    return ([f"power/{n}" for n in files.power.power if n not in DESCRIPTORS]
            + [f"ranging/{n}" for n in files.power.ranging] + [f"run_1/{n}" for n in run])


# --------------------------------------------------------------------------- files


@rule("PWR001", "power-file-list")
def power_file_list(ctx: ResultContext) -> Iterator[Issue]:
    """A power result's ranging, power and testing directories hold exactly the files of a power run.

    Checks: `performance/ranging/` holds the ranging run's detail and summary logs and `spl.txt`;
    `performance/power/` holds `client.json`, `client.log`, `ptd_logs.txt`, `server.json` and
    `server.log`; none of them, nor `performance/run_1/`, holds other files (beyond the optional
    names of the round). Missing files of `run_1/` are STR001's.
    Why: the power measurement is judged from these files only; the Power WG checker hashes them.
    Fix: copy the files the PTD client collected for this run (its output directory) unchanged.
    Rules: MLPerf Inference Power Measurement Rules, "Power Logs" and "Audit process and Benchmark Logging".
    """
    if not ctx.has_power:
        return
    files = ctx.rulebook.layout_files
    always = set(files.always_optional)
    perf_optional = set(files.performance.optional)
    dirs = (("run_1", list(files.performance.required) + list(files.power.run_extra), perf_optional, False),
            ("ranging", list(files.power.ranging), perf_optional, True),
            ("power", list(files.power.power), set(), True))
    for name, required, optional, report_missing in dirs:
        directory = _perf(ctx) / name
        if not directory.is_dir() or ctx.leaves_submission(directory):
            if report_missing:
                yield Issue(f"power result has no performance/{name}/ directory", path=directory,
                            expected=", ".join(required), actual="no directory",
                            hint=f"Copy the {name} files of the power run into performance/{name}/.")
            continue
        present = {e.name for e in os.scandir(directory) if not e.is_dir(follow_symlinks=False)}
        for missing in sorted(set(required) - present) if report_missing else []:
            yield Issue(f"performance/{name}/{missing} is missing", path=directory / missing, expected=missing,
                        actual="absent", hint=f"Copy {missing} of the power run into performance/{name}/.")
        for extra in sorted(present - set(required) - optional - always):
            yield Issue(f"performance/{name}/{extra} is not a file of a power run", path=directory / extra,
                        expected=", ".join(sorted(required)), actual=extra,
                        hint="Remove the file (only the files the PTD client and LoadGen wrote belong here).")


@rule("PWR002", "power-session-descriptor")
def power_session_descriptor(ctx: ResultContext) -> Iterator[Issue]:
    """`client.json` and `server.json` have every field of a PTD session record, in the right shape.

    Checks: both files have `version`, `timezone`, `modules`, `sources`, `messages`, `uuid`,
    `session_name`, `results` and `phases`; `server.json` also `ptd_messages` and `ptd_config`;
    each field has the type the PTD client/server writes (e.g. `phases` holds ranging and testing
    lists of [time, ...] points).
    Why: every Power WG check reads these fields; the official checker crashes without them.
    Fix: upload the session files the PTD client and server wrote, unedited.
    Rules: MLPerf Inference Power Measurement Rules, "Power Logs".
    """
    if not ctx.has_power:
        return
    power = ctx.rulebook.power
    for name, fields in (("client", power.session_fields), ("server", power.session_fields + power.server_fields)):
        data = _descriptor(ctx, name)
        if data is None:
            continue
        for field, problem in shape_problems(data, list(fields)):
            yield Issue(f"{name}.json: field {field!r} is {problem}", path=_descriptor_path(ctx, name),
                        expected=field, actual=problem,
                        hint=f"Upload {name}.json as the PTD {name} wrote it.")


@rule("PWR021", "power-setup-documents")
def power_setup_documents(ctx: ResultContext) -> Iterator[Issue]:
    """A power result comes with the description of its analyser and of its power settings.

    Checks: a non-empty file whose name starts with `analyzer_table` and one starting with
    `power_settings` (any extension, e.g. `.md`) exist in the result's measurements directory or
    in one of its three parent directories (e.g. once per system). The official checker of v6.0
    and later dropped this check; it applies here in every round.
    Why: reviewers need the analyser model, calibration and wiring, and the system's power
    settings, to judge and reproduce the measurement.
    Fix: write `analyzer_table.md` (the table format of the power rules) and `power_settings.md`
    into `measurements/<system>/` (or the level where they stop being common to all results).
    Rules: MLPerf Inference Power Measurement Rules, "Power Analyzer Settings" (analyzer_table.md and where it
    goes) and "Platform Description for Power submission" (power management settings).
    """
    if not ctx.has_power:
        return
    power = ctx.rulebook.power
    folders = [ctx.unit.measurements_dir, *list(ctx.unit.measurements_dir.parents)[:power.setup_document_levels]]
    found: dict[str, list[Path]] = {prefix: [] for prefix in power.setup_documents}
    for folder in folders:
        try:
            entries = [e for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
        except OSError:
            continue
        for entry in entries:
            for prefix in found:
                if entry.name.startswith(prefix):
                    found[prefix].append(Path(entry.path))
    for prefix, paths in found.items():
        if not paths:
            yield Issue(f"no {prefix}.* document for this power result", path=ctx.unit.measurements_dir,
                        expected=f"{prefix}.md in the measurements directory or up to {power.setup_document_levels} "
                        "levels above", actual="none",
                        hint=f"Add {prefix}.md describing the power setup next to the system's measurements.")
        elif all(p.stat().st_size == 0 for p in paths):
            yield Issue(f"{paths[0].name} is empty", path=paths[0], expected="a description", actual="0 bytes",
                        hint=f"Fill {paths[0].name} with the description the power rules ask for.")


# --------------------------------------------------------------------------- Power WG checks


@rule("PWR003", "power-source-checksums")
def power_source_checksums(ctx: ResultContext) -> Iterator[Issue]:
    """The PTD client and server code that measured the result is an official release of the round.

    Checks: the `sources` SHA-1 table of `client.json` and of `server.json` equals one of the
    round's known source sets (Power WG `sources_checksums.json`).
    Why: only the reviewed PTD client/server code may drive the measurement; a modified client or
    server could report anything.
    Fix: measure with the unmodified mlcommons/power-dev release that the round prescribes.
    Rules: MLPerf Inference Power Measurement Rules, "Power Measurement Flow" (only the MLPerf power workflow
    may be used).
    """
    pair = _descriptors(ctx)
    if pair is None:
        return
    for name, data in zip(("client", "server"), pair, strict=True):
        sources = usable(data, "sources")
        if sources is not None:
            yield from wg.check_sources(sources, ctx.rulebook.power.source_checksums,
                                        _descriptor_path(ctx, name))


def _ptd_messages(ctx: ResultContext) -> tuple[list[dict[str, str]], Path] | None:
    pair = _descriptors(ctx)
    messages = usable(pair[1], "ptd_messages") if pair else None
    return (messages, _descriptor_path(ctx, "server")) if messages is not None else None


@rule("PWR004", "ptd-identification")
def ptd_identification(ctx: ResultContext) -> Iterator[Issue]:
    """The power analyser is a supported model and PTDaemon is the round's version.

    Checks: PTDaemon's reply to `Identify` (in `server.json` `ptd_messages`) names a supported
    Yokogawa analyser and a PTDaemon version the round accepts (v4.1: 1.10.0; from v5.0: 1.11.1).
    Why: only calibrated, SPEC-accepted analysers driven by the current PTDaemon give trustworthy
    readings and uncertainty checks.
    Fix: measure with a supported analyser and the PTDaemon release of the round.
    Rules: MLPerf Inference Power Measurement Rules, "Power Analyzer Support" and "Power Measurement Flow".
    """
    found = _ptd_messages(ctx)
    if found is not None:
        yield from wg.check_identification(found[0], ctx.rulebook.power, found[1])


@rule("PWR005", "ptd-replies")
def ptd_replies(ctx: ResultContext) -> Iterator[Issue]:
    """PTDaemon accepted every range change and started and stopped each measurement as told.

    Checks: every `SR,A…`/`SR,V…` command got `Range A/V changed`, every `Go,1000,…` got
    `Starting untimed measurement, maximum 500000 samples at 1000ms with 0 rampup samples`, every
    `Stop` got `Stopping untimed measurement` (from the third `Stop` on, `Error: no measurement to stop`).
    Why: another reply means the analyser was not in the state the measurement assumes.
    Fix: find the cause in server.log / ptd_logs.txt (wrong range, lost connection) and repeat the run.
    Rules: MLPerf Inference Power Measurement Rules, "Power Analyzer Settings" (set by the workflow) and
    "Power Measurement Flow" (dynamic ranging).
    """
    found = _ptd_messages(ctx)
    if found is not None:
        yield from wg.check_replies(found[0], ctx.rulebook.power, found[1])


@rule("PWR006", "ptd-ranges-restored")
def ptd_ranges_restored(ctx: ResultContext) -> Iterator[Issue]:
    """After the session, the analyser's amps and volts ranges were restored to their initial values.

    Checks: the initial ranges are read from PTDaemon's `RR` reply (a fixed value, or `Auto`); the
    third `SR,V` command and the third `SR,A` command (from v5.0: the third or the fourth) set
    exactly those ranges again. (The official v5.0+ checker also fails a session that has no 4th
    `SR,A` even when the third restores the range; this rule does not.)
    Why: the PTD server restores the ranges at the end of a normal session; anything else means the
    session was altered or cut short.
    Fix: let the PTD server complete the session; repeat the measurement.
    Rules: MLPerf Inference Power Measurement Rules, "Power Analyzer Settings" (set by the workflow, never by
    hand).
    """
    found = _ptd_messages(ctx)
    if found is not None:
        yield from wg.check_ranges_restored(found[0], ctx.rulebook.power, found[1])


@rule("PWR007", "power-session-uuid")
def power_session_uuid(ctx: ResultContext) -> Iterator[Issue]:
    """`client.json` and `server.json` come from the same session: equal client and server UUIDs.

    Checks: `uuid.client` and `uuid.server` are the same UUIDs in both files.
    Why: files of different sessions must not be combined into one result.
    Fix: upload the client.json and server.json of the session that measured this run.
    Rules: MLPerf Inference Power Measurement Rules, "Power Logs" and "Power and Performance Reporting and
    Measurement" (one run).
    """
    both = _in_both(ctx, "uuid")
    if both is not None:
        yield from wg.check_uuids(*both, _descriptor_path(ctx, "client"))


@rule("PWR008", "power-session-name")
def power_session_name(ctx: ResultContext) -> Iterator[Issue]:
    """`client.json` and `server.json` name the same session.

    Checks: `session_name` is equal in both files.
    Why: files of different sessions must not be combined into one result.
    Fix: upload the client.json and server.json of the session that measured this run.
    Rules: MLPerf Inference Power Measurement Rules, "Power Logs" and "Power and Performance Reporting and
    Measurement" (one run).
    """
    both = _in_both(ctx, "session_name")
    if both is not None:
        yield from wg.check_session_names(*both, _descriptor_path(ctx, "client"))


@rule("PWR009", "power-phase-alignment")
def power_phase_alignment(ctx: ResultContext) -> Iterator[Issue]:
    """Client and server clocks agree on every phase of the ranging and testing measurements.

    Checks: `phases.ranging` and `phases.testing` have as many points in both files, and each
    point's time differs by at most the round's tolerance (800 ms) between client and server.
    Why: LoadGen's window (client clock) is matched against the analyser's samples (server clock);
    unsynchronised clocks measure the wrong samples.
    Fix: synchronise both machines with NTP (the PTD client and server do so when configured) and repeat.
    Rules: MLPerf Inference Power Measurement Rules, "Definitions" (SUT and Director synchronised with NTP).
    """
    pair = _descriptors(ctx)
    if pair is None:
        return
    for mode in PHASE_MODES:
        client, server = phase_times(pair[0], mode), phase_times(pair[1], mode)
        if client is not None and server is not None:
            yield from wg.check_phase_alignment(client, server, mode, ctx.rulebook.power.phase_tolerance_ms,
                                                _descriptor_path(ctx, "client"))


@rule("PWR010", "power-window-in-phase")
def power_window_in_phase(ctx: ResultContext) -> Iterator[Issue]:
    """LoadGen's power window of the ranging and the testing run lies inside the matching PTD measurement.

    Checks: both detail logs have `power_begin` and `power_end`; each lies strictly between the
    second and third phase points of its mode in `client.json` (a one-hour shift is tolerated,
    daylight saving).
    Why: the power metric averages the samples of LoadGen's window; outside the measurement there
    are no samples of the run.
    Fix: run LoadGen through the PTD client, with the SUT clock synchronised; repeat the run.
    Rules: MLPerf Inference Power Measurement Rules, "Power is measured in performance phase of the
    Benchmark/Scenario" and "LoadGen".
    """
    pair = _descriptors(ctx)
    for mode in PHASE_MODES:
        found = _window_or_issue(ctx, mode) if ctx.has_power else None
        if isinstance(found, Issue):
            yield found
            continue
        phases = phase_times(pair[0], mode) if pair else None
        if found is not None and phases is not None:
            yield from wg.check_window_in_phase(found.begin / 1e6, found.end / 1e6, phases, mode,
                                                ctx.rulebook.power.dst_shift_s, found.path, found.line)


@rule("PWR011", "testing-power-drop")
def testing_power_drop(ctx: ResultContext) -> Iterator[Issue]:
    """The testing run drew about as much power as the ranging run: not more than 5% less.

    Checks: the average of the positive `spl.txt` samples inside LoadGen's window, ranging versus
    testing run; `round((testing / ranging - 1) * 100, 2)` must be above -5 (both averages rounded
    to 5 decimals first). A ranging run without samples in its window fails.
    Why: the ranges are set from the ranging run; a much lighter testing run means a different
    workload or a measurement of the wrong period.
    Fix: run the same workload with the same settings in both runs; repeat the measurement.
    Rules: MLPerf Inference Power Measurement Rules, "Power Measurement Flow" (dynamic ranging) and "Power and
    Performance Reporting and Measurement".
    """
    if not ctx.has_power:
        return
    ranging, testing = _average(ctx, "ranging"), _average(ctx, "testing")
    spl_path = _perf(ctx) / "ranging" / "spl.txt"
    if ranging is None and _window(ctx, "ranging") is not None and _spl(ctx, "ranging") is not None:
        yield Issue("the ranging run has no positive power samples inside its LoadGen window", path=spl_path,
                    expected="samples between power_begin and power_end", actual="none",
                    hint="Upload the ranging run's spl.txt and detail log of the same session.")
    elif ranging is not None and testing is not None:
        yield from wg.check_power_drop(ranging, testing, ctx.rulebook.power, _perf(ctx) / "run_1" / "spl.txt")


@rule("PWR012", "testing-duration-short", severity="warning")
def testing_duration_short(ctx: ResultContext) -> Iterator[Issue]:
    """The testing run is not much shorter than the ranging run (a warning for audit).

    Checks: LoadGen's power window of the testing run is not more than 50% shorter than the
    ranging run's.
    Why: ranging and testing must run the same workload; a much shorter testing run hints at a
    different configuration.
    Fix: run ranging and testing with the same settings; explain the difference to the reviewers.
    Rules: MLPerf Inference Power Measurement Rules, "Power Measurement Flow" (dynamic ranging) and "Power and
    Performance Reporting and Measurement".
    """
    ranging, testing = (_window(ctx, "ranging"), _window(ctx, "testing")) if ctx.has_power else (None, None)
    if ranging is not None and testing is not None:
        yield from wg.check_duration(ranging.seconds, testing.seconds, ctx.rulebook.power, testing.path, testing.line)


@rule("PWR013", "power-session-messages")
def power_session_messages(ctx: ResultContext) -> Iterator[Issue]:
    """Client and server recorded the same conversation, in the same protocol version.

    Checks: `messages` of `client.json` and `server.json` have the same length and the same
    commands, and the same replies except to `time`; the first message states equal client and
    server protocol versions (`mlcommons/power client vN` / `server vN`).
    Why: a mismatch means the files were edited or combined from different sessions.
    Fix: upload the client.json and server.json of the session, unedited.
    Rules: MLPerf Inference Power Measurement Rules, "Power Logs" and "Audit process and Benchmark Logging".
    """
    both = _in_both(ctx, "messages")
    if both is not None:
        yield from wg.check_messages(*both, _descriptor_path(ctx, "client"))


@rule("PWR014", "power-file-hashes")
def power_file_hashes(ctx: ResultContext) -> Iterator[Issue]:
    """Every file of the power measurement is the one the session recorded (SHA-1).

    Checks: for the required files of `power/` (except the two descriptors), `ranging/` and
    `run_1/`, a SHA-1 is recorded in `client.json` or `server.json`, both record the same SHA-1
    where both have it, and the file on disk has that SHA-1.
    Why: the session hashes its logs when it ends; a different hash means a log was edited or
    replaced afterwards (e.g. a LoadGen log of another run).
    Fix: upload the files exactly as the power session produced them.
    Rules: MLPerf Inference Power Measurement Rules, "Power Logs" and "Audit process and Benchmark Logging".
    """
    both = _in_both(ctx, "results")
    if both is None:
        return
    required = required_power_files(ctx)
    on_disk = {name: digest for name in required
               if (digest := _sha1(_perf(ctx) / name)) is not None}
    yield from wg.check_file_hashes(on_disk, *both, required, _descriptor_path(ctx, "server"))


def _ranging_measurement(ctx: ResultContext) -> tuple[PtdLog, tuple[Any, Any] | None] | None:
    """The PTD log and its ranging measurement (start, stop lines; None when not found)."""
    pair = _descriptors(ctx)
    session = usable(pair[1], "session_name") if pair else None
    log = _ptd(ctx) if session is not None else None
    return (log, wg.ranging_measurement(log, session)) if log is not None else None


@rule("PWR015", "ptd-uncertainty-checking")
def ptd_uncertainty_checking(ctx: ResultContext) -> Iterator[Issue]:
    """PTDaemon's uncertainty checking was on before the ranging measurement began.

    Checks: `ptd_logs.txt` has the ranging measurement (`Go with mark '<session>_ranging'` ...
    `Completed test`) and, before it, the line `Uncertainty checking for Yokogawa... is activated`.
    Why: without uncertainty checking PTDaemon does not flag samples whose error is too large.
    Fix: run PTDaemon as the PTD server starts it (uncertainty checking on) and repeat the measurement.
    Rules: MLPerf Inference Power Measurement Rules, "Power Measurement Flow" (measurements at high precision
    and accuracy).
    """
    found = _ranging_measurement(ctx)
    if found is None:
        return
    log, ranging = found
    if ranging is None:
        yield Issue("ptd_logs.txt has no complete ranging measurement ('Go with mark ..._ranging' then "
                    "'Completed test')", path=log.path, expected="the ranging measurement's start and end marks",
                    actual="not found", hint="Upload the PTDaemon log of the session that measured this run.")
        return
    yield from wg.check_uncertainty_activated(log, ranging[0], ctx.rulebook.power.uncertainty_activated_pattern)


@rule("PWR016", "ptd-log-errors")
def ptd_log_errors(ctx: ResultContext) -> Iterator[Issue]:
    """PTDaemon reported errors only where they are expected: known errors while ranging.

    Checks: every `ERROR:` line of `ptd_logs.txt`. Outside the ranging measurement (testing
    included): an error. Inside it: fine when it is a known ranging error (e.g. `Can't evaluate
    uncertainty of this sample!`), a warning otherwise. `USB.` errors are warnings anywhere.
    Lines of one kind are reported once, with their count and first line.
    Why: an analyser error during testing means samples of the measured run are missing or wrong.
    Fix: fix the analyser connection or range settings and repeat the measurement.
    Rules: MLPerf Inference Power Measurement Rules, "Power Measurement Flow" (measurements at high precision
    and accuracy).
    """
    found = _ranging_measurement(ctx)
    if found is not None and found[1] is not None:
        yield from wg.check_ptd_errors(found[0], found[1], ctx.rulebook.power)


@rule("PWR017", "ptd-log-warnings")
def ptd_log_warnings(ctx: ResultContext) -> Iterator[Issue]:
    """PTDaemon raised no uncertainty alarm while the testing run's load was on.

    Checks: `WARNING:` lines of `ptd_logs.txt` stamped inside the testing run's LoadGen window
    (less 800 ms at each end): `Uncertainty x%, which is above 1.00% limit` is an error, any other
    warning is a warning. Lines of one kind are reported once, with their count and first line.
    The official checker adds the 800 ms margin as 800 seconds, which empties the window of any run
    shorter than about 27 minutes; this rule uses the intended 800 ms.
    Why: samples with more than 1% uncertainty do not measure the run's power precisely enough.
    Fix: set analyser ranges that fit the load (the ranging run gives them) and repeat the measurement.
    Rules: MLPerf Inference Power Measurement Rules, "Power Measurement Flow" (measurements at high precision
    and accuracy).
    """
    if not ctx.has_power:
        return
    window, log = _window(ctx, "testing"), _ptd(ctx)
    if window is not None and log is not None:
        yield from wg.check_ptd_warnings(log, window.begin, window.end, ctx.rulebook.power)


@rule("PWR018", "analyser-config")
def analyser_config(ctx: ResultContext) -> Iterator[Issue]:
    """PTDaemon was configured for a supported analyser; multichannel analysers use two channels.

    Checks: every `ptd_config` entry of `server.json` (one object up to v4.1, a list from v5.0) has
    a supported `device_type`; a multichannel device (77, WT330 multichannel) is started with
    `-c a,b` and lists two channels.
    Why: a wrong device type reads the analyser wrongly; a multichannel analyser on one channel
    misses part of the system's power.
    Fix: start PTDaemon with the analyser's device type (and `-c` with both channels).
    Rules: MLPerf Inference Power Measurement Rules, "Power Analyzer Support" and "Power Analyzer Settings".
    """
    pair = _descriptors(ctx)
    configs = analysers(pair[1]) if pair else None
    if configs is not None:
        yield from wg.check_analysers(configs, ctx.rulebook.power, _descriptor_path(ctx, "server"))


@rule("PWR019", "ptd-server-debug")
def ptd_server_debug(ctx: ResultContext) -> Iterator[Issue]:
    """The PTD server did not run in debug mode.

    Checks: `server.json` has no `debug` field, or `debug` is false.
    Why: debug mode is for developing the PTD server; it is not a measurement configuration.
    Fix: run the PTD server without `--debug` and repeat the measurement.
    Rules: MLPerf Inference Power Measurement Rules, "Power Measurement Flow".
    """
    pair = _descriptors(ctx)
    if pair is not None:
        yield from wg.check_debug(pair[1], _descriptor_path(ctx, "server"))


# --------------------------------------------------------------------------- the metric


def _power_metric(ctx: ResultContext) -> PowerMetric | None:
    """The result's power metric (None when it has no power or it cannot be computed)."""
    window = _window(ctx, "testing") if ctx.has_power else None
    average = _average(ctx, "testing") if window is not None else None
    log, scenario = ctx.perf_log, ctx.scenario
    if average is None or log is None or scenario is None:
        return None
    count = log.get("result_query_count")
    metric = result_metric(ctx)
    return power_metric(average, window.begin, window.end, scenario, log.scenario,
                        count if isinstance(count, int) and not isinstance(count, bool) else None,
                        metric.value if metric is not None else None, ctx.rulebook.power.samples_per_query,
                        ctx.rulebook.defaults.power_unit)


@rule("PWR020", "power-samples")
def power_samples(ctx: ResultContext) -> Iterator[Issue]:
    """The testing run's `spl.txt` has power samples inside LoadGen's window, so the metric exists.

    Checks: at least one `spl.txt` sample of `run_1` lies strictly between `power_begin` and
    `power_end` with positive watts; for SingleStream/MultiStream, `result_query_count` is a
    positive integer (energy per query).
    Why: the power metric is the average of those samples; without them the result has no power figure.
    Fix: upload the spl.txt of the session that measured this run (the PTD server writes it).
    Rules: MLPerf Inference Power Measurement Rules, "Power is measured in performance phase of the
    Benchmark/Scenario" and "LoadGen".
    """
    window = _window(ctx, "testing") if ctx.has_power else None
    spl = _spl(ctx, "testing") if window is not None else None
    if spl is None:
        return
    if average_watts(spl, window.begin, window.end) is None:
        yield Issue(f"spl.txt has no positive power samples inside LoadGen's window ({len(spl.times)} samples in all)",
                    path=spl.path, expected="samples between power_begin and power_end", actual="none",
                    hint="Upload the spl.txt written by the PTD server for this testing run.")
    elif ctx.scenario in ctx.rulebook.power.samples_per_query and _power_metric(ctx) is None and ctx.perf_log:
        log = ctx.perf_log
        yield Issue("result_query_count is not a positive integer: no energy per query", path=log.path,
                    line=log.line("result_query_count"), expected="a positive integer",
                    actual=repr(log.get("result_query_count")), hint="Upload the detail log LoadGen wrote, unedited.")


@annotator
def power_report(ctx: ResultContext) -> None:
    """Fill `power_metric` ({"value", "unit"}) and `power_efficiency` of a power result."""
    metric = _power_metric(ctx)
    if metric is not None:
        ctx.outcome["power_metric"] = {"value": metric.value, "unit": metric.unit}
        ctx.outcome["power_efficiency"] = metric.efficiency
