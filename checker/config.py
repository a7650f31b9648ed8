"""The user's configuration: `.mlperf-checker.yaml` or `[tool.mlperf-checker]` in `pyproject.toml`.

The first directory, walking upward from the checked path, that holds `.mlperf-checker.yaml` or a
`pyproject.toml` with a `[tool.mlperf-checker]` table provides the configuration (the YAML file wins
when a directory holds both). Keys (schema `schemas/config.schema.json`): `round`, `select`,
`ignore`, `fail-on`, `waivers` (relative to the configuration file) and `jobs`. Command-line flags
override every key.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any


from checker.resources import data_dir
from checker.yamltext import pyyaml

CONFIG_NAME = ".mlperf-checker.yaml"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = "mlperf-checker"


class ConfigError(ValueError):
    """A configuration or waivers file that cannot be used (a usage error, exit status 2)."""


@dataclass
class Config:
    """The settings of one configuration file (unset keys are None or empty)."""

    source: Path | None = None
    round: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    waivers: Path | None = None
    jobs: int | None = None


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))


def plain(value: Any) -> Any:
    """YAML data with dates turned into ISO strings (YAML reads `2026-01-31` as a date)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value


def validate(data: Any, schema_name: str, source: Path) -> None:
    """Raise ConfigError, naming the file and the offending key, when `data` breaks the schema."""
    import jsonschema  # only when a configuration or waivers file is read (start-up time)

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(_schema(schema_name)).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "top level"
        raise ConfigError(f"{source}: {where}: {error.message}")


def read_yaml(path: Path) -> tuple[str, Any]:
    """The text and the plain data of a YAML file; ConfigError when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    yaml = pyyaml()
    try:
        return text, plain(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        reason = " ".join(str(getattr(exc, "problem", None) or exc).split())  # one line, whatever PyYAML says
        raise ConfigError(f"{path}:{line} not valid YAML: {reason}") from None


def _tool_table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("tool", {}).get(TOOL_TABLE)
    return plain(table) if table is not None else None


def find_config(start: Path) -> Path | None:
    """The configuration file for a check of `start`: the nearest one walking upward, or None."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = directory / PYPROJECT
        try:
            if pyproject.is_file() and _tool_table(pyproject) is not None:
                return pyproject
        except ConfigError:  # someone else's broken pyproject.toml is not ours to judge
            continue
    return None


def _codes(value: str | list[str] | None) -> list[str]:
    items = value.split(",") if isinstance(value, str) else (value or [])
    return [c.strip() for c in items if c.strip()]


def load_config(path: Path) -> Config:
    """Read and validate one configuration file (YAML, or a pyproject.toml's tool table)."""
    if path.name == PYPROJECT or path.suffix == ".toml":
        data = _tool_table(path)
        if data is None:
            raise ConfigError(f"{path}: no [tool.{TOOL_TABLE}] table")
    else:
        data = read_yaml(path)[1]
        data = {} if data is None else data
    validate(data, "config.schema.json", path)
    waivers = data.get("waivers")
    return Config(source=path, round=data.get("round"), select=_codes(data.get("select")),
                  ignore=_codes(data.get("ignore")), fail_on=data.get("fail-on"),
                  waivers=(path.parent / waivers) if waivers else None, jobs=data.get("jobs"))


def config_for(checked: Path, explicit: Path | None = None) -> Config:
    """The configuration that applies to a check of `checked` (`explicit` file first; empty when none)."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"--config: {explicit}: no such file")
        return load_config(explicit)
    found = find_config(checked) if checked.exists() else None
    return load_config(found) if found else Config()
