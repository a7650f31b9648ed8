"""Measurements and implementation constraints (MEAS): what a closed result may have done to the model.

A closed (or network) result must use the benchmark's reference weights, changed only by
quantization and mathematically equivalent transformations, without retraining; it must say so in
its implementation description (`measurements.json`, or the older per-result measurements JSON),
cover the scenarios its system type requires, and come with a calibration document. The official
checker only tests that the description's fields are non-empty; these rules read what they say
(see `checker.textclass`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

from checker.checks.division import closed_benchmark, key_line
from checker.context import BaseContext, ResultContext, SubmissionContext, SubmitterContext
from checker.discovery import subdirectories
from checker.model import Issue, Severity, SystemUnit
from checker.registry import rule
from checker.rulebook import ScenarioSet
from checker.textclass import (Answer, Verdict, as_text, classify_retraining, classify_transformations,
                               names_reference_weights, parse_data_types)

DATA_TYPE_FIELDS = ("weight_data_types", "input_data_types")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not as_text(value))


def _closed_declarations(ctx: ResultContext) -> dict | None:
    """The implementation description of a closed/network result (None otherwise or when unusable)."""
    if not ctx.rulebook.division_rules.closed(ctx.unit.division):
        return None
    m = ctx.measurements
    return m if isinstance(m, dict) else None


def _system_type(ctx: BaseContext, json_path: Path) -> str | None:
    """The system type of a system description, spelled as the rulebook keys it (None when unknown)."""
    system = ctx.json(json_path)
    raw = system.get("system_type") if isinstance(system, dict) else None
    key = "".join(str(raw).split()).lower() if raw is not None else ""
    return key if key in ctx.rulebook.system.system_types else None


@rule("MEAS001", "implementation-field-missing", fast=True)
def implementation_field_missing(ctx: ResultContext) -> Iterator[Issue]:
    """A field of the implementation description that the round requires is missing or empty.

    Checks: the measurements JSON (`measurements.json` from v6.0, `measurements/.../<system>*.json`
    before) has every field the round lists (`input_data_types`, `retraining`,
    `starting_weights_filename`, `weight_data_types`, `weight_transformations`), each with a
    non-empty value. All divisions.
    Why: these fields are how a result declares what it did to the model; the review and the
    closed-division rules below read them.
    Fix: add the field with a plain value, e.g. `"retraining": "no"`, `"weight_transformations":
    "quantization"`, `"weight_data_types": "int8"`.
    Rules: MLPerf Inference submission rules, "Directory structure" (implementation description fields).
    """
    m = ctx.measurements
    if not isinstance(m, dict):
        return
    for field in ctx.rulebook.measurements.required_fields:
        if field not in m:
            yield Issue(f"implementation description has no field {field}", path=ctx.measurements_path,
                        expected=f"{field} with a plain value", actual="absent",
                        hint=f'Add "{field}" to the implementation description with what was done.')
        elif _empty(m[field]):
            yield Issue(f"implementation description field {field} is empty", path=ctx.measurements_path,
                        line=key_line(ctx.measurements_path, field), expected="a non-empty value",
                        actual=repr(m[field]), hint=f'Write a plain value for "{field}".')


@rule("MEAS002", "retraining-declared", fast=True)
def retraining_declared(ctx: ResultContext) -> Iterator[Issue]:
    """A closed or network result declares retraining, or does not say plainly that it did not retrain.

    Checks: the `retraining` field reads as no ("No", "none", "We don't retrain the model
    weight."); text that claims retraining, fine-tuning or quantization-aware training ("yes",
    "fine-tuned on ...") is an error; text that says neither ("see README", "TBD") is a warning.
    Why: the closed division allows calibration for quantization and no retraining at all; a
    retrained model is not the benchmark's model.
    Fix: if the weights were not retrained, write `"retraining": "no"`; if they were, submit the
    result in the open division.
    Rules: MLPerf Inference rules, "Closed Division" ("does not allow any retraining") and
    "Weight Definition and Quantization" ("No other retraining is allowed").
    """
    m = _closed_declarations(ctx)
    if m is None or _empty(m.get("retraining")):
        return
    value = m["retraining"]
    answer = classify_retraining(value)
    line = key_line(ctx.measurements_path, "retraining")
    if answer is Answer.YES:
        yield Issue(f"retraining is declared ({value!r}); the {ctx.unit.division} division allows no retraining",
                    path=ctx.measurements_path, line=line, expected="no", actual=value,
                    hint="Use the reference weights changed only by quantization, or move the result to the open "
                         "division.")
    elif answer is Answer.UNCLEAR:
        yield Issue(f"retraining {value!r} does not say plainly whether the weights were retrained",
                    path=ctx.measurements_path, line=line, expected="no", actual=value, severity=Severity.WARNING,
                    hint='Write "retraining": "no" when the weights were not retrained.')


@rule("MEAS003", "weight-transformation-not-allowed", fast=True)
def weight_transformation_not_allowed(ctx: ResultContext) -> Iterator[Issue]:
    """A closed or network result declares a weight transformation the closed division forbids.

    Checks: `weight_transformations` names only quantization (calibration, PTQ, "fp8
    quantization"...) and the transformations allowed alongside it (affine fusion, format
    conversion such as "PyTorch -> ONNX", layout changes, mathematically equivalent
    transformations) or none. Pruning, sparsity, distillation, retraining, fine-tuning,
    quantization-aware training, a changed architecture or replaced weights are errors; text
    that names nothing recognisable ("yes", "see calibration.md") is a warning.
    Why: closed results must use the reference model; only reproducible quantization and
    mathematically equivalent rewrites keep it the same model.
    Fix: state plainly what was done (`"quantization, affine fusion"`, `"none"`); a result with
    pruned, sparsified, distilled or retrained weights belongs to the open division.
    Rules: MLPerf Inference rules, "Weight Definition and Quantization" and "Model Equivalence"
    (disallowed: discarding non-zero weight elements including pruning, weight replacement).
    """
    m = _closed_declarations(ctx)
    if m is None or _empty(m.get("weight_transformations")):
        return
    value = m["weight_transformations"]
    reading = classify_transformations(value)
    line = key_line(ctx.measurements_path, "weight_transformations")
    allowed = "quantization, affine fusion, format conversion, equivalent transformations or none"
    if reading.verdict is Verdict.FORBIDDEN:
        yield Issue(f"weight_transformations {value!r} declares {', '.join(reading.forbidden)}, which the "
                    f"{ctx.unit.division} division forbids", path=ctx.measurements_path, line=line,
                    expected=allowed, actual=value,
                    hint="Closed results may only quantize the reference weights; move the result to the open "
                         "division.")
    elif reading.verdict is Verdict.UNCLEAR:
        yield Issue(f"weight_transformations {value!r} does not say plainly what was done to the weights "
                    f"(unclear: {', '.join(reading.unclear)})", path=ctx.measurements_path, line=line,
                    expected=allowed, actual=value, severity=Severity.WARNING,
                    hint='Name the transformations, e.g. "quantization, affine fusion", or "none".')


@rule("MEAS004", "unknown-data-type", fast=True)
def unknown_data_type(ctx: ResultContext) -> Iterator[Issue]:
    """A closed or network result's weight or input data types name no known numeric format.

    Checks: every comma-separated part of `weight_data_types` and `input_data_types` names a
    numeric format in any common spelling: int4/int8/int32, uint8, fp4/fp8/fp16/fp32 (float16...),
    bf16 (bfloat16), tf32, mxfp4/nvfp4, e4m3/e5m2, per-component lists such as
    "unet:fp8,vae:fp32".
    Why: the data types say how the reference weights were quantized; a placeholder or a
    description that names no format ("quantized", "UNSET") does not.
    Fix: list the formats, e.g. `"weight_data_types": "fp8"`, `"input_data_types": "int32"`.
    Rules: MLPerf Inference rules, "Weight Definition and Quantization" (quantization to a numerical
    format must be described).
    """
    m = _closed_declarations(ctx)
    if m is None:
        return
    for field in DATA_TYPE_FIELDS:
        if _empty(m.get(field)):
            continue
        unknown = parse_data_types(m[field]).unknown
        if unknown:
            yield Issue(f"{field} {m[field]!r} names no known numeric format in {', '.join(map(repr, unknown))}",
                        path=ctx.measurements_path, line=key_line(ctx.measurements_path, field),
                        expected="numeric formats such as int8, fp8, fp16, bf16, fp32", actual=m[field],
                        hint=f'List the numeric formats used, e.g. "{field}": "int8".')


@rule("MEAS005", "unrecognised-starting-weights", severity="warning", fast=True)
def unrecognised_starting_weights(ctx: ResultContext) -> Iterator[Issue]:
    """A closed or network result's starting weights are not recognisably the benchmark's reference weights.

    Checks: `starting_weights_filename` contains one of the reference-weight names or sources the
    rulebook lists for the benchmark (case, spacing and punctuation ignored, so
    "https://zenodo.org/record/4735647/files/resnet50_v1.onnx" matches `resnet50_v1.onnx`).
    Why: closed results must start from the weights the benchmark provides; a placeholder
    ("TBD") or another checkpoint cannot be verified by the review.
    Fix: write the file name or source of the reference weights as the benchmark provides them
    (e.g. "Original Huggingface model weights" for the LLMs, "resnet50_v1.onnx").
    Rules: MLPerf Inference rules, "Weight Definition and Quantization" (MLPerf provides the
    trained weights) and "Model Equivalence" ("the reference weights are used").
    """
    m = _closed_declarations(ctx)
    name = closed_benchmark(ctx.rulebook, ctx.unit.benchmark)
    bench = ctx.rulebook.benchmark(name) if name else None
    if m is None or bench is None or not bench.reference_weights or _empty(m.get("starting_weights_filename")):
        return
    value = m["starting_weights_filename"]
    if not names_reference_weights(value, bench.reference_weights):
        yield Issue(f"starting_weights_filename {value!r} names none of the reference weights of {name}",
                    path=ctx.measurements_path, line=key_line(ctx.measurements_path, "starting_weights_filename"),
                    expected=" or ".join(bench.reference_weights), actual=value,
                    hint=f"Name the reference weights of {name} (one of: {', '.join(bench.reference_weights)}).")


def _size(path: Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _scenarios_of(ctx: BaseContext, system: SystemUnit, benchmark: str) -> tuple[str | None, ScenarioSet | None]:
    """(system type, scenario set) of an official benchmark on a system; (None, None) when unknown."""
    system_type = _system_type(ctx, system.json_path)
    bench = ctx.rulebook.benchmark(benchmark)
    if system_type is None or bench is None:
        return None, None
    return system_type, bench.scenarios_for(system_type)


@rule("MEAS006", "required-scenario-missing", scope="submission", fast=True)
def required_scenario_missing(ctx: SubmissionContext) -> Iterator[Issue]:
    """A closed or network benchmark lacks a scenario its system type requires.

    Checks: for every closed/network system and benchmark directory, a directory exists for each
    scenario the round requires for that benchmark on the system's `system_type` (datacenter,
    edge or both), and, where the round says so, for one of a group of optional scenarios
    (Interactive or Server from v5.1). The finding is reported once, on the benchmark directory;
    it fails the submission but does not invalidate the scenarios that are present and complete.
    A benchmark directory with no scenario directory at all is left to STR013/STR014.
    Why: a closed benchmark result is a set of scenarios; a partial set cannot be compared with
    other systems' results.
    Fix: add the missing scenario's run (performance, accuracy, compliance), or withdraw the
    benchmark for this system.
    Rules: MLPerf Inference rules, "Benchmarks" (required scenarios per benchmark and system
    category) and "Scenarios".
    """
    rulebook = ctx.rulebook
    for submitter in ctx.submission.submitters:
        if not rulebook.division_rules.closed(submitter.division):
            continue
        for system in submitter.systems:
            for dirname in subdirectories(system.results_dir):
                benchmark = closed_benchmark(rulebook, dirname)
                system_type, scenarios = _scenarios_of(ctx, system, benchmark) if benchmark else (None, None)
                if scenarios is None:
                    continue  # unknown benchmark (DIV001), system type (SYS) or benchmark not allowed (MEAS007)
                bench_dir = system.results_dir / dirname
                present = [s for s in (rulebook.canonical_scenario(d) for d in subdirectories(bench_dir)) if s]
                if not present:
                    continue  # no scenario directory at all: STR013/STR014 (or STR009 when empty)
                missing = [s for s in scenarios.required if s not in present]
                missing += [f"one of {' or '.join(group)}" for group in rulebook.division_rules.one_of_optional
                            if set(group) <= set(scenarios.optional) and not set(group) & set(present)]
                if missing:
                    yield Issue(f"{dirname} on {system.name} ({system_type}) lacks the required scenario(s) "
                                f"{', '.join(missing)}", path=bench_dir,
                                expected=", ".join(scenarios.required) or " or ".join(scenarios.optional),
                                actual=", ".join(present) or "none",
                                hint="Add the missing scenario's runs, or withdraw this benchmark for the system.")


@rule("MEAS007", "scenario-not-allowed", fast=True)
def scenario_not_allowed(ctx: ResultContext) -> Iterator[Issue]:
    """A closed or network result's scenario is not one the round allows for its benchmark and system type.

    Checks: the scenario directory is required or optional for the benchmark on the system's
    `system_type` (e.g. no MultiStream for a datacenter system, no Server for bert on edge), and
    the benchmark itself is part of the round for that system type.
    Why: results of scenarios outside the round's table are not comparable and are not published
    as closed results.
    Fix: remove the scenario directory (or the benchmark), or correct `system_type` in the system
    description if the system is of another category.
    Rules: MLPerf Inference rules, "Benchmarks" (scenarios per benchmark and system category).
    """
    unit, rulebook = ctx.unit, ctx.rulebook
    name = closed_benchmark(rulebook, unit.benchmark) if rulebook.division_rules.closed(unit.division) else None
    system_type = _system_type(ctx, ctx.system_json_path) if name else None
    if name is None or system_type is None:
        return
    scenarios = rulebook.benchmarks[name].scenarios_for(system_type)
    if scenarios is None:
        yield Issue(f"{name} is not a benchmark of round {rulebook.round} for {system_type} systems",
                    path=unit.path, expected=f"a benchmark of the {system_type} suite", actual=name,
                    hint="Remove the benchmark for this system, or correct system_type in the system description.")
        return
    allowed = scenarios.required + scenarios.optional
    if ctx.scenario not in allowed:
        yield Issue(f"scenario {unit.scenario} is neither required nor optional for {name} on {system_type} "
                    f"systems (allowed: {', '.join(allowed)})", path=unit.path, expected=", ".join(allowed),
                    actual=unit.scenario, hint="Remove this scenario directory, or correct system_type.")


@rule("MEAS008", "calibration-doc-missing", scope="submitter", fast=True)
def calibration_doc_missing(ctx: SubmitterContext) -> Iterator[Issue]:
    """A closed or network submitter has no calibration document where the round requires one.

    Checks: when the round requires it, a closed/network submitter directory holds a non-empty
    `calibration.md` or `documentation/calibration.md` (the paths the rulebook lists).
    Why: quantization is allowed in the closed division only if the method is publicly
    described so that it could be reproduced; the calibration document is that description.
    Fix: write `documentation/calibration.md` describing the calibration data used and the
    quantization method (or stating that the reference weights were used unchanged).
    Rules: MLPerf Inference rules, "Weight Definition and Quantization" ("The quantization method
    must be publicly described at a level where it could be reproduced").
    """
    unit, rulebook = ctx.unit, ctx.rulebook
    if not rulebook.layout_files.calibration_required or not rulebook.division_rules.closed(unit.division):
        return
    docs = rulebook.division_rules.calibration_docs
    found = [unit.path / d for d in docs if (unit.path / d).is_file()]
    if not found:
        yield Issue(f"{unit.division} submitter {unit.name} has no calibration document ({' or '.join(docs)})",
                    path=unit.path / docs[-1], expected=" or ".join(docs), actual="absent",
                    hint=f"Describe the calibration and quantization method in {docs[-1]}.")
    elif all(_size(p) == 0 for p in found):
        yield Issue(f"calibration document {ctx.rel(found[0])} is empty", path=found[0],
                    expected="a description of the calibration and quantization method", actual="empty file",
                    hint="Describe the calibration data used and the quantization method.")
