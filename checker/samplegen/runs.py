"""What one result logs: its LoadGen runs, accuracy log and scores, from its spec and the rulebook."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from checker.model import LATENCY_SCENARIOS
from checker.rulebook import Benchmark, Rulebook
from checker.samplegen import accuracy, mllog, summary
from checker.samplegen.files import write
from checker.samplegen.loadgen import RunSpec, run_values
from checker.samplegen.scores import accuracy_lines, default_scores
from checker.samplegen.specs import ResultSpec

#: Default figures: latencies in ns, throughputs in samples/s or tokens/s.
_DEFAULT_LATENCY_NS = {"SingleStream": 480_000, "MultiStream": 2_900_000}
_DEFAULT_RATE = {"Offline": 24_000.0, "Server": 21_000.0, "Interactive": 15_000.0}
#: Opaque payload width (bytes) per accuracy metric of benchmarks that are neither classifiers nor LLMs.
#: 3d-unet (DICE) gets a stand-in far smaller than a real segmentation volume: its accuracy log (43
#: samples) and TEST01 log (64) then stay below the truncation threshold, are published whole and
#: their hash can be checked and TEST01 recomputed.
_PAYLOAD_BYTES = {"mAP": 56, "F1": 496, "DICE": 6, "AUC": 8, "ACCURACY": 64}


def seed_of(*parts: str) -> int:
    """A deterministic 64-bit seed for `parts` (independent of Python's hash randomisation)."""
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


@functools.lru_cache(maxsize=64)
def _cached_log(kind: str, model: str, count: int, mean_tokens: float, first_token: bool, width: int) -> accuracy.AccuracyLog:
    """Accuracy logs are expensive (a full data set) and identical for every result of a benchmark."""
    seed = seed_of(kind, model)
    if kind == "tokens":
        order = accuracy.shuffled(count, seed)
        return accuracy.token_log(order, mean_tokens, seed, first_token)
    if kind == "classes":
        return accuracy.classification_log(count, 1000, seed)
    return accuracy.bytes_log(count, width, seed)


@functools.lru_cache(maxsize=64)
def _cached_sample(key: tuple[str, str, int, float, bool, int], count: int) -> accuracy.AccuracyLog:
    """TEST01 logs are the same for every result of a benchmark too."""
    return accuracy.sampled_log(_cached_log(*key), count, seed_of("TEST01", key[1]))


@dataclass(frozen=True)
class ResultPlan:
    """One result directory: spec + rulebook entry + where it lives (`label`, used for variety only)."""

    rulebook: Rulebook
    bench: Benchmark
    spec: ResultSpec
    scenario: str
    label: str

    @property
    def effective(self) -> str:
        """The scenario LoadGen ran."""
        return self.rulebook.performance.run_scenario(self.scenario)

    @property
    def metric_field(self) -> str:
        """LoadGen key of the headline figure (keyed by the effective scenario)."""
        return self.bench.metric_field[self.effective]

    @cached_property
    def scores(self) -> dict[str, float]:
        """accuracy.txt values: passing defaults from the round's targets, then the spec's values."""
        scores = default_scores(self.bench.accuracy_for(self.scenario))
        scores.update(self.spec.accuracy or {})
        return scores

    @property
    def accuracy_samples(self) -> int:
        """Samples the accuracy run covers."""
        return (self.bench.expected_accuracy_samples(self.scenario) or self.bench.performance_sample_count
                or 1024)

    @property
    def tokens_per_sample(self) -> float:
        """Mean output length of an LLM (from TOKENS_PER_SAMPLE when printed, else GEN_LEN characters)."""
        if "TOKENS_PER_SAMPLE" in self.scores:
            return float(self.scores["TOKENS_PER_SAMPLE"])
        if "GEN_LEN" in self.scores:
            return round(float(self.scores["GEN_LEN"]) / self.accuracy_samples / 4.2, 1)
        return 256.0

    @property
    def scale(self) -> float:
        """Reported value = LoadGen value x scale (ns -> ms for latencies unless the round says otherwise)."""
        default = 1e-6 if self.effective in LATENCY_SCENARIOS else 1.0
        return self.bench.metric_scale.get(self.scenario, default)

    @property
    def performance(self) -> float:
        """The reported figure, in the checker's unit."""
        if self.spec.performance is not None:
            return self.spec.performance
        if self.effective in LATENCY_SCENARIOS:
            latency = _DEFAULT_LATENCY_NS[self.effective] * (5000 if self.bench.token_latencies else 1)
            return latency * self.scale
        return _DEFAULT_RATE[self.scenario] * (1.0 if "token" in self.metric_field else 1.25)

    def run(self, mode: str = "PerformanceOnly", *, factor: float = 1.0, audit: Mapping[str, Any] | None = None,
            seeds: Mapping[str, int] | None = None, suffix: str = "", main: bool = False) -> RunSpec:
        """A LoadGen run of this result; `main` applies the spec's log overrides (main performance run only)."""
        limits = self.bench.token_latency_limits_ns
        token = limits.get(self.scenario) or limits.get("Server")
        bound = self.bench.latency_bound_ns.get(self.scenario, self.bench.latency_bound_ns.get("Server", 0))
        return RunSpec(
            round_=self.rulebook.round, loadgen_release=self.rulebook.loadgen_version_prefixes[0],
            scenario=self.effective, mode=mode, metric_field=self.metric_field,
            metric=self.performance / self.scale * factor, seeds=seeds or self.rulebook.seeds,
            min_duration_ms=0 if self.bench.exempt_min_duration else self.rulebook.min_duration_ms,
            dataset_size=self.bench.dataset_size or self.accuracy_samples,
            performance_sample_count=self.bench.performance_sample_count or self.accuracy_samples,
            accuracy_sample_count=self.accuracy_samples,
            offline_min_samples_per_query=self.bench.offline_min_samples_per_query or 1,
            equal_issue=self.bench.equal_issue, target_latency_ns=0 if self.bench.token_latencies else bound,
            token_latencies=self.bench.token_latencies, ttft_ns=token.ttft if token else 0,
            tpot_ns=token.tpot if token else 0, tokens_per_sample=self.tokens_per_sample,
            label=f"{self.label}/{mode}{suffix}", audit=audit,
            overrides=dict(self.spec.log_overrides) if main else {})

    @property
    def _log_key(self) -> tuple[str, str, int, float, bool, int]:
        """Arguments of `_cached_log` for this result's accuracy log."""
        metrics = [t.metric for t in self.bench.accuracy]
        if self.bench.token_latencies:
            return ("tokens", self.bench.name, self.accuracy_samples, self.tokens_per_sample,
                    self.effective != "Offline", 0)
        if "acc" in metrics:
            return ("classes", self.bench.name, self.accuracy_samples, 0.0, False, 0)
        width = next((_PAYLOAD_BYTES[m] for m in metrics if m in _PAYLOAD_BYTES), 16)
        return ("bytes", self.bench.name, self.accuracy_samples, 0.0, False, width)

    @property
    def accuracy_log(self) -> accuracy.AccuracyLog:
        """The accuracy-mode `mlperf_log_accuracy.json` of this result (cached per benchmark)."""
        return _cached_log(*self._log_key)

    def sampled_log(self, count: int) -> accuracy.AccuracyLog:
        """A performance-mode log repeating `count` samples of the accuracy log (cached per benchmark)."""
        return _cached_sample(self._log_key, count)

    def accuracy_txt(self) -> str:
        """accuracy.txt: the scores as the accuracy script prints them, then the log's hash."""
        return accuracy.accuracy_txt(accuracy_lines(self.scores, self.accuracy_samples), self.accuracy_log.sha256)


def write_run(directory: Path, run: RunSpec) -> dict[str, Any]:
    """Write a run's detail and summary logs into `directory`; return the logged values."""
    values = run_values(run)
    records = mllog.records(run, values)
    write(directory / "mlperf_log_detail.txt", mllog.render(records, run))
    write(directory / "mlperf_log_summary.txt", summary.render(run, values, records))
    return values
