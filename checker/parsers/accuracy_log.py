"""LoadGen `mlperf_log_accuracy.json`: streamed entry by entry, aware of the truncation marker.

LoadGen writes `[`, then one `{ "seq_id" : N, "qsl_idx" : N, "data" : "HEX" [, "token_data" : "HEX"]
[, "token_count" : N] }` per line, then `]`. The truncation tool keeps the first and last 4096
characters around a `\\n\\n...\\n\\n` marker, so a truncated log is no longer JSON.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from binascii import unhexlify
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from checker.parsers.common import UNREADABLE, Parsed, open_regular, problem, small_file

ENTRY = re.compile(
    rb'\{\s*"seq_id"\s*:\s*(\d+)\s*,\s*"qsl_idx"\s*:\s*(\d+)\s*,\s*"data"\s*:\s*"([0-9A-Fa-f]*)"'
    rb'(?:\s*,\s*"token_data"\s*:\s*"([0-9A-Fa-f]*)")?(?:\s*,\s*"token_count"\s*:\s*(\d+))?\s*\}'
)
EMPTY_LOG = b"[\n]\n"
_CHUNK = 1 << 20
#: Longest line kept when streaming; a longer one is a single malformed entry, read in pieces.
MAX_LINE = 64 * 1024 * 1024
#: Largest log hashed or streamed: far above any full log of a real run (a few hundred MB), and
#: readable in well under a minute; a larger file is a finding instead of minutes of reading.
MAX_LOG_BYTES = 4 * 1024 * 1024 * 1024


@dataclass(slots=True)
class Entry:
    """One logged response."""

    seq_id: int
    qsl_idx: int
    data: bytes
    token_count: int | None
    token_data: bytes | None
    line: int


@dataclass(slots=True)
class AccuracyLogInfo:
    """What can be known about the file without decoding payloads."""

    path: Path
    size: int
    sha256: str
    truncated: bool
    shape_ok: bool
    empty: bool
    head: bytes
    tail: bytes


def _entry(m: re.Match, line: int) -> Entry:
    seq_id, qsl_idx, data, token_hex, count = m.groups()  # (hex digits only: the pattern admits nothing else)
    return Entry(int(seq_id), int(qsl_idx), unhexlify(data) if len(data) % 2 == 0 else b"",
                 int(count) if count is not None else None,
                 unhexlify(token_hex) if token_hex is not None and len(token_hex) % 2 == 0 else None, line)


def entries_in(blob: bytes, first_line: int = 1) -> list[Entry]:
    """Every complete entry in a fragment (e.g. the head or tail of a truncated log)."""
    out = []
    line, counted = first_line, 0
    for m in ENTRY.finditer(blob):  # newlines counted from the previous entry (not from the start each time)
        line += blob.count(b"\n", counted, m.start())
        counted = m.start()
        out.append(_entry(m, line))
    return out


def iter_entries(path: Path) -> Iterator[Entry]:
    """Stream the complete entries of an (untruncated) accuracy log; memory stays flat.

    A file that cannot be opened as a regular file yields nothing (`scan_accuracy_log` reports it).
    """
    data = small_file(path)  # read once per run when small (scan_accuracy_log has usually read it)
    if data is not None:  # (in memory: split at once; a small file has no line over MAX_LINE)
        for number, raw in enumerate(data.split(b"\n"), start=1):
            m = ENTRY.search(raw)
            if m:
                yield _entry(m, number)
        return
    try:
        fh = open_regular(path)
    except OSError:
        return
    with fh:
        number = 1  # the line the next piece starts on (a line over MAX_LINE comes in several pieces)
        while True:
            raw = fh.readline(MAX_LINE)
            if not raw:
                return
            m = ENTRY.search(raw)
            if m:
                yield _entry(m, number)
            number += raw.endswith(b"\n")


def scan_accuracy_log(path: Path, head_chars: int = 4096, tail_chars: int = 4096,
                      marker: bytes = b"\n\n...\n\n") -> Parsed[AccuracyLogInfo]:
    """Hash the whole file (streamed) and classify it: empty, truncated (with the official shape) or full."""
    digest = hashlib.sha256()
    head = b""
    tail = b""
    size = 0
    data = small_file(path)  # read once per run when small (the streams and other readers share it)
    try:
        with io.BytesIO(data) if data is not None else open_regular(path) as fh:
            total = len(data) if data is not None else os.fstat(fh.fileno()).st_size
            if total > MAX_LOG_BYTES:
                return Parsed(None, [problem(UNREADABLE, path, f"file is {total} bytes, over the {MAX_LOG_BYTES}-byte "
                                             "reading limit of accuracy logs; not read",
                                             "Publish the truncated log (the official truncation script); an accuracy "
                                             "log this large is no LoadGen output of a real run.")])
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                if len(head) < head_chars + len(marker):
                    head = (head + chunk)[: head_chars + len(marker)]
                tail = (tail + chunk)[-tail_chars:]
                digest.update(chunk)
                size += len(chunk)
    except OSError as exc:
        return Parsed(None, [problem(UNREADABLE, path, f"cannot read file: {exc.strerror}", "Make the file readable.")])
    truncated = head[head_chars: head_chars + len(marker)] == marker
    shape_ok = (not truncated) or (size == head_chars + len(marker) + tail_chars)
    info = AccuracyLogInfo(
        path=path, size=size, sha256=digest.hexdigest(), truncated=truncated, shape_ok=shape_ok,
        empty=(size <= len(EMPTY_LOG) and head.strip() in (b"[\n]", b"[]", b"[\r\n]")) or head == EMPTY_LOG,
        head=head[:head_chars], tail=tail,
    )
    return Parsed(info)
