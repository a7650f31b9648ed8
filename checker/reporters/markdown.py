"""`--format markdown`: the reviewer's report of a whole round; also the GitHub step summary.

The report: counts, findings that concern no result, then per submitter every result with its
verdict, metric, accuracy and findings (open results with their labels), and the waived findings in
a table of their own. `step_summary` is the short form a CI job shows, kept within a byte budget.
"""

from __future__ import annotations

from typing import Any, Iterable

from checker.model import Finding
from checker.report import Report, ResultRecord
from checker.reporters import reporter
from checker.reporters.common import (Attribution, accuracy_text, attribute, evidence, md_cell, md_code,
                                      metric_text, profile_banner)

#: GitHub refuses a step summary above 1 MiB.
STEP_SUMMARY_LIMIT = 1024 * 1024


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    head = list(header)
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def _heading(report: Report) -> list[str]:
    lines = [f"> **{banner}**", ""] if (banner := profile_banner(report)) else []
    how = "detected from the LoadGen version" if report.round_detected else "as given"
    s = report.summary
    lines += [f"# MLPerf Inference {report.round}: checker report", "",
              f"mlperf-checker {report.tool_version}, round {report.round} ({how}).", ""]
    lines += _table(["results", "valid", "invalid", "errors", "warnings", "waived"],
                    [[s["results"], s["valid"], s["invalid"], s["errors"], s["warnings"], s["waived"]]])
    return lines + [""]


def _where(f: Finding) -> str:
    return f"{f.path}:{f.line}" if f.path and f.line else (f.path or f.result or f.unit or ".")


def _finding_item(f: Finding) -> str:
    return (f"- **{f.severity}** `{f.code}` {f.name}: {md_cell(f.message + evidence(f))} "
            f"({md_code(_where(f), in_table=False)})" + (f"<br>hint: {md_cell(f.hint)}" if f.hint else ""))


def _finding_rows(findings: list[Finding]) -> list[list[str]]:
    return [[f.severity, md_code(f.code), md_code(_where(f)), md_cell(f.message + evidence(f))] for f in findings]


def _label_text(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_label_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_label_text(v) for v in value) or "none"
    return str(value)


def _submitter_of(f: Finding) -> tuple[str, str] | None:
    """(division, submitter) a finding without a result belongs to: from its unit, else from its path."""
    parts = (f.unit or f.path or "").split("/")
    return (parts[0], parts[1]) if len(parts) >= 2 and not f.result else None


def _verdict(record: ResultRecord) -> str:
    return "valid" if record.valid else "**INVALID**"


def _submitter_section(division: str, submitter: str, records: list[ResultRecord], report: Report,
                       attribution: Attribution) -> list[str]:
    lines = [f"## {division} / {submitter}", ""]
    lines += _table(["system", "benchmark", "scenario", "verdict", "metric", "accuracy", "findings"],
                    [[md_cell(r.system), md_cell(r.benchmark), md_cell(r.scenario), _verdict(r), md_cell(metric_text(r)),
                      md_cell(accuracy_text(r)), " ".join(md_code(c) for c in r.findings)] for r in records])
    lines.append("")
    unit_level = [f for f in report.findings if not f.waived and not f.result and _submitter_of(f) == (division, submitter)]
    if unit_level:
        lines += ["### Submitter and system findings", ""] + [_finding_item(f) for f in unit_level] + [""]
    for r in records:
        own = [f for f in attribution.own.get(r.path, []) if not f.waived]
        labels = r.extra.get("labels")
        if not own and not labels:
            continue
        lines += [f"### {md_code(r.path, in_table=False)}: {_verdict(r)}", ""]
        if labels:
            lines += [f"- labels: {md_cell(_label_text(labels))}"]
        lines += [_finding_item(f) for f in own] + [""]
    return lines


def _waived_table(findings: list[Finding]) -> list[str]:
    if not findings:
        return []
    rows = [[md_code(f.code), md_code(_where(f)), md_cell(f.message), md_cell(f.waiver or "")] for f in findings]
    return ["## Waived findings", ""] + _table(["code", "path", "message", "waiver"], rows) + [""]


@reporter("markdown")
def render_markdown(report: Report) -> str:
    """The reviewer's markdown report (GitHub-flavoured)."""
    attribution = attribute(report)
    lines = _heading(report)
    groups: dict[tuple[str, str], list[ResultRecord]] = {}
    for r in report.results:
        groups.setdefault((r.division, r.submitter), []).append(r)
    general = [f for f in attribution.orphans if not f.waived and _submitter_of(f) not in groups]
    if general:
        lines += ["## Submission", ""] + _table(["severity", "code", "path", "message"], _finding_rows(general)) + [""]
    for (division, submitter), records in sorted(groups.items()):
        lines += _submitter_section(division, submitter, records, report, attribution)
    lines += _waived_table([f for f in report.findings if f.waived])
    return "\n".join(lines).rstrip() + "\n"


def _fit(lines: list[str], budget: int, note: str) -> list[str]:
    """The leading lines that fit in `budget` bytes, closed by `note` (with {n} left out) when some had to go."""
    kept, used, reserve = [], 0, len(note.encode("utf-8")) + 32
    for i, line in enumerate(lines):
        size = len(line.encode("utf-8")) + 1
        if used + size > budget - reserve:
            return kept + ["", note.format(n=len(lines) - i)]
        kept.append(line)
        used += size
    return kept


def step_summary(report: Report, budget: int = STEP_SUMMARY_LIMIT, first: int = 50) -> str:
    """The CI job summary: counts, a table of invalid results, the first `first` findings; at most `budget` bytes."""
    attribution = attribute(report)
    lines = _heading(report)
    if len("\n".join(lines).encode("utf-8")) > budget:
        return ""
    invalid = [r for r in report.results if not r.valid]
    body: list[str] = []
    if invalid:
        body += ["## Invalid results", ""] + _table(
            ["result", "errors"],
            [[md_code(r.path), " ".join(md_code(c) for c in
                                        sorted({f.code for f in attribution.concerning(r) if f.severity == "error" and not f.waived}))]
             for r in invalid]) + [""]
    active = [f for f in report.findings if not f.waived]
    if active:
        shown = active[:first]
        body += [f"## First findings ({len(shown)} of {len(active)})", ""] + _table(
            ["severity", "code", "path", "message"], _finding_rows(shown)) + [""]
    waived = [f for f in report.findings if f.waived]
    if waived:
        body += [f"{len(waived)} waived finding(s); see the full report (`--format markdown`)."]
    head = "\n".join(lines).rstrip() + "\n"
    kept = _fit(body, budget - len(head.encode("utf-8")) - 1, "… {n} more line(s) left out (GitHub's step summary limit).")
    return head + ("\n" + "\n".join(kept).rstrip() + "\n" if kept else "")
