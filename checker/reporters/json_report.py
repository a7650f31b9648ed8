"""`--format json`: the report contract of DESIGN.md, validated by schemas/report.schema.json."""

from __future__ import annotations

import json

from checker.report import Report
from checker.reporters import reporter


@reporter("json")
def render_json(report: Report) -> str:
    """The JSON report, keys in contract order, indented, newline-terminated."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
