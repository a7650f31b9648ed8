"""Discovery: both layouts, lower-case scenarios, division and submitter roots, bad roots."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.discovery import NotASubmission, discover


def _touch(root: Path, *rels: str) -> None:
    for rel in rels:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")


def _v5_tree(root: Path) -> None:
    _touch(root, "closed/Acme/systems/sys1.json",
           "closed/Acme/results/sys1/resnet/Offline/performance/run_1/mlperf_log_detail.txt",
           "closed/Acme/results/sys1/resnet/offline/accuracy/accuracy.txt",
           "closed/Acme/results/sys1/resnet/not-a-scenario/x.txt",
           "closed/Acme/measurements/sys1/resnet/Offline/user.conf",
           "closed/Acme/compliance/sys1/resnet/Offline/TEST01/verify_accuracy.txt",
           "closed/Acme/code/resnet/README.md", "README.md")


def test_v5_layout_units(tmp_path: Path) -> None:
    _v5_tree(tmp_path)
    sub = discover(tmp_path)
    [acme] = sub.submitters
    assert acme.layout == "v5" and acme.division == "closed"
    assert [r.scenario for r in sub.results] == ["Offline", "offline"]
    r = sub.results[0]
    assert r.rel == "closed/Acme/results/sys1/resnet/Offline"
    assert r.measurements_dir == (tmp_path / "closed/Acme/measurements/sys1/resnet/Offline").resolve()
    assert r.compliance_test_dir("TEST01") == (tmp_path / "closed/Acme/compliance/sys1/resnet/Offline/TEST01").resolve()
    assert [s.name for s in acme.systems] == ["sys1"]
    assert [p.name for p in sub.stray] == ["README.md"]


def test_v6_layout_units(tmp_path: Path) -> None:
    _touch(tmp_path, "open/Acme/systems/s.json", "open/Acme/src/x/README.md",
           "open/Acme/results/s/llama3.1-8b/Interactive/measurements.json")
    [r] = discover(tmp_path).results
    assert r.layout == "v6" and r.division == "open"
    assert r.measurements_dir == r.path == r.compliance_dir


def test_division_and_submitter_roots_keep_full_report_paths(tmp_path: Path) -> None:
    _v5_tree(tmp_path)
    by_division = discover(tmp_path / "closed")
    by_submitter = discover(tmp_path / "closed" / "Acme")
    full = discover(tmp_path)
    assert [r.rel for r in by_division.results] == [r.rel for r in full.results]
    assert [r.rel for r in by_submitter.results] == [r.rel for r in full.results]
    assert by_submitter.rel(tmp_path / "closed/Acme/systems/sys1.json") == "closed/Acme/systems/sys1.json"


def test_symlinked_directories_are_not_walked(tmp_path: Path) -> None:
    _v5_tree(tmp_path)
    outside = tmp_path.parent / (tmp_path.name + "-outside")
    _touch(outside, "Offline/performance/run_1/mlperf_log_detail.txt")
    (tmp_path / "closed/Acme/results/sys1/resnet/Server").symlink_to(outside / "Offline")
    assert "Server" not in [r.scenario for r in discover(tmp_path).results]


@pytest.mark.parametrize("make", ["missing", "file", "empty", "junk"])
def test_bad_roots_are_usage_errors(tmp_path: Path, make: str) -> None:
    target = tmp_path / "x"
    if make == "file":
        target.write_text("hi")
    elif make == "empty":
        target.mkdir()
    elif make == "junk":
        _touch(target, "something/else.txt")
    with pytest.raises(NotASubmission):
        discover(target)


def test_round_scenario_aliases_are_results(tmp_path: Path) -> None:
    _touch(tmp_path, "closed/Acme/systems/s.json", "closed/Acme/results/s/llama3.1-8b/online/config.yaml")
    assert discover(tmp_path).results == []
    [r] = discover(tmp_path, {"online": "Server"}).results
    assert r.scenario == "online"
