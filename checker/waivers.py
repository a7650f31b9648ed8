"""Waivers: findings the review committee accepted, kept in the report but not failing the run.

A waivers file (schema `schemas/waivers.schema.json`) lists waivers, each with a rule `code` (or a
code prefix), a `path` glob over report paths, a `justification`, who `approved_by` and an optional
`expires` date (the last day it applies). A finding is waived by the first unexpired waiver whose
code prefixes the finding's code and whose glob matches the finding's path, a directory above it, or
its result. An expired waiver waives nothing and is reported (CHK002); an unexpired waiver that
matched no finding of the rules that ran is reported too (CHK003).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable


from checker.config import ConfigError, read_yaml, validate
from checker.model import Finding
from checker.registry import load_rules
from checker.yamltext import pyyaml

EXPIRED, UNUSED = "CHK002", "CHK003"


def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a path glob: `*` and `?` stay within a segment, `**` spans segments (`a/**/b` matches `a/b`)."""
    out, i, pattern = [], 0, pattern.strip().removeprefix("./").strip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i])))
            i += 1
    return re.compile("".join(out))


@dataclass(frozen=True)
class Waiver:
    """One entry of a waivers file."""

    code: str
    path: str
    justification: str
    approved_by: str
    expires: dt.date | None = None
    line: int | None = None

    def expired(self, today: dt.date) -> bool:
        """True after the waiver's last day."""
        return self.expires is not None and today > self.expires

    def covers(self, finding: Finding) -> bool:
        """True when the waiver's code and path glob match the finding."""
        if not finding.code.startswith(self.code.upper()):
            return False
        regex = glob_regex(self.path)
        places = [finding.result or finding.unit]
        if finding.path:
            places += [finding.path, *(p.as_posix() for p in PurePosixPath(finding.path).parents)]
        return any(p and p != "." and regex.fullmatch(p) for p in places)

    def describe(self) -> str:
        """The report text of the waiver: justification, approver and expiry."""
        until = f", until {self.expires.isoformat()}" if self.expires else ""
        return f"{self.justification} (approved by {self.approved_by}{until})"

    def label(self) -> str:
        """How findings about the waiver name it."""
        return f"waiver for {self.code} on {self.path!r}"


@dataclass(frozen=True)
class WaiverSet:
    """The waivers of one file."""

    source: Path
    waivers: tuple[Waiver, ...]


def _item_lines(text: str) -> list[int]:
    """The line of each entry of the `waivers` list (for findings that point at a waiver)."""
    yaml = pyyaml()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "waivers" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def load_waivers(path: Path) -> WaiverSet:
    """Read and validate a waivers file (ConfigError when it cannot be used)."""
    text, data = read_yaml(path)
    validate(data, "waivers.schema.json", path)
    lines = _item_lines(text)
    waivers = []
    for i, item in enumerate(data["waivers"]):
        try:
            expires = dt.date.fromisoformat(item["expires"]) if "expires" in item else None
        except ValueError:
            raise ConfigError(f"{path}: waivers/{i}/expires: {item['expires']!r} is not a date") from None
        waivers.append(Waiver(code=item["code"].upper(), path=item["path"], justification=item["justification"],
                              approved_by=item["approved_by"], expires=expires,
                              line=lines[i] if i < len(lines) else None))
    return WaiverSet(source=path, waivers=tuple(waivers))


def _about(code: str, waiver: Waiver, source: Path, message: str, expected: str, actual: str) -> Finding:
    rule = load_rules()[code]
    return Finding(code=code, name=rule.name, severity=rule.severity.value, message=message,
                   hint=rule.section("Fix:"), path=source.as_posix(), line=waiver.line, expected=expected,
                   actual=actual)


def apply_waivers(findings: list[Finding], waivers: WaiverSet | None, selected: Iterable[str],
                  today: dt.date | None = None) -> list[Finding]:
    """Mark the findings the waivers cover; add CHK002/CHK003 findings (when selected); keep the order.

    `selected` holds the codes of the rules that ran: a waiver is unused only when it could have
    matched one of them.
    """
    if waivers is None:
        return findings
    today = today or dt.date.today()
    selected = set(selected)
    used: set[Waiver] = set()
    live = [w for w in waivers.waivers if not w.expired(today)]
    for finding in findings:
        waiver = next((w for w in live if w.covers(finding)), None)
        if waiver is not None:
            finding.waived, finding.waiver = True, waiver.describe()
            used.add(waiver)
    extra = []
    for w in waivers.waivers:
        if w.expired(today) and EXPIRED in selected:
            extra.append(_about(EXPIRED, w, waivers.source,
                                f"{w.label()} expired on {w.expires.isoformat()}; the findings it covered count again",
                                expected=f"expires on or after {today.isoformat()}", actual=w.expires.isoformat()))
        elif w not in used and not w.expired(today) and UNUSED in selected \
                and any(code.startswith(w.code) for code in selected):
            extra.append(_about(UNUSED, w, waivers.source, f"{w.label()} matched no finding",
                                expected="at least one matching finding", actual="none"))
    return sorted(findings + extra, key=Finding.sort_key)
