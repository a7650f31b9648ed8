"""The reported metric of every result the official checker judged valid, on real published trees.

For each row of `real/<round>/official_verdicts.csv` with official_valid == 1, our value equals the
official one to 6 significant digits (in fact ``str(value)`` equals the official ``Result`` text),
our unit is the correct one and ``official_unit`` reproduces the official label. The trees are read
in place, never written.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from checker.context import FileCache, Options, ResultContext
from checker.discovery import discover
from checker.metric import Metric, result_metric
from checker.rulebook import load_rulebook

ROUNDS = ("v4.1", "v5.1", "v6.0")   # v5.0-test-runs: every result is officially invalid

#: Official labels that are wrong for the figure reported (spec 7.4), keyed by (round, MLPerf model,
#: scenario): the v4.1 tag labels LLM token rates by scenario; whisper's Offline metric is tokens/s.
WRONG_OFFICIAL_LABELS = {
    **{("v4.1", model, scenario): "Tokens/s"
       for model in ("llama2-70b-99", "llama2-70b-99.9", "mixtral-8x7b") for scenario in ("Offline", "Server")},
    ("v5.1", "whisper", "Offline"): "Tokens/s",
}


def _metrics(root: Path, round_: str) -> dict[tuple[str, ...], tuple[Metric | None, str | None, str | None]]:
    """(metric, MLPerf model, canonical scenario) of every result of the tree, keyed like the CSV rows."""
    rulebook = load_rulebook(round_)
    submission = discover(root)
    cache = FileCache()
    out = {}
    for unit in submission.results:
        ctx = ResultContext(submission=submission, rulebook=rulebook, options=Options(), cache=cache, unit=unit)
        key = (unit.division, unit.submitter, unit.system, unit.benchmark, unit.scenario)
        out[key] = (result_metric(ctx), ctx.benchmark_name, ctx.scenario)
    return out


def _six(value: float) -> float:
    return float(f"{value:.6g}")


@pytest.mark.parametrize("round_", ROUNDS)
def test_metric_of_every_officially_valid_result(real: Path, round_: str) -> None:
    root = real / round_
    metrics = _metrics(root, round_)
    with open(root / "official_verdicts.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["official_valid"] == "1"]
    assert rows
    problems = []
    for row in rows:
        key = (row["division"], row["submitter"], row["system"], row["benchmark"], row["scenario"])
        metric, model, scenario = metrics[key]
        where = "/".join(key)
        if metric is None or metric.value is None:
            problems.append(f"{where}: no metric ({metric.problem if metric else 'no log'})")
            continue
        official = float(row["metric_value"])
        if _six(metric.value) != _six(official) or str(float(metric.value)) != row["metric_value"]:
            problems.append(f"{where}: value {metric.value!r} != official {row['metric_value']}")
        correct = WRONG_OFFICIAL_LABELS.get((round_, model, scenario), row["units"])
        if metric.unit != correct:
            problems.append(f"{where}: unit {metric.unit} != correct {correct}")
        if metric.official_unit != row["units"]:
            problems.append(f"{where}: official unit {metric.official_unit} != {row['units']}")
        # None of these results is inferred: every log's scenario is its directory's run scenario
        # (the official v6.0 `inferred` column flags lower-case and Interactive directories, spec 7.4).
        if metric.inferred:
            problems.append(f"{where}: marked inferred")
    assert not problems, "\n".join(problems)
