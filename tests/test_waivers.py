"""Waivers: loading and validation, glob matching, waived findings, expiry (CHK002) and unused waivers (CHK003)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checker.config import ConfigError
from checker.engine import RunConfig, check
from checker.model import Finding
from checker.registry import load_rules
from checker.waivers import Waiver, WaiverSet, apply_waivers, glob_regex, load_waivers
from tests.minitree import make_tree
from tests.rulecase import RuleCase, case_id, run_case

TODAY = dt.date(2026, 3, 1)


def _finding(code: str = "STR001", path: str | None = "closed/Org/results/s/b/Offline/user.conf",
             result: str | None = "closed/Org/results/s/b/Offline") -> Finding:
    return Finding(code=code, name="x", severity="error", message="m", hint="h", path=path, result=result)


def _waiver(**kw) -> Waiver:
    base = dict(code="STR001", path="closed/Org/**", justification="known", approved_by="review committee")
    return Waiver(**{**base, **kw})


@pytest.mark.parametrize("pattern, path, hit", [
    ("closed/Org/**", "closed/Org/results/s/b/Offline/user.conf", True),
    ("closed/*/results/s/b/Offline", "closed/Org/results/s/b/Offline", True),
    ("closed/*/user.conf", "closed/Org/results/s/b/Offline/user.conf", False),
    ("**/user.conf", "closed/Org/results/s/b/Offline/user.conf", True),
    ("**/user.conf", "user.conf", True),
    ("closed/Org/results/s?s/**", "closed/Org/results/sys/x", True),
    ("closed/Org/results/s?s/**", "closed/Org/results/s/s/x", False),
    ("./closed/Org/", "closed/Org", True),
    ("closed/Org (x)/a+b", "closed/Org (x)/a+b", True),
])
def test_glob(pattern: str, path: str, hit: bool) -> None:
    assert bool(glob_regex(pattern).fullmatch(path)) is hit


def test_covers_code_prefix_path_parents_and_result() -> None:
    f = _finding()
    assert _waiver(code="STR").covers(f)
    assert not _waiver(code="PERF").covers(f)
    assert _waiver(path="closed/Org/results/s/b/Offline").covers(f)       # a directory above the file
    assert _waiver(path="closed/Org/results/s/b/*").covers(_finding(path=None))  # the result, when no path
    assert not _waiver(path="open/**").covers(f)
    system_finding = Finding("STR002", "x", "error", "m", "h", unit="closed/Org/systems/s")   # no path, no result
    assert _waiver(code="STR", path="closed/Org/systems/*").covers(system_finding)


def test_apply_marks_waived_and_reports_expired_and_unused() -> None:
    used = _waiver()
    expired = _waiver(path="closed/Org/results/s/**", expires=dt.date(2026, 2, 28), line=7)
    unused = _waiver(path="open/**")
    other_code = _waiver(code="PWR", path="open/**")         # PWR rules did not run: not "unused"
    findings = apply_waivers([_finding()], WaiverSet(Path("w.yaml"), (expired, used, unused, other_code)),
                             {"STR001", "CHK002", "CHK003"}, today=TODAY)
    waived = [f for f in findings if f.waived]
    assert len(waived) == 1 and waived[0].waiver == "known (approved by review committee)"
    chk = {f.code: f for f in findings if f.code.startswith("CHK")}
    assert set(chk) == {"CHK002", "CHK003"}
    assert chk["CHK002"].severity == "warning" and chk["CHK002"].line == 7 and "expired on 2026-02-28" in chk["CHK002"].message
    assert "'open/**'" in chk["CHK003"].message and chk["CHK003"].path == "w.yaml"


def test_waiver_applies_through_its_last_day() -> None:
    w = _waiver(expires=TODAY)
    findings = apply_waivers([_finding()], WaiverSet(Path("w.yaml"), (w,)), {"STR001", "CHK002"}, today=TODAY)
    assert findings[0].waived and len(findings) == 1


def test_chk_findings_follow_selection() -> None:
    w = _waiver(path="open/**", expires=dt.date(2020, 1, 1))
    assert len(apply_waivers([], WaiverSet(Path("w"), (w,)), {"STR001"}, today=TODAY)) == 0


def test_load_reads_lines_dates_and_upper_cases_codes(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("# waivers\nwaivers:\n  - code: perf003\n    path: 'closed/**'\n    justification: j\n"
                    "    approved_by: a\n    expires: 2026-12-31\n  - {code: STR, path: '**', justification: j, approved_by: a}\n")
    ws = load_waivers(path)
    assert [w.line for w in ws.waivers] == [3, 8]
    assert ws.waivers[0].code == "PERF003" and ws.waivers[0].expires == dt.date(2026, 12, 31)
    assert ws.waivers[1].expires is None


@pytest.mark.parametrize("text, needle", [
    ("waivers: [\n", "not valid YAML"),
    ("- code: STR001\n", "top level"),
    ("waivers:\n  - {code: STR001, path: '**', justification: j}\n", "approved_by"),
    ("waivers:\n  - {code: STR001, path: '**', justification: j, approved_by: a, expires: soon}\n", "expires"),
    ("waivers:\n  - {code: STR001, path: '**', justification: j, approved_by: a, expires: '2026-02-30'}\n", "not a date"),
    ("waivers:\n  - {code: 'STR 001', path: '**', justification: j, approved_by: a}\n", "code"),
    ("waivers:\n  - {code: STR001, path: '**', justification: j, approved_by: a, colour: red}\n", "colour"),
])
def test_bad_waiver_files_are_config_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_waivers(path)


def test_missing_or_binary_waiver_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_waivers(tmp_path / "absent.yaml")
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError):
        load_waivers(tmp_path / "bin.yaml")


def test_waived_result_becomes_valid_and_stays_in_the_report(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    path = tmp_path / "w.yaml"
    path.write_text("waivers:\n  - {code: STR001, path: 'closed/Org/results/sys1/**', justification: j, approved_by: a}\n")
    plain = check(tree, RunConfig(round="v6.0", select=["STR001"], jobs=1))
    waived = check(tree, RunConfig(round="v6.0", select=["STR001"], jobs=1, waivers=load_waivers(path)))
    assert plain.summary["waived"] == 0 and plain.summary["valid"] == 0
    assert waived.summary["waived"] > 0 and waived.summary["valid"] == 2 and waived.summary["invalid"] == 1
    assert len(waived.findings) == len(plain.findings)
    assert all(f.waived == f.path.startswith("closed/Org/results/sys1/") for f in waived.findings)
    valid = next(r for r in waived.results if r.valid)
    assert valid.findings == []        # the result's list holds unwaived codes only
    everything = load_waivers(_write(tmp_path / "all.yaml", "waivers:\n  - {code: STR, path: '**', justification: j, approved_by: a}\n"))
    assert plain.failed() and not check(tree, RunConfig(round="v6.0", select=["STR001"], jobs=1, waivers=everything)).failed()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


WAIVE_STR001 = "waivers:\n  - {code: STR001, path: 'closed/**/user.conf', justification: j, approved_by: a}\n"
EXPIRED = "waivers:\n  - {code: STR001, path: '**', justification: j, approved_by: a, expires: 2001-01-01}\n"
CURRENT = "waivers:\n  - {code: STR001, path: '**', justification: j, approved_by: a, expires: 2999-01-01}\n"


def drop_user_conf(tree: Path) -> None:
    """Delete every user.conf, so that STR001 fires where the waiver points."""
    for p in tree.rglob("user.conf"):
        p.unlink()


CASES = [
    RuleCase("CHK002", True, waivers=EXPIRED, id="expired", message="expired on 2001-01-01"),
    RuleCase("CHK002", False, waivers=CURRENT, id="current"),
    RuleCase("CHK002", False, id="no-waivers"),
    RuleCase("CHK003", True, waivers=WAIVE_STR001, select=("STR001", "CHK003"), id="nothing-to-waive",
             message="matched no finding"),
    RuleCase("CHK003", False, mutate=drop_user_conf, waivers=WAIVE_STR001, select=("STR001", "CHK003"), id="used"),
    RuleCase("CHK003", False, waivers=WAIVE_STR001, select=("PERF", "CHK003"), id="rule-not-run"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


def test_chk_codes_are_declared_warnings() -> None:
    rules = load_rules()
    assert rules["CHK002"].severity.value == rules["CHK003"].severity.value == "warning"


def test_json_report_with_waivers_follows_the_contract(tmp_path: Path) -> None:
    import json

    import jsonschema

    from checker.reporters import render

    tree = make_tree(tmp_path / "tree")
    path = _write(tmp_path / "w.yaml", "waivers:\n  - {code: STR001, path: 'closed/**', justification: j, approved_by: a}\n"
                                       "  - {code: STR, path: '**', justification: old, approved_by: a, expires: 2001-01-01}\n")
    report = check(tree, RunConfig(round="v6.0", select=["STR001", "CHK"], jobs=1, waivers=load_waivers(path)))
    data = json.loads(render("json", report))
    jsonschema.validate(data, json.loads((Path(__file__).resolve().parents[1] / "schemas/report.schema.json").read_text()))
    assert {f["code"] for f in data["findings"] if not f["waived"]} == {"CHK002"}
    assert all(f["waiver"] == "j (approved by a)" for f in data["findings"] if f["waived"])
