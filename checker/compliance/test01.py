"""TEST01 accuracy: responses logged in performance mode against the same samples of the accuracy run.

Two verdicts from the same pass over the logs:

- **faithful** (`compliance/TEST01/verify_accuracy.py`, default `--dtype byte`): build `qsl_idx ->
  payload` from the accuracy log (first occurrence kept), then for each performance entry compare only
  element 0 of the two payloads (one byte), or their emptiness; afterwards the performance payload
  overwrites the dict entry (upstream quirk: a later duplicate is compared with the earlier performance
  entry). Pass iff no mismatch and at least one `qsl_idx` matched. Byte is the most lenient dtype: a
  byte-0 mismatch is a mismatch for every dtype.
- **strict**: the whole payload of each performance entry must equal the accuracy run's first entry
  for that `qsl_idx`; indices missing from the accuracy log and outside the data set are counted.

Payloads are kept as (first byte, length, digest), so memory does not grow with payload size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from checker.parsers.accuracy_log import Entry


@dataclass(slots=True)
class Test01Accuracy:
    """Counters of both verdicts (upstream names for the faithful ones)."""

    num_acc_log_entries: int = 0
    num_acc_log_duplicate_keys: int = 0
    num_acc_log_data_mismatch: int = 0
    num_perf_log_entries: int = 0
    num_perf_log_qsl_idx_match: int = 0
    num_perf_log_data_mismatch: int = 0
    num_missing_qsl_idxs: int = 0
    strict_mismatch: int = 0
    out_of_range: int = 0
    first_mismatch: tuple[int, int] | None = None          # (qsl_idx, line in the performance log)
    first_strict_mismatch: tuple[int, int] | None = None

    @property
    def faithful_pass(self) -> bool:
        """The official verdict."""
        return self.num_perf_log_data_mismatch == 0 and self.num_perf_log_qsl_idx_match > 0

    @property
    def strict_pass(self) -> bool:
        """Every matched payload is byte-identical to the accuracy run's."""
        return self.strict_mismatch == 0 and self.num_perf_log_qsl_idx_match > 0


_Key = tuple[int | None, int, bytes]


def _key(data: bytes) -> _Key:
    return (data[0] if data else None, len(data), hashlib.blake2b(data, digest_size=16).digest())


def _faithful_mismatch(a: _Key, b: _Key) -> bool:
    if a[1] == 0 or b[1] == 0:
        return a[1] != b[1]
    return a[0] != b[0]


def compare_accuracy(accuracy: Iterable[Entry], performance: Iterable[Entry],
                     dataset_size: int | None = None) -> Test01Accuracy:
    """Both TEST01 accuracy verdicts for an accuracy-mode log and a performance-mode log."""
    out = Test01Accuracy()
    faithful: dict[int, _Key] = {}
    for e in accuracy:
        out.num_acc_log_entries += 1
        key = _key(e.data)
        seen = faithful.get(e.qsl_idx)
        if seen is None:
            faithful[e.qsl_idx] = key
        else:
            out.num_acc_log_duplicate_keys += 1
            out.num_acc_log_data_mismatch += seen != key
    first = dict(faithful)
    for e in performance:
        out.num_perf_log_entries += 1
        key = _key(e.data)
        if dataset_size is not None and e.qsl_idx >= dataset_size:
            out.out_of_range += 1
        seen = faithful.get(e.qsl_idx)
        if seen is None:
            out.num_missing_qsl_idxs += 1
        else:
            out.num_perf_log_qsl_idx_match += 1
            if _faithful_mismatch(key, seen):
                out.num_perf_log_data_mismatch += 1
                out.first_mismatch = out.first_mismatch or (e.qsl_idx, e.line)
        original = first.get(e.qsl_idx)
        if original is not None and original != key:
            out.strict_mismatch += 1
            out.first_strict_mismatch = out.first_strict_mismatch or (e.qsl_idx, e.line)
        faithful[e.qsl_idx] = key
    return out
