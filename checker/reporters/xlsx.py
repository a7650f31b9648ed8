"""`mlperf-checker report --xlsx FILE`: the round's results spreadsheet, as reviewers lay it out.

One sheet per division and category (system type: `closed datacenter`, `open edge`, …) with the
official summary columns of the round (the rows `--format csv` writes: valid results only, a power
row after its result). A system of both categories appears in both sheets. Needs pandas and
openpyxl (`pip install 'mlperf-checker[xlsx]'`).
"""

from __future__ import annotations

import re
from pathlib import Path

from checker.report import Report
from checker.reporters.csv_report import rows


class MissingDependency(RuntimeError):
    """An optional dependency the requested output needs is not installed."""


def sheets(report: Report) -> dict[str, list[list[str]]]:
    """Sheet name -> rows (header first), sheets in name order; an empty `results` sheet when nothing is valid."""
    header, body = rows(report)
    division, category = header.index("Division"), header.index("SystemType")
    out: dict[str, list[list[str]]] = {}
    for row in body:
        for cat in [c.strip() for c in row[category].split(",") if c.strip()] or ["unknown"]:
            name = re.sub(r"[\[\]:*?/\\]", "_", f"{row[division]} {cat}")[:31]
            out.setdefault(name, [header]).append(row)
    return dict(sorted(out.items())) or {"results": [header]}


def write_xlsx(report: Report, path: Path) -> dict[str, int]:
    """Write the spreadsheet; return the number of data rows per sheet (MissingDependency without openpyxl)."""
    try:
        import openpyxl  # noqa: F401  (pandas' engine; imported here to fail with a clear message)
    except ImportError:
        raise MissingDependency("report --xlsx needs openpyxl: pip install 'mlperf-checker[xlsx]'") from None
    import pandas as pd

    content = sheets(report)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in content.items():
            frame = pd.DataFrame(table[1:], columns=table[0])
            frame["Result"] = pd.to_numeric(frame["Result"], errors="coerce")
            frame.to_excel(writer, sheet_name=name, index=False)
    return {name: len(table) - 1 for name, table in content.items()}
