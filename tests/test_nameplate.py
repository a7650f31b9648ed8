"""Nameplate power (v6.1): the PSU sum, SYS017/SYS018, `design_power_watts` in the report data and the
CSV, and the `system_power_only` CSV convention of v4.1-v5.1."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from checker.nameplate import design_power, load_yaml, sum_psu_capacity
from checker.reporters.csv_report import render_csv
from checker.rulebook import load_rulebook
from checker.samplegen import ResultSpec, SubmissionSpec, SystemSpec, write_submission
from tests.rulecase import RuleCase, case_id, run_case, run_on
from tests.treeedit import update_json

SPEC = load_rulebook("v6.1").nameplate_power
SYSTEM = "acme_pw_dc"
NAMEPLATE = {"Rack": {"Node 1": {"PSUs": [{"PowerCapacityWatts": 3000}, {"PowerCapacityWatts": 3200},
                                          {"PowerCapacityWatts": 2800}], "Min PSUs Needed": 2},
                      "Switches": [{"psus": [{"powercapacitywatts": 450}], "min psus needed": 1}]}}


def _power_system(nameplate: str | None = None, fields: dict | None = None, power: bool = True):
    """Add a v6.1 datacenter system with a llama3.1-8b power result, and its nameplate YAML (text)."""
    def mutate(tree: Path) -> None:
        write_submission(tree, SubmissionSpec("v6.1", "closed", "Acme", [SystemSpec(SYSTEM, "datacenter", [
            ResultSpec("llama3.1-8b", "Offline", power=power), ResultSpec("llama3.1-8b", "Server")], fields=fields or {})]))
        if nameplate is not None:
            (tree / "closed/Acme/systems" / f"{SYSTEM}_power.yaml").write_text(nameplate, encoding="utf-8")
    mutate.__name__ = f"power_system_{'yaml' if nameplate is not None else 'no_yaml'}{'_fields' if fields else ''}"
    return mutate


GOOD = yaml.safe_dump(NAMEPLATE)


def case(code: str, fires: bool, mutate=None, message: str | None = None, id: str = "") -> RuleCase:
    return RuleCase(code, fires, mutate=mutate, base="closed-v6.1-endpoints", round="v6.1", message=message, id=id)


CASES = [
    case("SYS017", True, _power_system(), "no nameplate power for system acme_pw_dc", id="no-data"),
    case("SYS017", False, _power_system(GOOD), id="yaml"),
    case("SYS017", False, _power_system(fields={"system_power_capacity": 9600}), id="capacity-field"),
    case("SYS017", False, _power_system(power=False), id="no-power-result"),
    case("SYS017", False),
    case("SYS018", True, _power_system("Node:\n  PSUs: [\n"), "does not load as YAML", id="syntax"),
    case("SYS018", True, _power_system("Node:\n  PSUs: [{PowerCapacityWatts: lots}]\n  Min PSUs Needed: 1\n"),
         "no numeric 'PowerCapacityWatts'", id="capacity-text"),
    case("SYS018", True, _power_system("Node:\n  PSUs: [{PowerCapacityWatts: 1000}]\n  Min PSUs Needed: 2\n"),
         "needs 2 PSUs but lists 1", id="too-few-psus"),
    case("SYS018", True, _power_system("just a note\n"), "not a description of components", id="scalar"),
    case("SYS018", True, _power_system(fields={"system_power_capacity": "about 9 kW"}), "not a positive number",
         id="capacity-field-text"),
    case("SYS018", False, _power_system(GOOD), id="valid"),
    case("SYS018", False, _power_system("Node:\n  PSUs: [\n", power=False), id="not-a-power-result"),
    case("SYS018", False),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


# --------------------------------------------------------------------------- the sum


def test_the_needed_largest_psus_of_every_component_add_up() -> None:
    assert sum_psu_capacity(NAMEPLATE, SPEC) == (3200 + 3000 + 450, [])


def test_redundant_psus_do_not_count_and_lists_nest() -> None:
    data = [{"GPU tray": [{"PSUs": [{"PowerCapacityWatts": 2000.5}] * 4, "MIN PSUS NEEDED": 3}]},
            {"ignored": "text"}, {"PSUs": [], "Min PSUs Needed": 0}]
    assert sum_psu_capacity(data, SPEC) == (6001.5, [])


@pytest.mark.parametrize("data, fragment", [
    ({"Node": {"PSUs": [{"PowerCapacityWatts": 1}], "Min PSUs Needed": "one"}}, "not a whole number"),
    ({"Node": {"PSUs": [{"PowerCapacityWatts": 1}], "Min PSUs Needed": True}}, "not a whole number"),
    ({"Node": {"PSUs": {"a": 1}, "Min PSUs Needed": 1}}, "not a list of PSUs"),
    ({"Node": {"PSUs": ["3000 W"], "Min PSUs Needed": 1}}, "PSU 1 has no numeric"),
    ({"Node": {"PSUs": [{"PowerCapacityWatts": float("nan")}], "Min PSUs Needed": 1}}, "PSU 1 has no numeric"),
    ({"Node": {"PSUs": [{"PowerCapacityWatts": 1}]}}, "no component lists both"),
    ([], "no component lists both"),
])
def test_unusable_components_are_problems(data, fragment: str) -> None:
    _, problems = sum_psu_capacity(data, SPEC)
    assert problems and fragment in problems[0].message


def test_aliases_that_make_a_huge_graph_are_walked_once(tmp_path: Path) -> None:
    lines = ["a0: &a0 {PSUs: [{PowerCapacityWatts: 1}], Min PSUs Needed: 1}"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_yaml(path).value
    assert loaded.problem is None
    assert sum_psu_capacity(loaded.data, SPEC) == (1, [])   # every node once: the shared leaf counts once


@pytest.mark.parametrize("content", [b"\x00\xffbinary", b"", b"a: [", b"- x\n  y: : z\n", b"!!python/object:os.system x\n"])
def test_unreadable_yaml_is_a_problem_never_an_exception(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "s_power.yaml"
    path.write_bytes(content)
    power = design_power(None, tmp_path / "s.json", path, SPEC)
    assert power.watts is None and power.problems and power.source == path


def test_the_system_field_takes_precedence_and_a_missing_yaml_is_no_problem(tmp_path: Path) -> None:
    path = tmp_path / "s_power.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert design_power({"system_power_capacity": "9600"}, tmp_path / "s.json", path, SPEC).watts == "9600"
    assert design_power({}, tmp_path / "s.json", path, SPEC).watts == 6650
    missing = design_power({}, tmp_path / "s.json", tmp_path / "none.yaml", SPEC)
    assert missing.missing and missing.watts is None and missing.problems == []


# --------------------------------------------------------------------------- report data and CSV


def _csv_rows(tree: Path, round_: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(render_csv(run_on(tree, round_)))))


def test_design_power_watts_in_the_csv(tmp_path: Path) -> None:
    _power_system(GOOD)(tmp_path)
    rows = {(r["Scenario"], r["Units"]): r["design_power_watts"] for r in _csv_rows(tmp_path, "v6.1")}
    assert rows == {("Offline", "Tokens/s"): "6650", ("Offline", "Watts"): "6650", ("Server", "Tokens/s"): "None"}


def test_design_power_watts_is_none_without_nameplate_data_and_empty_before_v61(tmp_path: Path) -> None:
    _power_system()(tmp_path / "a")
    assert {r["design_power_watts"] for r in _csv_rows(tmp_path / "a", "v6.1")} == {"None"}
    write_submission(tmp_path / "b", SubmissionSpec("v6.0", "closed", "Acme", [SystemSpec(SYSTEM, "datacenter", [
        ResultSpec("llama3.1-8b", "Offline", power=True), ResultSpec("llama3.1-8b", "Server")])]))
    assert {r["design_power_watts"] for r in _csv_rows(tmp_path / "b", "v6.0")} == {""}


@pytest.mark.parametrize("round_, flag, units", [
    ("v5.1", True, ["Watts", "Queries/s"]),          # M5x omits the performance row of the power result
    ("v5.1", "TRUE", ["Watts", "Queries/s"]),
    ("v5.1", False, ["Samples/s", "Watts", "Queries/s"]),
    ("v5.1", 0, ["Samples/s", "Watts", "Queries/s"]),
    ("v6.0", True, ["Samples/s", "Watts", "Queries/s"]),   # MOD ignores system_power_only
])
def test_system_power_only(tmp_path: Path, round_: str, flag, units: list[str]) -> None:
    write_submission(tmp_path, SubmissionSpec(round_, "closed", "Acme", [SystemSpec(SYSTEM, "datacenter,edge", [
        ResultSpec("resnet50", "Offline", power=True), ResultSpec("resnet50", "Server"),
        ResultSpec("resnet50", "SingleStream"), ResultSpec("resnet50", "MultiStream")])]))
    update_json(tmp_path / "closed/Acme/systems" / f"{SYSTEM}.json", lambda d: d.update(system_power_only=flag))
    rows = [r for r in _csv_rows(tmp_path, round_) if r["Scenario"] in ("Offline", "Server")]
    assert [r["Units"] for r in rows] == units
    assert json.loads((tmp_path / "closed/Acme/systems" / f"{SYSTEM}.json").read_text())["system_power_only"] == flag
