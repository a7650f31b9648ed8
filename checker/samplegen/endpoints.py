"""Endpoints-harness results (round v6.1): `config.yaml`, `performance/result_summary.json`,
`accuracy/accuracy_results.json`, `audit/audit_<name>.json`, `measurements.json` and `README.md`.

The files are shaped like the harness's own (a config with `settings.runtime` and `settings.load_pattern`,
a summary with `early_stopping_percentiles` per latency series, `accuracy_scores` entries) and hold
values that pass the round: its seeds, a 600 s minimum duration, percentiles below the latency bounds
and token limits, scores from the round's targets, the accuracy sample count, and the TEST09 window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from checker.samplegen import documents
from checker.samplegen.files import write
from checker.samplegen.runs import ResultPlan, seed_of
from checker.samplegen.specs import ResultSpec, SubmissionSpec, SystemSpec

#: The run lasts a little over the round's minimum duration.
DURATION_MARGIN = 1.02
#: Percentiles are this fraction of the bound or limit they must stay below.
HEADROOM = 0.7
HARNESS_VERSION = "0.3.1"
_PERCENTILES = ("50.0", "90.0", "95.0", "99.0", "99.9")
_SPREAD = {"50.0": 0.8, "90.0": 1.25, "95.0": 1.4, "99.0": 1.7, "99.9": 2.1}


def run_type(plan: ResultPlan) -> str:
    """config.yaml `type` of the result's run: a type the directory scenario accepts, else its scenario's type."""
    spec = plan.rulebook.endpoints
    accepted = spec.directory_scenarios.get(plan.scenario)
    if accepted:
        return accepted[0]
    return next(t for t, s in spec.scenario_types.items() if s == plan.scenario)


def _series(mean: float, p99_cap: float | None = None) -> dict[str, Any]:
    """A latency series (ns): mean, extremes and early-stopping percentiles below `p99_cap`."""
    p99 = min(mean * _SPREAD["99.0"], p99_cap) if p99_cap else mean * _SPREAD["99.0"]
    scale = p99 / (mean * _SPREAD["99.0"])
    estimates = {p: round(mean * _SPREAD[p] * scale) for p in _PERCENTILES}
    return {"min": round(mean * 0.4), "max": round(estimates["99.9"] * 1.1), "avg": round(mean),
            "percentiles": {p: round(v * 0.97) for p, v in estimates.items()}, "early_stopping_percentiles": estimates}


def _mean_output_tokens(plan: ResultPlan) -> float:
    """Mean output length: the middle of the round's TEST09 window when it has one."""
    window = plan.bench.compliance_bounds.get(plan.rulebook.endpoints.output_length_test)
    if window is not None and window.min is not None and window.max is not None:
        return round((window.min + window.max) / 2, 2)
    return plan.tokens_per_sample


def _latency_ns(plan: ResultPlan) -> float:
    """Mean sample latency (ns): the reported figure for latency scenarios, else a plausible one."""
    if plan.scenario in ("SingleStream", "MultiStream"):
        return plan.performance / plan.scale
    bound = plan.bench.latency_bound_ns.get(plan.scenario)
    return bound * HEADROOM / _SPREAD["99.0"] if bound else 2.5e9


def _qps(plan: ResultPlan) -> float:
    """Samples per second of the run: from the reported latency, sample rate or token rate."""
    if plan.scenario in ("SingleStream", "MultiStream"):
        return 1e9 / _latency_ns(plan)
    if plan.bench.token_latencies and "token" in plan.metric_field:
        return plan.performance / _mean_output_tokens(plan)
    return plan.performance


def result_summary(plan: ResultPlan) -> dict[str, Any]:
    """performance/result_summary.json: counts, duration, rates and latency series of a passing run."""
    book, bench = plan.rulebook, plan.bench
    duration_ns = round(book.min_duration_ms * 1e6 * DURATION_MARGIN)
    tokens = _mean_output_tokens(plan) if bench.token_latencies else None
    latency = _latency_ns(plan)
    qps = _qps(plan)
    issued = max(1, round(qps * duration_ns / 1e9))
    out: dict[str, Any] = {
        "version": HARNESS_VERSION, "git_sha": f"{seed_of('endpoints', plan.label):016x}",
        "test_started_at": "2026-07-14T09:30:00Z", "state": "complete", "complete": True,
        "n_samples_issued": issued, "n_samples_completed": issued, "n_samples_failed": 0,
        "duration_ns": duration_ns, "qps": round(qps, 6), "latency": _series(latency, _bound(plan))}
    if tokens:
        limits = bench.token_latency_limits_ns.get(plan.scenario)
        out["tps"] = round(qps * tokens, 6)
        out["ttft"] = _series(latency * 0.05, limits.ttft * HEADROOM if limits else None)
        out["tpot"] = _series(latency / tokens, limits.tpot * HEADROOM if limits else None)
        out["output_sequence_lengths"] = {"min": 1, "max": round(tokens * 4), "avg": tokens}
    return out


def _bound(plan: ResultPlan) -> float | None:
    """The end-to-end latency bound of the directory scenario (benchmarks without token limits)."""
    bound = plan.bench.latency_bound_ns.get(plan.scenario)
    return bound * HEADROOM if bound and not plan.bench.token_latencies else None


def config_yaml(plan: ResultPlan, spec: ResultSpec) -> dict[str, Any]:
    """config.yaml: the harness's run type, model and runtime settings (the round's seeds)."""
    book = plan.rulebook
    pattern = ({"type": "max_throughput"} if plan.scenario == "Offline"
               else {"type": "poisson", "target_qps": round(_qps(plan), 3)})
    return {"name": f"{spec.benchmark}-{spec.scenario}".lower(), "version": HARNESS_VERSION, "type": run_type(plan),
            "model_params": {"name": plan.bench.model, "streaming": plan.bench.token_latencies},
            "settings": {"runtime": {"min_duration_ms": book.min_duration_ms,
                                     "max_duration_ms": book.min_duration_ms * 3,
                                     "dataloader_random_seed": book.seeds["sample_index_rng_seed"],
                                     "scheduler_random_seed": book.seeds["schedule_rng_seed"]},
                         "load_pattern": pattern}}


def accuracy_results(plan: ResultPlan) -> dict[str, Any]:
    """accuracy/accuracy_results.json: one accuracy entry scoring the whole accuracy data set.

    A benchmark with a single lower-bound metric gets a plain score, others a score per metric."""
    scores = plan.scores
    lows = {t.metric for t in plan.bench.accuracy_for(plan.scenario) if t.direction == "at_least"}
    score: Any = scores[next(iter(lows))] if len(lows) == 1 else dict(scores)
    samples = plan.accuracy_samples
    return {"accuracy_scores": [{"dataset_name": f"{plan.bench.model}-accuracy", "dataset_type": "accuracy",
                                 "score": score, "total_samples": samples, "unit_samples": samples,
                                 "response_counts": {"issued": samples, "completed": samples}}]}


def write_endpoints_result(plan: ResultPlan, result_dir: Path, system: str, compliance: bool) -> list[str]:
    """Write an endpoints result into `result_dir` (layout v6); return the compliance tests audited."""
    spec = plan.spec
    write(result_dir / "config.yaml", yaml.safe_dump(config_yaml(plan, spec), sort_keys=False))
    book = plan.rulebook.endpoints
    write(result_dir / book.performance_file, documents.dump_json(result_summary(plan)))
    write(result_dir / book.accuracy_file, documents.dump_json(accuracy_results(plan)))
    tests = [t for t in plan.bench.compliance if t in book.audits] if compliance else []
    for test in tests:
        name = book.audits[test]
        write(result_dir / book.audit_file.format(name=name), documents.dump_json({"test": name, "passed": True}))
    write(result_dir / "measurements.json", documents.measurements_json(plan.rulebook, plan.bench, spec.measurements))
    write(result_dir / "README.md", documents.result_readme(system, spec.benchmark, plan.scenario, tests))
    return tests


def closed_v61_endpoints() -> SubmissionSpec:
    """v6.1 endpoints results: qwen3-vl (Offline, Interactive) and gpt-oss-120b (Offline, `online`) on a
    datacenter system, qwen3.6-27b SingleStream on an edge system."""
    return SubmissionSpec(round="v6.1", division="closed", submitter="Acme", systems=[
        SystemSpec(name="acme_ep_dc", system_type="datacenter", results=[
            ResultSpec("qwen3-vl-235b-a22b", "Offline", performance=41.7, endpoints=True),
            ResultSpec("qwen3-vl-235b-a22b", "Interactive", performance=12.9, endpoints=True),
            ResultSpec("gpt-oss-120b", "Offline", performance=41250.3, endpoints=True),
            ResultSpec("gpt-oss-120b", "online", performance=35120.8, endpoints=True)]),
        SystemSpec(name="acme_ep_edge", system_type="edge", results=[
            ResultSpec("qwen3.6-27b", "SingleStream", performance=9850.0, endpoints=True)])])


#: Named endpoints samples written by `generate_samples` beside the LoadGen ones.
SAMPLES = {"closed-v6.1-endpoints": closed_v61_endpoints}
