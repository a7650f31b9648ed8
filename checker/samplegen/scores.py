"""Accuracy scores: passing defaults derived from a round's targets, and accuracy.txt lines.

The line formats are those the benchmarks' reference accuracy scripts print (e.g. `accuracy=76.078%,
good=38039, total=50000` for resnet, a Python dict for the LLM ROUGE scripts); the checker finds the
values with the round's `accuracy_patterns`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from checker.rulebook import AccuracyTarget

# Keys the LLM evaluation scripts use in their printed result dict.
_DICT_KEYS = {"ROUGE1": "rouge1", "ROUGE2": "rouge2", "ROUGEL": "rougeL", "ROUGELSUM": "rougeLsum",
              "GEN_LEN": "gen_len", "TOKENS_PER_SAMPLE": "tokens_per_sample", "exact_match": "exact_match",
              "gsm8k_accuracy": "gsm8k", "mbxp_accuracy": "mbxp", "CLIP_SCORE": "CLIP_SCORE",
              "FID_SCORE": "FID_SCORE", "vbench_score": "vbench_score", "meanAcc": "mean-accuracy"}
_DLRM_KEYS = {"DLRM_NE": "ne", "DLRM_ACC": "accuracy", "DLRM_AUC": "gauc"}


def number(value: float) -> str:
    """A score as the scripts print it: integers without a dot, others with at most 4 decimals."""
    value = round(float(value), 4)
    return str(int(value)) if value.is_integer() else repr(value)


def default_scores(targets: Sequence[AccuracyTarget]) -> dict[str, float]:
    """A passing value for every metric: inside the window when there are two bounds, just past a
    lower bound, or well below a lone upper bound (gpt-oss's TOKENS_PER_SAMPLE cap is 10 x the
    typical length); integers stay integers (e.g. GEN_LEN)."""
    lows: dict[str, float] = {}
    highs: dict[str, float] = {}
    for t in targets:
        bucket = lows if t.direction == "at_least" else highs
        bucket[t.metric] = (max if t.direction == "at_least" else min)(bucket.get(t.metric, t.threshold), t.threshold)
    scores = {}
    for metric in dict.fromkeys([t.metric for t in targets]):
        low, high = lows.get(metric), highs.get(metric)
        if low is not None and high is not None:
            value = (low + high) / 2
        elif low is not None:
            value = low * 1.004 if low > 0 else 0.01
        else:
            value = high * 0.125
        scores[metric] = float(round(value)) if abs(value) >= 1000 else round(value, 4 if abs(value) < 10 else 3)
    return scores


def accuracy_lines(scores: Mapping[str, float], samples: int) -> list[str]:
    """The accuracy script's output for `scores` (metric key -> value) on `samples` samples."""
    lines: list[str] = []
    dict_items = [(_DICT_KEYS[m], v) for m, v in scores.items() if m in _DICT_KEYS]
    for metric, value in scores.items():
        v = number(value)
        if metric == "acc":
            lines.append(f"accuracy={v}%, good={round(float(value) / 100 * samples)}, total={samples}")
        elif metric == "mAP":
            lines.append(f"mAP={v}%")
        elif metric == "AUC":
            lines.append(f"AUC={v}%, accuracy=96.605%, total={samples}")
        elif metric == "F1":
            lines.append(f'{{"exact_match": {number(float(value) - 7.7)}, "f1": {v}}}')
        elif metric == "DICE":
            lines.append(f"Accuracy: mean = {v}, kidney = {number(float(value) * 1.08)}, "
                         f"tumor = {number(float(value) * 0.92)}")
        elif metric in ("ACCURACY", "WER"):
            lines.append(f"Word Error Rate: {number(100 - float(value))}%, accuracy={v}%")
        elif metric in _DLRM_KEYS:
            lines.append(f"metric/lifetime_{_DLRM_KEYS[metric]}/rating: {v}")
        elif metric == "F1_HIERARCHICAL":
            lines.append(f'{{"f1": {v}, "samples": {samples}}}')
        elif metric == "E2E_ACCURACY":
            lines.append(f"Accuracy: {v}")
        elif metric == "bleu":
            lines.append(f"BLEU: {v}")
        elif metric not in _DICT_KEYS:
            raise ValueError(f"no accuracy.txt format for metric {metric!r}")
    if dict_items:
        extra: list[tuple[str, float]] = []
        if any(key.startswith("rouge") for key, _ in dict_items):
            extra.append(("gen_num", samples))
            if "TOKENS_PER_SAMPLE" in scores:
                extra.append(("gen_tok_len", round(float(scores["TOKENS_PER_SAMPLE"]) * samples)))
        body = ", ".join(f"'{key}': {number(value)}" for key, value in dict_items + extra)
        lines += ["", "Results", "", "{" + body + "}"]
    return lines
