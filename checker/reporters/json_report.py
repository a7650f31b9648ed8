"""`--format json`: the report contract of DESIGN.md, validated by schemas/report.schema.json."""

from __future__ import annotations

from checker.report import Report
from checker.reporters import reporter
from checker.reporters.jsontext import indented


@reporter("json")
def render_json(report: Report) -> str:
    """The JSON report, keys in contract order, indented, newline-terminated."""
    return indented(report.to_dict())
