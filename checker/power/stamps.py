"""Wall-clock stamps `MM-DD-YYYY HH:MM:SS.fff` (PTD logs, spl.txt, LoadGen power_begin/power_end).

A stamp is read as UTC and returned as integer microseconds since the Unix epoch, so comparisons
and differences are exact (the official checker's `datetime` arithmetic gives the same numbers).
The parser slices the fixed positions and caches the epoch seconds of each minute it has seen
(a log spans few): per stamp, one dictionary look-up and two small int() calls, no `strptime`.
"""

from __future__ import annotations

from datetime import date

_EPOCH = date(1970, 1, 1).toordinal()
_SEPARATORS = ((2, "-"), (5, "-"), (10, " "), (13, ":"), (16, ":"))
_FRACTION_SCALE = (0, 100_000, 10_000, 1_000, 100, 10, 1)
#: Seconds since the epoch of each "MM-DD-YYYY HH:MM:" seen (-1: not a valid minute); a log has few.
_MINUTES: dict[str, int] = {}


def _minute(head: str) -> int:
    """Epoch seconds of the minute `MM-DD-YYYY HH:MM:`, or -1 when it is none."""
    if len(head) != 17 or any(head[pos] != sep for pos, sep in _SEPARATORS) or head[16] != ":":
        return -1
    fields = (head[0:2], head[3:5], head[6:10], head[11:13], head[14:16])
    if not all(f.isdecimal() for f in fields):
        return -1
    month, day, year, hour, minute = (int(f) for f in fields)
    if hour > 23 or minute > 59:
        return -1
    try:
        days = date(year, month, day).toordinal() - _EPOCH
    except ValueError:
        return -1
    return days * 86400 + hour * 3600 + minute * 60


def parse_stamp(text: str) -> int | None:
    """Microseconds since the epoch of `MM-DD-YYYY HH:MM:SS.f` (1 to 6 fraction digits), read as UTC.

    None when `text` is not exactly such a stamp.
    """
    head = text[:17]
    base = _MINUTES.get(head)
    if base is None:
        base = _MINUTES[head] = _minute(head)
    second, frac = text[17:19], text[20:]
    if base < 0 or text[19:20] != "." or not second.isdecimal() or not 0 < len(frac) <= 6 or not frac.isdecimal():
        return None
    seconds = int(second)
    if seconds > 59:
        return None
    return (base + seconds) * 1_000_000 + int(frac) * _FRACTION_SCALE[len(frac)]


def format_stamp(micros: int) -> str:
    """The `MM-DD-YYYY HH:MM:SS.fff` form of a time in epoch microseconds (milliseconds truncated)."""
    day, rest = divmod(micros, 86_400_000_000)
    d = date.fromordinal(day + _EPOCH)
    seconds, fraction = divmod(rest, 1_000_000)
    hour, seconds = divmod(seconds, 3600)
    minute, second = divmod(seconds, 60)
    return f"{d.month:02d}-{d.day:02d}-{d.year:04d} {hour:02d}:{minute:02d}:{second:02d}.{fraction // 1000:03d}"
