"""Free-text classification of the implementation description (the measurements JSON).

Submitters write `retraining`, `weight_transformations`, `weight_data_types`, `input_data_types`
and `starting_weights_filename` by hand, in many ways ("No", "no", "We don't retrain the model
weight.", "quantization, affine fusion", "bfloat16", "clip1:fp32,unet:fp8"). The closed-division
rules need a verdict on what they say, and the open-division labels need a plain summary. Every
function here accepts any JSON value, never raises, and calls unclear whatever it cannot place
rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable


class Answer(str, Enum):
    """A yes/no declaration, or text that does not say either plainly."""

    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"


class Verdict(str, Enum):
    """What a `weight_transformations` declaration amounts to for the closed division."""

    ALLOWED = "allowed"
    FORBIDDEN = "forbidden"
    UNCLEAR = "unclear"


def as_text(value: Any) -> str:
    """The declaration as one lower-case line: lists joined with commas, booleans as yes/no, None as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(as_text(v) for v in value if as_text(v))
    return " ".join(str(value).split()).lower().strip(" .")


#: Texts that fill a field without declaring anything.
PLACEHOLDERS = frozenset({
    "unset", "not set", "tbd", "tba", "todo", "to do", "to be determined", "to be done", "to be added",
    "unknown", "?", "??", "-", "--", "...", "xxx", "placeholder", "fill in", "fill me", "fixme", "null",
    "none provided",
})


def is_placeholder(value: Any) -> bool:
    """True when the field holds a placeholder such as "UNSET" or "TBD" instead of a declaration."""
    return as_text(value) in PLACEHOLDERS


_NOTHING = frozenset({"no", "n", "none", "false", "0", "nope", "n/a", "na", "not applicable", "nothing", "nil"})
_YES = frozenset({"yes", "y", "true", "1"})
# "pre-trained weights", "post-training quantization" and "training set" speak of training without
# declaring any; they are removed before looking for training words.
_NOT_A_TRAINING_CLAIM = re.compile(r"pre[- ]?trained|post[- ]?training|training[- ](?:data|set|split)")
_TRAINING = re.compile(r"re-?train|fine[- ]?tun|\btrain(?:ed|ing)?\s+(?:on|with|for|from|using)\b|\bqat\b"
                       r"|quanti[sz]ation[- ]aware|distil")
_NEGATION = re.compile(r"\b(?:no|not|non|never|without|none|nor|dont|didnt)\b|n['’]t\b")
_CLAUSES = re.compile(r"[,;.()]|\bbut\b|\bhowever\b|\bexcept\b")
_FIELD_PREFIX = re.compile(r"^(?:re-?training|fine[- ]?tuning)\s*[:=-]\s*")


def _negated(text: str, start: int) -> bool:
    """True when one of the three words before position `start` is a negation ("we don't retrain")."""
    return any(_NEGATION.search(w) for w in text[:start].split()[-3:])


def classify_retraining(value: Any) -> Answer:
    """Whether a `retraining` declaration says the weights were retrained.

    "No", "none", "We don't retrain the model weight." are NO; "Yes", "fine-tuned on ...",
    "No, but QAT was used" are YES (any clause that claims training wins); placeholders and text
    that names no training either way ("see README", "calibration only"...) are UNCLEAR.
    """
    text = _FIELD_PREFIX.sub("", as_text(value))
    if text in _NOTHING:
        return Answer.NO
    if text in _YES:
        return Answer.YES
    if not text or text in PLACEHOLDERS:
        return Answer.UNCLEAR
    positive = negative = False
    for clause in (c.strip() for c in _CLAUSES.split(_NOT_A_TRAINING_CLAIM.sub(" ", text))):
        if not clause:
            continue
        first = clause.split()[0]
        claim = _TRAINING.search(clause)
        if first in _YES or (claim and not _negated(clause, claim.start())):
            positive = True
        elif first in _NOTHING or claim:
            negative = True
    if positive:
        return Answer.YES
    return Answer.NO if negative else Answer.UNCLEAR


#: Techniques the closed division forbids (first match per item wins: QAT before plain training).
_FORBIDDEN = (
    ("quantization-aware training", re.compile(r"\bqat\b|quanti[sz]ation[- ]aware")),
    ("pruning", re.compile(r"prun")),
    ("sparsity", re.compile(r"sparsi|sparse")),
    ("distillation", re.compile(r"distil")),
    ("fine-tuning", re.compile(r"fine[- ]?tun")),
    ("retraining", re.compile(r"re-?train|\btrain")),
    ("architecture change", re.compile(r"architect|low[- ]rank|\blora\b|factori[sz]"
                                       r"|(?:remov|dropp?)\w*\s+(?:\w+\s+){0,3}layers?|layers?\s+(?:removal|dropping)")),
    ("weight replacement", re.compile(r"weights?\s+(?:replacement|supplement)|replac\w*\s+(?:the\s+)?weights")),
)
_EQUIVALENT = re.compile(r"equivalen|lossless|dead code|constant folding")
#: Transformations the closed division allows beside quantization (Model Equivalence, Weight Definition).
_ALLOWED = (
    ("quantization", re.compile(r"quanti[sz]|\bptq\b|calibrat|smoothquant|\bawq\b|\bgptq\b|\b(?:u?int|fp|float|bf)\d")),
    ("affine fusion", re.compile(r"affine|\bfus(?:e|ed|ing|ion)\b|\bfold")),
    ("format conversion", re.compile(r"->|→|conver[st]|export|\bonnx\b|tensorrt|\btrt\b|tflite|openvino|\bformat\b")),
    ("layout change", re.compile(r"layout|transpos|reorder|\bnhwc\b|\bnchw\b|\bpad(?:ding|ded)?\b|\bpack|reshap")),
    ("equivalent transformation", _EQUIVALENT),
)
_REFERENCE = re.compile(r"^(?:see|refer|please see|cf\b|details in|described in|as in)\b|\.md\b|https?://")
_ITEMS = re.compile(r"[,;+&|\n]|\band\b|\bthen\b|\bplus\b")


@dataclass(frozen=True)
class Transformations:
    """The reading of a `weight_transformations` declaration.

    `kinds`: the allowed transformations named ("none", "quantization", "affine fusion"...);
    `forbidden`: the forbidden techniques named ("pruning", "distillation"...); `unclear`: the
    parts that name neither (a placeholder, "yes", "see calibration.md").
    """

    verdict: Verdict
    kinds: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    unclear: tuple[str, ...] = ()


def _allowed_kind(item: str) -> str | None:
    return next((name for name, pattern in _ALLOWED if pattern.search(item)), None)


def _item_kind(item: str) -> tuple[str, str]:
    """('forbidden'|'allowed'|'unclear', name) for one comma-separated part of the declaration."""
    if item in _YES or item in PLACEHOLDERS or _REFERENCE.search(item):
        return "unclear", item
    cleaned = _NOT_A_TRAINING_CLAIM.sub(" ", item)
    for name, pattern in _FORBIDDEN:
        hit = pattern.search(cleaned)
        if hit is None:
            continue
        if _negated(cleaned, hit.start()):  # "no pruning", "quantization (without fine-tuning)"
            return "allowed", _allowed_kind(cleaned[:hit.start()]) or "none"
        if name == "sparsity" and _EQUIVALENT.search(cleaned):
            return "allowed", "equivalent transformation"  # equivalent sparse operations are allowed
        return "forbidden", name
    if item in _NOTHING or cleaned.split()[0] in _NOTHING:
        return "allowed", "none"  # "none", "no transformations", "no quantization"
    kind = _allowed_kind(cleaned)
    return ("allowed", kind) if kind else ("unclear", item)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def classify_transformations(value: Any) -> Transformations:
    """What a `weight_transformations` declaration says was done to the weights.

    Any forbidden technique makes the verdict FORBIDDEN; otherwise any part that names nothing
    recognisable makes it UNCLEAR; otherwise it is ALLOWED (quantization, affine fusion, format
    conversion, layout changes, mathematically equivalent transformations, or none).
    """
    text = as_text(value)
    if not text:
        return Transformations(Verdict.UNCLEAR, unclear=("(empty)",))
    found: dict[str, list[str]] = {"allowed": [], "forbidden": [], "unclear": []}
    items = [i.strip(" ()[]'\"") for i in _ITEMS.split(text)] if not _REFERENCE.search(text) else [text]
    for item in (i for i in items if i):
        kind, name = _item_kind(item)
        found[kind].append(name)
    if found["forbidden"]:
        verdict = Verdict.FORBIDDEN
    elif found["unclear"] or not found["allowed"]:
        verdict = Verdict.UNCLEAR
    else:
        verdict = Verdict.ALLOWED
    return Transformations(verdict, _unique(found["allowed"]), _unique(found["forbidden"]), _unique(found["unclear"]))


# Spellings brought to one canonical form before formats are looked for (order matters).
_SPELLINGS = (
    (re.compile(r"b(?:rain)?[\s_-]?float[\s_-]?16|\bbfp[\s_-]?16|\bbf[\s_-]+16"), "bf16"),
    (re.compile(r"\bhalf(?:[\s_-]precision)?\b"), "fp16"),
    (re.compile(r"\bsingle(?:[\s_-]precision)?\b"), "fp32"),
    (re.compile(r"\bdouble(?:[\s_-]precision)?\b"), "fp64"),
    (re.compile(r"(\d{1,2})[\s_-]?bits?[\s_-]+(?:integers?|ints?)\b"), r"int\1"),
    (re.compile(r"(\d{1,2})[\s_-]?bits?[\s_-]+(?:float(?:ing)?(?:[\s_-]point)?|fp)\b"), r"fp\1"),
    (re.compile(r"float[\s_-]?(\d)"), r"fp\1"),
    (re.compile(r"\b(mx|nv)?(fp|u?int)(?:eger)?[\s_-]+(\d)"), r"\1\2\3"),
)
#: A numeric format: (mx|nv)fpN, (u)intN, bf16, tf32, eXmY fp8 variants, nf4, wNaM schemes, bool.
_FORMAT = re.compile(r"(?<![a-z0-9])(?:(?:mx|nv)?(?:fp|u?int)\d{1,2}|bf16|tf32|e\dm\d(?:fnuz|fn)?|nf4|w\d{1,2}a\d{1,2}"
                     r"|bool|binary)(?![0-9])")
_TYPE_ITEMS = re.compile(r"[,;/+&|\n]|\band\b")


@dataclass(frozen=True)
class DataTypes:
    """The numeric formats a `*_data_types` declaration names (canonical spelling, in order) and the
    parts that name none."""

    formats: tuple[str, ...]
    unknown: tuple[str, ...]


def parse_data_types(value: Any) -> DataTypes:
    """Read a data-type declaration in any common spelling ("bfloat16", "FP8 (E4M3)", "int 8",
    "clip1:fp32,unet:fp8", "8-bit integer"); every part must name at least one numeric format."""
    text = as_text(value)
    for pattern, repl in _SPELLINGS:
        text = pattern.sub(repl, text)
    formats: list[str] = []
    unknown: list[str] = []
    for item in (i.strip(" ()[]'\"") for i in _TYPE_ITEMS.split(text)):
        if not item:
            continue
        found = _FORMAT.findall(item)
        if found:
            formats.extend(found)
        else:
            unknown.append(item)
    if not formats and not unknown:
        unknown.append("(empty)")
    return DataTypes(_unique(formats), tuple(unknown))


def _squash(text: str) -> str:
    """Lower-case letters and digits only, with the usual misspellings of Hugging Face unified."""
    text = re.sub(r"hugging\s*face|hugginface|huggingfce", "huggingface", text.lower())
    return re.sub(r"[^a-z0-9]", "", text)


def names_reference_weights(value: Any, references: Iterable[str]) -> bool:
    """True when `starting_weights_filename` contains one of the benchmark's known reference-weight
    names or sources (case, punctuation and spacing ignored: "resnet50_v1.onnx" matches
    "https://zenodo.org/record/4735647/files/resnet50_v1.onnx")."""
    text = _squash(as_text(value))
    return bool(text) and any(ref and ref in text for ref in (_squash(r) for r in references))
