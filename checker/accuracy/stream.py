"""Helpers shared by the metric functions: de-duplication with counting, and look-ahead for dtype inference."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from checker.parsers.accuracy_log import Entry

#: Entries looked at before the element type is decided.
DTYPE_SAMPLE = 64


def samples(entries: Iterable[Entry], size: int | None, dedupe: bool = True) -> Iterator[Entry]:
    """Entries whose `qsl_idx` lies in [0, size), only the first occurrence of each when `dedupe` (the
    reference scripts' convention; whisper keeps every entry). Counting is the driver's job."""
    seen: set[int] = set()
    for entry in entries:
        if size is not None and entry.qsl_idx >= size:
            continue
        if dedupe:
            if entry.qsl_idx in seen:
                continue
            seen.add(entry.qsl_idx)
        yield entry


class Census:
    """Counts the entries that pass through it: all, distinct `qsl_idx`, and those at or past `size`."""

    def __init__(self, entries: Iterable[Entry], size: int | None) -> None:
        self._entries = iter(entries)
        self.size = size
        self.entries = 0
        self.out_of_range = 0
        self._seen: set[int] = set()

    @property
    def unique(self) -> int:
        """Distinct `qsl_idx` values seen so far."""
        return len(self._seen)

    def __iter__(self) -> Iterator[Entry]:
        for entry in self._entries:
            self.entries += 1
            self._seen.add(entry.qsl_idx)
            if self.size is not None and entry.qsl_idx >= self.size:
                self.out_of_range += 1
            yield entry


def peek(entries: Iterator[Entry], count: int = DTYPE_SAMPLE) -> tuple[list[Entry], Iterator[Entry]]:
    """The first `count` entries, and an iterator that still yields all of them."""
    head = list(itertools.islice(entries, count))
    return head, itertools.chain(head, entries)
