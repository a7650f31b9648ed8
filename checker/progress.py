"""A progress bar for long runs, drawn on standard error only when it is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """Callable as `bar(done, total)`; redraws at most ten times a second; `close()` erases it."""

    def __init__(self, stream: TextIO, label: str = "checking") -> None:
        self.stream, self.label = stream, label
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        """Draw `done` of `total` (the final state is always drawn)."""
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        filled = WIDTH * done // max(total, 1)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} results")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Erase the bar so that what follows starts on a clean line."""
        if self._drawn:
            self.stream.write("\r" + " " * (WIDTH + len(self.label) + 40) + "\r")
            self.stream.flush()


def progress_bar(stream: TextIO | None = None) -> ProgressBar | None:
    """A bar on `stream` (standard error) when it is a terminal, else None (pipes and CI logs stay clean)."""
    stream = stream or sys.stderr
    try:
        return ProgressBar(stream) if stream.isatty() else None
    except (AttributeError, ValueError):
        return None
