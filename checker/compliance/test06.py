"""TEST06 (LLM output consistency, `compliance/TEST06/run_verification.py`) from the TEST06 accuracy log.

Three checks over every logged sample, with token ids decoded as signed little-endian integers:

1. EOS: walking back from the last token (element 0 is never examined, as upstream), a sample fails
   when it ends with two or more end-of-sequence tokens (any of the model's EOS ids).
2. First token (every scenario but Offline): `token_data` equals the first tokens of `data`, element by
   element over the shorter of the two; a missing `token_data` fails (upstream would crash).
3. Length: the number of decoded tokens equals `token_count`.

Upstream takes the element width from `--dtype`, which nothing records; here it is inferred once per log
from `len(data) / token_count` (the most common exact width among the samples), else the default.
An empty log passes all three upstream; the caller judges the entry count.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from checker.parsers.accuracy_log import Entry

WIDTHS = {2: "h", 4: "i", 8: "q"}


def decode(data: bytes, width: int) -> list[int] | None:
    """Signed little-endian integers of `width` bytes, or None when the length is not a multiple."""
    if width not in WIDTHS or len(data) % width:
        return None
    return list(struct.unpack(f"<{len(data) // width}{WIDTHS[width]}", data))


def infer_width(entries: Sequence[Entry], default: int) -> tuple[int, str]:
    """(bytes per token, how it was found) for a log, from `len(data) / token_count`."""
    votes: Counter[int] = Counter()
    for e in entries:
        if e.token_count and len(e.data) % e.token_count == 0 and len(e.data) // e.token_count in WIDTHS:
            votes[len(e.data) // e.token_count] += 1
    if votes:
        width, _ = votes.most_common(1)[0]
        return width, "token_count"
    return default, "default"


@dataclass(slots=True)
class Test06:
    """Outcome of the three checks; each failure is (qsl_idx, line, detail)."""

    entries: int = 0
    width: int = 4
    width_source: str = "default"
    eos: list[tuple[int, int, str]] = field(default_factory=list)
    first_token: list[tuple[int, int, str]] = field(default_factory=list)
    length: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """All three checks pass (vacuously on an empty log, as upstream)."""
        return not (self.eos or self.first_token or self.length)


def _trailing_eos(tokens: list[int], eos: frozenset[int]) -> int:
    """Trailing EOS tokens, never looking at element 0 (upstream loop stops at index 1)."""
    count = 0
    for i in range(len(tokens) - 1, 0, -1):
        if tokens[i] not in eos:
            break
        count += 1
    return count


def check_test06(entries: Iterable[Entry], eos_ids: Iterable[int], first_token: bool, default_width: int = 4) -> Test06:
    """Run the three TEST06 checks over a log's entries."""
    items = list(entries)
    eos = frozenset(eos_ids)
    out = Test06(entries=len(items))
    out.width, out.width_source = infer_width(items, default_width)
    for e in items:
        tokens = decode(e.data, out.width)
        if tokens is None:
            out.length.append((e.qsl_idx, e.line, f"{len(e.data)} payload bytes are not a whole number of "
                                                  f"{out.width}-byte tokens"))
            continue
        trailing = _trailing_eos(tokens, eos)
        if trailing >= 2:
            out.eos.append((e.qsl_idx, e.line, f"ends with {trailing} EOS tokens"))
        if e.token_count is None or len(tokens) != e.token_count:
            out.length.append((e.qsl_idx, e.line, f"{len(tokens)} tokens decoded, token_count {e.token_count}"))
        if first_token:
            firsts = decode(e.token_data, out.width) if e.token_data is not None else None
            if firsts is None:
                out.first_token.append((e.qsl_idx, e.line, "no usable token_data"))
            elif any(a != b for a, b in zip(tokens, firsts, strict=False)):
                out.first_token.append((e.qsl_idx, e.line, f"token_data {firsts[:4]} does not start data {tokens[:4]}"))
    return out
