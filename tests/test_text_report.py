"""The text report: grouped by result, info findings folded into one line per code."""

from __future__ import annotations

from checker.model import Finding
from checker.report import Report, ResultRecord
from checker.reporters.text import render_text


def _finding(code: str, severity: str, result: str | None, line: int | None = None) -> Finding:
    return Finding(code=code, name="some-rule", severity=severity, message=f"{code} happened", hint="do this",
                   path=(result or "closed/A") + "/file.txt", line=line, result=result, expected="1", actual="2")


def test_text_groups_by_result_and_folds_info() -> None:
    r1 = ResultRecord("closed", "A", "s", "resnet", "Offline", "closed/A/results/s/resnet/Offline", valid=False,
                      metric={"value": 1234.5678, "unit": "Samples/s"})
    r2 = ResultRecord("closed", "A", "s", "resnet", "Server", "closed/A/results/s/resnet/Server")
    findings = [_finding("PERF003", "error", r1.path, 7), _finding("ACC013", "info", r1.path),
                _finding("ACC013", "info", r2.path), _finding("STR005", "warning", None)]
    text = render_text(Report("v6.0", "0", [r1, r2], findings), colour=False)
    lines = text.splitlines()
    assert lines[0] == "round v6.0 (as given)"
    assert "closed/A/results/s/resnet/Offline: INVALID 1234.57 Samples/s" in lines
    assert any(l.startswith("  closed/A/results/s/resnet/Offline/file.txt:7: error PERF003 [some-rule] PERF003 happened "
                            "(expected 1, found 2)") for l in lines)
    assert "closed/A/results/s/resnet/Server: valid" not in text  # a valid result with only info findings is quiet
    assert "info: ACC013 [some-rule] on 2 result(s); `--format json` lists each" in lines
    assert lines[-1] == "2 results: 1 valid, 1 invalid; 1 errors, 1 warnings, 0 waived"
    assert "\033[" not in text
