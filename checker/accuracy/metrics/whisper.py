"""whisper: word accuracy against the LibriSpeech manifest (`Word Error Rate: 2.1%, accuracy=97.8%`, key `ACCURACY`).

As `speech2text/accuracy_eval.py`: every entry counts, in log order (no de-duplication); payload
elements index the alphabet below; the reference of an entry is the manifest transcript of its
`qsl_idx` (utterances longer than 30 s dropped first) with characters outside the alphabet removed;
both sides go through whisper's English text normaliser and are aligned word by word, a run of up
to three words matching one word on the other side counting as a match; WER = total edit distance /
total reference words; accuracy = (1 - WER) x 100. The normaliser is `whisper_normalizer`'s
`EnglishTextNormalizer` when installed; otherwise a plain lower-case/punctuation normaliser is used
and the value is reported as approximate (never compared).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from checker.accuracy.decode import as_array, integer_dtype
from checker.accuracy.reference import librispeech_manifest
from checker.accuracy.registry import Outcome, ReferenceDataError, Value, metric
from checker.accuracy.stream import peek, samples
from checker.parsers.accuracy_log import Entry

ALPHABET = [" ", *"abcdefghijklmnopqrstuvwxyz", "'", *"0123456789", "$", "¢", "£", "€", "%", "+", "-"]
MAX_DURATION_S = 30.0
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def normaliser() -> tuple[Callable[[str], str], bool]:
    """whisper's EnglishTextNormalizer when installed (exact), else a plain one (approximate)."""
    try:
        from whisper_normalizer.english import EnglishTextNormalizer
    except ImportError:
        return plain_normalise, False
    return EnglishTextNormalizer(), True


def plain_normalise(text: str) -> str:
    """Lower case, apostrophes kept inside words, other symbols become spaces, spaces collapsed."""
    text = re.sub(r"[^a-z0-9' ]+", " ", text.lower())
    return " ".join(word.strip("'") for word in text.split() if word.strip("'"))


def levenshtein(a: list[str], b: list[str]) -> int:
    """Edit distance between two word lists."""
    if len(a) > len(b):
        a, b = b, a
    row = list(range(len(a) + 1))
    for i, word_b in enumerate(b, start=1):
        previous, row = row, [i] + [0] * len(a)
        for j, word_a in enumerate(a, start=1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (word_a != word_b))
    return row[len(a)]


def concatenation_aware_errors(hyp: list[str], ref: list[str]) -> int:
    """Edit distance after aligning runs of up to three words that concatenate to one word of the
    other side (`some thing` against `something` is a match), as the MLPerf whisper scorer does."""
    ref_out: list[str] = []
    hyp_out: list[str] = []
    i = j = 0
    while i < len(ref) and j < len(hyp):
        if ref[i] == hyp[j]:
            ref_out.append(ref[i])
            hyp_out.append(hyp[j])
            i, j = i + 1, j + 1
            continue
        take_ref = take_hyp = 1
        for k in range(1, 4):
            if i + k <= len(ref) and "".join(ref[i:i + k]) == hyp[j]:
                take_ref = k
                break
            if j + k <= len(hyp) and "".join(hyp[j:j + k]) == ref[i]:
                take_hyp = k
                break
        ref_out.append("".join(ref[i:i + take_ref]))
        hyp_out.append("".join(hyp[j:j + take_hyp]))
        i, j = i + take_ref, j + take_hyp
    ref_out.extend(ref[i:])
    hyp_out.extend(hyp[j:])
    return levenshtein(ref_out, hyp_out)


def references(path: Path) -> list[str]:
    """Manifest transcripts in QSL order, mapped into the alphabet."""
    out = []
    for item in librispeech_manifest(path):
        duration = item.get("original_duration", 0.0)
        if isinstance(duration, (int, float)) and duration > MAX_DURATION_S:
            continue
        transcript = item.get("transcript")
        if not isinstance(transcript, str):
            raise ReferenceDataError(f"{path.name}: an utterance has no transcript string")
        out.append("".join(c for c in transcript if c in _INDEX))
    return out


@metric("whisper", ("whisper",), ("ACCURACY",), needs=("librispeech_manifest",), tolerance={"ACCURACY": 1e-9})
def whisper_accuracy(entries: Iterator[Entry], paths: dict[str, Path], size: int | None) -> Outcome:
    """Word accuracy in percent."""
    refs = references(paths["librispeech_manifest"])
    limit = min(len(refs), size) if size else len(refs)
    out = Outcome()
    head, stream = peek(samples(entries, limit, dedupe=False))
    dtype = integer_dtype([e.data for e in head], len(ALPHABET))
    if dtype is None:
        out.skipped["ACCURACY"] = f"the payloads are not indices into the {len(ALPHABET)}-symbol alphabet"
        return out
    out.dtype = dtype.name
    normalise, exact = normaliser()
    errors = words = 0
    for entry in stream:
        indices = as_array(entry.data, dtype.dtype)
        hyp = "".join(ALPHABET[i] if 0 <= i < len(ALPHABET) else "" for i in indices.tolist())
        ref_words = normalise(refs[entry.qsl_idx]).split()
        errors += concatenation_aware_errors(normalise(hyp).split(), ref_words)
        words += len(ref_words)
    if words == 0:
        out.skipped["ACCURACY"] = "the log holds no sample with reference words"
        return out
    note = f"WER {100.0 * errors / words:.4f}% ({errors} errors / {words} words)"
    if not exact:
        note += "; approximate: whisper-normalizer is not installed"
    out.values["ACCURACY"] = Value(100.0 * (1 - errors / words), exact=exact, note=note)
    return out
