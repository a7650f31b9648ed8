"""What the accuracy rules of one result need, computed once per result and cached.

- `readings`: every value accuracy.txt gives for the round's target metrics (official patterns);
- `log_state`: the published `mlperf_log_accuracy.json` classified (empty, standard-truncated,
  non-standard truncation, untouched) with its size and sha256;
- `full_log`: the untruncated log to re-score (the published one when untouched, else one supplied
  under `--reference-data`), verified against the `hash=` line;
- `rescoring`: the benchmark's metric function run over that log;
- `spot_check`: a truncated resnet log's visible entries tested against the claimed accuracy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from checker.accuracy.reference import ReferenceData, imagenet_labels
from checker.accuracy.registry import MetricSpec, Outcome, ReferenceDataError, spec_for
from checker.accuracy.rescore import rescore_log
from checker.accuracy.spotcheck import SpotCheck
from checker.accuracy.spotcheck import spot_check as test_claim
from checker.context import ResultContext
from checker.parsers.accuracy_log import AccuracyLogInfo, Entry, entries_in
from checker.parsers.accuracy_txt import AccuracyText
from checker.parsers.common import Parsed, read_bytes

LOG_NAME = "mlperf_log_accuracy.json"
#: Published logs up to this size are read whole to look for a truncation marker in the wrong place.
MARKER_SCAN_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Reading:
    """One value of a metric in accuracy.txt: the printed text, its number (None if not a number), the line."""

    text: str
    value: float | None
    line: int


def accuracy_txt(ctx: ResultContext) -> AccuracyText | None:
    """The result's accuracy.txt, parsed once."""
    return ctx.accuracy_txt(ctx.under("accuracy", "accuracy.txt"))


def log_path(ctx: ResultContext) -> Path:
    """The result's published accuracy log."""
    return ctx.under("accuracy", LOG_NAME)


def target_metrics(ctx: ResultContext) -> list[str]:
    """The metrics the round names for this result, in rulebook order, each once."""
    bench = ctx.benchmark
    if bench is None:
        return []
    return list(dict.fromkeys(t.metric for t in bench.accuracy_for(ctx.scenario)))


def readings(ctx: ResultContext) -> dict[str, list[Reading]]:
    """Every reading of every target metric (metrics without a pattern in the round are left out)."""
    acc = accuracy_txt(ctx)
    out: dict[str, list[Reading]] = {}
    if acc is None:
        return out
    for metric in target_metrics(ctx):
        try:
            pattern = ctx.rulebook.accuracy_regex(metric)
        except (KeyError, re.error):
            continue
        found = []
        for text, line in acc.find(pattern):
            try:
                value = float(text)
            except ValueError:
                value = None
            found.append(Reading(text, value, line))
        out[metric] = found
    return out


def reported(ctx: ResultContext) -> dict[str, Reading]:
    """The value the official checker records per metric (the last readable one), for the report."""
    out = {}
    for metric, found in readings(ctx).items():
        usable = [r for r in found if r.value is not None]
        if usable:
            out[metric] = usable[-1]
    return out


@dataclass(frozen=True, slots=True)
class LogState:
    """The published accuracy log, classified."""

    info: AccuracyLogInfo
    misplaced_marker: bool

    @property
    def empty(self) -> bool:
        """The log is LoadGen's empty array (or holds no entry at all)."""
        return self.info.empty

    @property
    def untouched(self) -> bool:
        """Neither standard- nor otherwise truncated: the file is the log LoadGen wrote (or claims to be)."""
        return not self.info.truncated and not self.misplaced_marker


def log_state(ctx: ResultContext) -> LogState | None:
    """The published log's state (None when it is missing or unreadable), computed once."""
    info = ctx.accuracy_log_info(log_path(ctx))
    if info is None:
        return None
    marker = ctx.rulebook.accuracy_log_truncation.marker.encode()
    return ctx.cache.get("acclog-state", info.path, lambda p: Parsed(LogState(info, _misplaced_marker(info, marker))))


def _misplaced_marker(info: AccuracyLogInfo, marker: bytes) -> bool:
    """A truncation marker somewhere else than where the official tool puts it (small files only)."""
    if info.truncated or info.size > MARKER_SCAN_BYTES:
        return False
    data = read_bytes(info.path, MARKER_SCAN_BYTES).value  # the run's one read of a small file
    return data is not None and marker in data


@dataclass(frozen=True, slots=True)
class FullLog:
    """The log to re-score, or why there is none. `rejected` names a supplied file that does not match."""

    path: Path | None
    source: str
    reason: str = ""
    rejected: Path | None = None


def _supplied(ctx: ResultContext, published: AccuracyLogInfo) -> FullLog:
    reference = ReferenceData(ctx.options.reference_data)
    candidates = [reference.full_log(ctx.rel(published.path)), published.path.with_name(LOG_NAME + ".full")]
    candidate = next((c for c in candidates if c is not None and c.is_file()), None)
    if candidate is None:
        where = "no --reference-data given" if reference.root is None else "none at <reference-data>/full-logs/<its path>"
        return FullLog(None, "", f"the published log is truncated and no full log was supplied ({where})")
    info = ctx.accuracy_log_info(candidate)
    acc = accuracy_txt(ctx)
    t = ctx.rulebook.accuracy_log_truncation
    if info is None:
        return FullLog(None, "supplied", "the supplied full log is unreadable", rejected=candidate)
    if acc is None or acc.hash is None or info.sha256 != acc.hash.lower():
        return FullLog(None, "supplied", f"the supplied full log's sha256 {info.sha256} is not the hash in accuracy.txt",
                       rejected=candidate)
    if published.truncated and (info.head[: t.head_chars] != published.head or info.tail != published.tail):
        return FullLog(None, "supplied", "the supplied full log's head or tail differs from the published log",
                       rejected=candidate)
    return FullLog(candidate, "supplied")


def full_log(ctx: ResultContext) -> FullLog:
    """The untruncated log of the result and where it comes from (looked up once per result:
    several rules ask)."""
    return ctx.cache.get("full-log", ctx.unit.path, lambda _: Parsed(_full_log(ctx))) or _full_log(ctx)


def _full_log(ctx: ResultContext) -> FullLog:
    state = log_state(ctx)
    if state is None:
        return FullLog(None, "", "the accuracy log is missing or unreadable")
    if not state.untouched:
        return _supplied(ctx, state.info)
    acc = accuracy_txt(ctx)
    if acc is not None and acc.hash is not None and acc.hash.lower() != state.info.sha256:
        return FullLog(None, "published", "the published log does not have the sha256 given in accuracy.txt")
    return FullLog(state.info.path, "published")


@dataclass(frozen=True, slots=True)
class Rescoring:
    """The outcome of re-scoring a result (None outcome: nothing could be run, `reason` says why)."""

    spec: MetricSpec | None
    outcome: Outcome | None
    log: FullLog | None
    reason: str = ""


def data_set_size(ctx: ResultContext) -> int | None:
    """The number of samples of the benchmark's data set (the range of valid `qsl_idx`)."""
    bench = ctx.benchmark
    if bench is None:
        return None
    return bench.dataset_size or bench.expected_accuracy_samples(ctx.scenario)


def rescoring(ctx: ResultContext) -> Rescoring:
    """Re-score the result's full log (cached per log path). Without a metric function for the
    benchmark the log is still counted (entries, distinct samples, indices past the data set)."""
    log = full_log(ctx)
    if log.path is None:  # nothing to re-score: the metric functions (and numpy) are not loaded
        return Rescoring(None, None, log, log.reason)
    spec = spec_for(ctx.benchmark_name)
    reference = ReferenceData(ctx.options.reference_data)
    size = data_set_size(ctx)
    family = spec.family if spec else "census"
    outcome = ctx.cache.get(f"rescore:{family}:{size}", log.path,
                            lambda p: Parsed(rescore_log(spec, p, reference, size)))
    reason = "" if spec else "no re-scoring is implemented for this benchmark"
    return Rescoring(spec, outcome, log, reason)


def spot_check(ctx: ResultContext) -> SpotCheck | None:
    """The spot check of a truncated resnet log against val_map.txt (None when it cannot be made)."""
    if ctx.benchmark_name != "resnet":
        return None
    state = log_state(ctx)
    labels_path = ReferenceData(ctx.options.reference_data).find("imagenet_val_map")
    reading = reported(ctx).get("acc")
    if state is None or not state.info.truncated or not state.info.shape_ok or labels_path is None or reading is None:
        return None
    from checker.accuracy.metrics.classification import count_correct, infer_dtype  # numpy: only when used

    try:
        labels = imagenet_labels(labels_path)
    except ReferenceDataError:
        return None
    size = min(len(labels), data_set_size(ctx) or len(labels))
    visible: dict[int, Entry] = {}
    for entry in entries_in(state.info.head) + entries_in(state.info.tail):
        if entry.qsl_idx < size:
            visible.setdefault(entry.qsl_idx, entry)
    dtype = infer_dtype(visible.values())
    if dtype is None or not visible:
        return None
    n, k = count_correct(visible.values(), labels, dtype)
    line = accuracy_txt(ctx).lines[reading.line - 1]
    good, total = (re.search(rf"\b{key}=(\d+)", line) for key in ("good", "total"))
    return test_claim(k, n, reading.value, int(good.group(1)) if good else None, int(total.group(1)) if total else None)
