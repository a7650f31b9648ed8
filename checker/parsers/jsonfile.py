"""JSON documents: system descriptions, measurements, model_mapping.json and other small JSON files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.parsers.common import MALFORMED, Parsed, problem, read_text

try:  # orjson is several times faster; json is the fallback
    import orjson

    _loads = orjson.loads
    _DecodeError: type[Exception] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - exercised only without orjson
    _loads = json.loads
    _DecodeError = json.JSONDecodeError


#: The fastest available parser itself, for per-line loops (no wrapper call per line); raises ValueError.
raw_loads = _loads


def loads(text: str) -> Any:
    """Parse JSON text with the fastest available library (raises ValueError on bad input)."""
    return _loads(text)


def _loads_tolerant(text: str) -> Any:
    """orjson first; the standard library for what orjson refuses (NaN, integers over 64 bits)."""
    try:
        return _loads(text)
    except ValueError:
        return json.loads(text)


def _line_of(text: str, exc: Exception) -> int | None:
    pos = getattr(exc, "pos", None)
    if pos is None:
        return getattr(exc, "lineno", None)
    return text.count("\n", 0, pos) + 1


def parse_json(path: Path, expect: type = dict) -> Parsed[Any]:
    """Parse a JSON file whose top level must be of type `expect` (default: an object)."""
    text = read_text(path)
    if text.value is None:
        return Parsed(None, text.problems)
    try:
        value = _loads_tolerant(text.value)
    except ValueError as exc:
        return Parsed(None, [problem(MALFORMED, path, f"invalid JSON: {exc}",
                                     "Fix the JSON syntax (a JSON linter shows the exact place).",
                                     line=_line_of(text.value, exc))])
    except RecursionError:
        return Parsed(None, [problem(MALFORMED, path, "invalid JSON: nested too deeply", "Write a flat JSON object.")])
    if not isinstance(value, expect):
        return Parsed(None, [problem(MALFORMED, path,
                                     f"top level is a JSON {type(value).__name__}, expected a JSON {expect.__name__}",
                                     "Write the document as the layout describes it (a JSON object of fields).")])
    return Parsed(value)


def parse_model_mapping(path: Path) -> Parsed[dict[str, str]]:
    """Parse an open-division `model_mapping.json`: an object of string to string."""
    parsed = parse_json(path)
    if parsed.value is None:
        return parsed
    bad = [k for k, v in parsed.value.items() if not isinstance(v, str)]
    if bad:
        return Parsed({k: v for k, v in parsed.value.items() if isinstance(v, str)},
                      [problem(MALFORMED, path, f"non-string mapping values for {', '.join(sorted(bad))}",
                               'Map every benchmark directory name to an official benchmark name: {"my-model": "resnet"}.')])
    return parsed
