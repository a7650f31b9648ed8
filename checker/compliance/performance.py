"""TEST01, TEST04 and TEST05 performance comparisons (`verify_performance.py`), from two detail logs.

The score of a run is the LoadGen value the verification script reads for its scenario (samples per
second for Offline and Server, the early-stopping latency estimate in ns for SingleStream and
MultiStream). How the compliance run's score may differ from the submitted run's is the test's
policy, taken from the rulebook:

- ``both`` (TEST01): ``ref * (1 - t) <= test <= ref * (1 + t)``;
- ``not_faster`` (TEST04): the same-sample run may not be more than ``t`` faster, in throughput terms
  (latencies are converted to ``1e9 / latency``), strict as upstream: ``perf(test) < perf(ref) * (1 + t)``;
- ``not_slower`` (TEST05): the alternative-seed run may not be more than ``t`` slower, strict:
  throughput ``test > ref * (1 - t)``, latency ``test < ref * (1 + t)``.

``t`` is the relaxed tolerance for fast latency-bound systems: ``relax_on = reference_latency`` relaxes
when the reference latency is at most the round's bound for the scenario; ``converted_score``
reproduces TEST04's quirk of testing the bound against ``1e9 / latency``, which relaxes almost every
SingleStream and MultiStream run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from checker.model import LATENCY_SCENARIOS
from checker.rulebook import ScorePolicy


class LogValues(Protocol):
    """What is read from a detail log: values by key (a DetailLog or a plain dict)."""

    def get(self, key: str, default: Any = None) -> Any:
        """The value of `key`, or `default`."""


@dataclass(slots=True)
class Comparison:
    """The recomputed verdict: scores, the window the test score had to fall in, and why it failed."""

    scenario: str | None = None
    key: str | None = None
    reference: float | None = None
    test: float | None = None
    tolerance: float | None = None
    low: float | None = None
    high: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when nothing failed."""
        return not self.problems

    @property
    def window(self) -> str:
        """The allowed range of the test score, for messages."""
        low = "-inf" if self.low is None else f"{self.low:.6g}"
        high = "+inf" if self.high is None else f"{self.high:.6g}"
        return f"[{low}, {high}]"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _tolerance(policy: ScorePolicy, scenario: str, reference: float, relaxed_ns: Mapping[str, int]) -> float:
    bound = relaxed_ns.get(scenario)
    if scenario not in LATENCY_SCENARIOS or bound is None or reference <= 0:
        return policy.tolerance
    measured = reference if policy.relax_on == "reference_latency" else 1e9 / reference
    return policy.relaxed_tolerance if measured <= bound else policy.tolerance


def _window(policy: ScorePolicy, latency: bool, ref: float, t: float) -> tuple[float | None, float | None, bool]:
    """(low, high, strict) bounds on the raw test score."""
    if policy.direction == "both":
        return ref * (1 - t), ref * (1 + t), False
    if policy.direction == "not_faster":
        return (ref / (1 + t), None, True) if latency else (None, ref * (1 + t), True)
    return (None, ref * (1 + t), True) if latency else (ref * (1 - t), None, True)


def _inside(value: float, low: float | None, high: float | None, strict: bool) -> bool:
    if strict:
        return (low is None or value > low) and (high is None or value < high)
    return (low is None or value >= low) and (high is None or value <= high)


def compare_runs(reference: LogValues, test: LogValues, policy: ScorePolicy, score_field: Mapping[str, str],
                 relaxed_latency_ns: Mapping[str, int]) -> Comparison:
    """Recompute a compliance performance check from the submitted run's and the test run's detail logs."""
    scenario = reference.get("effective_scenario")
    out = Comparison(scenario=scenario if isinstance(scenario, str) else None)  # an edited log may hold anything
    test_scenario = test.get("effective_scenario")
    if out.scenario != test_scenario:
        out.problems.append(f"the scenarios differ (submitted run {out.scenario}, test run {test_scenario})")
    for name, log in (("submitted", reference), ("test", test)):
        validity = log.get("result_validity")
        if validity != "VALID":
            out.problems.append(f"the {name} run's result_validity is {validity}")
    if out.scenario == "Server":
        ref_target, test_target = reference.get("effective_target_latency_ns"), test.get("effective_target_latency_ns")
        if ref_target != test_target:
            out.problems.append(f"the Server target latencies differ ({ref_target} ns vs {test_target} ns)")
    out.key = score_field.get(out.scenario or "")
    if out.key is None:
        out.problems.append(f"no score is defined for scenario {out.scenario}")
        return out
    out.reference, out.test = _number(reference.get(out.key)), _number(test.get(out.key))
    if out.reference is None or out.test is None or out.reference <= 0:
        out.problems.append(f"{out.key} is missing or not a positive number "
                            f"(submitted run {reference.get(out.key)}, test run {test.get(out.key)})")
        return out
    latency = out.scenario in LATENCY_SCENARIOS
    out.tolerance = _tolerance(policy, out.scenario, out.reference, relaxed_latency_ns)
    out.low, out.high, strict = _window(policy, latency, out.reference, out.tolerance)
    if not _inside(out.test, out.low, out.high, strict):
        out.problems.append(f"test score {out.test:.6g} is outside {out.window} "
                            f"(reference {out.reference:.6g}, tolerance {out.tolerance:.0%}, {policy.direction})")
    return out
