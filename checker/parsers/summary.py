"""LoadGen `mlperf_log_summary.txt`: human-readable `name : value` lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from checker.parsers.common import MALFORMED, Parsed, problem, read_text


@dataclass(slots=True)
class SummaryLog:
    """Fields of the summary log (first occurrence wins) with their line numbers."""

    path: Path
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """The text value of a field such as `Scenario`, `Result is` or `qsl_rng_seed`."""
        return self.values.get(name)

    def number(self, name: str) -> float | None:
        """The value of a field as a number, or None when absent or not numeric."""
        value = self.values.get(name)
        if value is None:
            return None
        try:
            return float(value.split()[0])
        except (ValueError, IndexError):
            return None


def parse_summary_text(text: str, path: Path) -> Parsed[SummaryLog]:
    """Parse the text of a summary log."""
    log = SummaryLog(path=path)
    for number, raw in enumerate(text.splitlines(), start=1):
        name, sep, value = raw.partition(":")
        if not sep:
            continue
        name = name.strip()
        if name and name not in log.values:
            log.values[name] = value.strip()
            log.lines[name] = number
    if "Result is" not in log.values and "Scenario" not in log.values:
        return Parsed(None, [problem(MALFORMED, path, "no 'Scenario' or 'Result is' line: not a LoadGen summary log",
                                     "Upload the mlperf_log_summary.txt that LoadGen wrote, unedited.")])
    return Parsed(log)


def parse_summary_log(path: Path) -> Parsed[SummaryLog]:
    """Read and parse a LoadGen summary log (never raises)."""
    text = read_text(path)
    if text.value is None:
        return Parsed(None, text.problems)
    return parse_summary_text(text.value, path)
