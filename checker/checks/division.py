"""Division and labelling (DIV): benchmark names, model_mapping.json and what open results declare.

A closed or network result must sit under an official benchmark name or a built-in alias of the
round; an open result may use any name that resolves to a benchmark (name, alias,
`model_mapping.json`), and must say plainly what it changed. The open-result labels shown in the
report (`labels`) are filled here too.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any, Iterator

from checker.context import ResultContext, SubmitterContext
from checker.model import Issue, Severity
from checker.parsers.common import read_text
from checker.registry import annotator, rule
from checker.rulebook import Rulebook
from checker.textclass import (as_text, classify_retraining, classify_transformations, is_placeholder,
                               parse_data_types)


def closed_benchmark(rulebook: Rulebook, dirname: str) -> str | None:
    """The benchmark a closed/network directory stands for: its exact official name or a built-in alias."""
    target = rulebook.aliases.get(dirname, dirname)
    return target if target in rulebook.benchmarks else None


def closest_benchmark(rulebook: Rulebook, name: str) -> str:
    """The official name or alias of the round that is spelled most like `name`."""
    candidates = sorted(rulebook.benchmarks) + sorted(a for a in rulebook.aliases if closed_benchmark(rulebook, a))
    lowered = {c.lower(): c for c in candidates}
    best = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.0)
    return lowered[best[0]] if best else ""


def key_line_in(text: str | None, key: str) -> int | None:
    """Line of the first `"key":` in the text of a JSON document (None when absent)."""
    hit = re.search(rf'"{re.escape(key)}"\s*:', text) if text else None
    return text.count("\n", 0, hit.start()) + 1 if hit else None


def key_line(path: Path | None, key: str) -> int | None:
    """Line of `"key":` in a small JSON file (None when absent or unreadable)."""
    return key_line_in(read_text(path).value, key) if path is not None else None


def resolution(ctx: ResultContext) -> str | None:
    """How the result's benchmark directory was resolved: 'name', 'alias', 'model_mapping',
    'name guess' (the official substring heuristics), or None when it names no benchmark."""
    if ctx.benchmark_name is None:
        return None
    name, rulebook = ctx.unit.benchmark, ctx.rulebook
    if name in rulebook.benchmarks:
        return "name"
    if name in rulebook.aliases:
        return "alias"
    if ctx.unit.division == "open" and name in ctx.model_mapping(ctx.unit.submitter_dir):
        return "model_mapping"
    return "name guess"


@rule("DIV001", "unknown-benchmark", fast=True)
def unknown_benchmark(ctx: ResultContext) -> Iterator[Issue]:
    """A closed or network result's benchmark directory is not an official benchmark name of the round.

    Checks: the benchmark directory is an official benchmark name of the round or one of its
    built-in aliases (`resnet50` for `resnet`, `llama3_1-8b` for `llama3.1-8b`); the finding names
    the closest official name.
    Why: closed and network results are compared benchmark by benchmark; a result under another
    name cannot be matched with its benchmark's targets and scenarios (the official checker
    rejects it, or crashes).
    Fix: rename the directory to the official name the finding suggests, or submit the result in
    the open division with a `model_mapping.json` entry.
    Rules: MLPerf Inference rules, "Benchmarks" and "Divisions" (closed and network run the
    benchmarks of the round's suite); submission rules, "Directory structure".
    """
    unit, rulebook = ctx.unit, ctx.rulebook
    if not rulebook.division_rules.closed(unit.division) or closed_benchmark(rulebook, unit.benchmark):
        return
    closest = closest_benchmark(rulebook, unit.benchmark)
    yield Issue(f"benchmark directory {unit.benchmark!r} is not a benchmark of round {rulebook.round}; "
                f"the closest official name is {closest!r}", path=unit.path.parent, expected=closest,
                actual=unit.benchmark,
                hint=f"Rename the directory to {closest} (the {unit.division} division accepts only official "
                     "names and built-in aliases), or move the result to the open division.")


@rule("DIV002", "open-benchmark-unresolved", fast=True)
def open_benchmark_unresolved(ctx: ResultContext) -> Iterator[Issue]:
    """An open result's benchmark directory does not resolve to a benchmark of the round.

    Checks: an open result's directory is an official name, a built-in alias or a key of the
    submitter's `model_mapping.json` whose value is a benchmark of the round. A name that only
    the official checker's substring guess resolves (`my-resnet50-int4` -> `resnet`) is a warning.
    Why: an open result is compared with one benchmark (its accuracy metric, scenarios and
    reference); without that link the result cannot be scored or labelled.
    Fix: add `"<directory>": "<benchmark>"` to `<division>/<submitter>/model_mapping.json`, or
    rename the directory to the official benchmark name.
    Rules: MLPerf Inference submission rules, "Directory structure" (open division
    `model_mapping.json`); inference rules, "Open Division".
    """
    unit = ctx.unit
    if unit.division != "open":
        return
    how = resolution(ctx)
    if how is None:
        mapped = ctx.model_mapping(unit.submitter_dir).get(unit.benchmark)
        closest = closest_benchmark(ctx.rulebook, mapped or unit.benchmark)
        said = f"model_mapping.json maps it to {mapped!r}, which is" if mapped else "it is"
        yield Issue(f"open benchmark directory {unit.benchmark!r} resolves to no benchmark of round "
                    f"{ctx.rulebook.round}: {said} not an official name, alias or mapped name",
                    path=unit.path.parent, expected=closest, actual=mapped or unit.benchmark,
                    hint=f'Add "{unit.benchmark}": "{closest}" (or the benchmark it is compared with) to '
                         "model_mapping.json in the submitter directory.")
    elif how == "name guess":
        yield Issue(f"open benchmark directory {unit.benchmark!r} is tied to {ctx.benchmark_name} only by the "
                    "official checker's name guess", path=unit.path.parent, expected=ctx.benchmark_name,
                    actual=unit.benchmark, severity=Severity.WARNING,
                    hint=f'State it: add "{unit.benchmark}": "{ctx.benchmark_name}" to model_mapping.json.')


class _Pairs(list):
    """The (key, value) pairs of one JSON object, in file order."""


def _duplicate_keys(path: Path) -> dict[str, list[Any]]:
    """Keys written more than once at the top level of a JSON object, with all their values."""
    text = read_text(path).value
    if not text:
        return {}
    try:
        pairs = json.loads(text, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(pairs, _Pairs):
        return {}
    values: dict[str, list[Any]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    return {k: v for k, v in values.items() if len(v) > 1}


@rule("DIV003", "model-mapping-invalid", scope="submitter", fast=True)
def model_mapping_invalid(ctx: SubmitterContext) -> Iterator[Issue]:
    """An open submitter's model_mapping.json maps a name to no benchmark, or maps a name ambiguously.

    Checks: every value of `model_mapping.json` is a benchmark name (or built-in alias) of the
    round; no key is written twice with different values; no key is itself an official name or
    alias of another benchmark (that name resolves officially first, so the mapping is silently
    ignored). A file that does not parse is LOG001.
    Why: the mapping decides which benchmark an open result is compared with; an entry that
    leads nowhere or that could be read two ways makes the comparison unreliable.
    Fix: map each custom directory name once, to the official name of the benchmark it is
    compared with (e.g. `{"llama3_1-70b-fp8": "llama2-70b-99.9"}`), and do not re-map official names.
    Rules: MLPerf Inference submission rules, "Directory structure" (open division `model_mapping.json`).
    """
    unit, rulebook = ctx.unit, ctx.rulebook
    path = unit.path / "model_mapping.json"
    if unit.division != "open":
        return
    mapping = ctx.model_mapping(unit.path)
    for key, values in sorted(_duplicate_keys(path).items()):
        if len(set(map(str, values))) > 1:
            yield Issue(f"model_mapping.json maps {key!r} more than once ({', '.join(map(repr, values))})",
                        path=path, line=key_line(path, key), expected="one entry per name",
                        actual=", ".join(map(str, values)), hint=f"Keep a single entry for {key!r}.")
    for key, value in sorted(mapping.items()):
        target = closed_benchmark(rulebook, value)
        if target is None:
            closest = closest_benchmark(rulebook, value)
            yield Issue(f"model_mapping.json maps {key!r} to {value!r}, which is not a benchmark of round "
                        f"{rulebook.round} (closest: {closest!r})", path=path, line=key_line(path, key),
                        expected=closest, actual=value,
                        hint=f"Map {key!r} to the official name of the benchmark it is compared with.")
            continue
        own = closed_benchmark(rulebook, key)
        if own is not None and own != target:
            yield Issue(f"model_mapping.json maps {key!r} to {value!r}, but {key!r} already names {own}: "
                        "the official name wins and the entry is ignored", path=path, line=key_line(path, key),
                        expected=own, actual=value,
                        hint=f"Rename the {key!r} result directory to a custom name and map that name instead.")


@rule("DIV004", "open-declaration-missing", fast=True)
def open_declaration_missing(ctx: ResultContext) -> Iterator[Issue]:
    """An open result's implementation description leaves what it changed undeclared.

    Checks: in the open division, the fields of the implementation description the round
    requires (`retraining`, `weight_transformations`, `weight_data_types`, `input_data_types`,
    `starting_weights_filename`) do not hold a placeholder such as "UNSET", "TBD" or "unknown".
    Absent or empty fields are MEAS001.
    Why: an open result may change the model, but must say plainly what it changed (retraining,
    pruning, sparsity, data types, starting weights) so that readers can tell what they compare.
    Fix: replace each placeholder by the real declaration, e.g. `"retraining": "no"`,
    `"weight_transformations": "fp8 quantization"`, `"weight_data_types": "fp8"`.
    Rules: MLPerf Inference rules, "Open Division" (results must describe the changes made);
    submission rules, system description and implementation fields.
    """
    if ctx.unit.division != "open" or not isinstance(ctx.measurements, dict):
        return
    fields = [f for f in ctx.rulebook.measurements.required_fields if is_placeholder(ctx.measurements.get(f))]
    if fields:
        shown = ", ".join(f"{f}={ctx.measurements[f]!r}" for f in fields)
        yield Issue(f"open result leaves {len(fields)} declaration(s) unset: {shown}", path=ctx.measurements_path,
                    line=key_line(ctx.measurements_path, fields[0]), expected="a plain declaration of each change",
                    actual=shown, hint="Write what was done: retraining yes/no, the weight transformations "
                                       "(quantization, pruning...), the data types and the starting weights.")


def _declared(value: Any, reading: Any) -> Any:
    """`reading` of a declared value, or 'undeclared' for an absent, empty or placeholder one."""
    return "undeclared" if not as_text(value) or is_placeholder(value) else reading


@annotator
def open_labels(ctx: ResultContext) -> None:
    """Fill `labels` of an open result: the model as submitted, the benchmark it is compared with,
    how that link was made, and the declared changes (retraining, pruning/sparsity, transformations,
    data types, starting weights), each read from the implementation description."""
    if ctx.unit.division != "open":
        return
    m = ctx.measurements if isinstance(ctx.measurements, dict) else {}
    fields = ("retraining", "weight_transformations", "weight_data_types", "input_data_types",
              "starting_weights_filename")
    changes = classify_transformations(m.get("weight_transformations"))
    pruned = "yes" if {"pruning", "sparsity"} & set(changes.forbidden) else "no"
    ctx.outcome["labels"] = {
        "model": ctx.unit.benchmark,
        "benchmark": ctx.benchmark_name,
        "resolved_by": resolution(ctx),
        "retraining": _declared(m.get("retraining"), classify_retraining(m.get("retraining")).value),
        "pruning_or_sparsity": _declared(m.get("weight_transformations"), pruned),
        "transformations": _declared(m.get("weight_transformations"), list(changes.kinds + changes.forbidden)),
        **{f: _declared(m.get(f), list(parse_data_types(m.get(f)).formats))
           for f in ("weight_data_types", "input_data_types")},
        "starting_weights": _declared(m.get("starting_weights_filename"), str(m.get("starting_weights_filename"))),
        "declared": {f: m[f] for f in fields if f in m},
    }
