"""Tiny synthetic accuracy logs and reference data for the ACC tests (byte-exact LoadGen format)."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence
from pathlib import Path

from checker.samplegen.accuracy import entry, fields, render_log, sha256_hex

PACK = {"int64": "q", "int32": "i", "int16": "h", "int8": "b", "float32": "f"}


def payload(values: Sequence[float], dtype: str) -> str:
    """Upper-case little-endian hex of `values` as `dtype`."""
    return struct.pack(f"<{len(values)}{PACK[dtype]}", *values).hex().upper()


def log_text(items: Iterable[tuple[int, str] | tuple[int, str, int | None]]) -> str:
    """A LoadGen accuracy log of (qsl_idx, data hex[, token_count]) in completion order."""
    lines = []
    for seq, item in enumerate(items):
        idx, data, *rest = item
        lines.append(entry(seq, idx, fields(data, None, rest[0] if rest else None)))
    return render_log(lines)


def truncate_log(text: str, head: int = 4096, tail: int = 4096, marker: str = "\n\n...\n\n") -> str:
    """The official truncation (tools/submission/truncate_accuracy_log.py): logs under `head` bytes stay."""
    return text if len(text) < head else text[:head] + marker + text[-tail:]


def write_log(path: Path, text: str) -> Path:
    """Write a log (creating folders) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")
    return path


def val_map(root: Path, labels: Sequence[int]) -> Path:
    """`<root>/imagenet/val_map.txt` with the given labels."""
    path = root / "imagenet" / "val_map.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"ILSVRC2012_val_{i + 1:08d}.JPEG {label}\n" for i, label in enumerate(labels)))
    return path


def resnet_log(labels: Sequence[int], wrong: int, dtype: str = "int32", duplicate: bool = True) -> str:
    """A resnet log answering every sample, the last `wrong` ones incorrectly, plus a duplicate of sample 0."""
    items = [(i, payload([label if i < len(labels) - wrong else (label + 1) % 1000], dtype))
             for i, label in enumerate(labels)]
    if duplicate:
        items.append((0, payload([(labels[0] + 5) % 1000], dtype)))
    return log_text(items)


def write_json(path: Path, data: object) -> Path:
    """Write a JSON file (creating folders)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


__all__ = ["log_text", "payload", "resnet_log", "sha256_hex", "truncate_log", "val_map", "write_json", "write_log"]
