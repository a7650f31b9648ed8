"""TEST08 (dlrm-v3, `compliance/TEST08/run_verification.py`): normalized entropy of the performance-mode
predictions against the accuracy run's labels, sample by sample.

A dlrm-v3 payload is float32 `[ts_idx, query_idx, preds x n, labels x n, weights x n, n]`. Samples are
matched on `(ts_idx, query_idx)` (first occurrence in the accuracy log). For each performance sample,
NE of its predictions with the accuracy sample's labels and weights is compared with the accuracy
sample's own NE; a relative difference above the tolerance, or a zero NE on exactly one side, is a
mismatch. Pass iff every performance sample matched, at least one did, and nothing mismatched.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checker.parsers.accuracy_log import Entry

EPS = 1e-7


@dataclass(frozen=True, slots=True)
class Sample:
    """One decoded dlrm-v3 response."""

    key: tuple[int, int]
    preds: tuple[float, ...]
    labels: tuple[float, ...]
    weights: tuple[float, ...]


def parse_sample(data: bytes) -> Sample | None:
    """Decode a payload, or None when it is not `3 n + 3` float32 values ending in `n`."""
    if len(data) % 4 or len(data) < 12:
        return None
    values = struct.unpack(f"<{len(data) // 4}f", data)
    n = values[-1]
    if not all(math.isfinite(v) for v in (n, values[0], values[1])) or n != int(n) or len(values) != 3 * int(n) + 3:
        return None
    n = int(n)
    return Sample((int(values[0]), int(values[1])), values[2:2 + n], values[2 + n:2 + 2 * n], values[2 + 2 * n:2 + 3 * n])


def _clip(p: float) -> float:
    return min(max(p, EPS), 1 - EPS)


def normalized_entropy(preds: Sequence[float], labels: Sequence[float], weights: Sequence[float]) -> float:
    """Weighted cross-entropy over the entropy of the weighted mean label (0.0 when undefined)."""
    total = sum(weights)
    if total <= 0:
        return 0.0
    ce = -sum(w * (y * math.log(_clip(p)) + (1 - y) * math.log(1 - _clip(p)))
              for p, y, w in zip(preds, labels, weights, strict=False))
    mean = _clip(sum(w * y for y, w in zip(labels, weights, strict=False)) / total)
    entropy = -(mean * math.log(mean) + (1 - mean) * math.log(1 - mean))
    return ce / (entropy * total)


@dataclass(slots=True)
class Test08:
    """Upstream counters plus the first mismatch (key, line, detail)."""

    num_acc_log_entries: int = 0
    num_perf_log_entries: int = 0
    num_matched: int = 0
    num_unmatched: int = 0
    num_ne_mismatch: int = 0
    undecodable: int = 0
    first_mismatch: tuple[tuple[int, int], int, str] | None = None

    @property
    def passed(self) -> bool:
        """The upstream verdict."""
        return self.num_ne_mismatch == 0 and self.num_matched > 0 and self.num_unmatched == 0


def _mismatch(perf: Sample, acc: Sample, tolerance: float) -> str | None:
    if len(perf.preds) != len(acc.labels):
        return f"{len(perf.preds)} predictions against {len(acc.labels)} labels"
    ne_acc = normalized_entropy(acc.preds, acc.labels, acc.weights)
    ne_perf = normalized_entropy(perf.preds, acc.labels, acc.weights)
    if ne_acc == 0 or ne_perf == 0:
        return None if ne_acc == ne_perf else f"NE {ne_perf:.6g} against {ne_acc:.6g}"
    if abs(ne_perf - ne_acc) / abs(ne_acc) > tolerance:
        return f"NE {ne_perf:.6g} against {ne_acc:.6g} ({abs(ne_perf - ne_acc) / abs(ne_acc):.3%})"
    return None


def compare_test08(accuracy: Iterable[Entry], performance: Iterable[Entry], tolerance: float) -> Test08:
    """Recompute TEST08 from the accuracy-mode and the TEST08 performance-mode logs."""
    out = Test08()
    reference: dict[tuple[int, int], Sample] = {}
    for e in accuracy:
        out.num_acc_log_entries += 1
        sample = parse_sample(e.data)
        if sample is None:
            out.undecodable += 1
        else:
            reference.setdefault(sample.key, sample)
    for e in performance:
        out.num_perf_log_entries += 1
        sample = parse_sample(e.data)
        acc = reference.get(sample.key) if sample is not None else None
        if sample is None:
            out.undecodable += 1
        if acc is None:
            out.num_unmatched += 1
            continue
        out.num_matched += 1
        detail = _mismatch(sample, acc, tolerance)
        if detail is not None:
            out.num_ne_mismatch += 1
            out.first_mismatch = out.first_mismatch or (sample.key, e.line, detail)
    return out
