"""Broken variants: a complete small valid tree with exactly one defect, and the codes it must raise.

Each variant is built from a base spec (never by copying a directory): `spec` may change the spec
before the tree is written (a changed figure, a log override), then `edit` may change the written
tree (delete, truncate, corrupt a file). `touches` lists the paths, relative to the submitter
directory, where the variant differs from its base (a directory stands for everything below it).
Adding a variant is one `register(Variant(...))` call; `codes` may stay empty until the rule exists.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checker.rulebook import load_rulebook
from checker.samplegen.specs import ResultSpec, SubmissionSpec, SystemSpec
from checker.samplegen.tree import write_submission

ROUND = "v6.0"
SUBMITTER = "Acme"
SYSTEM = "acme_x8_dc"
SMALL = f"results/{SYSTEM}/3d-unet-99/Offline"
LLM = f"results/{SYSTEM}/llama3.1-8b/Interactive"
PERF = "performance/run_1"


def small_base() -> SubmissionSpec:
    """The smallest complete closed tree: one datacenter system, 3d-unet-99 Offline (with TEST01)."""
    return SubmissionSpec(round=ROUND, division="closed", submitter=SUBMITTER, systems=[SystemSpec(
        name=SYSTEM, system_type="datacenter", results=[ResultSpec("3d-unet-99", "Offline", performance=52.317)])])


def llm_base() -> SubmissionSpec:
    """A complete closed LLM tree: llama3.1-8b Offline and Interactive (with TEST06)."""
    return SubmissionSpec(round=ROUND, division="closed", submitter=SUBMITTER, systems=[SystemSpec(
        name=SYSTEM, system_type="datacenter", results=[ResultSpec("llama3.1-8b", "Offline", performance=21408.5),
                                                        ResultSpec("llama3.1-8b", "Interactive", performance=14210.9)])])


BASES: dict[str, Callable[[], SubmissionSpec]] = {"small": small_base, "llm": llm_base}


@dataclass(frozen=True)
class Variant:
    """One broken variant (see the module docstring)."""

    name: str
    base: str
    touches: tuple[str, ...]
    codes: tuple[str, ...] = ()
    spec: Callable[[SubmissionSpec], SubmissionSpec] | None = None
    edit: Callable[[Path], None] | None = None
    description: str = ""


VARIANTS: dict[str, Variant] = {}


def register(variant: Variant) -> Variant:
    """Add a variant to the registry (names are unique)."""
    if variant.name in VARIANTS:
        raise ValueError(f"variant {variant.name!r} is already registered")
    if variant.base not in BASES:
        raise ValueError(f"variant {variant.name!r}: unknown base {variant.base!r}")
    VARIANTS[variant.name] = variant
    return variant


# --------------------------------------------------------------------------- spec and tree edits


def change_result(benchmark: str, scenario: str, **changes: Any) -> Callable[[SubmissionSpec], SubmissionSpec]:
    """A spec edit: replace fields of the result `benchmark`/`scenario` (log_overrides and
    measurements are merged into the existing mappings)."""
    def apply(spec: SubmissionSpec) -> SubmissionSpec:
        systems = []
        for system in spec.systems:
            results = []
            for result in system.results:
                if (result.benchmark, result.scenario) == (benchmark, scenario):
                    merged = dict(changes)
                    for name in ("log_overrides", "measurements"):
                        if name in merged:
                            merged[name] = {**getattr(result, name), **merged[name]}
                    result = dataclasses.replace(result, **merged)
                results.append(result)
            systems.append(dataclasses.replace(system, results=results))
        return dataclasses.replace(spec, systems=systems)
    return apply


def change_system(name: str, **fields: Any) -> Callable[[SubmissionSpec], SubmissionSpec]:
    """A spec edit: override (None: remove) fields of a system description."""
    def apply(spec: SubmissionSpec) -> SubmissionSpec:
        systems = [dataclasses.replace(s, fields={**s.fields, **fields}) if s.name == name else s for s in spec.systems]
        return dataclasses.replace(spec, systems=systems)
    return apply


def delete(rel: str) -> Callable[[Path], None]:
    """A tree edit: remove a file or a whole directory."""
    def apply(base: Path) -> None:
        path = base / rel
        if path.is_dir():
            for child in sorted(path.rglob("*"), reverse=True):
                child.rmdir() if child.is_dir() else child.unlink()
            path.rmdir()
        else:
            path.unlink()
    return apply


def write_bytes(rel: str, data: bytes) -> Callable[[Path], None]:
    """A tree edit: replace a file's content."""
    def apply(base: Path) -> None:
        (base / rel).write_bytes(data)
    return apply


def truncate_half(rel: str) -> Callable[[Path], None]:
    """A tree edit: keep the first half of a file (a JSON file then no longer parses)."""
    def apply(base: Path) -> None:
        data = (base / rel).read_bytes()
        (base / rel).write_bytes(data[:len(data) // 2])
    return apply


def break_mllog_line(rel: str, key: str) -> Callable[[Path], None]:
    """A tree edit: cut the JSON of the `:::MLLOG` record of `key` in the middle."""
    def apply(base: Path) -> None:
        lines = (base / rel).read_text(encoding="utf-8").split("\n")
        number = next(i for i, line in enumerate(lines) if f'"key": "{key}"' in line)
        lines[number] = lines[number][:len(lines[number]) // 2]
        (base / rel).write_text("\n".join(lines), encoding="utf-8")
    return apply


def replace_line(rel: str, prefix: str, new: str) -> Callable[[Path], None]:
    """A tree edit: replace the line starting with `prefix`."""
    def apply(base: Path) -> None:
        lines = (base / rel).read_text(encoding="utf-8").split("\n")
        lines = [new if line.startswith(prefix) else line for line in lines]
        (base / rel).write_text("\n".join(lines), encoding="utf-8")
    return apply


def add_mllog_record(rel: str, key: str, value: str, after: str, *, error: bool = False,
                     warning: bool = False) -> Callable[[Path], None]:
    """A tree edit: insert a `:::MLLOG` record (an error or a warning) after the record of `after`."""
    def apply(base: Path) -> None:
        lines = (base / rel).read_text(encoding="utf-8").split("\n")
        number = next(i for i, line in enumerate(lines) if f'"key": "{after}"' in line)
        record = {"key": key, "value": value, "time_ms": 0.0, "namespace": "mlperf::logging",
                  "event_type": "POINT_IN_TIME", "metadata": {"is_error": error, "is_warning": warning,
                                                              "file": "loadgen.cc", "line_no": 0, "pid": 0, "tid": 0}}
        lines.insert(number + 1, ":::MLLOG " + json.dumps(record))
        (base / rel).write_text("\n".join(lines), encoding="utf-8")
    return apply


def replace_text(rel: str, old: str, new: str) -> Callable[[Path], None]:
    """A tree edit: replace every occurrence of `old` in a text file by `new`."""
    def apply(base: Path) -> None:
        path = base / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return apply


def rename(rel: str, new_name: str) -> Callable[[Path], None]:
    """A tree edit: rename a file or directory in place."""
    def apply(base: Path) -> None:
        (base / rel).rename((base / rel).with_name(new_name))
    return apply


def _random_bytes(name: str, size: int) -> bytes:
    return random.Random(hashlib.sha256(name.encode()).digest()).randbytes(size)


def _limit(benchmark: str, scenario: str) -> Any:
    return load_rulebook(ROUND).benchmarks[benchmark].token_latency_limits_ns[scenario]


def _dice_below_target() -> float:
    target = next(t for t in load_rulebook(ROUND).benchmarks["3d-unet-99"].accuracy if t.metric == "DICE")
    return round(target.threshold * 0.98, 4)


def _previous_round_seed(name: str) -> int:
    previous = load_rulebook(ROUND).extends
    assert previous is not None
    return load_rulebook(previous).seeds[name]


# --------------------------------------------------------------------------- the registry

_SMALL_PERF = (f"{SMALL}/{PERF}/mlperf_log_detail.txt", f"{SMALL}/{PERF}/mlperf_log_summary.txt")
_LLM_PERF = (f"{LLM}/{PERF}/mlperf_log_detail.txt", f"{LLM}/{PERF}/mlperf_log_summary.txt")

register(Variant("missing-perf-detail-log", "small", (f"{SMALL}/{PERF}/mlperf_log_detail.txt",), ("STR001",),
                 edit=delete(f"{SMALL}/{PERF}/mlperf_log_detail.txt"),
                 description="performance/run_1/mlperf_log_detail.txt deleted"))
register(Variant("missing-accuracy-txt", "small", (f"{SMALL}/accuracy/accuracy.txt",), ("STR001",),
                 edit=delete(f"{SMALL}/accuracy/accuracy.txt"), description="accuracy/accuracy.txt deleted"))
register(Variant("malformed-system-json", "small", (f"systems/{SYSTEM}.json",), ("LOG001",),
                 edit=truncate_half(f"systems/{SYSTEM}.json"), description="system JSON cut in the middle"))
register(Variant("malformed-detail-log-line", "small", (f"{SMALL}/{PERF}/mlperf_log_detail.txt",), ("LOG001",),
                 edit=break_mllog_line(f"{SMALL}/{PERF}/mlperf_log_detail.txt", "logger_start_reading_entries_retry_count"),
                 description="one :::MLLOG record of the performance log with broken JSON"))
register(Variant("empty-measurements-json", "small", (f"{SMALL}/measurements.json",), ("LOG002",),
                 edit=write_bytes(f"{SMALL}/measurements.json", b""), description="measurements.json is 0 bytes"))
register(Variant("binary-summary-log", "small", (f"{SMALL}/{PERF}/mlperf_log_summary.txt",), ("LOG003",),
                 edit=write_bytes(f"{SMALL}/{PERF}/mlperf_log_summary.txt", _random_bytes("binary-summary-log", 2048)),
                 description="performance summary log replaced by random bytes"))
register(Variant("invalid-result-validity", "llm", _LLM_PERF, ("PERF002",), spec=change_result(
    "llama3.1-8b", "Interactive", log_overrides={
        "result_validity": "INVALID", "result_perf_constraints_met": False,
        "result_invalid_reason": "TTFT constrain not met: Reduce target QPS to improve latency. "}),
    description="Interactive run reported INVALID by LoadGen (performance constraints not met)"))
register(Variant("wrong-seed", "small", _SMALL_PERF, ("PERF007",), spec=lambda spec: change_result(
    "3d-unet-99", "Offline", log_overrides={"requested_qsl_rng_seed": _previous_round_seed("qsl_rng_seed"),
                                            "effective_qsl_rng_seed": _previous_round_seed("qsl_rng_seed")})(spec),
    description="performance run made with the previous round's qsl_rng_seed"))
register(Variant("short-min-duration", "small", _SMALL_PERF, ("PERF003",), spec=change_result(
    "3d-unet-99", "Offline", log_overrides={"requested_min_duration_ms": 60000, "effective_min_duration_ms": 60000}),
    description="performance run configured with min_duration 60000 ms"))
register(Variant("accuracy-below-target", "small", (f"{SMALL}/accuracy/accuracy.txt",), ("ACC001",),
                 spec=lambda spec: change_result(
    "3d-unet-99", "Offline", accuracy={"DICE": _dice_below_target()})(spec),
    description="closed result whose DICE score is 2% below the target"))
register(Variant("hash-mismatch", "small", (f"{SMALL}/accuracy/accuracy.txt",), ("ACC004",),
                 edit=replace_line(f"{SMALL}/accuracy/accuracy.txt", "hash=",
                                   "hash=" + hashlib.sha256(b"another accuracy log").hexdigest()),
                 description="accuracy.txt hash is not the sha256 of the accuracy log"))
register(Variant("accuracy-run-performance-mode", "small", (f"{SMALL}/accuracy/mlperf_log_detail.txt",), ("ACC007",),
                 edit=replace_text(f"{SMALL}/accuracy/mlperf_log_detail.txt", '"value": "AccuracyOnly"',
                                   '"value": "PerformanceOnly"'),
                 description="the accuracy folder holds a PerformanceOnly run's detail log"))
register(Variant("empty-accuracy-log", "small", (f"{SMALL}/accuracy/accuracy.txt",
                                                 f"{SMALL}/accuracy/mlperf_log_accuracy.json"), ("ACC006", "ACC015"),
                 edit=lambda base: (write_bytes(f"{SMALL}/accuracy/mlperf_log_accuracy.json", b"[\n]\n")(base),
                                    replace_line(f"{SMALL}/accuracy/accuracy.txt", "hash=",
                                                 "hash=" + hashlib.sha256(b"[\n]\n").hexdigest())(base)),
                 description="an empty accuracy log, hashed as such, behind a DICE score (v4.1 AMD llama2 case)"))
register(Variant("retraining-yes", "small", (f"{SMALL}/measurements.json",), ("MEAS002",), spec=change_result(
    "3d-unet-99", "Offline", measurements={"retraining": "Yes, fine-tuned"}),
    description="closed result whose measurements declare retraining"))
register(Variant("pruned-closed-weights", "small", (f"{SMALL}/measurements.json",), ("MEAS003",), spec=change_result(
    "3d-unet-99", "Offline", measurements={"weight_transformations": "pruning (2:4 sparsity), quantization"}),
    description="closed result whose measurements declare pruned, sparse weights"))
register(Variant("missing-required-scenario", "llm", (f"results/{SYSTEM}/llama3.1-8b/Offline",), ("MEAS006",),
                 edit=delete(f"results/{SYSTEM}/llama3.1-8b/Offline"),
                 description="llama3.1-8b without its required Offline scenario (Interactive stays complete)"))
register(Variant("missing-system-field", "small", (f"systems/{SYSTEM}.json",), ("SYS003",),
                 spec=change_system(SYSTEM, host_processor_model_name=None),
                 description="system JSON without host_processor_model_name"))
register(Variant("missing-compliance-test", "small", (f"{SMALL}/TEST01",), ("CMP001",), edit=delete(f"{SMALL}/TEST01"),
                 description="TEST01 directory removed"))
register(Variant("compliance-run-without-audit-config", "small", (f"{SMALL}/TEST01/{PERF}/mlperf_log_detail.txt",),
                 ("CMP004",), edit=replace_line(f"{SMALL}/TEST01/{PERF}/mlperf_log_detail.txt",
                                                ':::MLLOG {"key": "warning_generic_message"', ""),
                 description="TEST01 run without LoadGen's audit.config warning (the test's settings not in force)"))
register(Variant("ttft-over-interactive-limit", "llm", _LLM_PERF, ("PERF011",), spec=lambda spec: change_result(
    "llama3.1-8b", "Interactive",
    log_overrides={"requested_server_ttft_latency": _limit("llama3.1-8b", "Server").ttft})(spec),
    description="Interactive run made with the Server TTFT setting: TTFT p99 between the Interactive and "
                "Server limits"))
register(Variant("test06-empty-log", "llm", (f"{LLM}/TEST06/accuracy/mlperf_log_accuracy.json",), ("CMP008",),
                 edit=write_bytes(f"{LLM}/TEST06/accuracy/mlperf_log_accuracy.json", b"[\n]\n"),
                 description="TEST06 accuracy log is the empty array while verify_accuracy.txt claims a pass"))
register(Variant("system-count-not-a-number", "small", (f"systems/{SYSTEM}.json",), ("SYS005",),
                 spec=change_system(SYSTEM, accelerators_per_node="8 (x2)"),
                 description='system JSON with accelerators_per_node "8 (x2)" (the official checker crashes on it)'))
register(Variant("misspelt-scenario-directory", "small", (f"results/{SYSTEM}/3d-unet-99",), ("STR013",),
                 edit=rename(SMALL, "Ofline"), description="the Offline result directory misspelt Ofline"))
register(Variant("hidden-file", "small", (f"{SMALL}/.DS_Store",), ("STR007",),
                 edit=lambda base: (base / SMALL / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1"),
                 description="a macOS .DS_Store file uploaded in a result directory"))


_POWER = (f"{SMALL}/performance", f"{SMALL}/analyzer_table.md", f"{SMALL}/power_settings.md")
_WITH_POWER = change_result("3d-unet-99", "Offline", power=True)
register(Variant("power-missing-ranging", "small", _POWER, ("PWR001",), spec=_WITH_POWER,
                 edit=delete(f"{SMALL}/performance/ranging"),
                 description="power result without its ranging run (performance/ranging removed)"))
register(Variant("power-server-debug", "small", _POWER, ("PWR019",), spec=_WITH_POWER,
                 edit=replace_line(f"{SMALL}/performance/power/server.json", '    "version": ',
                                   '    "debug": true,\n    "version": "1.0",'),
                 description="power result measured with the PTD server in debug mode"))
register(Variant("power-log-edited", "small", _POWER, ("PWR014",), spec=_WITH_POWER,
                 edit=write_bytes(f"{SMALL}/performance/power/client.log", b"client log rewritten after the session\n"),
                 description="power/client.log replaced after the session: its SHA-1 no longer matches client.json"))

register(Variant("loadgen-error-record", "small", (f"{SMALL}/{PERF}/mlperf_log_detail.txt",), ("PERF001",),
                 edit=add_mllog_record(f"{SMALL}/{PERF}/mlperf_log_detail.txt", "error_runtime",
                                       "Issue query timed out", after="effective_scenario", error=True),
                 description="performance run with a LoadGen error record (error_runtime)"))
register(Variant("audit-config-in-perf-run", "small", (f"{SMALL}/{PERF}/mlperf_log_detail.txt",), ("PERF014",),
                 edit=add_mllog_record(f"{SMALL}/{PERF}/mlperf_log_detail.txt", "warning_generic_message",
                                       "Found Audit Config file (audit.config). Overriding TestSettings from "
                                       "audit.config file.", after="qsl_reported_performance_count", warning=True),
                 description="submission performance run made with an audit.config left in place"))
register(Variant("offline-few-samples-per-query", "small", _SMALL_PERF, ("PERF005",), spec=change_result(
    "3d-unet-99", "Offline", log_overrides={"effective_samples_per_query": 10}),
    description="Offline query of 10 samples, below 3d-unet's minimum of 43"))


# --------------------------------------------------------------------------- writing


def write_variant(root: Path, variant: Variant) -> Path:
    """Write `variant` as a submission root at `root`; return the submitter directory."""
    spec = BASES[variant.base]()
    if variant.spec is not None:
        spec = variant.spec(spec)
    base = write_submission(root, spec)
    if variant.edit is not None:
        variant.edit(base)
    return base


def expected_codes(variants: Iterable[Variant]) -> dict[str, list[str]]:
    """variant name -> finding codes it must produce."""
    return {v.name: list(v.codes) for v in sorted(variants, key=lambda v: v.name)}


def write_variants(out: Path) -> None:
    """Write every registered variant under `out/<name>/` and `out/expected.yaml`."""
    for variant in VARIANTS.values():
        write_variant(out / variant.name, variant)
    header = "# Broken variants (sample_submissions/broken/<name>) -> finding codes each must produce.\n"
    (out / "expected.yaml").write_text(header + yaml.safe_dump(expected_codes(VARIANTS.values()), sort_keys=True),
                                       encoding="utf-8")
