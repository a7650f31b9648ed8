"""Cases for the core rules: missing files (STR001) and unreadable input (LOG001-LOG003)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rulecase import RuleCase, case_id, run_case


def _first(tree: Path, pattern: str) -> Path:
    """The first match that belongs to a main run (not to a compliance TESTxx folder)."""
    return sorted(p for p in tree.rglob(pattern) if not any(part.startswith("TEST") for part in p.parts))[0]


def drop_perf_detail(tree: Path) -> None:
    _first(tree, "performance/run_1/mlperf_log_detail.txt").unlink()


def drop_accuracy_dir(tree: Path) -> None:
    import shutil

    shutil.rmtree(_first(tree, "accuracy/accuracy.txt").parent)


def drop_user_conf(tree: Path) -> None:
    _first(tree, "user.conf").unlink()


def break_measurements(tree: Path) -> None:
    p = _first(tree, "measurements.json")
    p.write_text(p.read_text()[:-5])


def empty_measurements(tree: Path) -> None:
    _first(tree, "measurements.json").write_bytes(b"")


def binary_detail_log(tree: Path) -> None:
    _first(tree, "performance/run_1/mlperf_log_detail.txt").write_bytes(bytes(range(256)) * 4)


CASES = [
    RuleCase("STR001", True, drop_perf_detail, message="mlperf_log_detail.txt is missing"),
    RuleCase("STR001", True, drop_accuracy_dir, message="accuracy directory is missing"),
    RuleCase("STR001", True, drop_user_conf, base="closed-v5.1", message="user.conf"),
    RuleCase("STR001", False),
    RuleCase("STR001", False, base="closed-v5.1"),
    RuleCase("LOG001", True, break_measurements),
    RuleCase("LOG001", False),
    RuleCase("LOG002", True, empty_measurements),
    RuleCase("LOG002", False),
    RuleCase("LOG003", True, binary_detail_log),
    RuleCase("LOG003", False),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)
