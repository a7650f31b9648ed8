"""Cases for the closed-division constraints (MEAS001-MEAS008), and their verdicts on the real trees."""

from __future__ import annotations

import collections
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.rulecase import RuleCase, case_id, run_case, run_on
from tests.treeedit import delete, edit_json, json_fields

EDGE = "closed/Acme/results/acme_e1_edge"
DC = "closed/Acme/results/acme_x8_dc"
ONNX = "resnet50_v1.onnx"


def measurements(tree: Path, benchmark: str = "resnet50", scenario: str = "Offline") -> Path:
    """The implementation-description JSON of a result, in either layout."""
    found = sorted(tree.glob(f"*/*/results/*/{benchmark}/{scenario}/measurements.json"))
    found += sorted(tree.glob(f"*/*/measurements/*/{benchmark}/{scenario}/*_{scenario}.json"))
    return found[0]


def declare(**fields: Any) -> Callable[[Path], None]:
    """A mutation setting fields of the resnet50 Offline implementation description (None deletes)."""
    return json_fields(measurements, "declare", **fields)


def drop_edge_multistream(tree: Path) -> None:
    delete(tree / EDGE / "resnet50" / "MultiStream")


def drop_interactive_and_server(tree: Path) -> None:
    delete(tree / DC / "llama3.1-8b" / "Server")
    delete(tree / DC / "llama3.1-8b" / "Interactive")


def drop_every_llama_scenario(tree: Path) -> None:
    for scenario in ("Offline", "Server", "Interactive"):
        delete(tree / DC / "llama3.1-8b" / scenario)


def drop_v51_llama_server(tree: Path) -> None:
    delete(tree / DC / "llama2-70b-99" / "Server")


def add_edge_server(tree: Path) -> None:
    shutil.copytree(tree / EDGE / "resnet50" / "Offline", tree / EDGE / "resnet50" / "Server")


def edge_system_is_datacenter(tree: Path) -> None:
    edit_json(tree / "closed/Acme/systems/acme_e1_edge.json", system_type="datacenter")


def drop_calibration(tree: Path) -> None:
    delete(tree / "closed/Acme/documentation/calibration.md")


def drop_v51_calibration(tree: Path) -> None:
    delete(tree / "closed/Acme/calibration.md")


def empty_calibration(tree: Path) -> None:
    (tree / "closed/Acme/documentation/calibration.md").write_text("")


def calibration_at_root(tree: Path) -> None:
    shutil.move(tree / "closed/Acme/documentation/calibration.md", tree / "closed/Acme/calibration.md")


CASES = [
    RuleCase("MEAS001", True, declare(retraining=None), message="no field retraining"),
    RuleCase("MEAS001", True, declare(weight_data_types=""), message="weight_data_types is empty"),
    RuleCase("MEAS001", True, declare(input_data_types=None), base="closed-v5.1", message="no field input_data_types"),
    RuleCase("MEAS001", False),
    RuleCase("MEAS001", False, base="closed-v5.1"),
    RuleCase("MEAS001", False, base="open-v6.0"),
    RuleCase("MEAS002", True, declare(retraining="Yes, fine-tuned"), message="retraining is declared"),
    RuleCase("MEAS002", True, declare(retraining="No, but QAT was used"), base="closed-v5.1",
             message="allows no retraining"),
    RuleCase("MEAS002", True, declare(retraining="see README"), id="unclear", message="does not say plainly"),
    RuleCase("MEAS002", False),
    RuleCase("MEAS002", False, declare(retraining="We don't retrain the model weight."), id="dont-retrain"),
    RuleCase("MEAS002", False, base="open-v6.0"),
    RuleCase("MEAS003", True, declare(weight_transformations="quantization, 2:4 sparsity"), message="sparsity"),
    RuleCase("MEAS003", True, declare(weight_transformations="pruning"), base="closed-v5.1", message="pruning"),
    RuleCase("MEAS003", True, declare(weight_transformations="see calibration.md"), id="unclear",
             message="does not say plainly"),
    RuleCase("MEAS003", False),
    RuleCase("MEAS003", False, declare(weight_transformations="quantization, affine fusion"), id="fusion"),
    RuleCase("MEAS003", False, base="open-v6.0"),
    RuleCase("MEAS004", True, declare(weight_data_types="quantized"), message="'quantized'"),
    RuleCase("MEAS004", True, declare(input_data_types="UNSET"), base="closed-v5.1", message="input_data_types"),
    RuleCase("MEAS004", False),
    RuleCase("MEAS004", False, declare(weight_data_types="FP8 (E4M3), bfloat16"), id="spellings"),
    RuleCase("MEAS005", True, declare(starting_weights_filename="TBD"), message="none of the reference weights"),
    RuleCase("MEAS005", False),
    RuleCase("MEAS005", False, declare(starting_weights_filename=f"https://zenodo.org/record/4735647/files/{ONNX}"),
             id="zenodo-url"),
    RuleCase("MEAS006", True, drop_edge_multistream, message="lacks the required scenario(s) MultiStream"),
    RuleCase("MEAS006", True, drop_interactive_and_server, message="one of Interactive or Server"),
    RuleCase("MEAS006", True, drop_v51_llama_server, base="closed-v5.1", message="one of Interactive or Server"),
    RuleCase("MEAS006", False),
    RuleCase("MEAS006", False, base="closed-v5.1"),
    RuleCase("MEAS006", False, drop_every_llama_scenario),  # no scenario left at all: STR013/STR014/STR009
    RuleCase("MEAS007", True, add_edge_server, message="scenario Server is neither required nor optional"),
    RuleCase("MEAS007", True, edge_system_is_datacenter, message="not a benchmark of round v6.0 for datacenter"),
    RuleCase("MEAS007", False),
    RuleCase("MEAS007", False, base="closed-v5.1"),
    RuleCase("MEAS008", True, drop_calibration, message="has no calibration document"),
    RuleCase("MEAS008", True, drop_v51_calibration, base="closed-v5.1", message="has no calibration document"),
    RuleCase("MEAS008", True, empty_calibration, message="is empty"),
    RuleCase("MEAS008", False),
    RuleCase("MEAS008", False, calibration_at_root),
    RuleCase("MEAS008", False, drop_v51_calibration, base="closed-v5.1", round="v5.0", id="not-required-v5.0"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


@pytest.mark.parametrize("mutate,code", [(declare(retraining="see README"), "MEAS002"),
                                         (declare(weight_transformations="Yes"), "MEAS003")])
def test_unclear_text_is_a_warning(mutate: Callable[[Path], None], code: str, samples: Path, tmp_path: Path) -> None:
    report = run_case(RuleCase(code, True, mutate), samples, tmp_path)
    assert {f.severity for f in report.findings if f.code == code} == {"warning"}
    assert all(r.valid for r in report.results)


def test_forbidden_declarations_are_errors_on_their_result(samples: Path, tmp_path: Path) -> None:
    report = run_case(RuleCase("MEAS003", True, declare(weight_transformations="pruning")), samples, tmp_path)
    [finding] = [f for f in report.findings if f.code == "MEAS003"]
    assert finding.severity == "error" and finding.result.endswith("resnet50/Offline")
    assert finding.line == 6 and finding.path.endswith("resnet50/Offline/measurements.json")
    assert [r.path for r in report.results if not r.valid] == [finding.result]


def test_missing_scenario_is_reported_once_and_leaves_siblings_valid(samples: Path, tmp_path: Path) -> None:
    report = run_case(RuleCase("MEAS006", True, drop_edge_multistream), samples, tmp_path)
    [finding] = [f for f in report.findings if f.code == "MEAS006"]
    assert finding.path == f"{EDGE}/resnet50" and finding.result is None and finding.severity == "error"
    assert all(r.valid for r in report.results)
    assert report.failed()  # the submission fails (exit status 1) although no result is invalid


# what the real trees declare: (tree, round) -> {(code, severity): count}
REAL_EXPECTED = {
    ("v4.1", "v4.1"): {("MEAS003", "warning"): 8},        # UntetherAI: "see closed/UntetherAI/calibration.md"
    ("v5.1", "v5.1"): {},
    ("v6.0", "v6.0"): {("MEAS005", "warning"): 12,       # GATEOverflow yolo: starting weights "TBD"
                       ("MEAS008", "error"): 1},         # Krai closed: no calibration document
    ("v5.0-test-runs", "v5.0"): {},
}


@pytest.mark.parametrize("tree,round_", REAL_EXPECTED)
def test_real_trees(tree: str, round_: str, real: Path) -> None:
    report = run_on(real / tree, round_, ("MEAS",))
    found = collections.Counter((f.code, f.severity) for f in report.findings)
    assert dict(found) == REAL_EXPECTED[(tree, round_)]


def odd_json_values(tree: Path) -> None:
    edit_json(measurements(tree), retraining={"a": [1]}, weight_data_types=[1, None], starting_weights_filename=5,
              weight_transformations=3.5, input_data_types=True)
    edit_json(tree / "closed/Acme/systems/acme_e1_edge.json", system_type=["edge"])


def test_odd_json_values_become_findings_not_crashes(samples: Path, tmp_path: Path) -> None:
    report = run_case(RuleCase("MEAS004", True, odd_json_values, select=("MEAS", "DIV", "CHK")), samples, tmp_path)
    codes = {f.code for f in report.findings}
    assert "CHK001" not in codes and {"MEAS002", "MEAS003", "MEAS005"} <= codes
