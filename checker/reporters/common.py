"""What several reporters share: the short-run banner, which findings concern which result, cell text."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.model import Finding
from checker.report import Report, ResultRecord
from checker.reporters.csv_report import format_accuracy, format_number


def profile_banner(report: Report) -> str | None:
    """The sentence every human report starts with when a profile relaxed the rules (else None)."""
    if report.profile == "short-run":
        return ("profile short-run: duration, query-count and data-set-coverage rules are warnings, "
                "not errors (a smoke-test submission, not a publishable one)")
    return f"profile {report.profile}" if report.profile else None


def system_key(record: ResultRecord) -> str:
    """The unit key of a result's system (as findings of system-scope rules carry it)."""
    return f"{record.division}/{record.submitter}/systems/{record.system}"


def submitter_key(record: ResultRecord) -> str:
    """The unit key of a result's submitter."""
    return f"{record.division}/{record.submitter}"


@dataclass
class Attribution:
    """Findings sorted by what they concern."""

    #: result path -> findings of that result itself
    own: dict[str, list[Finding]] = field(default_factory=dict)
    #: result path -> findings of its system or submitter (shared with the other results of that unit)
    shared: dict[str, list[Finding]] = field(default_factory=dict)
    #: findings that concern no result (the submission, a system without results, the waivers file)
    orphans: list[Finding] = field(default_factory=list)

    def concerning(self, record: ResultRecord) -> list[Finding]:
        """Every finding that bears on the verdict of `record`."""
        return self.own.get(record.path, []) + self.shared.get(record.path, [])


def attribute(report: Report) -> Attribution:
    """Tie each finding to the results it concerns (the engine's verdict rule: result, system, submitter)."""
    out = Attribution()
    by_unit: dict[str, list[str]] = {}
    for record in report.results:
        for key in (system_key(record), submitter_key(record)):
            by_unit.setdefault(key, []).append(record.path)
    known = {r.path for r in report.results}
    for f in report.findings:
        if f.result and f.result in known:
            out.own.setdefault(f.result, []).append(f)
        elif not f.result and by_unit.get(f.unit):
            for path in by_unit[f.unit]:
                out.shared.setdefault(path, []).append(f)
        else:
            out.orphans.append(f)
    return out


def metric_text(record: ResultRecord) -> str:
    """`785522.0 Tokens/s`, the value as the official summary writes it (`(inferred)` when derived from another
    scenario), or ''."""
    m = record.metric or {}
    if m.get("value") is None:
        return ""
    value = format_number(m["value"]) or str(m["value"])
    return f"{value} {m.get('unit', '')}".rstrip() + (" (inferred)" if record.inferred else "")


def accuracy_text(record: ResultRecord) -> str:
    """The accuracy values as the official summary writes them."""
    return " ".join(format_accuracy(record.accuracy).split())


def evidence(f: Finding) -> str:
    """` (expected …, found …)` when the finding carries them, else ''."""
    if f.expected is None and f.actual is None:
        return ""
    return f" (expected {f.expected}, found {f.actual})"


def md_cell(text: object) -> str:
    """Text safe inside a markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace("|", "\\|")


def md_code(text: object, in_table: bool = True) -> str:
    """Text as markdown inline code (backticks inside handled; pipes escaped for table cells)."""
    s = " ".join(str(text).split())
    if in_table:
        s = s.replace("|", "\\|")
    return f"`` {s} ``" if "`" in s else f"`{s}`"
