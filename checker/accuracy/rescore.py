"""Stream one accuracy log through its benchmark's metric function and compare with accuracy.txt."""

from __future__ import annotations

from pathlib import Path

from checker.accuracy.reference import ReferenceData
from checker.accuracy.registry import MetricSpec, Outcome, ReferenceDataError, Value
from checker.accuracy.stream import Census
from checker.parsers.accuracy_log import iter_entries


def _missing(spec: MetricSpec, reference: ReferenceData) -> str:
    """Why the spec's reference resources are not all there ('' when they are)."""
    missing = [name for name in spec.needs if reference.find(name) is None]
    if not missing:
        return ""
    if reference.root is None:
        return "no --reference-data folder was given"
    return "reference data not found: " + "; ".join(reference.describe(name) for name in missing)


def rescore_log(spec: MetricSpec | None, log: Path, reference: ReferenceData, size: int | None) -> Outcome:
    """Re-score `log` with `spec` (only count its entries when `spec` is None or its reference data
    is missing); what cannot be computed is listed in `skipped` with the reason."""
    census = Census(iter_entries(log), size)
    why = _missing(spec, reference) if spec else ""
    outcome = Outcome()
    if spec is not None and why:
        outcome.skipped = {m: why for m in spec.metrics}
    elif spec is not None:
        try:
            outcome = spec.compute(iter(census), {n: reference.find(n) for n in spec.needs}, size)  # type: ignore[misc]
        except ReferenceDataError as exc:
            outcome = Outcome(skipped={m: f"reference data unusable: {exc}" for m in spec.metrics})
    for _ in census:  # count what the metric function did not read
        pass
    if census.entries == 0 and spec is not None:
        outcome = Outcome(skipped={m: "the log holds no entry" for m in spec.metrics})
    outcome.entries, outcome.unique, outcome.out_of_range = census.entries, census.unique, census.out_of_range
    return outcome


def printed_slack(text: str) -> float:
    """Half a unit of the last digit printed in `text` (`76.064` -> 0.0005)."""
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    return 0.5 * 10.0 ** -decimals


def agrees(reported: str, value: Value, tolerance: float) -> bool:
    """True when the recomputed value matches the printed one within printing precision and `tolerance`."""
    try:
        return abs(float(reported) - value.value) <= printed_slack(reported) + tolerance
    except ValueError:
        return False

