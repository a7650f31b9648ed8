"""Decoding LoadGen payloads: nothing in a log records the element type, so it is inferred and recorded.

Rules, applied in this order (study §1.2): an explicit override; `token_count` (element width =
`len(data) / token_count`, exact); for class ids, the unique reading that gives an id in range
(int64/int32 values of small ids and the float32 bit patterns of the same ids cannot both be in
range); otherwise the widest integer type whose values all lie in the allowed range (a narrower
reading of wide data stays "valid" with extra zeros, a wider reading of narrow data gives huge values).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Element widths in bytes of the integer types a payload may hold.
INT_WIDTHS = (8, 4, 2, 1)


@functools.cache
def int_types() -> dict[int, np.dtype]:
    """Integer element types by width in bytes, little-endian as on every real SUT (numpy is
    imported on first use: a run that decodes no payload never loads it)."""
    import numpy as np

    return {8: np.dtype("<i8"), 4: np.dtype("<i4"), 2: np.dtype("<i2"), 1: np.dtype("i1")}


@functools.cache
def float32() -> np.dtype:
    """The little-endian float32 element type."""
    import numpy as np

    return np.dtype("<f4")


@dataclass(frozen=True, slots=True)
class Dtype:
    """The inferred element type of a log's payloads and the evidence for it."""

    dtype: np.dtype
    evidence: str

    @property
    def name(self) -> str:
        """numpy's name of the type (`int32`, `float32`, ...)."""
        return self.dtype.name


def as_array(data: bytes, dtype: np.dtype) -> np.ndarray:
    """The payload as an array of `dtype` (trailing bytes that do not fill an element are dropped)."""
    import numpy as np

    usable = len(data) - len(data) % dtype.itemsize
    return np.frombuffer(data, dtype=dtype, count=usable // dtype.itemsize)


def _in_range(values: np.ndarray, upper: int) -> bool:
    return bool(values.size == 0 or (values.min() >= 0 and values.max() < upper))


def class_id_dtype(samples: Iterable[bytes], classes: int) -> Dtype | None:
    """Element type of class-id payloads (element 0 is the id): the first reading of every sample that
    is an integer id in [0, classes); None when no single reading explains all samples."""
    payloads = [p for p in samples if p]
    if not payloads:
        return None
    import numpy as np

    for width in (8, 4):
        dt = int_types()[width]
        if all(len(p) >= width and 0 <= int(as_array(p[:width], dt)[0]) < classes for p in payloads):
            return Dtype(dt, f"element 0 read as {dt.name} is a class id below {classes} in all {len(payloads)} samples")
    if all(len(p) >= 4 for p in payloads):
        firsts = np.array([as_array(p[:4], float32())[0] for p in payloads])
        if np.all(np.isfinite(firsts)) and np.all(firsts == np.floor(firsts)) and _in_range(firsts, classes):
            return Dtype(float32(), f"element 0 read as float32 is an integral class id in all {len(payloads)} samples")
    return None


def integer_dtype(samples: Sequence[bytes], upper: int, counts: Sequence[int | None] = ()) -> Dtype | None:
    """Element type of integer-sequence payloads (token ids, character indices) below `upper`."""
    for data, count in zip(samples, counts, strict=False):
        if count and data and len(data) % count == 0 and len(data) // count in INT_WIDTHS:
            dt = int_types()[len(data) // count]
            return Dtype(dt, f"token_count {count} for {len(data)} bytes gives {dt.itemsize}-byte elements")
    payloads = [p for p in samples if p]
    if not payloads:
        return None
    for width in INT_WIDTHS:
        dt = int_types()[width]
        if all(len(p) % width == 0 and _in_range(as_array(p, dt), upper) for p in payloads):
            return Dtype(dt, f"widest integer type whose values are all below {upper} in {len(payloads)} samples")
    return None
