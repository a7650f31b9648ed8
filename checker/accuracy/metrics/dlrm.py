"""dlrm-v2: ROC AUC over all user-item pairs (`AUC=80.166%, accuracy=...`, key `AUC`).

As `tools/accuracy-dlrm.py` when the SUT logs `[prediction, label]` float32 pairs (the reference SUT
does): duplicates are ignored and the AUC is taken over every pair. Logs holding predictions only
(labels from Criteo day 23 and the aggregation trace) are not re-scored. The AUC is the rank
(Mann-Whitney) statistic with tied scores sharing their average rank, which equals scikit-learn's
`roc_auc_score`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from checker.accuracy.decode import as_array, float32
from checker.accuracy.registry import Outcome, Value, metric
from checker.accuracy.stream import samples
from checker.parsers.accuracy_log import Entry

if TYPE_CHECKING:
    import numpy as np


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """Area under the ROC curve (None when one class is absent)."""
    import numpy as np

    positive = labels > 0.5
    n_pos = int(positive.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0
    ranks = average_rank[inverse]
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


@metric("dlrm-v2", ("dlrm-v2-99", "dlrm-v2-99.9"), ("AUC",), tolerance={"AUC": 1e-6})
def dlrm_auc(entries: Iterator[Entry], paths: dict[str, Path], size: int | None) -> Outcome:
    """AUC in percent from `[prediction, label]` pairs."""
    import numpy as np  # (here: a run that scores no dlrm log never loads numpy)

    out = Outcome(dtype="float32")
    preds: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for entry in samples(entries, size):
        values = as_array(entry.data, float32())
        if len(values) % 2:
            out.skipped["AUC"] = "a payload has an odd number of floats: not [prediction, label] pairs"
            break
        pair_labels = values[1::2]
        if not np.all((pair_labels == 0.0) | (pair_labels == 1.0)):
            out.skipped["AUC"] = ("the log holds predictions only (no 0/1 labels beside them); the Criteo "
                                  "day-23 labels are needed and are not supported")
            break
        preds.append(values[0::2])
        labels.append(pair_labels)
    if "AUC" in out.skipped:
        return out
    auc = roc_auc(np.concatenate(preds), np.concatenate(labels)) if preds else None
    if auc is None:
        out.skipped["AUC"] = "the logged labels hold a single class: the AUC is undefined"
        return out
    out.values["AUC"] = Value(100.0 * auc, note=f"{sum(len(p) for p in preds)} pairs")
    return out
