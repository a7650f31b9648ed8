"""LoadGen `mlperf_log_detail.txt`: `:::MLLOG {json}` records, first occurrence of a key wins."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from checker.parsers.common import MALFORMED, Parsed, problem, read_bytes, decode_text
from checker.parsers.jsonfile import raw_loads

MARKERS = (":::MLLOG", ":::ENDPTS")
#: A detail log is a few hundred kB at most; anything past this is not a LoadGen detail log.
MAX_DETAIL_BYTES = 256 * 1024 * 1024


@dataclass(slots=True)
class Record:
    """One message of the log that is an error or a warning."""

    key: str
    value: Any
    line: int


@dataclass(slots=True)
class DetailLog:
    """The parsed detail log: values by key with the line of their first occurrence."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[Record] = field(default_factory=list)
    warnings: list[Record] = field(default_factory=list)
    duplicates: dict[str, int] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """The value of the first record with `key`, or `default`."""
        return self.values.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def line(self, key: str) -> int | None:
        """The 1-based line number of the first record with `key`."""
        return self.lines.get(key)

    def where(self, key: str) -> Path:
        """The file the value of `key` was read from (views over several files override it)."""
        return self.path

    @property
    def scenario(self) -> str | None:
        """LoadGen's effective scenario."""
        value = self.values.get("effective_scenario")
        return value if isinstance(value, str) else None

    @property
    def mode(self) -> str | None:
        """LoadGen's effective test mode (PerformanceOnly / AccuracyOnly)."""
        value = self.values.get("effective_test_mode")
        return value if isinstance(value, str) else None

    def has_warning(self, needle: str) -> int | None:
        """Line of the first warning whose text contains `needle`, else None."""
        for rec in self.warnings:
            if needle in str(rec.value):
                return rec.line
        return None


class _Metadata(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """The metadata of a record as LoadGen writes it (scalars only: never in a cycle, so not tracked by gc)."""

    is_error: bool = False
    is_warning: bool = False
    file: str = ""
    line_no: int = 0
    pid: int = 0
    tid: int = 0


class _Line(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A record as LoadGen writes it: a string key, a scalar value, the usual fields of the usual types."""

    key: str
    value: str | int | float | bool | None = None
    time_ms: float = 0.0
    namespace: str = ""
    event_type: str = ""
    metadata: _Metadata | None = None


#: Decodes a record of the usual shape without building its dictionaries (a third less work than orjson's),
#: or raises ValueError; the general parser (`_general_record`) reads every other line, so the outcome is
#: the general parser's (tests/test_parsers.py compares the two). Every field is typed and no other is
#: allowed: msgspec skips unknown fields without the checks orjson makes (a number past a double's range).
#: msgspec reads an integer outside [_LOWEST_INT, _BEYOND_INT) exactly where orjson makes it a float: such
#: a value is left to the general parser.
_decode_line = msgspec.json.Decoder(_Line).decode
_LOWEST_INT, _BEYOND_INT = -(2**63), 2**64


def _general_record(payload: str) -> tuple[Any, Any, Any, Any]:
    """Key, value and error and warning flags of any record (ValueError, KeyError or TypeError
    when the payload is not a JSON object with a key)."""
    rec = raw_loads(payload)
    key = rec["key"]
    meta = rec.get("metadata") or {}
    flagged = isinstance(meta, dict)
    return key, rec.get("value"), flagged and meta.get("is_error"), flagged and meta.get("is_warning")


def parse_detail_text(text: str, path: Path) -> Parsed[DetailLog]:
    """Parse the text of a detail log; malformed records are problems, good records are kept."""
    log = DetailLog(path=path)
    problems = []
    if not text.lstrip("\ufeff").startswith(MARKERS):  # (the markers hold no line end: the first line's start)
        problems.append(problem(MALFORMED, path, "first line does not start with ':::MLLOG': not a LoadGen detail log",
                                "Upload the mlperf_log_detail.txt that LoadGen wrote, unedited.", line=1))
    values, lines = log.values, log.lines
    for number, raw in enumerate(text.split("\n"), start=1):
        if raw.startswith(":::MLLOG "):
            payload = raw[9:]
        else:
            if not raw.startswith(":::"):
                continue
            marker, _, payload = raw.partition(" ")
            if marker not in MARKERS:
                continue
        try:
            rec = _decode_line(payload)
        except ValueError:
            rec = None
        if rec is not None and (rec.value.__class__ is not int or _LOWEST_INT <= rec.value < _BEYOND_INT):
            key, value, meta = rec.key, rec.value, rec.metadata
            error, warning = (meta.is_error, meta.is_warning) if meta else (False, False)
        else:
            try:
                key, value, error, warning = _general_record(payload)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                problems.append(problem(MALFORMED, path, f"line {number} is not a valid ':::MLLOG' record ({type(exc).__name__})",
                                        "Restore the line as LoadGen wrote it; an edited or truncated log cannot be trusted.",
                                        line=number))
                continue
            if not isinstance(key, str):
                continue
        if key in values:
            log.duplicates[key] = log.duplicates.get(key, 1) + 1
        else:
            values[key] = value
            lines[key] = number
        if error:
            log.errors.append(Record(key, value, number))
        if warning:
            log.warnings.append(Record(key, value, number))
    if not values:
        return Parsed(None, problems or [problem(MALFORMED, path, "no ':::MLLOG' records found",
                                                 "Upload the mlperf_log_detail.txt that LoadGen wrote.")])
    return Parsed(log, problems)


def parse_detail_log(path: Path) -> Parsed[DetailLog]:
    """Read and parse a LoadGen detail log (bounded, never raises)."""
    raw = read_bytes(path, MAX_DETAIL_BYTES)
    if raw.value is None:
        return Parsed(None, raw.problems)
    text = decode_text(raw.value, path)
    if text.value is None:
        return Parsed(None, text.problems)
    return parse_detail_text(text.value, path)
