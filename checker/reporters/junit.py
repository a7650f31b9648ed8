"""`--format junit`: JUnit XML with one test case per (rule, result), so a CI shows coverage.

One `testsuite` per result (named by its path) holds a `testcase` for every rule that ran on it;
an unwaived error finding about the result (or its system or submitter) is a `failure`, warnings
and waived findings go to the case's `system-out`. Rules of submission scope, and findings that
concern no result, form the suite `submission`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from checker.model import Finding, Scope
from checker.registry import load_rules
from checker.report import Report
from checker.reporters import reporter
from checker.reporters.common import attribute, evidence, metric_text

SUBMISSION_SUITE = "submission"


def _line(f: Finding) -> str:
    where = f"{f.path}:{f.line}" if f.path and f.line else (f.path or f.result or f.unit or ".")
    tag = f"waived ({f.waiver})" if f.waived else f.severity
    return f"{where}: {tag} {f.code} {f.message}{evidence(f)}" + (f"\n  hint: {f.hint}" if f.hint else "")


def _case(suite: ET.Element, classname: str, code: str, findings: list[Finding]) -> None:
    rule = load_rules().get(code)
    case = ET.SubElement(suite, "testcase", name=f"{code} {rule.name if rule else ''}".strip(), classname=classname)
    failing = [f for f in findings if f.severity == "error" and not f.waived]
    if failing:
        failure = ET.SubElement(case, "failure", type=code, message=failing[0].message)
        failure.text = "\n".join(_line(f) for f in failing)
    notes = [f for f in findings if f not in failing]
    if notes:
        ET.SubElement(case, "system-out").text = "\n".join(_line(f) for f in notes)


def _suite(root: ET.Element, name: str, cases: dict[str, list[Finding]], properties: dict[str, str]) -> None:
    suite = ET.SubElement(root, "testsuite", name=name)
    if properties:
        props = ET.SubElement(suite, "properties")
        for key, value in properties.items():
            ET.SubElement(props, "property", name=key, value=value)
    for code, findings in cases.items():
        _case(suite, name, code, findings)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(len(suite.findall("testcase/failure"))))
    suite.set("errors", "0")
    suite.set("skipped", "0")


def _by_code(codes: list[str], findings: list[Finding]) -> dict[str, list[Finding]]:
    cases: dict[str, list[Finding]] = {code: [] for code in codes}
    for f in findings:
        cases.setdefault(f.code, []).append(f)
    return dict(sorted(cases.items()))


@reporter("junit")
def render_junit(report: Report) -> str:
    """The JUnit XML document."""
    rules = load_rules()
    ran = report.rules or sorted({f.code for f in report.findings})
    per_result = [c for c in ran if c not in rules or rules[c].scope != Scope.SUBMISSION]
    per_submission = [c for c in ran if c in rules and rules[c].scope == Scope.SUBMISSION]
    attribution = attribute(report)
    root = ET.Element("testsuites", name="mlperf-checker")
    _suite(root, SUBMISSION_SUITE, _by_code(per_submission, attribution.orphans),
           {"round": report.round, "profile": report.profile or ""})
    for record in report.results:
        _suite(root, record.path, _by_code(per_result, attribution.concerning(record)),
               {"verdict": "valid" if record.valid else "invalid", "metric": metric_text(record)})
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root.findall("testsuite"))))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
