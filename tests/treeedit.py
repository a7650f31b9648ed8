"""Test-side edits of a copied sample tree: LoadGen detail/summary logs, JSON files, deletions.

Functions are generic (any path, any key) so every rule's tests can reuse them; add functions,
do not change existing ones.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

MARKER = ":::MLLOG "


def _records(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _key_of(line: str) -> str | None:
    if not line.startswith(MARKER):
        return None
    try:
        return json.loads(line[len(MARKER):])["key"]
    except (ValueError, KeyError, TypeError):
        return None


def set_log_value(path: Path, key: str, value: Any) -> None:
    """Set the value of every `:::MLLOG` record with `key` in a detail log (the key must exist)."""
    lines = _records(path)
    found = False
    for i, line in enumerate(lines):
        if _key_of(line) == key:
            rec = json.loads(line[len(MARKER):])
            rec["value"] = value
            lines[i] = MARKER + json.dumps(rec) + "\n"
            found = True
    if not found:
        raise KeyError(f"{key} not in {path}")
    path.write_text("".join(lines), encoding="utf-8")


def drop_log_key(path: Path, key: str) -> None:
    """Remove every `:::MLLOG` record with `key` from a detail log."""
    path.write_text("".join(x for x in _records(path) if _key_of(x) != key), encoding="utf-8")


def add_log_record(path: Path, key: str, value: Any, *, error: bool = False, warning: bool = False,
                   after: str | None = None) -> None:
    """Insert a `:::MLLOG` record (an error or warning when asked), after the record `after` or at the end."""
    rec = {"key": key, "value": value, "time_ms": 1.0, "namespace": "mlperf::logging", "event_type": "POINT_IN_TIME",
           "metadata": {"is_error": error, "is_warning": warning, "file": "test.cc", "line_no": 1, "pid": 1, "tid": 1}}
    lines = _records(path)
    at = len(lines)
    if after is not None:
        at = next(i + 1 for i, line in enumerate(lines) if _key_of(line) == after)
    lines.insert(at, MARKER + json.dumps(rec) + "\n")
    path.write_text("".join(lines), encoding="utf-8")


def set_summary_value(path: Path, label: str, value: str) -> None:
    """Replace the value of the first `label : value` line of a LoadGen summary log."""
    lines = _records(path)
    for i, line in enumerate(lines):
        name, sep, _ = line.partition(":")
        if sep and name.strip() == label:
            lines[i] = f"{name}: {value}\n"
            path.write_text("".join(lines), encoding="utf-8")
            return
    raise KeyError(f"{label} not in {path}")


def edit_json(path: Path, **changes: Any) -> None:
    """Set top-level fields of a JSON object file (a value of None deletes the field)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def json_fields(locate: Callable[[Path], Path], prefix: str, **changes: Any) -> Callable[[Path], None]:
    """A tree mutation setting top-level fields (None deletes) of the JSON file `locate(tree)` returns,
    named `<prefix>_<field>_...` for test ids."""

    def mutate(tree: Path) -> None:
        edit_json(locate(tree), **changes)

    mutate.__name__ = "_".join([prefix, *changes])
    return mutate


def delete(path: Path) -> None:
    """Remove a file or a directory tree."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def update_json(path: Path, change: Any) -> None:
    """Rewrite a JSON file with `change(data)` applied (`change` edits `data` in place)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def append_text(path: Path, text: str) -> None:
    """Append `text` to a text file."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)


def replace_text(path: Path, old: str, new: str) -> None:
    """Replace every occurrence of `old` (which must occur) in a text file."""
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise KeyError(f"{old!r} not in {path}")
    path.write_text(text.replace(old, new), encoding="utf-8")


def update_yaml(path: Path, change: Any) -> None:
    """Rewrite a YAML file with `change(data)` applied (`change` edits `data` in place)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
