"""Meta-tests: every rule is documented and has at least one firing and one silent test case."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

from checker.registry import DOC_SECTIONS, load_rules
from tests.rulecase import RuleCase

#: Rules that cannot be provoked by a submission: covered by dedicated tests instead.
NOT_SUBMISSION_RULES = {"CHK001": "tests/test_engine.py::test_raising_rule_becomes_chk001_and_the_run_goes_on"}


def _all_cases() -> list[RuleCase]:
    cases: list[RuleCase] = []
    here = Path(__file__).parent
    for info in pkgutil.iter_modules([str(here)]):
        if info.name.startswith("test_") and info.name != "test_meta":
            module = importlib.import_module(f"tests.{info.name}")
            cases.extend(getattr(module, "CASES", []))
    return cases


@pytest.mark.parametrize("code", sorted(load_rules()))
def test_rule_doc_has_every_section(code: str) -> None:
    rule = load_rules()[code]
    assert rule.summary and rule.summary.endswith("."), f"{code}: one-line summary ending with a period"
    for section in DOC_SECTIONS:
        assert rule.section(section), f"{code}: doc lacks a non-empty {section!r} section"
    assert rule.name == rule.name.lower() and " " not in rule.name


def test_every_rule_has_a_firing_and_a_silent_case() -> None:
    cases = _all_cases()
    fires = {c.code for c in cases if c.fires}
    silent = {c.code for c in cases if not c.fires}
    missing = [f"{code}: {'no firing case ' if code not in fires else ''}{'no silent case' if code not in silent else ''}"
               for code in sorted(load_rules()) if code not in NOT_SUBMISSION_RULES
               and (code not in fires or code not in silent)]
    assert not missing, "\n".join(missing)
