"""Table-driven rule tests: every rule has cases that must make it fire and cases that must not.

A test module declares `CASES = [RuleCase(...), ...]` and runs them with
`@pytest.mark.parametrize("case", CASES, ids=case_id)` + `run_case(case, samples)`.
`tests/test_meta.py` collects every module's CASES and requires, for every declared rule, at least
one firing and one silent case.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from checker.context import Options
from checker.engine import RunConfig, check
from checker.report import Report
from checker.waivers import load_waivers


@dataclass
class RuleCase:
    """One case: copy sample `base`, apply `mutate` to the copy, check, and expect `code` to fire or not."""

    code: str
    fires: bool
    mutate: Callable[[Path], None] | None = None
    base: str = "closed-v6.0"
    id: str = ""
    round: str | None = None
    message: str | None = None
    select: tuple[str, ...] = ()
    options: Options | None = None
    waivers: str | None = None  # text of a waivers file (YAML) to apply, written outside the tree


def case_id(case: RuleCase) -> str:
    """pytest id: CODE-fires/silent-description."""
    return f"{case.code}-{'fires' if case.fires else 'silent'}-{case.id or (case.mutate.__name__ if case.mutate else 'base')}"


def run_on(tree: Path, round_: str | None = None, select: tuple[str, ...] = (), options: Options | None = None,
           waivers: Path | None = None) -> Report:
    """Check `tree` in-process (with the waivers file `waivers`, if any) and return the report."""
    return check(tree, RunConfig(round=round_, select=list(select), jobs=1, options=options or Options(),
                                 waivers=load_waivers(waivers) if waivers else None))


def run_case(case: RuleCase, samples: Path, tmp_path: Path) -> Report:
    """Run one case and assert its expectation; returns the report for further asserts."""
    tree = tmp_path / case.base
    shutil.copytree(samples / case.base, tree, symlinks=True)
    if case.mutate is not None:
        case.mutate(tree)
    waivers = None
    if case.waivers is not None:
        waivers = tmp_path / "waivers.yaml"
        waivers.write_text(case.waivers, encoding="utf-8")
    report = run_on(tree, case.round, case.select or (case.code,), case.options, waivers)
    hits = [f for f in report.findings if f.code == case.code]
    if case.fires:
        assert hits, f"{case.code} did not fire; findings: {[(f.code, f.message) for f in report.findings]}"
        if case.message:
            assert any(case.message in f.message for f in hits), [f.message for f in hits]
        for f in hits:
            assert f.message and f.hint, f"{case.code} finding lacks message or hint"
    else:
        assert not hits, f"{case.code} fired unexpectedly: {[(f.path, f.message) for f in hits]}"
    return report
