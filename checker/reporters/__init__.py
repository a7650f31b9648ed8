"""Reporters turn one Report into text, JSON, CSV and the other formats; each registers itself here."""

from __future__ import annotations

import importlib
from typing import Callable

from checker.report import Report

Reporter = Callable[[Report], str]
REPORTERS: dict[str, Reporter] = {}
#: Each format and the module that registers its reporter (imported when the format is first asked for).
FORMATS = {"text": "text", "json": "json_report", "csv": "csv_report", "sarif": "sarif", "junit": "junit",
           "github": "github", "markdown": "markdown"}


def reporter(name: str) -> Callable[[Reporter], Reporter]:
    """Register the decorated function as the reporter for `--format name`."""

    def decorate(fn: Reporter) -> Reporter:
        REPORTERS[name] = fn
        return fn

    return decorate


def load_reporters() -> dict[str, Reporter]:
    """Import every reporter module and return the registry."""
    for name in FORMATS:
        _load(name)
    return REPORTERS


def _load(fmt: str) -> Reporter:
    """The reporter of `fmt`, its module imported if need be (KeyError for an unknown format)."""
    if fmt not in REPORTERS:
        importlib.import_module(f"checker.reporters.{FORMATS[fmt]}")
    return REPORTERS[fmt]


def render(fmt: str, report: Report) -> str:
    """Render `report` in format `fmt` (KeyError for an unknown format)."""
    return _load(fmt)(report)
