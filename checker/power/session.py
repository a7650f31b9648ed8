"""`client.json` and `server.json`: the PTD client's and server's record of one power session.

`shape_problems` lists what makes a descriptor unusable (missing fields, wrong types); the accessors
return None for a field that is unusable, so that each check stays silent on what the shape check
already reports.
"""

from __future__ import annotations

from typing import Any

PHASE_MODES = ("ranging", "testing")


def _is_str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _is_messages(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(m, dict) and isinstance(m.get("cmd"), str) and isinstance(m.get("reply"), str) for m in value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_phases(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(mode), list)
        and all(isinstance(p, list) and p and _is_number(p[0]) for p in value[mode]) for mode in PHASE_MODES)


def _is_uuid_pair(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("client"), str) and isinstance(value.get("server"), str)


def _is_ptd_config(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and bool(value)
                                       and all(isinstance(x, dict) for x in value))


#: What each field must look like to be usable.
SHAPES = {
    "version": (lambda v: isinstance(v, str), "a string"),
    "timezone": (lambda v: _is_number(v), "a number (seconds)"),
    "modules": (lambda v: isinstance(v, dict), "an object"),
    "sources": (_is_str_map, "an object of file -> SHA-1"),
    "messages": (_is_messages, "a list of {cmd, reply} strings"),
    "uuid": (_is_uuid_pair, "an object with client and server UUID strings"),
    "session_name": (lambda v: isinstance(v, str), "a string"),
    "results": (_is_str_map, "an object of file -> SHA-1"),
    "phases": (_is_phases, "an object with ranging and testing lists of [time, ...] points"),
    "ptd_messages": (_is_messages, "a list of {cmd, reply} strings"),
    "ptd_config": (_is_ptd_config, "an analyser configuration object (or a list of them)"),
}


def shape_problems(data: dict[str, Any], fields: list[str]) -> list[tuple[str, str]]:
    """(field, problem) for every field of `fields` that is missing or not of its expected shape."""
    out = []
    for name in fields:
        if name not in data:
            out.append((name, "missing"))
            continue
        test, expected = SHAPES.get(name, (lambda v: True, ""))
        if not test(data[name]):
            out.append((name, f"must be {expected}"))
    return out


def usable(data: dict[str, Any] | None, name: str) -> Any:
    """The value of field `name` when the descriptor has it in its expected shape, else None."""
    if not isinstance(data, dict) or name not in data:
        return None
    test, _ = SHAPES.get(name, (lambda v: True, ""))
    return data[name] if test(data[name]) else None


def phase_times(data: dict[str, Any] | None, mode: str) -> list[float] | None:
    """The wall-clock times (epoch seconds) of the phase points of `mode` (ranging/testing)."""
    phases = usable(data, "phases")
    return None if phases is None else [float(p[0]) for p in phases[mode]]


def analysers(data: dict[str, Any] | None) -> list[dict[str, Any]] | None:
    """The analyser configurations of `server.json` (one object up to v4.1, a list from v5.0)."""
    config = usable(data, "ptd_config")
    if config is None:
        return None
    return [config] if isinstance(config, dict) else config
