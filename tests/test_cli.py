"""The command line: exit codes, one-line usage errors, rules/explain/version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def _one_line_usage_error(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mlperf-checker: error:"), proc.stderr


@pytest.mark.parametrize("args", [
    ("check", "/no/such/path"),
    ("check", "pyproject.toml"),
    ("check", "tests", "--round", "v9.9"),
    ("check", "tests", "--format", "yaml"),
    ("check", "tests", "--jobs", "-3"),
    ("check", "tests", "--select", "NOPE"),
    ("check", "tests", "--output", "nonsense"),
    ("explain", "ZZZ999"),
    ("rules", "--round", "v0.1"),
    ("frobnicate",),
])
def test_usage_errors_are_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    _one_line_usage_error(run(*args))


def test_empty_directory_is_a_usage_error(tmp_path: Path) -> None:
    _one_line_usage_error(run("check", str(tmp_path)))


def test_version_and_rules_listing() -> None:
    assert run("--version").stdout.startswith("mlperf-checker, version")
    listing = run("rules")
    assert listing.returncode == 0 and "v4.1" in listing.stdout and "v6.0" in listing.stdout
    codes = run("rules", "--codes")
    assert "STR001\tmissing-required-file\terror" in codes.stdout


def test_rules_round_prints_resolved_yaml() -> None:
    import yaml

    proc = run("rules", "--round", "v6.0")
    data = yaml.safe_load(proc.stdout)
    assert data["round"] == "v6.0" and "extends" in data and data["benchmarks"]


def test_explain_prints_the_doc_sections() -> None:
    out = run("explain", "str001").stdout
    assert out.startswith("STR001 missing-required-file (error")
    for section in ("Checks:", "Why:", "Fix:", "Rules:"):
        assert section in out


def test_check_sample_json_validates_and_exits_0(samples: Path) -> None:
    proc = run("check", str(samples / "closed-v6.0"), "--format", "json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    report = json.loads(proc.stdout)
    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert report["summary"]["results"] > 0 and report["summary"]["invalid"] == 0
    assert "detected" in proc.stderr


def test_output_writes_several_formats(samples: Path, tmp_path: Path) -> None:
    proc = run("check", str(samples / "closed-v5.1"), "--format", "text", "--output", f"json={tmp_path / 'r.json'}",
               "--output", f"csv={tmp_path / 'r.csv'}")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert json.loads((tmp_path / "r.json").read_text())["round"] == "v5.1"
    assert (tmp_path / "r.csv").read_text().startswith("Organization,Availability,Division")
    assert proc.stdout.rstrip().splitlines()[-1].startswith(tuple("0123456789"))
