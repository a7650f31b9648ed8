"""`--format text`: findings grouped by result, one line each, and a summary line."""

from __future__ import annotations

import os
import sys

from checker.model import Finding
from checker.report import Report, ResultRecord
from checker.reporters import reporter
from checker.reporters.common import profile_banner

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "valid": "\033[32m", "reset": "\033[0m"}


def use_colour() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _paint(text: str, colour: str, on: bool) -> str:
    return f"{_COLOURS[colour]}{text}{_COLOURS['reset']}" if on else text


def format_finding(f: Finding, colour: bool = False) -> str:
    """One line: `path:line: severity CODE [name] message (expected …, found …)`, then the hint."""
    where = f.path or f.result or "."
    if f.line:
        where += f":{f.line}"
    sev = "waived" if f.waived else f.severity
    text = f"{where}: {_paint(sev, f.severity if not f.waived else 'info', colour)} {f.code} [{f.name}] {f.message}"
    if f.expected is not None or f.actual is not None:
        text += f" (expected {f.expected}, found {f.actual})"
    return text + (f"\n      hint: {f.hint}" if f.hint else "")


def _metric(record: ResultRecord) -> str:
    """` <value> <unit>` of a result's metric ('' when it has none)."""
    m = record.metric
    if not m or m.get("value") is None:
        return ""
    return f" {m['value']:.6g} {m.get('unit', '')}".rstrip()


def _info_lines(report: Report) -> list[str]:
    """Info findings are folded into one line per code (the JSON report has each of them)."""
    counts: dict[tuple[str, str], int] = {}
    for f in report.findings:
        if f.severity == "info" and not f.waived:
            counts[(f.code, f.name)] = counts.get((f.code, f.name), 0) + 1
    return [f"info: {code} [{name}] on {n} result(s); `--format json` lists each"
            for (code, name), n in sorted(counts.items())]


@reporter("text")
def render_text(report: Report, colour: bool | None = None) -> str:
    """The human-readable report."""
    colour = use_colour() if colour is None else colour
    lines: list[str] = []
    if banner := profile_banner(report):
        lines.append(banner)
    how = "detected from the LoadGen version" if report.round_detected else "as given"
    lines.append(f"round {report.round} ({how})")
    shown = [f for f in report.findings if f.severity != "info" or f.waived]
    general = [f for f in shown if not f.result]
    if general:
        lines.append("submission:")
        lines.extend("  " + format_finding(f, colour) for f in general)
    by_result: dict[str, list[Finding]] = {}
    for f in shown:
        if f.result:
            by_result.setdefault(f.result, []).append(f)
    for record in report.results:
        verdict = _paint("valid", "valid", colour) if record.valid else _paint("INVALID", "error", colour)
        own = by_result.get(record.path, [])
        if record.valid and not own:
            continue
        lines.append(f"{record.path}: {verdict}{_metric(record)}")
        lines.extend("  " + format_finding(f, colour) for f in own)
    lines.extend(_info_lines(report))
    s = report.summary
    lines.append(f"{s['results']} results: {s['valid']} valid, {s['invalid']} invalid; "
                 f"{s['errors']} errors, {s['warnings']} warnings, {s['waived']} waived")
    return "\n".join(lines) + "\n"
