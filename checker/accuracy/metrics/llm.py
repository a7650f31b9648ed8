"""LLM output-length statistics, computed from the log alone (key `TOKENS_PER_SAMPLE`).

As the LLM accuracy scripts: duplicates are ignored, `gen_tok_len` is the total number of output
tokens and `tokens_per_sample = gen_tok_len / gen_num` (printed rounded to one decimal), `gen_num`
being the number of distinct samples (mixtral's script counts every entry, duplicates included).
The token width comes from `token_count` when logged, else it is the widest integer type whose values
all lie inside the model's vocabulary. ROUGE, exact-match and the other quality metrics need the
tokenizer and the reference outputs and are not recomputed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from checker.accuracy.decode import integer_dtype
from checker.accuracy.registry import MetricFn, Outcome, Value, metric
from checker.accuracy.stream import peek, samples
from checker.parsers.accuracy_log import Entry

QUALITY = "quality metrics need the model's tokenizer and reference outputs, which the checker does not use"


def length_stats(vocabulary: int, count_duplicates: bool = False) -> MetricFn:
    """A metric function for a model whose token ids lie below `vocabulary`."""

    def compute(entries: Iterator[Entry], paths: dict[str, Path], size: int | None) -> Outcome:
        out = Outcome()
        everything = 0

        def tally(stream: Iterator[Entry]) -> Iterator[Entry]:
            nonlocal everything
            for entry in stream:
                everything += 1
                yield entry

        head, stream = peek(samples(tally(entries) if count_duplicates else entries, size, dedupe=False))
        dtype = integer_dtype([e.data for e in head], vocabulary, [e.token_count for e in head])
        if dtype is None:
            out.skipped["TOKENS_PER_SAMPLE"] = f"the payloads are not token ids below {vocabulary} under any integer type"
            return out
        out.dtype = dtype.name
        width = dtype.dtype.itemsize
        seen: set[int] = set()
        tokens = 0
        for entry in stream:
            if entry.qsl_idx in seen:
                continue
            seen.add(entry.qsl_idx)
            tokens += len(entry.data) // width
        samples_counted = everything if count_duplicates else len(seen)
        if samples_counted == 0:
            out.skipped["TOKENS_PER_SAMPLE"] = "the log holds no sample"
            return out
        out.values["TOKENS_PER_SAMPLE"] = Value(tokens / samples_counted,
                                                note=f"gen_tok_len={tokens}, gen_num={samples_counted}")
        return out

    compute.__doc__ = f"Output tokens per sample (vocabulary {vocabulary})."
    return compute


metric("llama2-70b", ("llama2-70b-99", "llama2-70b-99.9", "llama2-70b-interactive-99", "llama2-70b-interactive-99.9"),
       ("TOKENS_PER_SAMPLE",), tolerance={"TOKENS_PER_SAMPLE": 1e-9}, unsupported=QUALITY)(length_stats(32000))
metric("mixtral-8x7b", ("mixtral-8x7b",), ("TOKENS_PER_SAMPLE",), tolerance={"TOKENS_PER_SAMPLE": 1e-9},
       unsupported=QUALITY)(length_stats(32000, count_duplicates=True))
metric("llama3.1-405b", ("llama3.1-405b",), ("TOKENS_PER_SAMPLE",), tolerance={"TOKENS_PER_SAMPLE": 1e-9},
       unsupported=QUALITY)(length_stats(128256))
metric("deepseek-r1", ("deepseek-r1",), ("TOKENS_PER_SAMPLE",), tolerance={"TOKENS_PER_SAMPLE": 1e-9},
       unsupported=QUALITY)(length_stats(129280))
metric("gpt-oss-120b", ("gpt-oss-120b",), ("TOKENS_PER_SAMPLE",), tolerance={"TOKENS_PER_SAMPLE": 1e-9},
       unsupported=QUALITY)(length_stats(201088))
