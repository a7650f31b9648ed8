"""`--format github`: GitHub Actions workflow commands (annotations) and the job's step summary.

Each unwaived finding becomes `::error|warning|notice file=…,line=…,title=CODE name::message`,
escaped as GitHub's toolkit does. Paths are made relative to `$GITHUB_WORKSPACE` (or the current
directory), which GitHub resolves them against. When `$GITHUB_STEP_SUMMARY` names a file, the
markdown step summary is appended to it, within GitHub's 1 MiB limit.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from checker.model import Finding
from checker.report import Report
from checker.reporters import reporter
from checker.reporters.common import evidence, profile_banner
from checker.reporters.markdown import STEP_SUMMARY_LIMIT, step_summary

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
#: GitHub shows this many annotations of each level per step; the rest are dropped.
SHOWN_PER_LEVEL = 10


def escape_data(text: str) -> str:
    """Escape a workflow command's message: % → %25, CR → %0D, LF → %0A."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: as data, plus : → %3A and , → %2C."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties: object) -> str:
    """One workflow command line, e.g. `::error file=a.txt,line=3,title=X::message`."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v not in (None, ""))
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def workspace_path(report: Report, path: str) -> str:
    """A report path as GitHub wants it: relative to the workspace when the file lies inside it."""
    base = Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()
    try:
        return report.locate(path).resolve().relative_to(base).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a link loop (Python < 3.13)
        return path


def annotation(report: Report, f: Finding) -> str:
    """The workflow command for one finding."""
    text = f.message + evidence(f)
    if not f.path and (f.result or f.unit):
        text += f" [{f.result or f.unit}]"
    if f.hint:
        text += f"\nhint: {f.hint}"
    return command(LEVELS.get(f.severity, "notice"), text, file=workspace_path(report, f.path) if f.path else None,
                   line=f.line, title=f"{f.code} {f.name}")


def append_step_summary(report: Report, target: Path) -> None:
    """Append the step summary to `target`, within what is left of GitHub's limit (a warning on stderr if it cannot)."""
    try:
        used = target.stat().st_size if target.exists() else 0
        text = step_summary(report, budget=STEP_SUMMARY_LIMIT - used - 1)
        if text:
            with target.open("a", encoding="utf-8") as out:
                out.write(text)
    except OSError as exc:
        print(f"mlperf-checker: warning: cannot write the step summary {target}: {exc.strerror}", file=sys.stderr)


@reporter("github")
def render_github(report: Report) -> str:
    """Annotations for every unwaived finding, a note when GitHub will hide some, a tally; writes the step summary."""
    lines = [command("notice", banner, title="short-run profile")] if (banner := profile_banner(report)) else []
    active = [f for f in report.findings if not f.waived]
    lines += [annotation(report, f) for f in active]
    for severity, level in LEVELS.items():
        count = sum(1 for f in active if f.severity == severity)
        if count > SHOWN_PER_LEVEL:
            lines.append(command("notice", f"{count} {level} annotations: GitHub shows the first {SHOWN_PER_LEVEL} "
                                           "of each level per step; the step summary and the reports list them all",
                                 title="annotations truncated"))
    s = report.summary
    lines.append(f"mlperf-checker {report.round}: {s['results']} results, {s['valid']} valid, {s['invalid']} invalid; "
                 f"{s['errors']} errors, {s['warnings']} warnings, {s['waived']} waived")
    if summary := os.environ.get("GITHUB_STEP_SUMMARY"):
        append_step_summary(report, Path(summary))
    return "\n".join(lines) + "\n"
