"""What the rules need to know about endpoints-harness results (v6.1) beyond the LoadGen-style views.

The views themselves are built by :mod:`checker.parsers.endpoints` and served by
`ResultContext.perf_log` / `acc_log`. This module holds the endpoints-specific judgements that
shared rules call (the files a result must hold, the run's achieved duration) and the reading of
`accuracy_scores` against the round's accuracy targets.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from checker.context import ResultContext
from checker.model import Issue
from checker.parsers.endpoints import EndpointsLog, KeyPath
from checker.parsers.loadgen import DetailLog
from checker.rulebook import AccuracyTarget

NS_PER_MS = 1e6


def exempt_files(ctx: ResultContext) -> frozenset[str]:
    """Measurements files the result need not have (an endpoints result: `user.conf`)."""
    spec = ctx.rulebook.endpoints
    return frozenset(spec.not_required) if ctx.endpoints and spec is not None else frozenset()


def missing_files(ctx: ResultContext) -> Iterator[Issue]:
    """The harness files an endpoints result lacks: its configuration and its two runs' JSON files."""
    spec = ctx.rulebook.endpoints
    if spec is None:
        return
    root = ctx.unit.path
    if not any(os.path.lexists(root / name) for name in spec.config_files):
        names = " or ".join(spec.config_files)
        yield Issue(f"endpoints configuration {names} is missing", path=root / spec.config_files[0], expected=names,
                    actual="absent", hint="Copy the config.yaml the endpoints harness ran with into the result directory.")
    for name, what in ((spec.performance_file, "performance"), (spec.accuracy_file, "accuracy")):
        if not os.path.lexists(root / name):
            yield Issue(f"endpoints {what} results {name} are missing", path=root / name, expected=name, actual="absent",
                        hint=f"Copy the harness's {name.rsplit('/', 1)[-1]} of the {what} run into {name}.")


def _real(value: Any) -> float | None:
    """A finite number (booleans and text are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def duration_shortfall(log: DetailLog, minimum_ms: int) -> Iterator[Issue]:
    """The endpoints run's achieved duration (`duration_ns`) is below the round's minimum."""
    raw = log.get("generated_query_duration")
    found = _real(raw)
    if found is not None and found >= minimum_ms * NS_PER_MS:
        return
    shown = f"{found / 1e9:g} s" if found is not None else "not recorded"
    yield Issue(f"the endpoints run lasted {shown} (duration_ns), below the round's {minimum_ms / 1000:g} s",
                path=log.where("generated_query_duration"), line=log.line("generated_query_duration"),
                expected=f">= {minimum_ms * NS_PER_MS:.0f} ns", actual=raw if raw is not None else "absent",
                hint=f"Run the harness for at least {minimum_ms} ms (settings.runtime.min_duration_ms) to completion.")


@dataclass(frozen=True)
class Score:
    """One accuracy value read from `accuracy_results.json`, with where it is written."""

    value: float
    raw: Any
    keys: KeyPath


def _numeric(value: Any) -> float | None:
    """A score as a number: a JSON number or a numeric string."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return _real(value)


def _key_for(score: dict, names: Iterable[str]) -> Any:
    """The first key of `score` equal (case-insensitively) to one of `names` with a numeric value."""
    lowered = {str(k).lower(): k for k in score}
    for name in names:
        key = lowered.get(name.lower())
        if key is not None and _numeric(score[key]) is not None:
            return key
    return None


def read_scores(log: EndpointsLog, targets: list[AccuracyTarget], generic_keys: list[str]) -> dict[str, Score]:
    """Values of the target metrics in the accuracy entries of `accuracy_scores`.

    A dict score gives a metric under its own name or its last `_`-separated part (any case). When the
    run has a single accuracy entry and the targets a single lower-bound metric, a plain score (or a
    dict's generic key: `f1`, `score`, `accuracy`) is that metric's value. Anything else is unmatched.
    """
    metrics = list(dict.fromkeys(t.metric for t in targets))
    lows = list(dict.fromkeys(t.metric for t in targets if t.direction == "at_least"))
    scored = [(i, e["score"]) for i, e in log.scores if e.get("score") is not None]
    out: dict[str, Score] = {}
    for index, score in scored:
        if not isinstance(score, dict):
            continue
        for metric in metrics:
            key = None if metric in out else _key_for(score, (metric, metric.rsplit("_", 1)[-1]))
            if key is not None:
                out[metric] = Score(_numeric(score[key]), score[key], ("accuracy_scores", str(index), "score", str(key)))
    if len(scored) == 1 and len(lows) == 1 and lows[0] not in out:
        index, score = scored[0]
        where: KeyPath = ("accuracy_scores", str(index), "score")
        if isinstance(score, dict):
            key = _key_for(score, generic_keys)
            score, where = (score[key], where + (str(key),)) if key is not None else (None, where)
        value = _numeric(score)
        if value is not None:
            out[lows[0]] = Score(value, score, where)
    return out


def raw_scores(log: EndpointsLog) -> dict[str, Any]:
    """The first accuracy entry's score for reports: a plain score as `score`, a dict's plain values."""
    for _, entry in log.scores:
        score = entry.get("score")
        if isinstance(score, dict):
            return {str(k): v for k, v in score.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)}
        if isinstance(score, (int, float, str)) and not isinstance(score, bool):
            return {"score": score}
    return {}
