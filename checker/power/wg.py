"""The Power Working Group checks (spec 3.9 step 2) as pure functions over parsed inputs.

Each function receives what it needs (descriptor fields, parsed logs, the round's `PowerRules`, the
paths to name in findings) and returns the issues it finds; it never reads files and never raises.
Where the official `power_checker.py` stops at its first problem, these functions report every
problem, grouped where a log repeats one many times.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker.model import Issue, Severity
from checker.power.logs import PtdLine, PtdLog
from checker.rulebook import PowerRules

_VERSION = re.compile(r"(?<=version=)(.+?)-")
_PROTOCOL = {"cmd": re.compile(r"mlcommons/power client v(\d+)$"),
             "reply": re.compile(r"mlcommons/power server v(\d+)$")}
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def _reply(messages: list[dict[str, str]], command: str) -> str:
    """The reply to the first message whose command is exactly `command` ('' when there is none)."""
    return next((m["reply"] for m in messages if m["cmd"] == command), "")


# --------------------------------------------------------------------------- sources (WG 1-2)


def check_sources(sources: dict[str, str], known: list[dict[str, str]], path: Path) -> list[Issue]:
    """The PTD code's `sources` checksums equal one of the known releases."""
    if sources in known:
        return []
    closest = min(known, key=lambda k: len(set(k.items()) ^ set(sources.items())))
    differ = sorted(set(closest) | set(sources), key=str)
    differ = [f for f in differ if closest.get(f) != sources.get(f)]
    shown = ", ".join(f"{f} ({str(sources.get(f, 'absent'))[:10]})" for f in differ[:3])
    more = f" and {len(differ) - 3} more" if len(differ) > 3 else ""
    return [Issue(f"PTD code checksums in {path.name} match no release of this round: {shown}{more} differ",
                  path=path, expected=f"one of {len(known)} known source set(s)",
                  actual=f"{len(differ)} file(s) differ from the closest release",
                  hint="Measure with the unmodified mlcommons/power-dev client and server release of this round.")]


# --------------------------------------------------------------------------- PTD messages (WG 3)


def check_identification(messages: list[dict[str, str]], rules: PowerRules, path: Path) -> list[Issue]:
    """The analyser named in PTD's `Identify` reply is supported, and PTD is the round's version."""
    reply = _reply(messages, "Identify")
    if not reply:
        return [Issue("PTD never answered the 'Identify' command", path=path, expected="an Identify reply",
                      actual="none", hint="Run the measurement with the official PTD server, which identifies "
                      "the analyser at the start of every session.")]
    out = []
    found = _VERSION.search(reply)
    version = found.group(1) if found else ""
    if version not in rules.ptd_versions:
        out.append(Issue(f"PTDaemon version {version or '(none)'!r} is not the round's", path=path,
                         expected=" or ".join(rules.ptd_versions), actual=version or "no version in the Identify reply",
                         hint=f"Measure with PTDaemon {' or '.join(rules.ptd_versions)}, as the round's power rules "
                         "require."))
    model = reply.split(",")[0]
    if model not in rules.analysers:
        out.append(Issue(f"power analyser {model!r} is not a supported analyser", path=path,
                         expected=", ".join(rules.analysers), actual=model,
                         hint="Measure with one of the analysers the MLPerf power rules list (SPEC PTDaemon "
                         "accepted Yokogawa models)."))
    return out


def check_replies(messages: list[dict[str, str]], rules: PowerRules, path: Path) -> list[Issue]:
    """PTDaemon answered every range and start/stop command with the expected reply."""
    out = []
    for prefix, expected in rules.replies.items():
        stops = 0
        for m in messages:
            if not m["cmd"].startswith(prefix):
                continue
            if m["cmd"] == "Stop":
                stops += 1
            want = rules.stop_again_reply if prefix == "Stop" and stops >= rules.stop_again_from else expected
            if m["reply"] != want:
                out.append(Issue(f"PTDaemon replied {m['reply']!r} to {m['cmd']!r}", path=path, expected=want,
                                 actual=m["reply"], hint="The analyser did not do what PTD was told (range change "
                                 "or measurement start/stop failed); repeat the measurement."))
    return out


def _initial_range(reply: str, index: int) -> str | None:
    """The range `RR` reported at `index` ('Auto' when auto-ranging), None when the reply is unusable."""
    parts = reply.split(",")
    try:
        if parts[index] == "0" and float(parts[index + 1]) > 0:
            return parts[index + 1]
    except (IndexError, ValueError):
        return None
    return "Auto"


def check_ranges_restored(messages: list[dict[str, str]], rules: PowerRules, path: Path) -> list[Issue]:
    """After the session, the amps and volts ranges were set back to what `RR` reported at its start."""
    reply = _reply(messages, "RR")
    out = []
    for letter, index, positions in (("A", 1, rules.restore_amps_command), ("V", 3, rules.restore_volts_command)):
        initial = _initial_range(reply, index)
        if initial is None:
            out.append(Issue(f"cannot read the initial {letter} range from the 'RR' reply {reply!r}", path=path,
                             expected="Ranges,<auto>,<value>,<auto>,<value>", actual=reply or "no RR reply",
                             hint="Run the measurement with the official PTD server, which reads the ranges first."))
            continue
        commands = [m["cmd"] for m in messages if m["cmd"].startswith(f"SR,{letter}")]
        found = [commands[n - 1] if n <= len(commands) else None for n in positions]
        want = f"SR,{letter},{initial}"
        if want not in found:
            which = " or ".join(f"#{n}" for n in positions)
            out.append(Issue(f"the initial {letter} range was not restored ({want}): SR,{letter} command {which} is "
                             f"{' / '.join(repr(f) for f in found)}", path=path, expected=want,
                             actual=", ".join(str(f) for f in found),
                             hint="Let the PTD server finish the session normally: it restores the analyser's ranges."))
    return out


# --------------------------------------------------------------------------- session identity (WG 4, 5, 7)


def check_uuids(client: dict[str, str], server: dict[str, str], path: Path) -> list[Issue]:
    """client.json and server.json name the same client and server UUIDs."""
    out = []
    for role in ("client", "server"):
        try:
            same = uuid.UUID(client[role]) == uuid.UUID(server[role])
        except ValueError:
            same = False
        if not same:
            out.append(Issue(f"the {role} UUID differs between client.json and server.json", path=path,
                             expected=server[role], actual=client[role],
                             hint="client.json and server.json must come from the same power session; "
                             "upload the pair the session wrote."))
    return out


def check_session_names(client: str, server: str, path: Path) -> list[Issue]:
    """client.json and server.json name the same session."""
    if client == server:
        return []
    return [Issue(f"session name {client!r} in client.json differs from {server!r} in server.json", path=path,
                  expected=server, actual=client,
                  hint="client.json and server.json must come from the same power session.")]


def check_messages(client: list[dict[str, str]], server: list[dict[str, str]], path: Path) -> list[Issue]:
    """Client and server logged the same commands and replies (except `time`) and speak the same protocol."""
    out = []
    if len(client) != len(server):
        out.append(Issue(f"client.json has {len(client)} messages, server.json {len(server)}", path=path,
                         expected=len(server), actual=len(client),
                         hint="client.json and server.json must record the same session, unedited."))
    for i, (c, s) in enumerate(zip(client, server, strict=False)):
        if c["cmd"] != s["cmd"]:
            out.append(Issue(f"message {i} differs: client sent {c['cmd']!r}, server received {s['cmd']!r}",
                             path=path, expected=s["cmd"], actual=c["cmd"],
                             hint="client.json and server.json must record the same session, unedited."))
        elif c["cmd"] != "time" and c["reply"] != s["reply"]:
            out.append(Issue(f"reply to {c['cmd']!r} differs: client got {c['reply']!r}, server sent {s['reply']!r}",
                             path=path, expected=s["reply"], actual=c["reply"],
                             hint="client.json and server.json must record the same session, unedited."))
    if server:
        versions = {k: rx.search(server[0][k]) for k, rx in _PROTOCOL.items()}
        if not all(versions.values()):
            out.append(Issue(f"the first message does not state the protocol versions: {server[0]['cmd']!r} -> "
                             f"{server[0]['reply']!r}", path=path,
                             expected="'mlcommons/power client vN' -> 'mlcommons/power server vN'",
                             actual=f"{server[0]['cmd']} -> {server[0]['reply']}",
                             hint="Use the official PTD client and server, which open every session this way."))
        elif versions["cmd"].group(1) != versions["reply"].group(1):
            out.append(Issue(f"PTD client protocol v{versions['cmd'].group(1)} differs from server protocol "
                             f"v{versions['reply'].group(1)}", path=path, expected=f"v{versions['reply'].group(1)}",
                             actual=f"v{versions['cmd'].group(1)}",
                             hint="Run client and server of the same mlcommons/power-dev release."))
    return out


# --------------------------------------------------------------------------- timing (WG 6)


def check_phase_alignment(client: list[float], server: list[float], mode: str, tolerance_ms: float,
                          path: Path) -> list[Issue]:
    """Each phase point of `mode` is within the tolerance between client and server clocks."""
    if len(client) != len(server):
        return [Issue(f"{mode} has {len(client)} phase points in client.json, {len(server)} in server.json",
                      path=path, expected=len(server), actual=len(client),
                      hint="client.json and server.json must record the same session, unedited.")]
    out = []
    for i, (c, s) in enumerate(zip(client, server, strict=False), start=1):
        delta_ms = abs(c - s) * 1000
        if delta_ms > tolerance_ms:
            out.append(Issue(f"{mode} phase {i}: client and server clocks differ by {delta_ms:.1f} ms", path=path,
                             expected=f"<= {tolerance_ms:g} ms", actual=f"{delta_ms:.1f} ms",
                             hint="Synchronise client and server clocks (NTP) before measuring, and repeat the run."))
    return out


def check_window_in_phase(begin: float, end: float, phases: list[float], mode: str, dst_shift_s: float,
                          path: Path, line: int | None) -> list[Issue]:
    """LoadGen's power_begin and power_end (epoch seconds) lie inside the phase's measurement window.

    The window is (phase point 2, phase point 3); a shift of `dst_shift_s` is tolerated (daylight saving).
    """
    if len(phases) < 3:
        return [Issue(f"{mode} has {len(phases)} phase points, too few for a measurement window", path=path,
                      expected=">= 3 phase points", actual=len(phases),
                      hint="Upload client.json as the PTD client wrote it.")]
    low, high = phases[1], phases[2]
    out = []
    for name, t in (("power_begin", begin), ("power_end", end)):
        if not (low < t < high or low < t - dst_shift_s < high):
            out.append(Issue(f"LoadGen {name} of the {mode} run is outside the {mode} measurement window "
                             f"({t - low:+.1f} s from its start, {t - high:+.1f} s from its end)", path=path, line=line,
                             expected=f"between {low:.3f} and {high:.3f} (epoch s)", actual=f"{t:.3f}",
                             hint="The LoadGen run must happen while PTD measures: run it through the PTD client "
                             "(and keep the LoadGen machine's clock in sync)."))
    return out


def check_power_drop(ranging_watts: float, testing_watts: float, rules: PowerRules, path: Path) -> list[Issue]:
    """Average testing power is not more than the allowed percentage below the ranging run's."""
    ranging, testing = round(ranging_watts, 5), round(testing_watts, 5)
    if ranging <= 0:
        return [Issue(f"the ranging run's average power is {ranging} W", path=path, expected="> 0 W",
                      actual=f"{ranging} W", hint="Upload the ranging run's spl.txt of the same session.")]
    delta = round((testing / ranging - 1) * 100, 2)
    limit = -rules.max_testing_power_drop_percent
    if delta > limit:
        return []
    return [Issue(f"testing-run power {testing} W is {-delta}% below the ranging run's {ranging} W", path=path,
                  expected=f"> {limit:g} %", actual=f"{delta} %",
                  hint="The testing run must be the same workload as the ranging run; repeat both runs.")]


def check_duration(ranging_s: float, testing_s: float, rules: PowerRules, path: Path, line: int | None) -> list[Issue]:
    """The testing run is not much shorter than the ranging run (a warning: check for audit)."""
    if ranging_s <= 0:
        return [Issue(f"ranging run's power window is {ranging_s:.3f} s long", path=path, line=line,
                      expected="power_end after power_begin", actual=f"{ranging_s:.3f} s",
                      hint="Upload the ranging run's detail log as LoadGen wrote it.")]
    shortfall = (ranging_s - testing_s) / ranging_s
    if shortfall <= rules.max_testing_duration_shortfall:
        return []
    return [Issue(f"testing run ({testing_s:.2f} s) is {shortfall * 100:.2f}% shorter than the ranging run "
                  f"({ranging_s:.2f} s)", path=path, line=line,
                  expected=f"at most {rules.max_testing_duration_shortfall * 100:g}% shorter",
                  actual=f"{shortfall * 100:.2f}% shorter", severity=Severity.WARNING,
                  hint="Ranging and testing must run the same workload with the same settings; check for audit.")]


# --------------------------------------------------------------------------- result files (WG 8)


def check_file_hashes(on_disk: dict[str, str], client: dict[str, str], server: dict[str, str],
                      required: list[str], path: Path) -> list[Issue]:
    """The SHA-1 of every required file equals what client.json/server.json recorded; nothing is missing.

    `on_disk` maps the required files present (paths relative to `performance/`) to their SHA-1.
    """
    keep = set(required)
    client = {k: v for k, v in client.items() if k in keep}
    server = {k: v for k, v in server.items() if k in keep}
    out = []
    for name in sorted(set(client) & set(server)):
        if client[name] != server[name]:
            out.append(Issue(f"client.json and server.json record different SHA-1 for {name}", path=path,
                             expected=server[name], actual=client[name],
                             hint="client.json and server.json must record the same session, unedited."))
    recorded = {**client, **server}
    for name in sorted(keep):
        if name not in recorded:
            out.append(Issue(f"{name} has no SHA-1 recorded in client.json or server.json", path=path,
                             expected="a recorded SHA-1", actual="not recorded",
                             hint="Upload the files of the power session, as the PTD client collected them."))
        elif name in on_disk and on_disk[name] != recorded[name]:
            out.append(Issue(f"{name} was changed after the power session: its SHA-1 differs from the recorded one",
                             path=path, expected=recorded[name], actual=on_disk[name],
                             hint="Upload the file exactly as the power session produced it (no edits, no re-runs)."))
    return out


# --------------------------------------------------------------------------- ptd_logs.txt (WG 9)


def ranging_measurement(log: PtdLog, session_name: str) -> tuple[PtdLine, PtdLine] | None:
    """The ranging measurement's start (`Go with mark '<session>_ranging'`) and its `Completed test` line."""
    start = log.first(f"Go with mark '{session_name}_ranging'")
    if start is None:
        return None
    stop = log.first("Completed test", after=log.lines.index(start))
    return (start, stop) if stop is not None else None


def check_uncertainty_activated(log: PtdLog, ranging_start: PtdLine, pattern: str) -> list[Issue]:
    """PTD's uncertainty checking was switched on before the ranging measurement started."""
    rx = re.compile(pattern)
    entry = next((e for e in log.lines if rx.search(e.raw)), None)
    hint = "Run PTDaemon with uncertainty checking (the official PTD server does) and repeat the measurement."
    if entry is None:
        return [Issue("ptd_logs.txt never says uncertainty checking was activated", path=log.path,
                      expected="'Uncertainty checking for Yokogawa... is activated'", actual="no such line", hint=hint)]
    if entry.time is None or entry.time >= ranging_start.time:
        return [Issue("uncertainty checking was not activated before the ranging measurement started", path=log.path,
                      line=entry.number, expected=f"before line {ranging_start.number}",
                      actual="no time stamp" if entry.time is None else f"line {entry.number}", hint=hint)]
    return []


def _grouped(hits: list[tuple[Severity, str, PtdLine]], path: Path, hint: Callable[[Severity], str]) -> list[Issue]:
    """One issue per (severity, kind of message): the kind ignores numbers; the first line is named."""
    groups: dict[tuple[Severity, str], list[PtdLine]] = {}
    for severity, why, entry in hits:
        groups.setdefault((severity, why + "\0" + _DIGITS.sub("#", entry.message)), []).append(entry)
    out = []
    for (severity, key), entries in groups.items():
        why = key.split("\0", 1)[0]
        first = entries[0]
        count = f"{len(entries)} lines like " if len(entries) > 1 else ""
        out.append(Issue(f"{count}{first.message!r} {why}", path=path, line=first.number, severity=severity,
                         expected="no such line" if severity == Severity.ERROR else "none, or an explanation for audit",
                         actual=f"{len(entries)} line(s), first at line {first.number}", hint=hint(severity)))
    return out


def _after(raw: str, tag: str) -> str | None:
    """The text after the first `tag` in a line (stripped), None when absent or nothing follows."""
    at = raw.find(tag)
    if at < 0 or at + len(tag) >= len(raw):
        return None
    return raw[at + len(tag):].strip()


def check_ptd_errors(log: PtdLog, ranging: tuple[PtdLine, PtdLine], rules: PowerRules) -> list[Issue]:
    """PTD `ERROR:` lines: only known ranging errors inside the ranging measurement are expected.

    Tolerated errors (`USB.`) are warnings anywhere; other errors inside the ranging measurement are
    warnings; errors anywhere else (testing included) are errors.
    """
    start, stop = ranging[0].time, ranging[1].time
    hits: list[tuple[Severity, str, PtdLine]] = []
    for entry in log.lines:
        text = _after(entry.raw, "ERROR:")
        if text is None:
            continue
        if text in rules.testing_errors_tolerated:
            hits.append((Severity.WARNING, "is a tolerated PTD error", entry))
        elif entry.time is None or not start < entry.time < stop:
            hits.append((Severity.ERROR, "is a PTD error outside the ranging measurement", entry))
        elif not text.startswith(tuple(rules.ranging_errors_accepted)):
            hits.append((Severity.WARNING, "is an unusual PTD error during ranging", entry))
    return _grouped(hits, log.path, lambda s: "Errors outside ranging mean the measured power is unreliable: fix the "
                    "analyser setup and repeat the measurement." if s == Severity.ERROR else
                    "Explain the PTD error to the reviewers (it is accepted but flagged for audit).")


def check_ptd_warnings(log: PtdLog, load_begin: int, load_end: int, rules: PowerRules) -> list[Issue]:
    """PTD `WARNING:` lines during the load (power_begin..power_end of the testing run, less a margin).

    An uncertainty above 1% is an error; other warnings are warnings.
    """
    margin = int(rules.load_window_margin_ms * 1000)
    over = re.compile(rules.uncertainty_error_pattern)
    hits: list[tuple[Severity, str, PtdLine]] = []
    for entry in log.lines:
        text = _after(entry.raw, "WARNING:")
        if text is None or (entry.time is not None and not load_begin + margin < entry.time < load_end - margin):
            continue
        if entry.time is None:
            hits.append((Severity.WARNING, "has no time stamp: it may have happened during the testing run", entry))
        elif over.search(text):
            hits.append((Severity.ERROR, "during the testing run: the measurement uncertainty is too high", entry))
        else:
            hits.append((Severity.WARNING, "is a PTD warning during the testing run", entry))
    return _grouped(hits, log.path, lambda s: "Uncertainty above 1% makes the measurement invalid: set fixed "
                    "ranges that fit the load (see the ranging run) and repeat." if s == Severity.ERROR else
                    "Explain the PTD warning to the reviewers (it is accepted but flagged for audit).")


# --------------------------------------------------------------------------- server configuration (WG 10, 11)


def check_analysers(configs: list[dict[str, Any]], rules: PowerRules, path: Path) -> list[Issue]:
    """Every analyser is a supported device type; multichannel analysers are set up with two channels."""
    out = []
    names = {num: name for name, num in reversed(list(rules.analysers.items()))}
    for config in configs:
        device = config.get("device_type")
        if not isinstance(device, int) or device not in names:
            out.append(Issue(f"PTD device type {device!r} is not a supported analyser", path=path,
                             expected=", ".join(str(n) for n in sorted(names)), actual=str(device),
                             hint="Configure PTDaemon with the device type of a supported analyser."))
            continue
        if device in rules.multichannel_device_types:
            command = config.get("command") if isinstance(config.get("command"), list) else []
            channels = next((str(command[i + 1]) for i, a in enumerate(command[:-1]) if a == "-c"), "")
            listed = config.get("channel")
            if len(channels.split(",")) != 2 or not isinstance(listed, list) or len(listed) != 2:
                out.append(Issue(f"{names[device]} is configured with one channel, expected multichannel mode",
                                 path=path, expected="-c <a>,<b> and two channels", actual=channels or "no -c option",
                                 hint="Start PTDaemon with `-c` and the two channels the system is connected to."))
    return out


def check_debug(server: dict[str, Any], path: Path) -> list[Issue]:
    """The PTD server did not run in debug mode."""
    if server.get("debug", False) is False:
        return []
    return [Issue("the PTD server ran in debug mode", path=path, expected="debug: false",
                  actual=f"debug: {server.get('debug')!r}",
                  hint="Run the PTD server without --debug and repeat the measurement.")]
