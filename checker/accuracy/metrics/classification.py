"""resnet: top-1 accuracy against ImageNet's `val_map.txt` (`accuracy=76.064%`, key `acc`).

As `tools/accuracy-imagenet.py`: element 0 of each payload is the predicted class; a sample is
correct when it equals the label of its `qsl_idx`; duplicates are ignored; accuracy = good / unique.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from checker.accuracy.decode import Dtype, class_id_dtype
from checker.accuracy.reference import imagenet_labels
from checker.accuracy.registry import Outcome, Value, metric
from checker.accuracy.stream import peek, samples
from checker.parsers.accuracy_log import Entry

if TYPE_CHECKING:
    import numpy as np

#: Class ids accepted as such when inferring the element type (1000 classes, 1001 with background).
CLASSES = 1001
_FORMATS = {"int64": "<q", "int32": "<i", "float32": "<f"}


def predicted_class(data: bytes, dtype: Dtype) -> int | None:
    """Element 0 of a payload as a class id, or None when the payload is too short or not finite."""
    fmt = _FORMATS[dtype.name]
    if len(data) < struct.calcsize(fmt):
        return None
    value = struct.unpack_from(fmt, data)[0]
    return int(value) if value == value and abs(value) < 2 ** 62 else None


def count_correct(entries: Iterable[Entry], labels: np.ndarray, dtype: Dtype) -> tuple[int, int]:
    """(samples, correct) over entries already de-duplicated and within the label range."""
    total = good = 0
    for entry in entries:
        total += 1
        good += predicted_class(entry.data, dtype) == int(labels[entry.qsl_idx])
    return total, good


def infer_dtype(entries: Iterable[Entry]) -> Dtype | None:
    """The element type of class-id payloads (see `decode.class_id_dtype`)."""
    return class_id_dtype((e.data for e in entries), CLASSES)


@metric("resnet", ("resnet",), ("acc",), needs=("imagenet_val_map",), tolerance={"acc": 1e-9})
def resnet_top1(entries: Iterator[Entry], paths: dict[str, Path], size: int | None) -> Outcome:
    """Top-1 accuracy in percent."""
    labels = imagenet_labels(paths["imagenet_val_map"])
    limit = min(len(labels), size) if size else len(labels)
    out = Outcome()
    head, stream = peek(samples(entries, limit))
    dtype = infer_dtype(head)
    if dtype is None:
        out.skipped["acc"] = "the payloads are not class ids under int64, int32 or float32"
        return out
    out.dtype = dtype.name
    total, good = count_correct(stream, labels, dtype)
    if total == 0:
        out.skipped["acc"] = "the log holds no sample of the data set"
        return out
    out.values["acc"] = Value(100.0 * good / total, note=f"good={good}, total={total}")
    return out
