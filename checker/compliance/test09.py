"""TEST09 (output length in performance mode, `compliance/TEST09/run_verification.py`).

Every `data` payload is read as little-endian int32 tokens (4 bytes each, an empty payload counts as
length 0) and the mean length over all entries (no de-duplication) must lie within the round's bounds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from checker.parsers.accuracy_log import Entry

TOKEN_BYTES = 4


@dataclass(slots=True)
class OutputLengths:
    """Statistics of the output lengths of a log."""

    count: int = 0
    total: int = 0
    shortest: int | None = None
    longest: int | None = None

    @property
    def mean(self) -> float | None:
        """Mean output length in tokens, None for an empty log."""
        return self.total / self.count if self.count else None


def output_lengths(entries: Iterable[Entry]) -> OutputLengths:
    """Count tokens per entry the way upstream does (`len(data) // 4`)."""
    out = OutputLengths()
    for e in entries:
        n = len(e.data) // TOKEN_BYTES
        out.count += 1
        out.total += n
        out.shortest = n if out.shortest is None else min(out.shortest, n)
        out.longest = n if out.longest is None else max(out.longest, n)
    return out
