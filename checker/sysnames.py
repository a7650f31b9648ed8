"""What a system's name says about its hardware: "8xMI300X_2xEPYC", "B200-SXM-180GBx8", "(8x H100-SXM-80GB, ...)".

Submitters name systems after their accelerators and host processors; the SYS consistency rules
compare those claims with the description's fields. Only a token that names the accelerator or the
host processor model of the description counts as a claim; anything else in a name is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"})
_TOKEN = r"[A-Za-z][A-Za-z0-9.\-]*"
#: "8xMI300X", "8x H100-SXM-80GB" (the count is not part of a longer word or version number).
_COUNT_BEFORE = re.compile(r"(?<![A-Za-z0-9.])(\d+)\s*[xX]\s*(" + _TOKEN + r"(?:\s+[0-9]+\b)?)")
#: "B200-SXM-180GBx8", "h200_x16", "tpu_v5e_x4".
_COUNT_AFTER = re.compile(r"(" + _TOKEN + r"?)[_ ]?[xX](\d+)(?![A-Za-z0-9])")
#: The accelerator clause of a system_name: "NVIDIA DGX H100 (8x H100-SXM-80GB, TensorRT)".
_PAREN_CLAUSE = re.compile(r"\(\s*(\d+)\s*[xX]\s*([^,)]+)")


@dataclass(frozen=True, slots=True)
class Claim:
    """A count and the model token it counts, as written in a name."""

    count: int
    token: str
    source: str


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.translate(_DASHES).lower())


def _key(token: str) -> str:
    """The distinctive part of a token: its first alphanumeric chunk holding a digit, else its first chunk."""
    chunks = re.findall(r"[A-Za-z0-9]+", token.translate(_DASHES))
    with_digit = [c for c in chunks if any(ch.isdigit() for ch in c)]
    pick = (with_digit or chunks or [""])[0]
    return pick.lower()


def mentions(token: str, model_name: object) -> bool:
    """True when the model name (a description field) contains the token's distinctive part."""
    key = _key(token)
    return len(key) >= 2 and isinstance(model_name, str) and key in _normalise(model_name)


def count_claims(name: str, source: str) -> list[Claim]:
    """Every "N x TOKEN" and "TOKEN x N" in a name, in order of appearance."""
    text = name.translate(_DASHES)
    found: list[tuple[int, Claim]] = []
    for m in _COUNT_BEFORE.finditer(text):
        found.append((m.start(), Claim(int(m.group(1)), m.group(2).strip(), source)))
    for m in _COUNT_AFTER.finditer(text):
        if m.group(1):
            found.append((m.start(), Claim(int(m.group(2)), m.group(1), source)))
    return [claim for _, claim in sorted(found, key=lambda item: item[0])]


def accelerator_clause(system_name: str) -> Claim | None:
    """The "(N x MODEL, ...)" clause of a system_name, the place the naming convention puts the accelerator."""
    m = _PAREN_CLAUSE.search(system_name.translate(_DASHES))
    return Claim(int(m.group(1)), m.group(2).strip(), "system_name") if m else None
