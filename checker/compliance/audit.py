"""Was a compliance test's `audit.config` in force? Read from the run's detail log.

LoadGen logs the warning `Found Audit Config file (audit.config)...` when it reads one, and every
setting it applied as `effective_<name>`. A setting that the log does not show at all (older LoadGen
builds log fewer keys) cannot be judged and is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from checker.parsers.loadgen import DetailLog


@dataclass(frozen=True, slots=True)
class AuditGap:
    """One way the run differs from the audit configuration: `key` is `effective_<name>` or None for the
    missing warning."""

    key: str | None
    expected: Any
    actual: Any
    line: int | None


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(actual, (bool, int)) and bool(actual) == bool(expected) and actual in (0, 1)
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    return expected == actual


def audit_gaps(log: DetailLog, warning: str, expected: Mapping[str, Any]) -> list[AuditGap]:
    """Every difference between the run and the audit configuration (empty when it was in force)."""
    gaps = []
    if log.has_warning(warning) is None:
        gaps.append(AuditGap(None, warning, "no such warning", None))
    for name, value in expected.items():
        key = f"effective_{name}"
        if key in log and not _same(value, log.get(key)):
            gaps.append(AuditGap(key, value, log.get(key), log.line(key)))
    return gaps
