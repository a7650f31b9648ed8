"""Typed units of a submission and the findings and report the checker produces."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path, PurePath
from typing import Any

#: Scenarios whose figure is a latency (LoadGen logs nanoseconds); the others report a throughput.
LATENCY_SCENARIOS = ("SingleStream", "MultiStream")


class Severity(str, Enum):
    """How bad a finding is: errors invalidate, warnings inform."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Scope(str, Enum):
    """The unit a rule is run on."""

    SUBMISSION = "submission"
    SUBMITTER = "submitter"
    SYSTEM = "system"
    RESULT = "result"


@dataclass(slots=True)
class Issue:
    """What a rule reports: the rule's identity is added by the engine.

    ``path`` is an absolute path (or a path relative to the submission root);
    ``severity`` overrides the rule's default where a rule has graded outcomes.
    """

    message: str
    path: Path | str | None = None
    line: int | None = None
    expected: Any = None
    actual: Any = None
    hint: str | None = None
    severity: Severity | None = None


@dataclass(slots=True)
class Finding:
    """One reported problem, as it appears in every report."""

    code: str
    name: str
    severity: str
    message: str
    hint: str
    path: str | None = None
    line: int | None = None
    result: str | None = None
    waived: bool = False
    expected: str | None = None
    actual: str | None = None
    unit: str = ""
    waiver: str | None = None

    def sort_key(self) -> tuple:
        """Deterministic ordering: by result, path, line, code, message."""
        return (self.result or "", self.path or "", self.line or 0, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-contract form of the finding."""
        out: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "path": self.path,
            "line": self.line,
            "result": self.result,
            "waived": self.waived,
        }
        if self.expected is not None:
            out["expected"] = self.expected
        if self.actual is not None:
            out["actual"] = self.actual
        if self.waiver is not None:
            out["waiver"] = self.waiver
        return out


@dataclass(slots=True)
class SystemUnit:
    """A system of a submitter: `systems/<name>.json` and/or `results/<name>/`."""

    division: str
    submitter: str
    name: str
    json_path: Path
    results_dir: Path

    @property
    def key(self) -> str:
        """Relative identity used to tie findings to results."""
        return f"{self.division}/{self.submitter}/systems/{self.name}"


@dataclass(slots=True)
class ResultUnit:
    """A result: `<division>/<submitter>/results/<system>/<benchmark>/<scenario>`."""

    division: str
    submitter: str
    system: str
    benchmark: str
    scenario: str
    path: Path
    rel: str
    layout: str
    measurements_dir: Path
    compliance_dir: Path
    submitter_dir: Path

    @property
    def system_key(self) -> str:
        """The key of this result's system (see SystemUnit.key)."""
        return f"{self.division}/{self.submitter}/systems/{self.system}"

    @property
    def submitter_key(self) -> str:
        """The key of this result's submitter."""
        return f"{self.division}/{self.submitter}"

    def compliance_test_dir(self, test: str) -> Path:
        """Where the given compliance test lives for this result."""
        return self.compliance_dir / test


@dataclass(slots=True)
class SubmitterUnit:
    """One submitter directory inside a division."""

    division: str
    name: str
    path: Path
    layout: str
    systems: list[SystemUnit] = field(default_factory=list)
    results: list[ResultUnit] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Relative identity of the submitter."""
        return f"{self.division}/{self.name}"


@dataclass(slots=True)
class Submission:
    """A discovered submission tree."""

    root: Path
    prefix: str
    submitters: list[SubmitterUnit] = field(default_factory=list)
    stray: list[Path] = field(default_factory=list)

    def rel(self, path: Path | str) -> str:
        """The report form of a path: relative to the submission root, POSIX separators."""
        if isinstance(path, PurePath):  # fast path (every finding and owner look-up): a Path's text is normal
            text, root = str(path), str(self.root)
            if text.startswith(root) and text[len(root):len(root) + 1] == os.sep and root != os.sep:
                inner = text[len(root) + 1:].replace(os.sep, "/")
                return f"{self.prefix}/{inner}" if self.prefix else inner
        p = Path(path)
        try:
            inner = p.relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()
        if inner == ".":
            inner = ""
        return "/".join(x for x in (self.prefix, inner) if x)

    @property
    def results(self) -> list[ResultUnit]:
        """Every result of every submitter, sorted by path."""
        return sorted((r for s in self.submitters for r in s.results), key=lambda r: r.rel)

    @property
    def systems(self) -> list[SystemUnit]:
        """Every system of every submitter."""
        return [y for s in self.submitters for y in s.systems]


@dataclass
class Options:
    """Run options that rules may consult."""

    reference_data: Path | None = None
    profile: str | None = None
