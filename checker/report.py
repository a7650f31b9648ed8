"""The report: every result with its verdict and every finding, in deterministic order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.model import Finding, Severity

SCHEMA_VERSION = 1


@dataclass(slots=True)
class ResultRecord:
    """The verdict on one result and what the report shows about it."""

    division: str
    submitter: str
    system: str
    benchmark: str
    scenario: str
    path: str
    valid: bool = True
    metric: dict[str, Any] | None = None
    accuracy: dict[str, Any] = field(default_factory=dict)
    inferred: bool = False
    findings: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-contract form of the result."""
        out = {
            "division": self.division, "submitter": self.submitter, "system": self.system,
            "benchmark": self.benchmark, "scenario": self.scenario, "path": self.path, "valid": self.valid,
            "metric": self.metric, "accuracy": self.accuracy, "inferred": self.inferred, "findings": self.findings,
            **({"labels": self.extra["labels"]} if self.extra.get("labels") else {}),
        }
        if self.extra.get("power_metric"):  # power results only
            out["power"] = {**self.extra["power_metric"], "efficiency": self.extra.get("power_efficiency")}
        return out


@dataclass
class Report:
    """Everything one run found."""

    round: str
    tool_version: str
    results: list[ResultRecord]
    findings: list[Finding]
    round_detected: bool = False
    profile: str | None = None
    root: str = ""
    notes: list[str] = field(default_factory=list)
    #: Codes of the rules that ran (selected and applicable to the round), for coverage reports.
    rules: list[str] = field(default_factory=list)
    #: What report paths start with (see Submission.prefix); `root` is the directory they are relative to.
    prefix: str = ""

    def locate(self, path: str) -> Path:
        """The file a report path names (absolute paths, e.g. of a waivers file, are kept)."""
        if Path(path).is_absolute():
            return Path(path)
        inner = path[len(self.prefix):].lstrip("/") if self.prefix and (path + "/").startswith(self.prefix + "/") else path
        return Path(self.root) / inner

    @property
    def summary(self) -> dict[str, int]:
        """Counts of the JSON contract's summary block."""
        active = [f for f in self.findings if not f.waived]
        return {
            "results": len(self.results),
            "valid": sum(1 for r in self.results if r.valid),
            "invalid": sum(1 for r in self.results if not r.valid),
            "errors": sum(1 for f in active if f.severity == Severity.ERROR.value),
            "warnings": sum(1 for f in active if f.severity == Severity.WARNING.value),
            "waived": sum(1 for f in self.findings if f.waived),
        }

    def failed(self, fail_on: str = "error") -> bool:
        """True when an unwaived finding at or above `fail_on` severity exists."""
        levels = {"error": {"error"}, "warning": {"error", "warning"}, "info": {"error", "warning", "info"}}
        wanted = levels.get(fail_on, {"error"})
        return any(f.severity in wanted and not f.waived for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract (see DESIGN.md)."""
        out = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "mlperf-checker", "version": self.tool_version},
            "round": self.round,
            "summary": self.summary,
            "results": [r.to_dict() for r in self.results],
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.profile:
            out["profile"] = self.profile
        return out
