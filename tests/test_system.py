"""System-description rules (SYS001-SYS016), the generated JSON Schemas and the name parser."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest
from jsonschema import Draft202012Validator

from checker.jsonschemas import accepts, published, system_schema
from checker.rulebook import available_rounds, load_rulebook
from checker.sysnames import accelerator_clause, count_claims, mentions
from tests.rulecase import RuleCase, case_id, run_case, run_on
from tests.treeedit import delete, edit_json, json_fields

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
OPEN = "open-v6.0"  # the smallest sample: most cases use it
#: The hardware the name-consistency cases assume, written by the mutation itself.
HARDWARE = {"number_of_nodes": 1, "accelerators_per_node": 8, "accelerator_model_name": "Example Accelerator X1 192GB",
            "host_processors_per_node": 2, "host_processor_model_name": "AMD EPYC 9575F"}


def _system(tree: Path, name: str | None = None) -> Path:
    """The first system description of the (single-submitter) sample, or the one called `name`."""
    systems = next(tree.glob("*/*/systems"))
    return systems / f"{name}.json" if name else sorted(systems.glob("*.json"))[0]


def fields(**changes: Any) -> Callable[[Path], None]:
    """A mutation setting fields of the first system's JSON (None deletes a field)."""
    return json_fields(_system, "set", **changes)


def drop_system_json(tree: Path) -> None:
    delete(_system(tree))


def orphan_system_json(tree: Path) -> None:
    shutil.copy(_system(tree), _system(tree, "ghost_system"))


def preview_with_notes(tree: Path) -> None:
    edit_json(_system(tree), status="preview", hw_notes="Accelerator X2 ships in Q3; available within 180 days.")


def as_network_division(tree: Path, **changes: Any) -> None:
    """Move the open sample's submitter into network/ and make its first system a network-division one."""
    (tree / "open").rename(tree / "network")
    edit_json(_system(tree), division="network", **changes)


def network_without_mode(tree: Path) -> None:
    as_network_division(tree, is_network="")


def complete_network_system(tree: Path) -> None:
    network = {f: "25 GbE" for f in load_rulebook("v6.0").system.network_fields}
    as_network_division(tree, **{**network, "is_network": "true"})


CASES = [
    RuleCase("SYS001", True, drop_system_json, message="no system description", base=OPEN),
    RuleCase("SYS001", False, base=OPEN),
    RuleCase("SYS001", False, base="closed-v5.1"),
    RuleCase("SYS002", True, orphan_system_json, message="has no results", base=OPEN),
    RuleCase("SYS002", False, base=OPEN),
    RuleCase("SYS003", True, fields(cooling=None, framework=None), message="framework, cooling", base=OPEN),
    RuleCase("SYS003", False, base=OPEN),
    RuleCase("SYS004", True, fields(cooling=""), message="cooling needs a meaningful answer", base=OPEN),
    RuleCase("SYS004", True, fields(host_networking="   "), message="only spaces", base=OPEN),
    RuleCase("SYS004", False, fields(accelerators_per_node=0), id="zero-is-an-answer", base=OPEN),
    RuleCase("SYS004", False, base=OPEN),
    RuleCase("SYS005", True, fields(number_of_nodes="8 (x2)"), message="crashes", base=OPEN),
    RuleCase("SYS005", True, fields(host_processor_core_count="N/A"), message="not a number", base=OPEN),
    RuleCase("SYS005", False, fields(number_of_nodes="1", accelerators_per_node=" 8 ", host_processor_core_count="64.0"),
             base=OPEN),
    RuleCase("SYS005", False, base=OPEN),
    RuleCase("SYS006", True, fields(status="sold"), message="allowed: available, preview, rdi", base=OPEN),
    RuleCase("SYS006", False, fields(status="Available"), base=OPEN),
    RuleCase("SYS007", True, fields(system_type="datacenter, edge"), message="system_type is 'datacenter, edge'",
             base=OPEN),
    RuleCase("SYS007", True, fields(system_type="cloud"), base=OPEN),
    RuleCase("SYS007", False, fields(system_type="edge,datacenter"), base=OPEN),
    RuleCase("SYS008", True, fields(division="closed"), message="sits in open/", base=OPEN),
    RuleCase("SYS008", False, base=OPEN),
    RuleCase("SYS009", True, fields(submitter="Globex"), message="directory is Acme/", base=OPEN),
    RuleCase("SYS009", False, fields(submitter="ACME"), base=OPEN),
    RuleCase("SYS010", True, fields(is_network="true"), message="in the closed division"),
    RuleCase("SYS010", True, fields(is_network=False), message='expected the string "true" or "false"', base=OPEN),
    RuleCase("SYS010", False, fields(is_network="False"), base=OPEN),
    RuleCase("SYS010", False, base=OPEN),
    RuleCase("SYS010", True, network_without_mode, base=OPEN, message='does not declare is_network "true"'),
    RuleCase("SYS010", False, complete_network_system, base=OPEN),
    RuleCase("SYS011", False, complete_network_system, base=OPEN),
    RuleCase("SYS011", True, fields(is_network="TRUE"), message="network_type", base=OPEN),
    RuleCase("SYS011", False, fields(is_network="false"), base=OPEN),
    RuleCase("SYS012", True, fields(host_processor_url="https://example.com"), message="host_processor_url",
             base=OPEN),
    RuleCase("SYS012", False, base=OPEN),
    RuleCase("SYS013", True, fields(**HARDWARE, system_name="Acme DC (4x X1-192GB, vLLM)"), message="says 4x X1-192GB", base=OPEN),
    RuleCase("SYS013", False, fields(**HARDWARE, system_name="Acme DC (8x X1-192GB, vLLM)"), base=OPEN),
    RuleCase("SYS013", False, fields(**{**HARDWARE, "number_of_nodes": 2}, system_name="Acme DC (16x X1-192GB, vLLM)"), id="total-count",
             base=OPEN),
    RuleCase("SYS014", True, fields(**HARDWARE, system_name="Acme DC (8x H200-SXM-141GB, vLLM)"), message="names H200-SXM-141GB",
             base=OPEN),
    RuleCase("SYS014", False, fields(**HARDWARE, system_name="Acme DC (8x X1-192GB, vLLM)"), base=OPEN),
    RuleCase("SYS015", True, fields(**HARDWARE, system_name="Acme DC (8x X1, 4x EPYC 9575F)"), message="4x EPYC", base=OPEN),
    RuleCase("SYS015", False, fields(**HARDWARE, system_name="Acme DC (8x X1, 2x EPYC 9575F)"), base=OPEN),
    RuleCase("SYS016", True, fields(status="preview"), message="status is preview", base=OPEN),
    RuleCase("SYS016", False, preview_with_notes, base=OPEN),
    RuleCase("SYS016", False, base=OPEN),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


def _severities(samples: Path, tmp_path: Path, mutate: Callable[[Path], None], code: str,
                round_: str | None = None, base: str = OPEN) -> list[str]:
    tree = tmp_path / "t"
    shutil.copytree(samples / base, tree, symlinks=True)
    mutate(tree)
    return [f.severity for f in run_on(tree, round_, (code,)).findings if f.code == code]


@pytest.mark.parametrize(("mutate", "code", "severity"), [
    (fields(host_networking="  "), "SYS004", "warning"),
    (fields(host_networking=""), "SYS004", "error"),
    (fields(host_processor_core_count="N/A"), "SYS005", "warning"),
    (fields(accelerators_per_node="8 (x2)"), "SYS005", "error"),
    (fields(division="Open"), "SYS008", "warning"),
    (fields(division="network"), "SYS008", "error"),
])
def test_graded_severities(mutate, code: str, severity: str, samples: Path, tmp_path: Path) -> None:
    assert _severities(samples, tmp_path, mutate, code) == [severity]


def test_systems_without_results_is_an_error_from_v51_only(samples: Path, tmp_path: Path) -> None:
    assert _severities(samples, tmp_path / "a", orphan_system_json, "SYS002", base="closed-v5.1") == ["error"]
    assert _severities(samples, tmp_path / "b", orphan_system_json, "SYS002", "v5.0", base="closed-v5.1") == ["warning"]


def test_system_errors_invalidate_that_systems_results_only(samples: Path, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    shutil.copytree(samples / "closed-v6.0", tree, symlinks=True)
    broken = _system(tree)
    edit_json(broken, status="sold")
    report = run_on(tree, None, ("SYS",))
    verdicts = {r.system: r.valid for r in report.results}
    assert len(verdicts) > 1 and verdicts == {name: name != broken.stem for name in verdicts}
    assert len([f for f in report.findings if f.code == "SYS006"]) == 1  # once per system, not per result


def test_unreadable_descriptions_never_crash(samples: Path, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    shutil.copytree(samples / "closed-v6.0", tree, symlinks=True)
    first, second = sorted(_system(tree).parent.glob("*.json"))[:2]
    first.write_text('["not", "an", "object"]')
    second.write_bytes(b"\x00\xff" * 50)
    report = run_on(tree, None, ("SYS", "LOG"))
    assert {f.code for f in report.findings} == {"LOG001", "LOG003"}


def test_line_numbers_point_at_the_field(samples: Path, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    shutil.copytree(samples / "closed-v6.0", tree, symlinks=True)
    edit_json(_system(tree), status="sold")
    finding = next(f for f in run_on(tree, None, ("SYS006",)).findings)
    assert '"status"' in _system(tree).read_text().splitlines()[finding.line - 1]


# --------------------------------------------------------------------------- schemas


@pytest.mark.parametrize("round_", available_rounds())
def test_published_schemas_equal_what_every_round_generates(round_: str) -> None:
    """One published file serves every round; a round that differs needs its own file (and this test updated)."""
    for name, schema in published(load_rulebook(round_)).items():
        path = SCHEMAS / name
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        if os.environ.get("UPDATE_SNAPSHOTS") == "1":
            path.write_text(text, encoding="utf-8")
        Draft202012Validator.check_schema(schema)
        assert path.read_text(encoding="utf-8") == text, f"{name} differs for {round_}: regenerate with UPDATE_SNAPSHOTS=1"


def test_schema_and_rules_agree_on_values() -> None:
    assert accepts("v6.0", "integer", "8") and accepts("v6.0", "integer", 8.0)
    assert not accepts("v6.0", "integer", "8 (x2)") and not accepts("v6.0", "integer", True)
    assert accepts("v6.0", "number", "2.5") and not accepts("v6.0", "number", "N/A")
    assert accepts("v6.0", "status", "RDI") and not accepts("v6.0", "status", "on-premise")
    assert accepts("v6.0", "filled", 0) and not accepts("v6.0", "filled", "") and not accepts("v6.0", "filled", None)
    assert accepts("v6.0", "isNetwork", "False") and not accepts("v6.0", "isNetwork", False)


def test_schema_requires_network_fields_for_network_systems() -> None:
    validator = Draft202012Validator(system_schema(load_rulebook("v6.0")))
    base = {f: "x" for f in load_rulebook("v6.0").system.required_fields}
    base.update(division="network", status="available", system_type="datacenter", number_of_nodes=1,
                accelerators_per_node=1, host_processors_per_node=1, host_processor_core_count=1)
    assert validator.is_valid({**base, "is_network": "false"})
    errors = list(validator.iter_errors({**base, "is_network": "true"}))
    assert errors and "network_type" in str(errors[0].message)


def test_real_system_descriptions_pass_the_schema_but_for_known_quirks(real: Path) -> None:
    """Every real description validates, except the 'N/A' core counts and blank fields the rules only warn about."""
    validator = Draft202012Validator(system_schema(load_rulebook("v6.0")))
    quirks = set()
    for path in sorted(real.glob("*/*/*/systems/*.json")):
        for error in validator.iter_errors(json.loads(path.read_text())):
            quirks.add((path.stem, error.path[0] if error.path else None))
    assert quirks <= {("8xMI300X_2xEPYC-TURIN", "host_processor_core_count"),
                      ("8xMI325x_2xEPYC-9655", "host_processor_core_count")} | {
        ("DGX-A100_A100-SXM-80GBx8_TRT", f) for f in ("accelerator_host_interconnect", "accelerator_interconnect",
                                                      "cooling", "host_memory_configuration", "host_networking",
                                                      "host_networking_topology", "host_network_card_count")}, quirks


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(("name", "claims"), [
    ("8xMI300X_2xEPYC-9374F", [(8, "MI300X"), (2, "EPYC-9374F")]),
    ("87xMI355X_22xEPYC_9575F", [(87, "MI355X"), (22, "EPYC")]),
    ("B200-SXM-180GBx8_TRT", [(8, "B200-SXM-180GB")]),
    ("H200-SXM-141GB-CTSx1_TRT", [(1, "H200-SXM-141GB-CTS")]),
    ("xd670_h200_x16_vllm_092", [(16, "h200")]),
    ("tpu_v5e_x4_flax", [(4, "v5e")]),
    ("NVIDIA DGX B200 (8x B200\u2011SXM\u2011180GB, TensorRT)", [(8, "B200-SXM-180GB")]),
    ("GATE Overflow Intel Sapphire Rapids (2x RTX 4090)", [(2, "RTX 4090")]),
    ("cm-demo-gfursin-aws-g4dn.4xlarge-nvidia_original-gpu", []),
    ("h13_u2_preview", []),
])
def test_count_claims(name: str, claims: list[tuple[int, str]]) -> None:
    assert [(c.count, c.token) for c in count_claims(name, "name")] == claims


def test_mentions_and_accelerator_clause() -> None:
    assert mentions("B200-SXM-180GB", "NVIDIA B200-SXM-180GB")
    assert mentions("RTX 4090", "NVIDIA GeForce RTX 4090")
    assert mentions("GH200-144GB_aarch64", "NVIDIA GH200-GraceHopper-Superchip")
    assert not mentions("H100-SXM-80GB", "NVIDIA H200-SXM-141GB")
    assert not mentions("x", "anything") and not mentions("H100", None)
    clause = accelerator_clause("HPE Cray XD670 (16x H200-SXM-141GB, vLLM v0.9.2)")
    assert clause is not None and (clause.count, clause.token) == (16, "H200-SXM-141GB")
    assert accelerator_clause("tpu-v5e-4") is None


# --------------------------------------------------------------------------- real submissions


@pytest.mark.parametrize(("tree", "round_"), [("v4.1", "v4.1"), ("v5.1", "v5.1"), ("v6.0", "v6.0"),
                                              ("v5.0-test-runs", "v5.0")])
def test_no_system_errors_on_real_submissions(real: Path, tree: str, round_: str) -> None:
    """The official checkers accept every real system description: so must we (warnings allowed)."""
    report = run_on(real / tree, round_, ("SYS",))
    assert [f for f in report.findings if f.severity == "error"] == []
