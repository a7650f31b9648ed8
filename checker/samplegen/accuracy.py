"""LoadGen accuracy logs (`mlperf_log_accuracy.json`), their hash and truncation, and accuracy.txt.

Byte format as LoadGen's `logging.cc` writes it: `[`, then one `{ "seq_id" : N, ... }` entry per line
(`\\n{ ` before the first, `,\\n{ ` before the others), then `\\n]\\n`; payloads are upper-case hex.
Truncation follows `tools/submission/truncate_accuracy_log.py`: a log of at least `head_chars` bytes
becomes its first `head_chars` characters + the marker + its last `tail_chars` characters (the
numbers and the marker come from the round's rulebook); the sha256 of the original log is appended to
accuracy.txt as `hash=<hex>`.
"""

from __future__ import annotations

import functools
import hashlib
import random
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

EMPTY_LOG = "[\n]\n"
#: Characters of each end of a generated log that are kept (more than any truncation needs).
_KEEP = 16384


class Truncation(Protocol):
    """The truncation rule of a round (`Rulebook.accuracy_log_truncation`)."""

    head_chars: int
    tail_chars: int
    marker: str


def fields(data: str, token_data: str | None = None, token_count: int | None = None) -> str:
    """The payload part of an entry (after `qsl_idx`), keys in LoadGen's order."""
    parts = [f'"data" : "{data}"']
    if token_data is not None:
        parts.append(f'"token_data" : "{token_data}"')
    if token_count is not None:
        parts.append(f'"token_count" : {token_count}')
    return ", ".join(parts)


def entry(seq_id: int, qsl_idx: int, payload: str) -> str:
    """One accuracy-log entry line; `payload` comes from `fields`."""
    return f'{{ "seq_id" : {seq_id}, "qsl_idx" : {qsl_idx}, {payload} }}'


def render_log(entries: Iterable[str]) -> str:
    """The whole log text for `entries` (the empty log is exactly `[\\n]\\n`)."""
    body = ",\n".join(entries)
    return "[\n" + body + "\n]\n" if body else EMPTY_LOG


def sha256_hex(text: str) -> str:
    """sha256 of the log's bytes, as the truncation tool writes it (64 lower-case hex digits)."""
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _cut(size: int, head: str, tail: str, rule: Truncation) -> str:
    if size < rule.head_chars:
        return head
    return head[:rule.head_chars] + rule.marker + tail[len(tail) - rule.tail_chars:]


def truncate(text: str, rule: Truncation) -> str:
    """The log as published: unchanged below `head_chars`, else head + marker + tail."""
    return _cut(len(text), text, text, rule)


def accuracy_txt(lines: Sequence[str], hash_hex: str | None) -> str:
    """accuracy.txt: the accuracy script's output lines, then (after a blank line) `hash=<hex>`."""
    text = "".join(line + "\n" for line in lines)
    return text + (f"\nhash={hash_hex}\n" if hash_hex is not None else "")


def hex_int32(values: Iterable[int]) -> str:
    """Little-endian int32 payload as LoadGen writes it (upper-case hex)."""
    values = list(values)
    return struct.pack(f"<{len(values)}i", *values).hex().upper()


def shuffled(count: int, seed: int) -> list[int]:
    """range(count) in a deterministic random order (LoadGen logs entries in completion order)."""
    return random.Random(seed).sample(range(count), count)


@dataclass(frozen=True)
class AccuracyLog:
    """A generated log, kept small: its hash, size and both ends, and (when asked) the payload of every
    qsl_idx so that compliance logs can repeat them."""

    sha256: str
    size: int
    head: str
    tail: str
    entries: int
    payloads: Mapping[int, str]

    def published(self, rule: Truncation) -> str:
        """The file as the truncation tool leaves it."""
        return _cut(self.size, self.head, self.tail, rule)


def render_entries(order: Sequence[int], payloads: Mapping[int, str]) -> str:
    """The full log text for `order` (qsl_idx in completion order, seq_id counting from 0)."""
    return render_log(entry(seq, idx, payloads[idx]) for seq, idx in enumerate(order))


class _Digest:
    """sha256, size and both ends of a text fed in pieces (a full log is never held in memory)."""

    def __init__(self) -> None:
        self.sha, self.size, self.head, self.tail = hashlib.sha256(), 0, "", ""

    def feed(self, text: str) -> None:
        self.sha.update(text.encode("ascii"))
        self.size += len(text)
        if len(self.head) < _KEEP:
            self.head += text[:_KEEP - len(self.head)]
        self.tail = (self.tail + text[-_KEEP:])[-_KEEP:]


def stream_log(entries: Iterable[str], payloads: Mapping[int, str], batch: int = 512) -> AccuracyLog:
    """Render entry lines in batches, as `render_log` would, and keep only the hash, size and ends."""
    digest, pending, count = _Digest(), [], 0
    for line in entries:
        pending.append(line)
        count += 1
        if len(pending) == batch:
            digest.feed(("[\n" if count == batch else ",\n") + ",\n".join(pending))
            pending = []
    if pending:
        digest.feed(("[\n" if count == len(pending) else ",\n") + ",\n".join(pending))
    digest.feed("\n]\n" if count else EMPTY_LOG)
    return AccuracyLog(digest.sha.hexdigest(), digest.size, digest.head, digest.tail, count, payloads)


def build_log(order: Sequence[int], payloads: Mapping[int, str], keep_payloads: bool = True) -> AccuracyLog:
    """The log of `order` (qsl_idx in completion order) with `payloads`; see `stream_log`."""
    return stream_log((entry(seq, idx, payloads[idx]) for seq, idx in enumerate(order)),
                      payloads if keep_payloads else {})


def classification_log(count: int, classes: int, seed: int) -> AccuracyLog:
    """An accuracy-mode log of `count` samples whose payload is an int32 class id (resnet-style)."""
    rng = random.Random(seed)
    order = shuffled(count, seed)
    payloads = {idx: fields(hex_int32([rng.randrange(classes)])) for idx in order}
    return build_log(order, payloads)


def bytes_log(count: int, width: int, seed: int) -> AccuracyLog:
    """A log with `width` opaque bytes per sample (detections, logits, volumes...)."""
    rng = random.Random(seed)
    order = shuffled(count, seed)
    payloads = {idx: fields(rng.randbytes(width).hex().upper()) for idx in order}
    return build_log(order, payloads)


def token_counts(count: int, mean: float, seed: int) -> list[int]:
    """`count` output lengths around `mean`, in symmetric pairs so that their average is `mean`."""
    rng = random.Random(seed)
    base = max(2, round(mean))
    spread = max(1, base // 3)
    lengths = []
    for _ in range(count // 2):
        delta = rng.randrange(spread)
        lengths += [base + delta, base - delta]
    if count % 2:
        lengths.append(base)
    rng.shuffle(lengths)
    return lengths


@functools.lru_cache(maxsize=8)
def _token_block(size: int) -> str:
    """Hex of `size` random int32 token ids in [1000, 30000) (one fixed block, sliced per output)."""
    raw = random.Random(size).randbytes(2 * size)
    return hex_int32(1000 + int.from_bytes(raw[i:i + 2], "little") % 29000 for i in range(0, 2 * size, 2))


def token_payloads(order: Sequence[int], mean_tokens: float, seed: int, first_token: bool) -> Iterator[tuple[int, str]]:
    """LLM outputs for `order`, as (qsl_idx, payload): int32 token ids with `token_count` and, when
    `first_token` (every scenario but Offline), `token_data` = the first token.

    Outputs are slices of one block of random ids in [1000, 30000): realistic and cheap, and no
    payload holds an end-of-sequence id of any model (1, 2, 128001, 128009...), so TEST06's EOS check
    holds; every `token_count` equals the payload length.
    """
    rng = random.Random(seed)
    lengths = token_counts(len(order), mean_tokens, seed + 1)
    block = 1 << max(12, (2 * max(lengths, default=1)).bit_length())
    ids = _token_block(block)
    for idx, length in zip(order, lengths, strict=True):
        start = rng.randrange(block - length)
        data = ids[start * 8:(start + length) * 8]
        yield idx, fields(data, data[:8] if first_token else None, length)


def token_log(order: Sequence[int], mean_tokens: float, seed: int, first_token: bool) -> AccuracyLog:
    """An LLM accuracy log over `order` (see `token_payloads`); payloads are not kept."""
    pairs = token_payloads(order, mean_tokens, seed, first_token)
    return stream_log((entry(seq, idx, payload) for seq, (idx, payload) in enumerate(pairs)), {})


def sampled_log(source: AccuracyLog, count: int, seed: int) -> AccuracyLog:
    """A performance-mode log (compliance TEST01) logging `count` of `source`'s samples (drawn with
    repetition, as LoadGen's sampling does) with the same payloads."""
    rng = random.Random(seed)
    indices = sorted(source.payloads)
    chosen = [indices[rng.randrange(len(indices))] for _ in range(count)]
    return build_log(chosen, source.payloads, keep_payloads=False)
