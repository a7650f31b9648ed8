"""JSON Schemas of the system description and the measurements JSON, generated from a rulebook.

The rulebook is the single source: the system rules validate field values against the `$defs` of
the generated schema (`accepts`), and the files published in `schemas/` for editors are the same
schemas written out (a test keeps them equal to what every round generates).
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any

from checker.rulebook import Rulebook, load_rulebook

if TYPE_CHECKING:  # imported where a validator is made (start-up time)
    from jsonschema import Draft202012Validator

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Published file names in `schemas/`.
SYSTEM_FILE = "system-description.schema.json"
MEASUREMENTS_FILE = "measurements.schema.json"
_REGEX_SPECIALS = set(".^$*+?()[]{}|\\/")


def _caseless(word: str) -> str:
    """A regex alternative matching `word` in any letter case (portable: no inline flags)."""
    out = []
    for ch in word:
        if ch.isalpha():
            out.append(f"[{ch.lower()}{ch.upper()}]")
        else:
            out.append("\\" + ch if ch in _REGEX_SPECIALS else ch)
    return "".join(out)


def _one_of_caseless(words: list[str]) -> str:
    return "^(?:" + "|".join(_caseless(w) for w in words) + ")$"


def _common_defs() -> dict[str, Any]:
    return {
        "filled": {"description": "Present with a value: not null, not an empty string, list or object.",
                   "not": {"enum": [None, "", [], {}]}},
        "nonBlank": {"description": "A string value has at least one visible character.",
                     "if": {"type": "string"}, "then": {"pattern": "\\S"}},
        "meaningful": {"allOf": [{"$ref": "#/$defs/filled"}, {"$ref": "#/$defs/nonBlank"}]},
    }


def system_schema(rb: Rulebook) -> dict[str, Any]:
    """The JSON Schema of `systems/<system>.json` for the round of `rb`."""
    sysr = rb.system
    defs = _common_defs()
    defs.update({
        "number": {"description": "A number, or a string holding only a number (\"8 (x2)\" is not one).",
                   "anyOf": [{"type": "number"}, {"type": "string", "pattern": "^\\s*[0-9]+(?:\\.[0-9]+)?\\s*$"}]},
        "integer": {"description": "A whole number, or a string holding only one (the official checker converts it with int()).",
                    "anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^\\s*[0-9]+\\s*$"}]},
        "status": {"description": "Availability, any letter case.", "type": "string",
                   "pattern": _one_of_caseless(sysr.statuses)},
        "systemType": {"description": "Exactly one of these spellings (no spaces).", "enum": sorted(sysr.system_types)},
        "division": {"enum": list(rb.divisions)},
        "isNetwork": {"description": "The string \"true\" or \"false\" (a JSON boolean is rejected by the official checker).",
                      "type": "string", "pattern": _one_of_caseless(["true", "false"])},
        "networkTrue": {"type": "string", "pattern": _one_of_caseless(["true"])},
    })
    special = {"status": "status", "system_type": "systemType", "division": "division", "is_network": "isNetwork"}
    properties: dict[str, Any] = {}
    for name in [*sysr.required_fields, *sysr.network_fields]:
        parts = []
        if name in sysr.meaningful_fields:
            parts.append({"$ref": "#/$defs/meaningful"})
        if name in sysr.integer_fields:
            parts.append({"$ref": "#/$defs/integer"})
        elif name in sysr.numeric_fields:
            parts.append({"$ref": "#/$defs/number"})
        if name in special:
            parts.append({"$ref": f"#/$defs/{special[name]}"})
        properties[name] = parts[0] if len(parts) == 1 else ({"allOf": parts} if parts else {})
    network_if = {"properties": {"is_network": {"$ref": "#/$defs/networkTrue"}}, "required": ["is_network"]}
    return {
        "$schema": DRAFT,
        "title": "MLPerf Inference system description (systems/<system>.json)",
        "description": "Generated from the rulebooks (rules/<round>.yaml) by checker.jsonschemas. Unknown fields "
                       "are allowed here; the checker reports them as warnings.",
        "type": "object",
        "required": list(sysr.required_fields),
        "properties": properties,
        "allOf": [{"if": network_if, "then": {"required": list(sysr.network_fields)}}],
        "$defs": defs,
    }


def measurements_schema(rb: Rulebook) -> dict[str, Any]:
    """The JSON Schema of the implementation-description (measurements) JSON for the round of `rb`."""
    fields = list(rb.measurements.required_fields)
    return {
        "$schema": DRAFT,
        "title": "MLPerf Inference implementation description (measurements.json / <system>_<impl>_<scenario>.json)",
        "description": "Generated from the rulebooks (rules/<round>.yaml) by checker.jsonschemas.",
        "type": "object",
        "required": fields,
        "properties": {name: {"$ref": "#/$defs/meaningful"} for name in fields},
        "$defs": _common_defs(),
    }


def published(rb: Rulebook) -> dict[str, dict[str, Any]]:
    """The files of `schemas/` that this generator owns, by file name, as generated for `rb`."""
    return {SYSTEM_FILE: system_schema(rb), MEASUREMENTS_FILE: measurements_schema(rb)}


@functools.lru_cache(maxsize=None)
def _validator(round_: str, definition: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    defs = system_schema(load_rulebook(round_))["$defs"]
    if definition not in defs:
        raise KeyError(f"no $defs/{definition} in the system-description schema")
    return Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{definition}"})


#: `accepts` of JSON scalars, by round, definition, Python type and JSON text (1, 1.0 and true are different
#: JSON values): each distinct value is validated once, and incremental mode keeps the answers in its
#: cache folder for the same code (a re-check then asks jsonschema nothing, nor imports it).
ANSWERS: dict[str, bool] = {}


def accepts(round_: str, definition: str, value: Any) -> bool:
    """True when `value` satisfies `$defs/<definition>` of the round's system-description schema."""
    if value is None or isinstance(value, (str, int, float)):  # most fields: validated once per distinct value
        key = f"{round_}|{definition}|{type(value).__name__}|{json.dumps(value)}"
        answer = ANSWERS.get(key)
        if answer is None:
            answer = ANSWERS[key] = _validator(round_, definition).is_valid(value)
        return answer
    return _validator(round_, definition).is_valid(value)
