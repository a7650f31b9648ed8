"""`--format sarif`: SARIF 2.1.0 for code-scanning tools.

One rule descriptor per code that ran (summary, doc, default level), one result per finding with
its location relative to the submission root (`uriBaseId` SRCROOT), the result directory as a
logical location, a stable fingerprint of code, path and message, and waived findings as external
suppressions with their justification.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from checker.model import Finding
from checker.registry import Rule, load_rules
from checker.report import Report
from checker.reporters import reporter
from checker.reporters.common import evidence
from checker.reporters.jsontext import indented

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def fingerprint(f: Finding) -> str:
    """A stable hash of code, path and message (GitHub matches alerts across runs with it)."""
    return hashlib.sha256("\0".join((f.code, f.path or f.result or "", f.message)).encode("utf-8")).hexdigest()[:32]


def _descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc},
        "help": {"text": rule.doc},
        "defaultConfiguration": {"level": LEVELS[rule.severity.value]},
        "properties": {"scope": rule.scope.value, "tags": [rule.code.rstrip("0123456789")]},
    }


def _location(f: Finding) -> list[dict[str, Any]]:
    where = f.path or f.result or f.unit
    if not where:
        return []
    if Path(where).is_absolute():
        artifact: dict[str, Any] = {"uri": Path(where).as_uri()}
    else:
        artifact = {"uri": quote(where, safe="/"), "uriBaseId": "SRCROOT"}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if f.line:
        physical["region"] = {"startLine": f.line}
    return [{"physicalLocation": physical}]


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    locations = _location(f)
    if f.result and locations:
        locations[0]["logicalLocations"] = [{"fullyQualifiedName": f.result, "kind": "module"}]
    out: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVELS.get(f.severity, "note"),
        "message": {"text": f.message + evidence(f)},
        "locations": locations,
        "partialFingerprints": {"mlperfChecker/v1": fingerprint(f)},
        "properties": {k: v for k, v in (("hint", f.hint), ("expected", f.expected), ("actual", f.actual)) if v},
    }
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    if f.waived:
        out["suppressions"] = [{"kind": "external", "justification": f.waiver or "waived"}]
    return out


@reporter("sarif")
def render_sarif(report: Report) -> str:
    """The SARIF 2.1.0 log (one run), indented JSON."""
    registry = load_rules()
    codes = sorted(set(report.rules) | {f.code for f in report.findings})
    rules = [registry[c] for c in codes if c in registry]
    index = {r.code: i for i, r in enumerate(rules)}
    run = {
        "tool": {"driver": {"name": "mlperf-checker", "version": report.tool_version,
                            "semanticVersion": report.tool_version,
                            "rules": [_descriptor(r) for r in rules]}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index) for f in report.findings],
        "properties": {"round": report.round, "profile": report.profile, "summary": report.summary},
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return indented(log)
