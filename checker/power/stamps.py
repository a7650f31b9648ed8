"""Wall-clock stamps `MM-DD-YYYY HH:MM:SS.fff` (PTD logs, spl.txt, LoadGen power_begin/power_end).

A stamp is read as UTC and returned as integer microseconds since the Unix epoch, so comparisons
and differences are exact (the official checker's `datetime` arithmetic gives the same numbers).
The parser slices the fixed positions and caches the day number of each date it has seen: no
`strptime` per line.
"""

from __future__ import annotations

from datetime import date

STAMP_LEN = 19  # "MM-DD-YYYY HH:MM:SS" without the fraction
_EPOCH = date(1970, 1, 1).toordinal()
_DAYS: dict[str, int | None] = {}
_SEPARATORS = ((2, "-"), (5, "-"), (10, " "), (13, ":"), (16, ":"), (19, "."))


def _day_number(text: str) -> int | None:
    """Days since the epoch of `MM-DD-YYYY`, or None when it is no calendar date (cached)."""
    if text not in _DAYS:
        try:
            _DAYS[text] = date(int(text[6:10]), int(text[0:2]), int(text[3:5])).toordinal() - _EPOCH
        except ValueError:
            _DAYS[text] = None
    return _DAYS[text]


def parse_stamp(text: str) -> int | None:
    """Microseconds since the epoch of `MM-DD-YYYY HH:MM:SS.f` (1 to 6 fraction digits), read as UTC.

    None when `text` is not exactly such a stamp.
    """
    frac = text[STAMP_LEN + 1:]
    if not 1 <= len(frac) <= 6 or not frac.isdigit():
        return None
    for pos, sep in _SEPARATORS:
        if text[pos] != sep:
            return None
    digits = text[0:2] + text[3:5] + text[6:10] + text[11:13] + text[14:16] + text[17:19]
    if not digits.isdigit() or not digits.isascii():
        return None
    day = _day_number(text[0:10])
    hour, minute, second = int(text[11:13]), int(text[14:16]), int(text[17:19])
    if day is None or hour > 23 or minute > 59 or second > 59:
        return None
    seconds = day * 86400 + hour * 3600 + minute * 60 + second
    return seconds * 1_000_000 + int(frac.ljust(6, "0"))


def format_stamp(micros: int) -> str:
    """The `MM-DD-YYYY HH:MM:SS.fff` form of a time in epoch microseconds (milliseconds truncated)."""
    day, rest = divmod(micros, 86_400_000_000)
    d = date.fromordinal(day + _EPOCH)
    seconds, fraction = divmod(rest, 1_000_000)
    hour, seconds = divmod(seconds, 3600)
    minute, second = divmod(seconds, 60)
    return f"{d.month:02d}-{d.day:02d}-{d.year:04d} {hour:02d}:{minute:02d}:{second:02d}.{fraction // 1000:03d}"
