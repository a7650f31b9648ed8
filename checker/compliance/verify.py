"""The outputs of the official verification scripts (`verify_accuracy.txt`, `verify_performance.txt`,
`verify_output_len.txt`): free text with `label = value` / `label: value` lines and a verdict line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from checker.parsers.common import Parsed, read_text

_PAIR = re.compile(r"^\s*([A-Za-z][\w .()/-]*?)\s*[:=]\s*(.*?)\s*$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(slots=True)
class VerifyText:
    """The lines of a verification output, with lookups by (case-insensitive) label."""

    path: Path
    lines: list[str] = field(default_factory=list)
    _pairs: dict[str, tuple[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for number, line in enumerate(self.lines, start=1):
            m = _PAIR.match(line)
            if m:
                self._pairs.setdefault(m.group(1).strip().lower(), (m.group(2), number))

    def text(self, label: str) -> tuple[str, int] | None:
        """(value, line) of the first `label = value` or `label: value` line, else None."""
        return self._pairs.get(label.lower())

    def number(self, label: str) -> tuple[float, int] | None:
        """(number, line) of the first line for `label` whose value starts with a number, else None."""
        found = self.text(label)
        if found is None:
            return None
        m = _NUMBER.match(found[0])
        return (float(m.group(0)), found[1]) if m else None

    def flag(self, label: str) -> tuple[str, int] | None:
        """(`True`/`False`/`Skipped`/other word, line) of a `label: word` line, else None."""
        found = self.text(label)
        return (found[0].split()[0] if found[0].split() else "", found[1]) if found else None

    @property
    def pass_line(self) -> int | None:
        """Line of the first line that starts with `TEST PASS` (stripped), else None."""
        for number, line in enumerate(self.lines, start=1):
            if line.strip().startswith("TEST PASS"):
                return number
        return None

    @property
    def fail_line(self) -> int | None:
        """Line of the first line that starts with `TEST FAIL` (stripped), else None."""
        for number, line in enumerate(self.lines, start=1):
            if line.strip().startswith("TEST FAIL"):
                return number
        return None

    def line_with(self, needle: str) -> int | None:
        """Line of the first line containing `needle`, else None."""
        for number, line in enumerate(self.lines, start=1):
            if needle in line:
                return number
        return None


def parse_verify(path: Path) -> Parsed[VerifyText]:
    """Read a verification output (never raises; missing, empty or binary files are problems)."""
    text = read_text(path)
    if text.value is None:
        return Parsed(None, text.problems)
    return Parsed(VerifyText(path=path, lines=text.value.splitlines()))
