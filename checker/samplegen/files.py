"""Writing generated files (directories are created on demand, one system call in the common case)."""

from __future__ import annotations

from pathlib import Path


def write(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to `path`, creating its directory when missing."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        handle = open(path, "wb")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "wb")
    with handle:
        handle.write(raw)
