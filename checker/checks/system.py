"""System description (SYS): `systems/<system>.json` of every system, its fields and its agreement with the tree.

Every rule here runs once per system: an error invalidates that system's results. A description
that is missing or does not parse is reported by SYS001 or LOG001; the field rules then stay silent.
Value checks use the `$defs` of the system-description JSON Schema generated from the rulebook
(`checker.jsonschemas`), so the published schema and the rules cannot disagree.
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterator

from checker.checks.division import key_line_in
from checker.context import SystemContext
from checker.jsonschemas import accepts
from checker.model import Issue, ResultUnit, Severity
from checker.parsers.common import read_text
from checker.registry import rule
from checker.sysnames import Claim, accelerator_clause, count_claims, mentions

#: What the rules say of each division's network mode (inference rules, "Network division"):
#: True = must be a network system, False = must not be one; absent = either.
NETWORK_MODE = {"network": True, "closed": False}


def _doc(ctx: SystemContext) -> dict | None:
    return ctx.system_json


def _line(ctx: SystemContext, key: str) -> int | None:
    """Line of `"key":` in the description (None when not found); its text is read once per run."""
    text = ctx.cache.get("text", ctx.unit.json_path, read_text)
    return key_line_in(text if isinstance(text, str) else None, key)


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def _results_of(ctx: SystemContext) -> list[ResultUnit]:
    """The results of this system (its submitter's results under `results/<system>/`)."""
    return [r for r in ctx.submitter.results if r.system == ctx.unit.name]


@rule("SYS001", "missing-system-description", scope="system", fast=True)
def missing_system_description(ctx: SystemContext) -> Iterator[Issue]:
    """A system that has results has no system description.

    Checks: every `results/<system>/` holding results has `systems/<system>.json` (same name, `.json`).
    Why: the description says what hardware and software produced the results; without it a result
    cannot be published or compared. The official v6.x checker crashes on it.
    Fix: add `systems/<system>.json` (copy the round's template and fill every field), or rename it
    to match the results directory exactly.
    Rules: MLPerf Inference rules, "System description" (`<system_desc_id>.json` metadata).
    """
    results = _results_of(ctx)
    if os.path.lexists(ctx.unit.json_path) or not results:
        return
    yield Issue(f"system {ctx.unit.name} has {len(results)} result(s) but no system description",
                path=ctx.unit.json_path, expected=f"systems/{ctx.unit.name}.json", actual="absent",
                hint=f"Add systems/{ctx.unit.name}.json (the results directory name and the JSON file name must match).")


@rule("SYS002", "system-without-results", scope="system", fast=True)
def system_without_results(ctx: SystemContext) -> Iterator[Issue]:
    """A system description has no results.

    Checks: every `systems/<system>.json` has a `results/<system>/` directory holding at least one result.
    Why: a description without results is usually a misspelt system name (its results are then
    published without a description) or a leftover. The official checker rejects it from v5.1
    (M5x), so this is an error from v5.1 and a warning before (rulebook `policies.systems_without_results`).
    Fix: rename the description or the results directory so that they match, or delete the unused description.
    Rules: MLPerf Inference submission rules, "Directory structure" (systems/ and results/).
    """
    if not os.path.lexists(ctx.unit.json_path) or _results_of(ctx):
        return
    where = "no results/ directory" if not ctx.unit.results_dir.is_dir() else "a results directory holding no result"
    yield Issue(f"system description {ctx.unit.name}.json has no results ({where})", path=ctx.unit.json_path,
                expected=f"results/{ctx.unit.name}/<benchmark>/<scenario>", actual=where,
                severity=Severity(ctx.rulebook.policies.systems_without_results),
                hint=f"Rename systems/{ctx.unit.name}.json or the results directory so that they match, or delete "
                     "the unused description.")


@rule("SYS003", "missing-system-field", scope="system", fast=True)
def missing_system_field(ctx: SystemContext) -> Iterator[Issue]:
    """The system description lacks fields the round requires.

    Checks: every field of the round's required list (rulebook `system.required_fields`) is present.
    Why: the results table and the reviewers read these fields; the official checker rejects the
    system for each missing one.
    Fix: add the missing fields (with "N/A" or an empty string where the round allows an empty answer).
    Rules: MLPerf Inference rules, "System description" (required fields of `<system_desc_id>.json`).
    """
    doc = _doc(ctx)
    if doc is None:
        return
    missing = [f for f in ctx.rulebook.system.required_fields if f not in doc]
    if missing:
        yield Issue(f"{len(missing)} required field(s) missing: {', '.join(missing)}", path=ctx.unit.json_path,
                    expected=", ".join(missing), actual="absent",
                    hint="Add the missing fields; the round's system-description template lists them all.")


@rule("SYS004", "empty-system-field", scope="system", fast=True)
def empty_system_field(ctx: SystemContext) -> Iterator[Issue]:
    """A field that needs a meaningful answer is empty.

    Checks: the fields of rulebook `system.meaningful_fields` are not null and not an empty string,
    list or object (error); a value of spaces only is a warning (the official checker accepts it).
    A numeric 0 counts as an answer (0 accelerators per node is legitimate; the official checker
    rejects a JSON 0 but accepts the string "0").
    Why: an empty processor, memory or software field makes the result impossible to interpret.
    Fix: describe the component; write "N/A" where it does not exist.
    Rules: MLPerf Inference rules, "System description" (fields requiring a meaningful response).
    """
    doc = _doc(ctx)
    if doc is None:
        return
    round_ = ctx.rulebook.round
    for field in ctx.rulebook.system.meaningful_fields:
        if field not in doc:
            continue
        value = doc[field]
        if not accepts(round_, "filled", value):
            yield Issue(f"{field} needs a meaningful answer but is {_show(value)}", path=ctx.unit.json_path,
                        line=_line(ctx, field), expected="a non-empty value", actual=_show(value),
                        hint=f'Describe the {field.replace("_", " ")}; write "N/A" if the component does not exist.')
        elif not accepts(round_, "nonBlank", value):
            yield Issue(f"{field} holds only spaces", path=ctx.unit.json_path, line=_line(ctx, field),
                        expected="a visible value", actual=_show(value), severity=Severity.WARNING,
                        hint=f'Describe the {field.replace("_", " ")}; write "N/A" if the component does not exist.')


@rule("SYS005", "non-numeric-system-field", scope="system", fast=True)
def non_numeric_system_field(ctx: SystemContext) -> Iterator[Issue]:
    """A count in the system description is not a number.

    Checks: the fields of rulebook `system.numeric_fields` are numbers or strings holding only a
    number. For `system.integer_fields` (node and accelerator counts) anything but a whole number is
    an error: the official checker converts them with int() and crashes on "8 (x2)". For the other
    counts (host processors, cores) a non-number such as "N/A" is a warning.
    Why: the results table computes totals from these counts and sorts by them.
    Fix: write the plain number (e.g. 8); put explanations in hw_notes.
    Rules: MLPerf Inference rules, "System description"; results-table columns number_of_nodes and
    accelerators_per_node.
    """
    doc = _doc(ctx)
    if doc is None:
        return
    sysr = ctx.rulebook.system
    for field in sysr.numeric_fields:
        value = doc.get(field)
        if field not in doc or not accepts(ctx.rulebook.round, "filled", value):
            continue
        if field in sysr.integer_fields and not accepts(ctx.rulebook.round, "integer", value):
            yield Issue(f"{field} is {_show(value)}, not a whole number (the official checker crashes on it)",
                        path=ctx.unit.json_path, line=_line(ctx, field), expected="a whole number", actual=_show(value),
                        hint=f"Write {field} as a plain whole number; explain anything else in hw_notes.")
        elif field not in sysr.integer_fields and not accepts(ctx.rulebook.round, "number", value):
            yield Issue(f"{field} is {_show(value)}, not a number", path=ctx.unit.json_path, line=_line(ctx, field),
                        expected="a number", actual=_show(value), severity=Severity.WARNING,
                        hint=f"Write {field} as a plain number; explain anything else in hw_notes.")


@rule("SYS006", "invalid-availability", scope="system", fast=True)
def invalid_availability(ctx: SystemContext) -> Iterator[Issue]:
    """The system's availability (`status`) is not one the rules define.

    Checks: `status` is one of the round's statuses (rulebook `system.statuses`: available, preview,
    rdi), in any letter case.
    Why: availability decides how a result is categorised and published; anything else is rejected
    by the official checker for every result of the system.
    Fix: set status to "available", "preview" or "rdi".
    Rules: MLPerf general submission rules, "Availability" (Available, Preview, RDI).
    """
    doc = _doc(ctx)
    if doc is None or "status" not in doc or not accepts(ctx.rulebook.round, "filled", doc["status"]):
        return
    value = doc["status"]
    if not accepts(ctx.rulebook.round, "status", value):
        allowed = ", ".join(ctx.rulebook.system.statuses)
        yield Issue(f"status is {_show(value)}; allowed: {allowed}", path=ctx.unit.json_path, line=_line(ctx, "status"),
                    expected=allowed, actual=_show(value), hint=f"Set status to one of {allowed}.")


@rule("SYS007", "invalid-system-type", scope="system", fast=True)
def invalid_system_type(ctx: SystemContext) -> Iterator[Issue]:
    """The system type is not one the round defines.

    Checks: `system_type` is exactly one of the round's spellings (rulebook `system.system_types`:
    datacenter, edge, "datacenter,edge", "edge,datacenter"; no spaces, lower case).
    Why: the system type decides which benchmarks and scenarios are required; the official v6.x
    checker crashes on any other value.
    Fix: write one of the allowed spellings exactly.
    Rules: MLPerf Inference rules, "Benchmarks" (datacenter and edge suites).
    """
    doc = _doc(ctx)
    if doc is None or "system_type" not in doc or not accepts(ctx.rulebook.round, "filled", doc["system_type"]):
        return
    value = doc["system_type"]
    if accepts(ctx.rulebook.round, "systemType", value):
        return
    allowed = sorted(ctx.rulebook.system.system_types)
    squashed = re.sub(r"\s+", "", value).lower() if isinstance(value, str) else None
    hint = (f'Write "{squashed}" exactly (no spaces, lower case).' if squashed in allowed
            else f"Set system_type to one of {', '.join(allowed)}.")
    yield Issue(f"system_type is {_show(value)}; allowed: {', '.join(allowed)}", path=ctx.unit.json_path,
                line=_line(ctx, "system_type"), expected=", ".join(allowed), actual=_show(value), hint=hint)


@rule("SYS008", "division-mismatch", scope="system", fast=True)
def division_mismatch(ctx: SystemContext) -> Iterator[Issue]:
    """The division written in the system description is not the directory's division.

    Checks: `division` equals the division directory the description sits in. A difference in letter
    case or surrounding spaces only is a warning (the v4.1-v5.1 checkers compared exactly, v6.x
    ignores case); any other difference is an error.
    Why: the division decides which rules apply; a closed system described as open (or the reverse)
    is a copy-paste mistake that reviewers must not have to find.
    Fix: set division to the directory's name ("closed", "open" or "network"), or move the submission.
    Rules: MLPerf Inference rules, "Divisions"; "System description" (division field).
    """
    doc = _doc(ctx)
    if doc is None or "division" not in doc or not accepts(ctx.rulebook.round, "filled", doc["division"]):
        return
    value, expected = doc["division"], ctx.unit.division
    if value == expected:
        return
    close = isinstance(value, str) and value.strip().lower() == expected
    yield Issue(f"division is {_show(value)} but the description sits in {expected}/", path=ctx.unit.json_path,
                line=_line(ctx, "division"), expected=expected, actual=_show(value),
                severity=Severity.WARNING if close else None, hint=f'Set "division": "{expected}".')


@rule("SYS009", "submitter-mismatch", scope="system", fast=True)
def submitter_mismatch(ctx: SystemContext) -> Iterator[Issue]:
    """The submitter written in the system description is not the submitter directory's name.

    Checks: `submitter` equals the submitter directory name, ignoring letter case.
    Why: results are published under the submitter named here; a description copied from another
    organisation's submission would credit the wrong one.
    Fix: set submitter to the organisation's name as spelled by its directory.
    Rules: MLPerf Inference rules, "System description" (submitter field); submission rules, "Directory structure".
    """
    doc = _doc(ctx)
    if doc is None or "submitter" not in doc or not accepts(ctx.rulebook.round, "filled", doc["submitter"]):
        return
    value, expected = doc["submitter"], ctx.unit.submitter
    if isinstance(value, str) and value.lower() == expected.lower():
        return
    yield Issue(f"submitter is {_show(value)} but the directory is {expected}/", path=ctx.unit.json_path,
                line=_line(ctx, "submitter"), expected=expected, actual=_show(value), hint=f'Set "submitter": "{expected}".')


@rule("SYS010", "network-mode", scope="system", fast=True)
def network_mode(ctx: SystemContext) -> Iterator[Issue]:
    """The system's network mode (`is_network`) is malformed or contradicts its division.

    Checks: `is_network`, when filled, is the string "true" or "false" (any case; a JSON boolean
    makes the official checkers crash or fail; absent or empty means "false"); a network-division
    system has `is_network` "true"; a closed-division system does not.
    Why: network-division results are measured over a network link and judged with extra rules;
    the mode must be stated unambiguously.
    Fix: write "is_network": "true" for network-division systems and "false" (or omit it) otherwise.
    Rules: MLPerf Inference rules, "Network division"; "System description" (is_network).
    """
    doc = _doc(ctx)
    if doc is None:
        return
    required = NETWORK_MODE.get(ctx.unit.division)
    path, line = ctx.unit.json_path, _line(ctx, "is_network")
    if not accepts(ctx.rulebook.round, "meaningful", doc.get("is_network")):  # absent or empty: not a network system
        if required:
            yield Issue(f"{ctx.unit.division}-division system does not declare is_network \"true\"", path=path,
                        expected='"true"', actual="absent", hint='Add "is_network": "true" and the network fields.')
        return
    value = doc["is_network"]
    if not accepts(ctx.rulebook.round, "isNetwork", value):
        yield Issue(f'is_network is {_show(value)}; expected the string "true" or "false"', path=path, line=line,
                    expected='"true" or "false"', actual=_show(value),
                    hint='Write is_network as a string: "true" for a network system, else "false".')
        return
    is_network = accepts(ctx.rulebook.round, "networkTrue", value)
    if required is not None and is_network != required:
        want = '"true"' if required else '"false"'
        yield Issue(f"is_network is {_show(value)} in the {ctx.unit.division} division", path=path, line=line,
                    expected=want, actual=_show(value),
                    hint=f"Set is_network to {want}, or move the system to the division that matches its mode.")


@rule("SYS011", "missing-network-field", scope="system", fast=True)
def missing_network_field(ctx: SystemContext) -> Iterator[Issue]:
    """A network system's description lacks network fields.

    Checks: when `is_network` is "true", every field of rulebook `system.network_fields` (network
    type, media, rate, NICs, software stacks, protocol, topology...) is present and not empty.
    The v6.x checker also demands them when is_network is "false"; this checker follows the
    v4.1-v5.1 reading ("true" only).
    Why: a network result is only comparable when the link between LoadGen and the SUT is described.
    Fix: add and fill the missing network fields.
    Rules: MLPerf Inference rules, "Network division" (system description of network systems).
    """
    doc = _doc(ctx)
    if doc is None or not accepts(ctx.rulebook.round, "networkTrue", doc.get("is_network")):
        return
    missing = [f for f in ctx.rulebook.system.network_fields
               if f not in doc or not accepts(ctx.rulebook.round, "meaningful", doc[f])]
    if missing:
        yield Issue(f"network system lacks {len(missing)} network field(s): {', '.join(missing)}",
                    path=ctx.unit.json_path, expected=", ".join(missing), actual="absent or empty",
                    hint="Describe the network between LoadGen and the SUT in the missing fields.")


@rule("SYS012", "unknown-system-field", severity="warning", scope="system", fast=True)
def unknown_system_field(ctx: SystemContext) -> Iterator[Issue]:
    """The system description has fields the round does not know.

    Checks: every field is one of the round's required, network, power or other known fields
    (rulebook `system.*_fields`).
    Why: an unknown field is usually a misspelt known one (whose real value is then missing) or a
    field of another round's template.
    Fix: rename the field to the spelling the round's template uses, or remove it.
    Rules: MLPerf Inference rules, "System description" (the official checker warns the same way).
    """
    doc = _doc(ctx)
    if doc is None:
        return
    sysr = ctx.rulebook.system
    known = {*sysr.required_fields, *sysr.network_fields, *sysr.power_fields, *sysr.other_known_fields}
    unknown = [k for k in doc if k not in known]
    if unknown:
        yield Issue(f"{len(unknown)} unknown field(s): {', '.join(unknown)}", path=ctx.unit.json_path,
                    line=_line(ctx, unknown[0]), expected="fields of the round's template", actual=", ".join(unknown),
                    hint="Check the spelling against the round's system-description template; remove fields it does not have.")


def _count(doc: dict, field: str) -> int | None:
    value = doc.get(field)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _claims(ctx: SystemContext, doc: dict) -> list[Claim]:
    claims = count_claims(ctx.unit.name, "system directory name")
    if isinstance(doc.get("system_name"), str):
        claims += count_claims(doc["system_name"], "system_name")
    return claims


def _kind(claim: Claim, doc: dict) -> str | None:
    """"accelerator" or "host" when the claim's token names that model of the description, else None."""
    if mentions(claim.token, doc.get("accelerator_model_name")):
        return "accelerator"
    if mentions(claim.token, doc.get("host_processor_model_name")):
        return "host"
    return None


def _count_issues(ctx: SystemContext, kind: str, per_node_field: str) -> Iterator[Issue]:
    """Issues for the name's `kind` counts that equal neither the per-node nor the total count."""
    doc = _doc(ctx)
    if doc is None:
        return
    nodes, per_node = _count(doc, "number_of_nodes"), _count(doc, per_node_field)
    if nodes is None or per_node is None:
        return
    for claim in _claims(ctx, doc):
        if _kind(claim, doc) != kind or claim.count in (per_node, nodes * per_node):
            continue
        yield Issue(f"{claim.source} says {claim.count}x {claim.token} but the fields give {nodes} node(s) x "
                    f"{per_node} {per_node_field} = {nodes * per_node}", path=ctx.unit.json_path,
                    line=_line(ctx, per_node_field), expected=f"{per_node} per node or {nodes * per_node} in total",
                    actual=str(claim.count),
                    hint=f"Correct number_of_nodes / {per_node_field}, or the count in the {claim.source}.")


@rule("SYS013", "accelerator-count-mismatch", severity="warning", scope="system", fast=True)
def accelerator_count_mismatch(ctx: SystemContext) -> Iterator[Issue]:
    """The accelerator count in the system's name differs from the description's counts.

    Checks: a count written next to the accelerator model in the system directory name or in
    `system_name` ("8xMI300X", "B200-SXM-180GBx8", "(16x H200-SXM-141GB, ...)") equals
    `accelerators_per_node` or `number_of_nodes` x `accelerators_per_node`.
    Why: readers of the results table take the name at its word; a wrong count misstates per-accelerator performance.
    Fix: correct the counts in the description, or the name.
    Rules: MLPerf Inference rules, "System description" (accelerators_per_node, number_of_nodes).
    """
    yield from _count_issues(ctx, "accelerator", "accelerators_per_node")


@rule("SYS014", "accelerator-model-mismatch", severity="warning", scope="system", fast=True)
def accelerator_model_mismatch(ctx: SystemContext) -> Iterator[Issue]:
    """The accelerator named in `system_name` is not the description's accelerator model.

    Checks: the "(N x MODEL, ...)" clause of `system_name`, where the naming convention puts the
    accelerator, names the `accelerator_model_name` (or the host processor, for systems without
    accelerators).
    Why: a system_name copied from another system makes the results table show the wrong hardware.
    Fix: correct accelerator_model_name or system_name.
    Rules: MLPerf Inference rules, "System description" (system_name, accelerator_model_name).
    """
    doc = _doc(ctx)
    if doc is None or not isinstance(doc.get("system_name"), str):
        return
    clause = accelerator_clause(doc["system_name"])
    if clause is None or _count(doc, "accelerators_per_node") == 0:
        return
    model = doc.get("accelerator_model_name")
    if _kind(clause, doc) is not None:
        return
    yield Issue(f"system_name names {clause.token} but accelerator_model_name is {_show(model)}",
                path=ctx.unit.json_path, line=_line(ctx, "accelerator_model_name"), expected=clause.token,
                actual=_show(model), hint="Make system_name and accelerator_model_name name the same accelerator.")


@rule("SYS015", "host-processor-count-mismatch", severity="warning", scope="system", fast=True)
def host_processor_count_mismatch(ctx: SystemContext) -> Iterator[Issue]:
    """The host-processor count in the system's name differs from the description's counts.

    Checks: a count written next to the host processor model in the system directory name or in
    `system_name` ("2xEPYC-9374F") equals `host_processors_per_node` or `number_of_nodes` x
    `host_processors_per_node`.
    Why: the host processor count is part of what was measured; a wrong one misdescribes the system.
    Fix: correct host_processors_per_node / number_of_nodes, or the name.
    Rules: MLPerf Inference rules, "System description" (host_processors_per_node).
    """
    yield from _count_issues(ctx, "host", "host_processors_per_node")


@rule("SYS016", "availability-notes-missing", severity="warning", scope="system", fast=True)
def availability_notes_missing(ctx: SystemContext) -> Iterator[Issue]:
    """A Preview or RDI system does not explain its availability in the notes.

    Checks: when `status` is one of rulebook `system.notes_required_statuses` (preview, rdi), at
    least one of `system.notes_fields` (hw_notes, sw_notes) is filled.
    Why: a Preview system must say what is not yet available and when it will be; an RDI system
    must say which components are research, development or internal. Reviewers look for it there.
    Fix: state in hw_notes or sw_notes which components are not available and when they will be.
    Rules: MLPerf general submission rules, "Availability" (Preview and RDI systems).
    """
    doc = _doc(ctx)
    if doc is None or not isinstance(doc.get("status"), str):
        return
    status = doc["status"].strip().lower()
    sysr = ctx.rulebook.system
    if status not in sysr.notes_required_statuses:
        return
    if any(accepts(ctx.rulebook.round, "meaningful", doc.get(f)) for f in sysr.notes_fields if f in doc):
        return
    fields = " and ".join(sysr.notes_fields)
    yield Issue(f"status is {status} but {fields} are empty", path=ctx.unit.json_path, line=_line(ctx, "status"),
                expected=f"an availability note in {fields}", actual="empty",
                hint=f"Explain in {sysr.notes_fields[0]} which components are {status} and when they become available.")
