"""Bounded, never-raising file reading shared by every parser."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Generic, TypeVar

T = TypeVar("T")

#: Text files larger than this are not read whole (a finding instead); logs are streamed.
MAX_TEXT_BYTES = 64 * 1024 * 1024

#: Within a run (`reading_once`), files up to this size are kept once read: parsers and rules that
#: look at the same file (a JSON parsed and searched for a key's line, a log hashed and parsed) share one read.
ONCE_BYTES = 1024 * 1024
#: The run's files read so far: path -> (size, mtime_ns, bytes); None outside a run (always read).
_read_once: dict[str, tuple[int, int, bytes]] | None = None

MALFORMED = "LOG001"
EMPTY = "LOG002"
UNREADABLE = "LOG003"


@dataclass(slots=True)
class ParseProblem:
    """A problem met while reading or parsing a file, later reported as a LOG finding."""

    code: str
    path: Path
    message: str
    hint: str
    line: int | None = None


@dataclass(slots=True)
class Parsed(Generic[T]):
    """The outcome of parsing one file: the value (None when unusable) and any problems."""

    value: T | None
    problems: list[ParseProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when a value was produced."""
        return self.value is not None


def problem(code: str, path: Path, message: str, hint: str, line: int | None = None) -> ParseProblem:
    """Shorthand for a ParseProblem."""
    return ParseProblem(code=code, path=path, message=message, hint=hint, line=line)


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for binary reading; OSError for anything else (directory, pipe, device).

    The open never blocks (a named pipe without writer would wait forever with a plain open) and the
    type is checked on the opened descriptor, so what is read is what was checked.
    """
    fd = _open_regular_fd(path)
    try:
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _open_regular_fd(path: Path) -> int:
    """The descriptor of `open_regular` (the caller closes it)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "expected a file, found a directory", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (device, socket or pipe)", str(path))
        return fd
    except BaseException:
        os.close(fd)
        raise


def _read_fd(fd: int, n: int) -> bytes:
    """Up to `n` bytes from `fd` (fewer only at the end of the file), read in pieces of at most 1 MiB."""
    chunks = []
    while n > 0:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        n -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_bytes(path: Path, limit: int = MAX_TEXT_BYTES, st: os.stat_result | None = None) -> Parsed[bytes]:
    """Read a regular file of at most `limit` bytes without following it out of place.

    Directories, special files, unreadable files and oversize files become problems. `st`: the
    file's `os.stat` when the caller has just taken it (not taken again).
    """
    try:
        st = st or os.stat(path)
    except FileNotFoundError:
        return Parsed(None, [problem(UNREADABLE, path, "file does not exist (or is a broken link)",
                                     "Add the file, or fix the link so it points at a file inside the submission.")])
    except OSError as exc:
        return Parsed(None, [problem(UNREADABLE, path, f"cannot stat file: {exc.strerror}",
                                     "Make the file readable.")])
    if stat.S_ISDIR(st.st_mode):
        return Parsed(None, [problem(UNREADABLE, path, "expected a file, found a directory",
                                     "Replace the directory by the file the layout requires.")])
    if not stat.S_ISREG(st.st_mode):
        return Parsed(None, [problem(UNREADABLE, path, "not a regular file (device, socket or pipe)",
                                     "Replace it by a regular file.")])
    if st.st_size > limit:
        return Parsed(None, [problem(UNREADABLE, path, f"file is {st.st_size} bytes, over the {limit}-byte reading limit",
                                     "This file is far larger than any valid one of its kind; replace it by the real file.")])
    once = _read_once
    key = os.fspath(path)
    if once is not None and key in once and once[key][:2] == (st.st_size, st.st_mtime_ns):
        return Parsed(once[key][2])
    try:  # (a bare descriptor: a buffered file object costs more than the read of a small file)
        fd = _open_regular_fd(path)
        try:
            data = _read_fd(fd, st.st_size + 1)  # sized by the stat: a limit-sized buffer costs 3x on small files
            if len(data) > st.st_size:  # the file grew since the stat
                data += _read_fd(fd, limit + 1 - len(data))
        finally:
            os.close(fd)
    except OSError as exc:
        return Parsed(None, [problem(UNREADABLE, path, f"cannot read file: {exc.strerror}", "Make the file readable.")])
    if once is not None and len(data) <= ONCE_BYTES:
        once[key] = (st.st_size, st.st_mtime_ns, data)
    return Parsed(data)


@contextlib.contextmanager
def reading_once() -> Iterator[None]:
    """Within the block (one check run), a small file is read at most once: `read_bytes` keeps it
    (and gives it again while its size and modification time are unchanged). Outside, files are always read."""
    global _read_once
    outer = _read_once
    _read_once = {} if outer is None else outer
    try:
        yield
    finally:
        _read_once = outer


def forget_read(folders: list[str]) -> None:
    """Drop the kept files of `folders` and below (a checked result's own folders: memory stays flat)."""
    if _read_once:
        prefixes = tuple(os.path.join(f, "") for f in folders)
        for key in [k for k in _read_once if k.startswith(prefixes)]:
            del _read_once[key]


def small_file(path: Path) -> bytes | None:
    """The bytes of a regular file of at most ONCE_BYTES within a run (read once), else None: the
    caller streams it (large files, outside a run, unreadable ones)."""
    if _read_once is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > ONCE_BYTES:
        return None
    return read_bytes(path, st=st).value


def decode_text(data: bytes, path: Path) -> Parsed[str]:
    """Decode bytes as UTF-8 text (a BOM is tolerated); binary content becomes a problem."""
    if not data:
        return Parsed(None, [problem(EMPTY, path, "file is empty", "Write the file's content; an empty file carries no evidence.")])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:8192]:
        return Parsed(None, [problem(UNREADABLE, path, "file is binary (contains NUL bytes), expected text",
                                     "Replace it by the text file the tool produced.")])
    try:
        return Parsed(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return Parsed(None, [problem(UNREADABLE, path, f"file is not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r})",
                                     "Save the file as UTF-8 text.")])


def read_text(path: Path, limit: int = MAX_TEXT_BYTES) -> Parsed[str]:
    """Read a whole text file (bounded), or problems."""
    raw = read_bytes(path, limit)
    if raw.value is None:
        return Parsed(None, raw.problems)
    return decode_text(raw.value, path)
