"""Cross-check of a LoadGen summary log against the detail log of the same run.

LoadGen writes `mlperf_log_summary.txt` and `mlperf_log_detail.txt` from the same run, so their
verdict, scenario, seeds and headline figures agree; the summary prints rates with two decimals.
The label-to-key table below describes LoadGen's summary format (not a round constant).
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterator

from checker.parsers.loadgen import DetailLog
from checker.parsers.summary import SummaryLog

#: Summary text fields and the detail keys they print.
TEXT_FIELDS = {"Result is": "result_validity", "Scenario": "effective_scenario", "Mode": "effective_test_mode"}
#: LoadGen's three random seeds (`<name>` in the summary's `Test Parameters Used`, `effective_<name>` in the
#: detail log), and the detail keys of the summary's seed lines.
SEED_KEYS = ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed")
SEED_FIELDS = {name: f"effective_{name}" for name in SEED_KEYS}
#: Summary rate lines and the detail keys they print.
RATE_FIELDS = {
    "Samples per second": "result_samples_per_second",
    "Tokens per second": "result_tokens_per_second",
    "Completed samples per second": "result_completed_samples_per_sec",
    "Completed tokens per second": "result_completed_tokens_per_second",
    "Scheduled samples per second": "result_scheduled_samples_per_sec",
}
PERCENTILE_LATENCY = re.compile(r"^(\d+(?:\.\d+)?)th percentile latency \(ns\)$")
ESTIMATE = re.compile(r"^\* Early stopping (\d+(?:\.\d+)?)th percentile estimate$")
#: Rates are printed with two decimals; the detail log prints doubles to about 6 significant digits.
ABS_TOLERANCE = 0.006
REL_TOLERANCE = 1e-5


def figure_key(label: str, scenario: str | None) -> str | None:
    """The detail key a numeric summary line prints, or None for lines not cross-checked."""
    if label in RATE_FIELDS:
        return RATE_FIELDS[label]
    match = PERCENTILE_LATENCY.match(label)
    if match:
        p = f"{float(match.group(1)):.2f}"
        middle = "per_query_latency" if scenario == "MultiStream" else "latency"
        return f"result_{p}_percentile_{middle}_ns"
    match = ESTIMATE.match(label)
    if match:
        # The 99th-percentile estimate is early_stopping_latency_ms (MultiStream's metric, and the
        # SingleStream figure MultiStream is inferred from); the target percentile's is _ss.
        return "early_stopping_latency_ms" if float(match.group(1)) == 99.0 else "early_stopping_latency_ss"
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text.split()[0])
    except (ValueError, IndexError):
        return None
    return value if math.isfinite(value) else None


def _close(shown: float, logged: float) -> bool:
    return abs(shown - logged) <= max(ABS_TOLERANCE, REL_TOLERANCE * max(abs(shown), abs(logged)))


def summary_disagreements(summary: SummaryLog, log: DetailLog) -> Iterator[tuple[str, str, Any, str]]:
    """Every field on which the summary and the detail log disagree, as (summary label, summary
    text, detail value, detail key). Fields missing from either log are not compared."""
    for label, key in TEXT_FIELDS.items():
        shown = summary.get(label)
        if shown is not None and key in log and shown != str(log.get(key)):
            yield label, shown, log.get(key), key
    for label, key in SEED_FIELDS.items():
        shown = summary.get(label)
        logged = log.get(key)
        if shown is not None and key in log and shown.split()[:1] != [str(logged)]:
            yield label, shown, logged, key
    for label, shown in summary.values.items():
        key = figure_key(label, log.scenario)
        if key is None or key not in log:
            continue
        logged, value = log.get(key), _number(shown)
        if isinstance(logged, bool) or not isinstance(logged, (int, float)) or value is None \
                or not _close(value, float(logged)):
            yield label, shown, logged, key
