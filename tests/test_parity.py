"""Verdict parity with the official checker on the real published rounds in ../shared/real.

Every disagreement must be listed in docs/parity.md (with the rule and the evidence that decide
it); an unlisted disagreement fails, and so does a listed one that no longer happens.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from checker.engine import RunConfig, check
from checker.reporters import render

ROOT = Path(__file__).resolve().parents[1]
PARITY_DOC = ROOT / "docs" / "parity.md"
#: real-data folder -> round it is checked as
ROUNDS = {"v4.1": "v4.1", "v5.1": "v5.1", "v6.0": "v6.0", "v5.0-test-runs": "v5.0"}
KEY = ("division", "submitter", "system", "benchmark", "scenario")


def _table(heading: str) -> list[list[str]]:
    """Rows of the first markdown table after `heading` in docs/parity.md (cells stripped, backticks removed)."""
    text = PARITY_DOC.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    rows = []
    for line in section.splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not set(line) <= set("|-: "):
            rows.append([c.strip().strip("`") for c in line.strip().strip("|").split("|")])
    return rows[1:]  # drop the header row


def documented_verdicts() -> set[tuple[str, str, str, str]]:
    """(folder, result path, official, ours) of every documented verdict disagreement."""
    return {(r[0], r[1], r[2], r[3]) for r in _table("## Verdict disagreements")}


def documented_cells() -> set[tuple[str, str, str, str, str]]:
    """(folder, result path, column, official, ours) of every documented CSV cell difference."""
    return {(r[0], r[1], r[2], r[3], r[4]) for r in _table("## CSV cells where the official checker is wrong")}


@pytest.fixture(scope="module")
def reports(real: Path) -> dict:
    out = {}
    for folder, round_ in ROUNDS.items():
        if (real / folder).is_dir():
            out[folder] = check(real / folder, RunConfig(round=round_, jobs=2))
    return out


def _official(real: Path, folder: str) -> dict[tuple, dict]:
    with open(real / folder / "official_verdicts.csv", newline="", encoding="utf-8") as fh:
        return {tuple(row[k] for k in KEY): row for row in csv.DictReader(fh)}


def _word(valid: bool) -> str:
    return "valid" if valid else "invalid"


@pytest.mark.parametrize("folder", list(ROUNDS))
def test_verdicts_agree_or_are_documented(folder: str, reports: dict, real: Path) -> None:
    if folder not in reports:
        pytest.skip(f"{folder} not present")
    official = _official(real, folder)
    report = reports[folder]
    ours = {(r.division, r.submitter, r.system, r.benchmark, r.scenario): r for r in report.results}
    assert set(ours) == set(official), "every official result is discovered, and nothing else"
    found = {(folder, r.path, _word(official[k]["official_valid"] == "1"), _word(r.valid))
             for k, r in ours.items() if (official[k]["official_valid"] == "1") != r.valid}
    expected = {d for d in documented_verdicts() if d[0] == folder}
    assert found - expected == set(), "undocumented disagreements (fix them or document them in docs/parity.md)"
    assert expected - found == set(), "documented disagreements that no longer happen (remove them from docs/parity.md)"


@pytest.mark.parametrize("folder", list(ROUNDS))
def test_metric_and_unit_of_valid_results(folder: str, reports: dict, real: Path) -> None:
    if folder not in reports:
        pytest.skip(f"{folder} not present")
    official = _official(real, folder)
    cells = documented_cells()
    for r in reports[folder].results:
        row = official[(r.division, r.submitter, r.system, r.benchmark, r.scenario)]
        if not (r.valid and row["official_valid"] == "1"):
            continue
        assert r.metric and r.metric["value"] is not None, r.path
        assert float(f"{r.metric['value']:.6g}") == float(f"{float(row['metric_value']):.6g}"), r.path
        if r.metric["unit"] != row["units"]:
            assert (folder, r.path, "Units", row["units"], r.metric["unit"]) in cells, r.path


def _normalise(text: str) -> dict[tuple[str, bool], dict[str, str]]:
    rows = {}
    for row in csv.DictReader(io.StringIO(text)):
        location = re.sub(r"/performance/run_1$", "", row["Location"])
        rows[(location, row["Units"] in ("Watts", "millijoules"))] = row
    return rows


@pytest.mark.parametrize("folder", ["v4.1", "v5.1", "v6.0"])
def test_csv_reproduces_the_official_summary(folder: str, reports: dict, real: Path) -> None:
    if folder not in reports or not (real / folder / "official_summary.csv").is_file():
        pytest.skip(f"{folder} not present")
    official = _normalise((real / folder / "official_summary.csv").read_text(encoding="utf-8"))
    ours = _normalise(render("csv", reports[folder]))
    both = set(official) & set(ours)
    assert both, "no common rows"
    assert list(csv.reader(io.StringIO(render("csv", reports[folder]))))[0] == \
        list(csv.reader(io.StringIO((real / folder / "official_summary.csv").read_text())))[0]
    cells = documented_cells()
    found = set()
    for key in sorted(both):
        for column, value in official[key].items():
            if ours[key][column] != value:
                found.add((folder, key[0], column, value, ours[key][column]))
    expected = {c for c in cells if c[0] == folder}
    assert found - expected == set(), "undocumented CSV differences"
    assert expected - found == set(), "documented CSV differences that no longer happen"
    only_ours = {k for k in set(ours) - set(official)}
    assert not only_ours, f"rows we write that the official checker does not: {sorted(only_ours)}"
