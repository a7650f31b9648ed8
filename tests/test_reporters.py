"""Reporters: SARIF (schema-valid), JUnit (parsed back), GitHub commands (escaping, step summary),
markdown, XLSX, the short-run banner, the rule reference page, and every format from one run."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checker.docs import DOCS_FILE, render_rules_markdown
from checker.model import Finding
from checker.report import Report, ResultRecord
from checker.reporters import load_reporters, render
from checker.reporters.github import escape_data, escape_property
from checker.reporters.markdown import step_summary
from checker.reporters.sarif import fingerprint
from checker.reporters.xlsx import MissingDependency, sheets, write_xlsx
from tests.minitree import make_tree, run_cli

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SARIF_SCHEMA = SHARED / "external" / "sarif-schema-2.1.0.json"
CLOSED = "closed/Org/results/sys 1/resnet/Offline"
OPEN = "open/Lab/results/box/llama2-70b-99/Server"
SYSTEM = {"system_type": "datacenter,edge", "status": "available", "system_name": "Sys One"}


def make_report(profile: str | None = None, root: str = "/nonexistent/root") -> Report:
    """A fixed report: an invalid closed result, a valid open one, a system warning, a stray file, a waived error."""
    closed = ResultRecord("closed", "Org", "sys 1", "resnet", "Offline", CLOSED, valid=False,
                          metric={"value": 1234.5, "unit": "Samples/s"}, accuracy={"acc": "76.1"}, findings=["PERF003", "SYS003"],
                          extra={"system": SYSTEM, "has_power": False})
    open_ = ResultRecord("open", "Lab", "box", "llama2-70b-99", "Server", OPEN, valid=True,
                         metric={"value": 55.0, "unit": "Tokens/s"}, accuracy={"ROUGE1": "44.1"},
                         extra={"system": {"system_type": "edge"}, "labels": {"model": "llama-pruned", "retraining": "no",
                                                                               "transformations": ["pruning"]}})
    findings = [
        Finding("STR003", "stray-root-entry", "warning", "stray file junk, 100% unexpected", "Delete it.", "junk.txt"),
        Finding("PERF003", "min-duration", "error", "run lasted 100000 ms, below the round's 600000 ms",
                "Set min_duration to 600000.", f"{CLOSED}/performance/run_1/mlperf_log_detail.txt", line=57,
                result=CLOSED, expected="600000", actual="100000", unit="closed/Org/systems/sys 1"),
        Finding("SYS003", "missing-system-field", "error", "field a|b missing:\nsee the template", "Add it.",
                "closed/Org/systems/sys 1.json", unit="closed/Org/systems/sys 1"),
        Finding("STR001", "missing-required-file", "error", "measurements file README.md is missing", "Copy it.",
                f"{OPEN}/README.md", result=OPEN, unit="open/Lab/systems/box", waived=True,
                waiver="known gap (approved by review committee, until 2026-12-31)"),
    ]
    return Report(round="v6.0", tool_version="0.1.0", results=[closed, open_], findings=findings, profile=profile,
                  root=root, rules=["PERF003", "STR001", "STR003", "SYS003"])


def test_every_format_is_registered() -> None:
    assert {"text", "json", "csv", "sarif", "junit", "github", "markdown"} <= set(load_reporters())


# --- short-run profile: the first line of every human format -----------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_short_run_profile_is_the_first_line(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    first = render(fmt, make_report(profile="short-run")).splitlines()[0]
    assert "short-run" in first and "warnings" in first
    assert "short-run" not in render(fmt, make_report()).splitlines()[0]


# --- SARIF ---------------------------------------------------------------------------------------------------

def _sarif(report: Report) -> dict:
    return json.loads(render("sarif", report))


def test_sarif_validates_against_the_2_1_0_schema() -> None:
    if not SARIF_SCHEMA.is_file():
        pytest.skip("../shared/external/sarif-schema-2.1.0.json is not present")
    import jsonschema

    jsonschema.validate(_sarif(make_report(profile="short-run")), json.loads(SARIF_SCHEMA.read_text()))


def test_sarif_rules_results_locations_and_suppressions() -> None:
    run = _sarif(make_report())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["PERF003", "STR001", "STR003", "SYS003"]
    perf = rules[0]
    assert perf["shortDescription"]["text"].endswith(".") and "Checks:" in perf["fullDescription"]["text"]
    assert perf["defaultConfiguration"]["level"] == "error"
    by_rule = {r["ruleId"]: r for r in run["results"]}
    loc = by_rule["PERF003"]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"] == {
        "uri": "closed/Org/results/sys%201/resnet/Offline/performance/run_1/mlperf_log_detail.txt", "uriBaseId": "SRCROOT"}
    assert loc["physicalLocation"]["region"] == {"startLine": 57}
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == CLOSED
    assert by_rule["PERF003"]["level"] == "error" and by_rule["STR003"]["level"] == "warning"
    assert rules[by_rule["SYS003"]["ruleIndex"]]["id"] == "SYS003"
    assert by_rule["STR001"]["suppressions"] == [{"kind": "external", "justification":
                                                  "known gap (approved by review committee, until 2026-12-31)"}]
    assert "suppressions" not in by_rule["PERF003"]


def test_sarif_fingerprints_are_stable_and_distinct() -> None:
    first = [r["partialFingerprints"] for r in _sarif(make_report())["runs"][0]["results"]]
    assert first == [r["partialFingerprints"] for r in _sarif(make_report())["runs"][0]["results"]]
    assert len({json.dumps(f) for f in first}) == len(first)
    f = make_report().findings[1]
    other = Finding(**{**{k: getattr(f, k) for k in f.__slots__}, "message": f.message + "!"})
    assert fingerprint(f) != fingerprint(other)


# --- JUnit ---------------------------------------------------------------------------------------------------

def test_junit_one_case_per_rule_and_result_with_failures() -> None:
    root = ET.fromstring(render("junit", make_report()))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"submission", CLOSED, OPEN}
    # STR003 is a submission-scope rule; the other three run on every result
    for path in (CLOSED, OPEN):
        assert [c.get("name").split()[0] for c in suites[path].findall("testcase")] == ["PERF003", "STR001", "SYS003"]
    closed = {c.get("name").split()[0]: c for c in suites[CLOSED].findall("testcase")}
    assert closed["PERF003"].find("failure").get("type") == "PERF003"
    assert "mlperf_log_detail.txt:57" in closed["PERF003"].find("failure").text
    assert closed["SYS003"].find("failure") is not None         # a system error concerns the system's results
    assert closed["STR001"].find("failure") is None
    opened = {c.get("name").split()[0]: c for c in suites[OPEN].findall("testcase")}
    assert opened["STR001"].find("failure") is None and "waived" in opened["STR001"].find("system-out").text
    submission = {c.get("name").split()[0]: c for c in suites["submission"].findall("testcase")}
    assert submission["STR003"].find("failure") is None and "junk.txt" in submission["STR003"].find("system-out").text
    assert root.get("tests") == "7" and root.get("failures") == "2"
    assert suites[CLOSED].find("properties/property[@name='verdict']").get("value") == "invalid"


# --- GitHub --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, data, prop", [
    ("100%", "100%25", "100%25"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
    ("%0A", "%250A", "%250A"),
    ("plain", "plain", "plain"),
])
def test_github_escaping(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data and escape_property(raw) == prop


def test_github_annotations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    lines = render("github", make_report()).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 3                                        # the waived finding is not annotated
    perf = next(line for line in commands if "PERF003" in line)
    assert perf.startswith("::error file=closed/Org/results/sys 1/resnet/Offline/performance/run_1/mlperf_log_detail.txt,"
                           "line=57,title=PERF003 min-duration::")
    assert "(expected 600000, found 100000)%0Ahint: Set min_duration to 600000." in perf
    sys3 = next(line for line in commands if "SYS003" in line)
    assert sys3.split("::", 2)[2].startswith("field a|b missing:%0Asee the template")
    assert next(line for line in commands if "STR003" in line).startswith("::warning file=junk.txt,title=STR003")
    assert "100%25 unexpected" in next(line for line in commands if "STR003" in line)
    assert lines[-1].startswith("mlperf-checker v6.0: 2 results, 1 valid, 1 invalid")


def test_github_paths_are_relative_to_the_workspace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    report = make_report(root=str(tmp_path / "sub" / "mission"))
    out = render("github", report)
    assert "file=sub/mission/junk.txt," in out
    report.prefix = "closed/Org"             # a submitter directory was checked
    report.root = str(tmp_path / "repo" / "Org")
    report.findings[2].path = "closed/Org/systems/s,1.json"
    assert "file=repo/Org/systems/s%2C1.json," in render("github", report)


def test_github_notes_when_annotations_will_be_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    report = make_report()
    report.findings = [Finding("PERF003", "min-duration", "error", f"m{i}", "h", f"f{i}", result=CLOSED)
                       for i in range(12)]
    out = render("github", report)
    assert "12 error annotations" in out and "first 10" in out


def test_github_step_summary_is_appended(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    render("github", make_report())
    text = target.read_text()
    assert text.startswith("earlier step\n# MLPerf Inference v6.0")
    assert "## Invalid results" in text and f"`{CLOSED}`" in text and "`PERF003` `SYS003`" in text
    assert "## First findings (3 of 3)" in text and "1 waived finding" in text


def test_step_summary_stays_within_githubs_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    report = make_report()
    report.findings = [Finding("PERF003", "min-duration", "error", "x" * 500, "h", f"f{i}", result=CLOSED)
                       for i in range(5000)]
    small = step_summary(report, budget=20_000, first=5000)
    assert len(small.encode()) <= 20_000 and "left out" in small
    target = tmp_path / "summary.md"
    target.write_bytes(b"x" * (1024 * 1024 - 30_000))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    render("github", report)
    assert target.stat().st_size <= 1024 * 1024


# --- markdown ------------------------------------------------------------------------------------------------

def test_markdown_report() -> None:
    text = render("markdown", make_report())
    assert text.startswith("# MLPerf Inference v6.0: checker report")
    assert "## closed / Org" in text and "## open / Lab" in text
    row = next(line for line in text.splitlines() if line.startswith("| sys 1 |"))
    assert "**INVALID**" in row and "1234.5 Samples/s" in row and "acc: 76.1" in row and "`PERF003`" in row
    assert "labels: model: llama-pruned; retraining: no; transformations: pruning" in text
    assert "field a\\|b missing: see the template" in text            # pipes escaped, one line
    waived = text.split("## Waived findings", 1)[1]
    assert "`STR001`" in waived and "approved by review committee" in waived
    assert "## Submission" in text and "junk.txt" in text.split("## closed / Org")[0]


# --- XLSX ----------------------------------------------------------------------------------------------------

def test_xlsx_sheets_per_division_and_category(tmp_path: Path) -> None:
    report = make_report()
    report.results[0].valid = True
    assert list(sheets(report)) == ["closed datacenter", "closed edge", "open edge"]
    counts = write_xlsx(report, tmp_path / "r.xlsx")
    assert counts == {"closed datacenter": 1, "closed edge": 1, "open edge": 1}
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    sheet = book["closed edge"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Organization", "Availability", "Division"]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=False))
    assert row["Organization"] == "Org" and row["Result"] == 1234.5 and row["Units"] == "Samples/s"


def test_xlsx_without_openpyxl_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(MissingDependency, match=r"mlperf-checker\[xlsx\]"):
        write_xlsx(make_report(), tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()


# --- rule reference ------------------------------------------------------------------------------------------

def test_docs_rules_md_is_current() -> None:
    assert DOCS_FILE.is_file() and DOCS_FILE.read_text(encoding="utf-8") == render_rules_markdown(), (
        "docs/rules.md is stale: run `python -m checker.docs`")


def test_rule_reference_lists_every_rule_with_its_sections() -> None:
    from checker.registry import load_rules

    text = render_rules_markdown()
    for code, rule in load_rules().items():
        assert f"### {code} {rule.name}" in text
    assert text.count("**Checks**") == len(load_rules())


# --- one run, every format (command line) -------------------------------------------------------------------

_cli = run_cli


def test_every_format_from_one_run(tmp_path: Path) -> None:
    """A real process, its standard error a pipe: every format from one run, and no progress bar."""
    tree = make_tree(tmp_path / "tree")
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "csv", "sarif", "junit", "github", "markdown")}
    args = [a for fmt, file in outputs.items() for a in ("--output", f"{fmt}={file}")]
    summary = tmp_path / "step-summary.md"
    proc = subprocess.run([sys.executable, "-m", "checker", "check", str(tree), "--round", "v6.0", "--select",
                           "STR001,SYS003", *args], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 1, proc.stderr
    report = json.loads(outputs["json"].read_text())
    assert report["summary"]["invalid"] == 3
    sarif = json.loads(outputs["sarif"].read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"STR001", "SYS003"}
    junit = ET.parse(outputs["junit"]).getroot()
    assert int(junit.get("tests")) >= 2 * 3 and int(junit.get("failures")) >= 3
    assert "::error file=" in outputs["github"].read_text()
    assert "## closed / Org" in outputs["markdown"].read_text()
    assert summary.read_text().startswith("# MLPerf Inference v6.0")
    assert proc.stdout.rstrip().splitlines()[-1].startswith("3 results: 0 valid, 3 invalid")
    assert "\r" not in proc.stderr                 # no progress bar when standard error is a pipe


def test_report_command_writes_the_spreadsheet(samples: Path, tmp_path: Path) -> None:
    proc = _cli("report", str(samples / "closed-v6.0"), "--xlsx", str(tmp_path / "r.xlsx"), "--select", "STR001")
    assert proc.returncode == 0, proc.stderr
    assert "rows in" in proc.stderr and not proc.stdout
    import openpyxl

    names = openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames
    assert names and all(n.split()[0] == "closed" for n in names)


def test_rules_markdown_prints_the_reference() -> None:
    assert _cli("rules", "--markdown").stdout == render_rules_markdown()


def test_short_run_profile_end_to_end(samples: Path, tmp_path: Path) -> None:
    """A too-short run fails normally; under --profile short-run it is a warning and the report says so first."""
    import shutil

    from tests.treeedit import set_log_value

    tree = tmp_path / "tree"
    shutil.copytree(samples / "closed-v6.0", tree)
    set_log_value(tree / "closed/Acme/results/acme_e1_edge/resnet50/Offline/performance/run_1/mlperf_log_detail.txt",
                  "effective_min_duration_ms", 60000)
    strict = _cli("check", str(tree), "--select", "PERF003", "--format", "json")
    assert strict.returncode == 1 and {f["severity"] for f in json.loads(strict.stdout)["findings"]} == {"error"}
    relaxed = _cli("check", str(tree), "--select", "PERF003", "--profile", "short-run", "--output",
                   f"json={tmp_path / 'r.json'}")
    assert relaxed.returncode == 0, relaxed.stdout
    assert relaxed.stdout.startswith("profile short-run:")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["profile"] == "short-run" and {f["severity"] for f in data["findings"]} == {"warning"}


def test_indented_json_is_the_standard_librarys_layout_and_always_valid_json() -> None:
    from checker.reporters.jsontext import indented

    data = {"a": [1, 2.5, "é\n"], "b": {"c": None, "d": True}, "e": [], "f": {}, "3": "key"}
    assert indented(data) == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert json.loads(indented({"small": 1e-05, "large": 1e300})) == {"small": 1e-05, "large": 1e300}
    assert json.loads(indented({"x": float("nan"), "y": float("inf")})) == {"x": None, "y": None}
    assert json.loads(indented({"big": 2**70})) == {"big": 2**70}  # beyond orjson: the standard library
