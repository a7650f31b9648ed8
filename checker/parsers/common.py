"""Bounded, never-raising file reading shared by every parser."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Generic, TypeVar

T = TypeVar("T")

#: Text files larger than this are not read whole (a finding instead); logs are streamed.
MAX_TEXT_BYTES = 64 * 1024 * 1024

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
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "expected a file, found a directory", str(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file (device, socket or pipe)", str(path))
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: Path, limit: int = MAX_TEXT_BYTES) -> Parsed[bytes]:
    """Read a regular file of at most `limit` bytes without following it out of place.

    Directories, special files, unreadable files and oversize files become problems.
    """
    try:
        st = os.stat(path)
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
    try:
        with open_regular(path) as fh:
            data = fh.read(st.st_size + 1)  # sized by the stat: a limit-sized buffer costs 3x on small files
            if len(data) > st.st_size:  # the file grew since the stat
                data += fh.read(limit + 1 - len(data))
    except OSError as exc:
        return Parsed(None, [problem(UNREADABLE, path, f"cannot read file: {exc.strerror}", "Make the file readable.")])
    return Parsed(data)


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
