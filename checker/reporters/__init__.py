"""Reporters turn one Report into text, JSON, CSV and the other formats; each registers itself here."""

from __future__ import annotations

import importlib
from typing import Callable

from checker.report import Report

Reporter = Callable[[Report], str]
REPORTERS: dict[str, Reporter] = {}
_MODULES = ("text", "json_report", "csv_report", "sarif", "junit", "github", "markdown")


def reporter(name: str) -> Callable[[Reporter], Reporter]:
    """Register the decorated function as the reporter for `--format name`."""

    def decorate(fn: Reporter) -> Reporter:
        REPORTERS[name] = fn
        return fn

    return decorate


def load_reporters() -> dict[str, Reporter]:
    """Import the reporter modules that exist and return the registry."""
    for module in _MODULES:
        try:
            importlib.import_module(f"checker.reporters.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"checker.reporters.{module}":
                raise
    return REPORTERS


def render(fmt: str, report: Report) -> str:
    """Render `report` in format `fmt` (KeyError for an unknown format)."""
    return load_reporters()[fmt](report)
