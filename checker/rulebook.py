"""Round rulebooks: ``rules/<round>.yaml`` resolved through ``extends``, validated, typed.

Each round file holds data only. A later round names its predecessor in ``extends`` and lists the
changes; resolving merges mappings recursively, replaces lists and deletes a key whose value is
``null``. The resolved data is validated against ``schemas/rulebook.schema.json`` and converted
into frozen msgspec Structs (``Rulebook``, ``Benchmark``...): typed, unknown fields rejected.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal

import msgspec
import orjson

from checker.resources import data_dir
from checker.yamltext import pyyaml, safe_loader

ROUNDS_DIR: Path = data_dir("rules")
SCHEMA_PATH: Path = data_dir("schemas") / "rulebook.schema.json"


class UnknownRound(ValueError):
    """A round was asked for that has no rulebook."""

    def __init__(self, round_: str, known: list[str]) -> None:
        self.round = round_
        self.known = list(known)
        super().__init__(f"unknown round {round_!r}; known rounds: {', '.join(self.known) or 'none'}")


class RulebookError(ValueError):
    """A rulebook file is broken (bad ``extends`` chain or schema violation)."""


# --------------------------------------------------------------------------- resolution


def _version_key(round_: str) -> tuple[int, ...]:
    """Sort key for round names such as ``v6.1`` (numeric, component-wise)."""
    return tuple(int(part) for part in re.findall(r"\d+", round_))


def available_rounds() -> list[str]:
    """Names of all rounds that have a rulebook, oldest first."""
    return sorted((p.stem for p in ROUNDS_DIR.glob("v*.yaml")), key=_version_key)


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` updated by ``override``: mappings merge recursively, other values
    (lists included) replace, and a ``None`` value deletes the key. Inputs are not modified."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _read_round_file(round_: str) -> dict[str, Any]:
    """Parse ``rules/<round_>.yaml``; raise ``UnknownRound`` when it does not exist."""
    path = ROUNDS_DIR / f"{round_}.yaml"
    if not path.is_file():
        raise UnknownRound(round_, available_rounds())
    stat = path.stat()
    data = _parse_yaml(path, stat.st_mtime_ns, stat.st_size)
    if not isinstance(data, dict):
        raise RulebookError(f"{path}: a rulebook must be a mapping")
    return data


#: Rulebook files parsed in this process, by "path:mtime_ns:size" (a new version of a file has a new key).
PARSED: dict[str, Any] = {}


#: The shipped rulebook files already parsed, each with the SHA-256 of the text it was parsed from: a run
#: reads them instead of parsing YAML (nor imports PyYAML); a file edited since has another digest and
#: is parsed. Written with the snapshots (`UPDATE_SNAPSHOTS=1 pytest tests/test_rulebook.py`).
SHIPPED_PATH: Path = ROUNDS_DIR / "parsed.json"


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    """`SHIPPED_PATH`'s entries by file name ({} when it is missing or unreadable)."""
    try:
        data = orjson.loads(SHIPPED_PATH.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _parse_yaml(path: Path, mtime_ns: int, size: int) -> Any:
    """A YAML file parsed once per version of it (callers must not modify the result)."""
    key = f"{path}:{mtime_ns}:{size}"
    if key not in PARSED:
        raw = path.read_bytes()
        shipped = _shipped().get(path.name)
        if isinstance(shipped, dict) and shipped.get("sha256") == hashlib.sha256(raw).hexdigest():
            PARSED[key] = shipped.get("data")
        else:
            PARSED[key] = pyyaml().load(raw.decode("utf-8"), Loader=safe_loader())
    return PARSED[key]


@functools.lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    """The rulebook JSON Schema, parsed once."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _chain(round_: str) -> list[dict[str, Any]]:
    """The unmerged files of ``round_``'s ``extends`` chain, ``round_`` first."""
    chain: list[dict[str, Any]] = []
    visited: list[str] = []
    name: str | None = round_
    while name is not None:
        if name in visited:
            raise RulebookError(f"circular 'extends' chain: {' -> '.join([*visited, name])}")
        data = _read_parent(name, visited[-1]) if visited else _read_round_file(name)
        if data.get("round") != name:
            raise RulebookError(f"rules/{name}.yaml declares round {data.get('round')!r}")
        visited.append(name)
        chain.append(data)
        name = data.get("extends")
    return chain


def _merged(round_: str) -> dict[str, Any]:
    """Data of ``round_`` merged through its ``extends`` chain, not yet validated."""
    resolved: dict[str, Any] = {}
    for data in reversed(_chain(round_)):
        resolved = merge(resolved, data)
    return resolved


#: Digests (`rulebook_digest`) of resolved rulebooks known to match the schema: incremental mode keeps
#: them in its cache folder, so that an unchanged rulebook is not validated (nor jsonschema imported) again.
VALIDATED: set[str] = set()
#: The digests of the shipped rulebooks, validated when they were last changed (the rulebook snapshot
#: test writes the file with `UPDATE_SNAPSHOTS=1`): a cold run does not validate them again. A rulebook
#: edited since has another digest and is validated.
KNOWN_VALID_PATH: Path = ROUNDS_DIR / "known-valid.json"


@functools.lru_cache(maxsize=1)
def known_valid() -> frozenset[str]:
    """The digests listed in `KNOWN_VALID_PATH` (none when the file is missing or unreadable)."""
    try:
        listed = json.loads(KNOWN_VALID_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    return frozenset(d for d in listed if isinstance(d, str)) if isinstance(listed, list) else frozenset()


def rulebook_digest(resolved: dict[str, Any]) -> str:
    """Identity of resolved rulebook data together with the schema it is validated against."""
    text = json.dumps([resolved, _schema()], sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@functools.lru_cache(maxsize=None)
def _resolved(round_: str) -> dict[str, Any]:
    """Merged and validated data of ``round_`` (cached; callers get copies)."""
    resolved = _merged(round_)
    digest = rulebook_digest(resolved)
    if digest in VALIDATED or digest in known_valid():
        VALIDATED.add(digest)
        return resolved
    import jsonschema  # here, not at start-up: most commands load one rulebook at most

    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(resolved), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path)
        raise RulebookError(f"rulebook {round_} does not match the schema at '{where}': {errors[0].message}")
    VALIDATED.add(digest)
    return resolved


def _read_parent(name: str, child: str) -> dict[str, Any]:
    """Read the round a child ``extends``; a missing parent is a broken rulebook, not an unknown round."""
    try:
        return _read_round_file(name)
    except UnknownRound as exc:
        raise RulebookError(f"rulebook {child} extends unknown round {name!r}") from exc


def resolved_data(round_: str) -> dict[str, Any]:
    """The merged data of ``round_`` (after ``extends``), validated against the rulebook schema."""
    return copy.deepcopy(_resolved(round_))


# --------------------------------------------------------------------------- models


class _Model(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of the rulebook Structs: immutable, unknown fields rejected (each class also declares
    ``kw_only=True``, which msgspec does not inherit: fields are given by name, as in the YAML)."""


class TokenLimits(_Model, kw_only=True):
    """99th-percentile limits of an LLM in nanoseconds (a run passes when strictly below)."""

    ttft: int
    tpot: int


class ScenarioSet(_Model, kw_only=True):
    """Scenarios of a benchmark on one system-type class."""

    required: list[str]
    optional: list[str] = []


class AccuracyTarget(_Model, kw_only=True):
    """One accuracy bound: ``reference * ratio``, checked with >= (at_least) or <= (at_most).

    ``scenarios`` restricts the target to those directory scenarios (absent: all scenarios).
    """

    metric: str
    reference: float
    ratio: float
    direction: Literal["at_least", "at_most"]
    scenarios: list[str] | None = None

    @property
    def threshold(self) -> float:
        """The bound itself, ``reference * ratio``."""
        return self.reference * self.ratio

    def passes(self, value: float) -> bool:
        """True when ``value`` satisfies the bound."""
        return value >= self.threshold if self.direction == "at_least" else value <= self.threshold

    def applies_to(self, scenario: str | None) -> bool:
        """True when the target applies to the (canonical) directory scenario."""
        return self.scenarios is None or scenario is None or scenario in self.scenarios


class Artefacts(_Model, kw_only=True):
    """Extra accuracy outputs that must be present (``accuracy/<dir>/<stem>.*``); ``advisory_stems``
    are named by the official checker without failing the result (e.g. ``captions``)."""

    dir: str
    stems: list[str]
    advisory_stems: list[str] = []


class Bounds(_Model, kw_only=True):
    """A closed interval; a missing end is unbounded."""

    min: float | None = None
    max: float | None = None

    def contains(self, value: float) -> bool:
        """True when ``min <= value <= max``."""
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class Benchmark(_Model, kw_only=True):
    """Everything a round says about one MLPerf model."""

    name: str
    model: str
    scenarios: dict[str, ScenarioSet]
    dataset_size: int | None = None
    accuracy_sample_count: int | None = None
    accuracy_sample_count_by_scenario: dict[str, int] = {}
    performance_sample_count: int | None = None
    min_query_count: dict[str, int] = {}
    offline_min_samples_per_query: int | None = None
    latency_bound_ns: dict[str, int] = {}
    token_latency_limits_ns: dict[str, TokenLimits] = {}
    token_latencies: bool = False
    equal_issue: bool = False
    metric_field: dict[str, str] = {}
    unit: dict[str, str] = {}
    metric_scale: dict[str, float] = {}
    accuracy: list[AccuracyTarget]
    compliance: list[str]
    compliance_audit: dict[str, dict[str, Any]] = {}
    compliance_bounds: dict[str, Bounds] = {}
    eos_token_ids: list[int] = []
    test01_delta_percent: dict[str, float] = {}
    extra_accuracy_artefacts: Artefacts | None = None
    reference_weights: list[str] = []
    exempt_min_duration: bool = False
    #: The round's ``system.system_types`` (raw value -> system class), handed over by `load_rulebook`.
    system_types: dict[str, str] = {}

    def scenarios_for(self, system_type: str) -> ScenarioSet | None:
        """Scenarios for a raw ``system_type`` value (``"datacenter,edge"``...); None when the
        system type is unknown or the benchmark is not allowed on it."""
        system_class = self.system_types.get(system_type)
        return self.scenarios.get(system_class) if system_class else None

    def expected_accuracy_samples(self, scenario: str | None = None) -> int | None:
        """Samples the accuracy run must cover: the scenario-specific or general accuracy sample
        count when set, else the dataset size (None when the round defines neither)."""
        if scenario is not None and scenario in self.accuracy_sample_count_by_scenario:
            return self.accuracy_sample_count_by_scenario[scenario]
        return self.accuracy_sample_count if self.accuracy_sample_count is not None else self.dataset_size

    def accuracy_for(self, scenario: str | None) -> list[AccuracyTarget]:
        """The accuracy targets that apply to a directory scenario."""
        return [t for t in self.accuracy if t.applies_to(scenario)]


class Truncation(_Model, kw_only=True):
    """How the official tool truncates ``mlperf_log_accuracy.json``."""

    head_chars: int
    tail_chars: int
    marker: str


class Test01Delta(_Model, kw_only=True):
    """TEST01 non-deterministic accuracy tolerance in percent."""

    default: float
    high_accuracy: float


class Defaults(_Model, kw_only=True):
    """Per-scenario defaults that benchmarks may override."""

    metric_field: dict[str, str]
    unit: dict[str, str]
    power_unit: dict[str, str]
    test01_delta_percent: Test01Delta


class SystemRules(_Model, kw_only=True):
    """Fields and values of the system description JSON."""

    required_fields: list[str]
    meaningful_fields: list[str]
    network_fields: list[str]
    power_fields: list[str]
    numeric_fields: list[str]
    integer_fields: list[str]
    system_types: dict[str, str]
    statuses: list[str]
    notes_required_statuses: list[str]
    notes_fields: list[str]
    other_known_fields: list[str]
    network_sut_substring: str


class MeasurementRules(_Model, kw_only=True):
    """The measurements (implementation) JSON and the files beside it."""

    required_fields: list[str]
    required_files: list[str]


class FileSet(_Model, kw_only=True):
    """An exact file list: required names plus tolerated optional ones."""

    required: list[str]
    optional: list[str] = []


class PowerFiles(_Model, kw_only=True):
    """Files of a power result."""

    run_extra: list[str]
    ranging: list[str]
    power: list[str]


class LayoutFiles(_Model, kw_only=True):
    """File lists inside a result directory."""

    accuracy: FileSet
    performance: FileSet
    power: PowerFiles
    always_optional: list[str]
    calibration_required: bool
    root_files: list[str]
    root_dirs: list[str]
    code_dir: str
    code_per_benchmark: bool


class NameHeuristic(_Model, kw_only=True):
    """Official substring guess: a directory name containing any of ``contains`` is ``model``."""

    contains: list[str]
    model: str


class PowerRules(_Model, kw_only=True):
    """Constants of the Power WG checks and of the power metric (spec 3.9)."""

    ptd_versions: list[str]
    analysers: dict[str, int]
    multichannel_device_types: list[int]
    source_checksums: list[dict[str, str]]
    session_fields: list[str]
    server_fields: list[str]
    replies: dict[str, str]
    stop_again_reply: str
    stop_again_from: int
    restore_amps_command: list[int]
    restore_volts_command: list[int]
    phase_tolerance_ms: float
    dst_shift_s: float
    max_testing_power_drop_percent: float
    max_testing_duration_shortfall: float
    load_window_margin_ms: float
    ranging_errors_accepted: list[str]
    testing_errors_tolerated: list[str]
    uncertainty_error_pattern: str
    uncertainty_activated_pattern: str
    samples_per_query: dict[str, int]
    setup_documents: list[str]
    setup_document_levels: int


class Policies(_Model, kw_only=True):
    """Round-level choices of the official checker."""

    equal_issue_divisions: list[str]
    dataset_coverage: Literal["none", "warning", "error"]
    hygiene: Literal["warning", "error"]
    systems_without_results: Literal["warning", "error"]


class DivisionRules(_Model, kw_only=True):
    """Closed-division constraints and open-division labelling (MEAS, DIV rules)."""

    closed_like: list[str]
    calibration_docs: list[str]
    one_of_optional: list[list[str]]

    def closed(self, division: str) -> bool:
        """True when `division` must meet the closed-division constraints (closed, network)."""
        return division in self.closed_like


class Inference(_Model, kw_only=True):
    """Cross-scenario inference (spec 3.6): which directory scenario may hold which LoadGen scenario's run."""

    system_classes: list[str]
    pairs: dict[str, list[str]]
    multistream_samples_per_query: int

    def allows(self, directory: str, run: str) -> bool:
        """True when a ``run``-scenario log may stand for the ``directory`` scenario."""
        return run in self.pairs.get(directory, [])


class PerformanceRules(_Model, kw_only=True):
    """How LoadGen performance runs are judged and reported (spec 3.4-3.6)."""

    early_stopping_scenarios: list[str]
    loadgen_scenarios: dict[str, str]
    inference: Inference
    min_query_count_exempts_equal_issue: bool
    official_unit_labels: Literal["scenario", "benchmark"]
    audit_config_warning: str

    def run_scenario(self, directory: str) -> str:
        """The LoadGen scenario that a directory scenario is run as (``Interactive`` -> ``Server``)."""
        return self.loadgen_scenarios.get(directory, directory)


class ScorePolicy(_Model, kw_only=True):
    """How a compliance run's performance score may differ from the submitted run's (TEST01/04/05)."""

    direction: Literal["both", "not_faster", "not_slower"]
    tolerance: float
    relaxed_tolerance: float
    relax_on: Literal["reference_latency", "converted_score"]


class ComplianceTestRules(_Model, kw_only=True):
    """What is re-verified for one compliance test."""

    judge_performance: bool = False
    performance: ScorePolicy | None = None
    audit: dict[str, Any] = {}
    tolerance: float | None = None


class EntryCounts(_Model, kw_only=True):
    """Expected entries of a sampled compliance accuracy log and the counts that fail or warn."""

    expected: int
    error_below: int
    warning_below: int


class ComplianceChecks(_Model, kw_only=True):
    """Constants for re-verifying the compliance tests from their logs (CMP rules)."""

    score_field: dict[str, str]
    relaxed_latency_ns: dict[str, int]
    tests: dict[str, ComplianceTestRules]
    test06_entries: EntryCounts
    test06_default_token_bytes: int

    def test(self, name: str) -> ComplianceTestRules:
        """The rules of test ``name`` (empty rules for a test the round does not describe)."""
        return self.tests.get(name) or ComplianceTestRules()


class CsvConventions(_Model, kw_only=True):
    """How the round's official checker fills some `summary.csv` columns."""

    scenario: Literal["canonical", "directory"]
    accuracy: Literal["first", "all"]
    location: Literal["result", "performance_run"]
    compliance: Literal["passed", "division"]
    system_power_only: bool = False


class EndpointsField(_Model, kw_only=True):
    """Where an endpoints run keeps one LoadGen-style value: dot-paths in its JSON document, then in config.yaml."""

    file: list[str] = []
    config: list[str] = []


class Endpoints(_Model, kw_only=True):
    """How the round reads endpoints-harness results (files, key mapping, scenarios, metric, audits)."""

    config_files: list[str]
    performance_file: str
    accuracy_file: str
    markers: list[str]
    not_required: list[str]
    mapping: dict[str, EndpointsField]
    scenario_types: dict[str, str]
    directory_scenarios: dict[str, list[str]]
    seeds: list[str]
    metric_field: dict[str, str]
    score_keys: list[str]
    audit_file: str
    audits: dict[str, str]
    required_audits: list[str]
    output_length_test: str


class NameplatePower(_Model, kw_only=True):
    """Where a power result's design power comes from: a system-JSON field or the PSUs of a YAML file."""

    capacity_field: str
    yaml_file: str
    psus_key: str
    min_needed_key: str
    capacity_key: str


class Rulebook(_Model, kw_only=True):
    """All constants of one round."""

    round: str
    extends: str | None = None
    status: Literal["published", "draft"]
    layout: Literal["v5", "v6"]
    loadgen_version_prefixes: list[str]
    min_duration_ms: int
    max_accuracy_log_bytes: int
    accuracy_log_truncation: Truncation
    file_size_limit_mib: int
    seeds: dict[str, int]
    test_seeds: dict[str, dict[str, int]] = {}
    divisions: list[str]
    scenarios: list[str]
    scenario_aliases: dict[str, str] = {}
    accuracy_patterns: dict[str, str]
    hash_pattern: str
    defaults: Defaults
    system: SystemRules
    measurements: MeasurementRules
    layout_files: LayoutFiles
    compliance_tests: dict[str, dict[str, list[str]]]
    compliance_checks: ComplianceChecks
    power: PowerRules
    policies: Policies
    division_rules: DivisionRules
    performance: PerformanceRules
    csv_columns: list[str]
    csv_conventions: CsvConventions
    aliases: dict[str, str]
    name_heuristics: list[NameHeuristic]
    endpoints_allowed_models: list[str] = []
    endpoints: Endpoints | None = None
    nameplate_power: NameplatePower | None = None
    benchmarks: dict[str, Benchmark]

    def canonical_scenario(self, dirname: str) -> str | None:
        """Canonical spelling of a scenario directory name (``offline`` -> ``Offline``)."""
        lowered = dirname.lower()
        for scenario in self.scenarios:
            if scenario.lower() == lowered:
                return scenario
        return self.scenario_aliases.get(lowered)

    def benchmark(self, name: str) -> Benchmark | None:
        """The benchmark called ``name`` (an MLPerf model name), or None."""
        return self.benchmarks.get(name)

    def resolve_benchmark(self, dirname: str, model_mapping: dict[str, str] | None = None) -> str | None:
        """MLPerf model of a benchmark directory name (official order, spec 3.3): the exact name,
        the built-in aliases, the submitter's ``model_mapping`` (open division), then the
        round's substring heuristics. None when nothing names a model of this round."""
        if dirname in self.benchmarks:
            return dirname
        if dirname in self.aliases:
            return self._known(self.aliases[dirname])
        if model_mapping and dirname in model_mapping:
            return self._known(model_mapping[dirname])
        for heuristic in self.name_heuristics:
            if any(part in dirname for part in heuristic.contains):
                return self._known(heuristic.model)
        return None

    def _known(self, name: str) -> str | None:
        """``name`` (or its alias target) when it is a benchmark of this round."""
        target = name if name in self.benchmarks else self.aliases.get(name, name)
        return target if target in self.benchmarks else None

    def accuracy_regex(self, metric: str) -> re.Pattern[str]:
        """Compiled ``accuracy.txt`` pattern of ``metric`` (group 1 is the value); KeyError if unknown."""
        return re.compile(self.accuracy_patterns[metric])  # compiled once: `re` caches its patterns

    def test01_delta(self, benchmark: str, metric: str) -> float:
        """TEST01 non-deterministic tolerance (percent) for a metric of a benchmark."""
        bench = self.benchmarks.get(benchmark)
        if bench is not None and metric in bench.test01_delta_percent:
            return bench.test01_delta_percent[metric]
        delta = self.defaults.test01_delta_percent
        return delta.high_accuracy if "99.9" in benchmark else delta.default


def _model_input(data: dict[str, Any]) -> dict[str, Any]:
    """Resolved data as the Structs take it (``data`` is not modified): each benchmark is named after
    its key, gets the round's scenario defaults under its own ``metric_field`` and ``unit``, and the
    round's system-type map."""
    if not isinstance(data.get("benchmarks"), dict):
        return data
    defaults = data.get("defaults") or {}
    system_types = (data.get("system") or {}).get("system_types", {})
    benchmarks = {
        name: {
            **bench,
            "name": name,
            "metric_field": {**defaults.get("metric_field", {}), **bench.get("metric_field", {})},
            "unit": {**defaults.get("unit", {}), **bench.get("unit", {})},
            "system_types": system_types,
        }
        for name, bench in data["benchmarks"].items()
    }
    return {**data, "benchmarks": benchmarks}


@functools.lru_cache(maxsize=None)
def load_rulebook(round_: str) -> Rulebook:
    """The typed rulebook of ``round_`` (cached); ``UnknownRound`` when there is none,
    ``RulebookError`` when its data does not fit the Structs (path and reason in the message)."""
    if round_ not in available_rounds():
        raise UnknownRound(round_, available_rounds())
    data = _model_input(_resolved(round_))
    try:
        return msgspec.convert(data, Rulebook)
    except msgspec.ValidationError as exc:
        reason, _, where = str(exc).partition(" - at ")
        raise RulebookError(f"rulebook {round_} does not match the schema at "
                            f"'{_error_path(data, Rulebook, where.strip('`'))}': {reason}") from exc


#: One step of a msgspec error location: ``.field``, ``[index]`` or ``[...]`` (a mapping key it elides).
_STEP = re.compile(r"\.(\w+)|\[(\d+|\.\.\.)\]")


def _error_path(data: Any, type_: Any, where: str) -> str:
    """msgspec's error location (``$.benchmarks[...].accuracy[0]``) as a schema-style path
    (``benchmarks/resnet/accuracy/0``): an elided mapping key is the first whose value does not convert."""
    steps: list[str] = []
    for field, index in _STEP.findall(where):
        if isinstance(type_, types.UnionType):  # ``X | None``: the error lies in X
            type_ = next(t for t in typing.get_args(type_) if t is not type(None))
        if field:
            step, type_ = field, typing.get_type_hints(type_)[field]
        elif index != "...":
            step, type_ = int(index), typing.get_args(type_)[0]
        else:
            type_ = typing.get_args(type_)[1]
            step = next((k for k, v in data.items() if not _converts(v, type_)), None)
            if step is None:
                return "/".join([*steps, "..."])
        steps.append(str(step))
        data = data[step]
    return "/".join(steps)


def _converts(value: Any, type_: Any) -> bool:
    """True when ``value`` converts to ``type_``."""
    try:
        msgspec.convert(value, type_)
    except msgspec.ValidationError:
        return False
    return True


def detect_round(loadgen_version: str) -> str | None:
    """Round a LoadGen version string belongs to (``"6.0.3 @ 1a2b"`` -> ``"v6.0"``).

    A prefix matches the version number itself or its leading dot-separated components
    (``"6.0"`` matches ``6.0`` and ``6.0.3`` but not ``6.01``); the longest matching prefix wins.
    """
    version = loadgen_version.split("@", 1)[0].strip()
    best: tuple[int, str] | None = None
    for round_ in available_rounds():  # read from the raw files: only the round detected is merged and validated
        own = next((d for d in _chain(round_) if "loadgen_version_prefixes" in d), {})
        for prefix in own.get("loadgen_version_prefixes") or ():
            if version == prefix or version.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), round_)
    return best[1] if best else None
