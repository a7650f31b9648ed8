"""Indented JSON text for the machine-readable reports, written by orjson (several times faster than
the standard library on a round's report; the standard library's layout, though a number such as
1e-05 may be spelled 0.00001)."""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS


def indented(data: Any) -> str:
    """`data` as JSON indented by two spaces, newline-terminated. A value JSON cannot hold (NaN,
    infinity) is written as null, so the report stays valid JSON; an integer beyond 64 bits, which orjson
    refuses, makes the whole text come from the standard library instead."""
    try:
        return orjson.dumps(data, option=_OPTIONS).decode() + "\n"
    except TypeError:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
