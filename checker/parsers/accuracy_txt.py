"""`accuracy.txt`: free-form accuracy-script output plus the `hash=<sha256>` line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from checker.parsers.common import Parsed, read_text

_HASH = re.compile(r"^hash=([\w\d]+)$")


@dataclass(slots=True)
class AccuracyText:
    """The lines of accuracy.txt and the hash lines found in it."""

    path: Path
    lines: list[str] = field(default_factory=list)
    hashes: list[tuple[str, int]] = field(default_factory=list)

    @property
    def hash(self) -> str | None:
        """The last `hash=` value (the truncation tool appends it)."""
        return self.hashes[-1][0] if self.hashes else None

    def find(self, pattern: re.Pattern) -> list[tuple[str, int]]:
        """Every (group 1, line number) where `pattern` matches at the start of a line."""
        out = []
        for number, line in enumerate(self.lines, start=1):
            m = pattern.match(line)
            if m:
                out.append((m.group(1), number))
        return out


def parse_accuracy_text(path: Path) -> Parsed[AccuracyText]:
    """Read accuracy.txt (never raises)."""
    text = read_text(path)
    if text.value is None:
        return Parsed(None, text.problems)
    acc = AccuracyText(path=path, lines=text.value.splitlines())
    for number, line in enumerate(acc.lines, start=1):
        m = _HASH.match(line.strip())
        if m:
            acc.hashes.append((m.group(1), number))
    return Parsed(acc)
