"""Endpoints-harness results (round v6.1): read as LoadGen-style views.

An endpoints result has no LoadGen detail log. Its run is described by `config.yaml` (the harness
configuration), `performance/result_summary.json` (the performance run's metrics) and
`accuracy/accuracy_results.json` (the accuracy run's scores). The round's rulebook (`endpoints.mapping`)
says which dot-path of which file holds each LoadGen key, so that the performance and accuracy rules
read an :class:`EndpointsLog` exactly as they read a :class:`~checker.parsers.loadgen.DetailLog`.

Lookups follow the official checker: dot-paths match greedily (`99.9` is one key), a numeric segment
matches an equal number (`50.0` finds the key `50`), the view's JSON document is searched before
config.yaml, and empty values count as absent. Besides the mapped keys a view holds:

- `effective_scenario`: the config's run `type` as a canonical scenario (see :func:`run_scenario`);
- performance: `result_samples_per_second` (Offline) or `result_completed_samples_per_sec` derived
  from `generated_query_count / generated_query_duration` when the file gives no rate;
- accuracy: `effective_accuracy_sample_count` (and `qsl_reported_total_count` when absent), the sum of
  `total_samples` (else `response_counts.issued`) over the accuracy entries of `accuracy_scores`, and
  those entries themselves (:attr:`EndpointsLog.scores`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from checker.parsers.common import MALFORMED, Parsed, problem, read_text
from checker.parsers.jsonfile import parse_json
from checker.parsers.loadgen import DetailLog
from checker.yamltext import describe_error, pyyaml, safe_loader

if TYPE_CHECKING:
    from checker.rulebook import Endpoints

#: A configuration or summary document is a few kB; anything far larger is no harness output.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
PERFORMANCE, ACCURACY = "performance", "accuracy"
#: `dataset_type` of the accuracy entries of `accuracy_scores` (an absent type counts as accuracy).
ACCURACY_DATASET = "accuracy"

KeyPath = tuple[str, ...]


@dataclass(slots=True)
class Document:
    """A parsed JSON or YAML mapping; line numbers are indexed from its text on first use."""

    path: Path
    value: dict
    text: str | None = None
    _lines: dict[KeyPath, int] | None = None

    def line_of(self, keys: KeyPath) -> int | None:
        """1-based line of the value at `keys` (mapping keys and list indices as text), if known."""
        if self._lines is None:
            text = self.text if self.text is not None else read_text(self.path, MAX_DOCUMENT_BYTES).value
            self._lines = _line_index(text) if text else {}
        return self._lines.get(keys)


def _line_index(text: str) -> dict[KeyPath, int]:
    """Line of every mapping key and list item of a YAML (or JSON) text; {} when it does not compose."""
    yaml = pyyaml()
    try:
        root = yaml.compose(text, Loader=safe_loader())
    except (yaml.YAMLError, RecursionError, ValueError):
        return {}
    out: dict[KeyPath, int] = {}
    stack: list[tuple[KeyPath, Any]] = [((), root)]
    seen: set[int] = set()
    while stack:
        prefix, node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    where = prefix + (str(key.value),)
                    out.setdefault(where, key.start_mark.line + 1)
                    stack.append((where, value))
        elif isinstance(node, yaml.SequenceNode):
            for index, value in enumerate(node.value):
                where = prefix + (str(index),)
                out.setdefault(where, value.start_mark.line + 1)
                stack.append((where, value))
    return out


def parse_document(path: Path) -> Parsed[Document]:
    """Parse an endpoints file: JSON when named `*.json`, YAML otherwise; the top level must be a mapping."""
    if path.suffix.lower() == ".json":
        parsed = parse_json(path)
        return Parsed(Document(path, parsed.value) if parsed.value is not None else None, parsed.problems)
    text = read_text(path, MAX_DOCUMENT_BYTES)
    if text.value is None:
        return Parsed(None, text.problems)
    yaml = pyyaml()
    try:
        value = yaml.load(text.value, Loader=safe_loader())
    except yaml.YAMLError as exc:
        reason, line = describe_error(exc)
        return Parsed(None, [problem(MALFORMED, path, f"invalid YAML: {reason}",
                                     "Fix the YAML syntax (a YAML linter shows the exact place); upload the "
                                     "configuration the harness ran with.", line=line)])
    except (RecursionError, ValueError, OverflowError) as exc:
        return Parsed(None, [problem(MALFORMED, path, f"invalid YAML: {type(exc).__name__}",
                                     "Upload the configuration the harness ran with.")])
    if not isinstance(value, dict):
        return Parsed(None, [problem(MALFORMED, path, f"top level is a YAML {type(value).__name__}, expected a mapping",
                                     "Upload the harness configuration (a YAML mapping of settings).")])
    return Parsed(Document(path, value, text.value))


def _real(value: Any) -> float | None:
    """A JSON/YAML number as a finite float (None for anything else, booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def _number(value: Any) -> float | None:
    """A key segment or mapping key as a number (None when it is not one)."""
    if isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _find_key(mapping: dict, name: str) -> Any:
    """The key of `mapping` spelled `name`, or numerically equal to it (`50.0` finds `50`); None if absent."""
    if name in mapping:
        return name
    number = _number(name)
    if number is None:
        return None
    return next((k for k in mapping if not isinstance(k, bool) and _number(k) == number), None)


def lookup(data: Any, dotted: str) -> tuple[Any, KeyPath] | None:
    """(value, key path) at a dot-path, matching the longest key at each level; None when absent or empty."""
    parts = dotted.split(".")
    current, where, i = data, (), 0
    while i < len(parts):
        if not isinstance(current, dict):
            return None
        for j in range(len(parts), i, -1):
            key = _find_key(current, ".".join(parts[i:j]))
            if key is not None:
                current, where, i = current[key], where + (str(key),), j
                break
        else:
            return None
    if current is None or (isinstance(current, (dict, list, str)) and not current):
        return None
    return current, where


def run_scenario(run_type: Any, directory: str | None, spec: Endpoints) -> Any:
    """The scenario of a run of config `type` in a directory scenario: the directory's own scenario
    when it names the run (`directory_scenarios`), else the type's scenario (`scenario_types`); an
    unknown type is kept as written."""
    if not isinstance(run_type, str):
        return run_type
    lowered = run_type.strip().lower()
    if directory is not None and lowered in spec.directory_scenarios.get(directory, ()):
        return directory
    return spec.scenario_types.get(lowered, run_type)


@dataclass(slots=True)
class EndpointsLog(DetailLog):
    """A LoadGen-style view of one endpoints run; each value remembers the file and line it came from."""

    kind: str = PERFORMANCE
    document: Document | None = None
    sources: dict[str, tuple[Document, KeyPath]] = field(default_factory=dict)
    scores: list[tuple[int, dict]] = field(default_factory=list)

    def line(self, key: str) -> int | None:
        """Line of the value of `key` in the file it came from."""
        found = self.sources.get(key)
        return found[0].line_of(found[1]) if found else None

    def where(self, key: str) -> Path:
        """The file the value of `key` came from (the view's JSON document when derived or absent)."""
        found = self.sources.get(key)
        return found[0].path if found else self.path

    def set(self, key: str, value: Any, document: Document, keys: KeyPath) -> None:
        """Record `value` for `key`, found at `keys` of `document`."""
        self.values[key] = value
        self.sources[key] = (document, keys)


def _map(log: EndpointsLog, document: Document, config: Document | None, spec: Endpoints) -> None:
    """Fill the mapped keys: the first present dot-path of the view's document, then of config.yaml."""
    for key, where in spec.mapping.items():
        for source, paths in ((document, where.file), (config, where.config)):
            found = next((f for f in (lookup(source.value, p) for p in paths) if f is not None), None) if source else None
            if found is not None:
                log.set(key, found[0], source, found[1])
                break


def _derive_rate(log: EndpointsLog, document: Document) -> None:
    """A run without a rate gets the official derivation: issued samples over the duration in seconds."""
    scenario = log.scenario
    key = "result_samples_per_second" if scenario == "Offline" else "result_completed_samples_per_sec"
    count, duration = (_real(log.get(k)) for k in ("generated_query_count", "generated_query_duration"))
    if key in log or not count or not duration:
        return
    log.set(key, count / (duration / 1e9), document, log.sources["generated_query_duration"][1])


def _sample_count(entry: dict) -> int | None:
    """Samples an accuracy entry scored: `total_samples`, else `response_counts.issued` (integers only)."""
    counts = entry.get("response_counts")
    for value in (entry.get("total_samples"), counts.get("issued") if isinstance(counts, dict) else None):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _accuracy(log: EndpointsLog, document: Document) -> None:
    """The accuracy entries of `accuracy_scores` and the number of samples they scored."""
    entries = document.value.get("accuracy_scores")
    if not isinstance(entries, list):
        return
    log.scores = [(i, e) for i, e in enumerate(entries)
                  if isinstance(e, dict) and e.get("dataset_type", ACCURACY_DATASET) == ACCURACY_DATASET]
    counts = [c for _, e in log.scores if (c := _sample_count(e)) is not None]
    if counts:
        where = ("accuracy_scores", str(log.scores[0][0]))
        log.set("effective_accuracy_sample_count", sum(counts), document, where)
        if "qsl_reported_total_count" not in log:
            log.set("qsl_reported_total_count", sum(counts), document, where)


def build_view(document: Document | None, config: Document | None, spec: Endpoints, kind: str,
               directory: str | None) -> EndpointsLog | None:
    """The LoadGen-style view of the `kind` run (performance or accuracy) of an endpoints result.

    `document` is that run's JSON file and `config` the harness configuration (either may be None);
    `directory` is the result's canonical directory scenario. None when the run's file is unusable.
    """
    if document is None:
        return None
    log = EndpointsLog(path=document.path, kind=kind, document=document)
    _map(log, document, config, spec)
    if "effective_scenario" in log:
        log.values["effective_scenario"] = run_scenario(log.get("effective_scenario"), directory, spec)
    if kind == ACCURACY:
        _accuracy(log, document)
    else:
        _derive_rate(log, document)
    return log


def is_endpoints_result(result_dir: Path, spec: Endpoints | None) -> bool:
    """True when the round reads endpoints results and the directory holds no LoadGen detail log
    (neither run's) but at least one of the harness's files."""
    if spec is None:
        return False
    if any(os.path.lexists(result_dir / d / "mlperf_log_detail.txt") for d in ("performance/run_1", "accuracy")):
        return False
    return any(os.path.lexists(result_dir / name) for name in spec.markers)


def endpoints_runs(result_dir: Path, spec: Endpoints, directory: str | None,
                   load: Callable[[Path], Document | None]) -> dict[str, EndpointsLog | None]:
    """The performance and accuracy views of an endpoints result; `load` parses (and caches) a file."""
    config_path = next((result_dir / n for n in spec.config_files if os.path.lexists(result_dir / n)), None)
    config = load(config_path) if config_path is not None else None
    return {kind: build_view(load(result_dir / name), config, spec, kind, directory)
            for kind, name in ((PERFORMANCE, spec.performance_file), (ACCURACY, spec.accuracy_file))}
