"""The engine: parallel and serial runs agree, a raising rule becomes CHK001, parse problems are attributed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker import checking
from checker.engine import RunConfig, check
from checker.model import Scope, Severity
from checker.registry import REGISTRY, Rule, load_rules, select
from checker.reporters import render


def _json(report) -> dict:
    return json.loads(render("json", report))


def test_parallel_equals_serial(samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = _json(check(samples / "closed-v6.0", RunConfig(jobs=1)))
    monkeypatch.setattr(checking, "PARALLEL_THRESHOLD", 0)
    parallel = _json(check(samples / "closed-v6.0", RunConfig(jobs=2)))
    assert serial == parallel
    assert serial["results"] == sorted(serial["results"], key=lambda r: r["path"])


def test_raising_rule_becomes_chk001_and_the_run_goes_on(samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_rules()

    def explode(ctx):
        """Boom."""
        raise ZeroDivisionError("on purpose")

    monkeypatch.setitem(REGISTRY, "STR999", Rule("STR999", "explodes", Severity.ERROR, Scope.RESULT, "Boom.", explode))
    report = check(samples / "closed-v6.0", RunConfig(jobs=1, select=["STR"]))
    chk = [f for f in report.findings if f.code == "CHK001"]
    assert len(chk) == len(report.results) > 0
    assert "STR999" in chk[0].message and "ZeroDivisionError" in chk[0].message


def test_parse_problems_are_attributed_to_the_owning_result(samples: Path, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    shutil.copytree(samples / "closed-v5.1", tree)
    report = check(tree, RunConfig(jobs=1))
    target = report.results[0]
    result_dir = tree / target.path
    (result_dir / "performance" / "run_1" / "mlperf_log_detail.txt").write_text(":::MLLOG {broken\n")
    report = check(tree, RunConfig(jobs=1))
    log = [f for f in report.findings if f.code == "LOG001"]
    assert log and log[0].result == target.path and log[0].line == 1
    assert not next(r for r in report.results if r.path == target.path).valid


def test_select_and_ignore_by_prefix() -> None:
    rules = list(load_rules().values())
    assert {r.code for r in select(rules, ["LOG"])} == {"LOG001", "LOG002", "LOG003"}
    assert "LOG002" not in {r.code for r in select(rules, ["LOG"], ["LOG002"])}
    assert {r.code for r in select(rules, [], [])} == {r.code for r in rules}
