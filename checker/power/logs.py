"""The power analyser's files: `spl.txt` (one sample a line) and `ptd_logs.txt` (PTDaemon's log).

Each file is read once and never raises; unusable lines become LOG001 problems (the first one is
named, with the count), and the usable content is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from checker.parsers.common import MALFORMED, Parsed, ParseProblem, problem, read_text
from checker.power.stamps import parse_stamp

#: A PTD log or sample file of a real run is a few MB at most.
MAX_POWER_LOG_BYTES = 256 * 1024 * 1024
_PTD_STAMP_LEN = 23  # "MM-DD-YYYY HH:MM:SS.fff"


def split_lines(text: str) -> list[str]:
    """Lines as Python's universal-newline reading sees them (CRLF, CR and LF all end a line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@dataclass(slots=True)
class SplLog:
    """Samples of `spl.txt`: lines `Time,<stamp>,Watts,<w>,Volts,<v>,Amps,<a>,PF,<pf>,Mark,<mark>`.

    `times` are epoch microseconds (UTC reading of the stamp); `power_factors` holds None where a
    line has no PF field.
    """

    path: Path
    times: list[int] = field(default_factory=list)
    watts: list[float] = field(default_factory=list)
    power_factors: list[float | None] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def _bad_lines(path: Path, bad: list[int], what: str, hint: str) -> list[ParseProblem]:
    """One problem naming the first bad line and the count."""
    if not bad:
        return []
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return [problem(MALFORMED, path, f"line {bad[0]} is not a valid {what}{more}", hint, line=bad[0])]


def parse_spl_text(text: str, path: Path) -> Parsed[SplLog]:
    """Parse the text of an `spl.txt`; sample lines that do not parse are problems."""
    log = SplLog(path=path)
    bad: list[int] = []
    for number, line in enumerate(split_lines(text), start=1):
        if not line.startswith("Time"):
            continue
        parts = line.split(",")
        stamp = parse_stamp(parts[1]) if len(parts) > 3 else None
        try:
            watts = float(parts[3]) if stamp is not None else None
            pf = float(parts[9]) if len(parts) > 9 else None
        except ValueError:
            watts = None
        if stamp is None or watts is None:
            bad.append(number)
            continue
        log.times.append(stamp)
        log.watts.append(watts)
        log.power_factors.append(pf)
        log.lines.append(number)
    return Parsed(log, _bad_lines(path, bad, "power sample ('Time,MM-DD-YYYY HH:MM:SS.fff,Watts,<W>,...')",
                                  "Upload spl.txt exactly as the PTD server wrote it."))


def parse_spl(path: Path) -> Parsed[SplLog]:
    """Read and parse an `spl.txt` (bounded, never raises)."""
    text = read_text(path, MAX_POWER_LOG_BYTES)
    if text.value is None:
        return Parsed(None, text.problems)
    return parse_spl_text(text.value, path)


@dataclass(slots=True)
class PtdLine:
    """One line of `ptd_logs.txt`: its number, its stamp (epoch microseconds, None when the line
    does not start with one), the message after the stamp and the raw line."""

    number: int
    time: int | None
    message: str
    raw: str


@dataclass(slots=True)
class PtdLog:
    """The lines of a PTDaemon log, in order."""

    path: Path
    lines: list[PtdLine] = field(default_factory=list)

    def first(self, message: str, after: int = 0) -> PtdLine | None:
        """The first timed line at or after index `after` whose message is exactly `message`."""
        for entry in self.lines[after:]:
            if entry.time is not None and entry.message == message:
                return entry
        return None


def parse_ptd_text(text: str, path: Path) -> Parsed[PtdLog]:
    """Parse the text of a `ptd_logs.txt` (lines `MM-DD-YYYY HH:MM:SS.fff: message`, and untimed lines)."""
    log = PtdLog(path=path)
    for number, raw in enumerate(split_lines(text), start=1):
        stamp = parse_stamp(raw[:_PTD_STAMP_LEN]) if len(raw) >= _PTD_STAMP_LEN else None
        if stamp is None:
            log.lines.append(PtdLine(number, None, raw.strip(), raw))
        else:
            log.lines.append(PtdLine(number, stamp, raw[_PTD_STAMP_LEN:].strip().removeprefix(":").strip(), raw))
    return Parsed(log)


def parse_ptd_log(path: Path) -> Parsed[PtdLog]:
    """Read and parse a `ptd_logs.txt` (bounded, never raises)."""
    text = read_text(path, MAX_POWER_LOG_BYTES)
    if text.value is None:
        return Parsed(None, text.problems)
    return parse_ptd_text(text.value, path)
