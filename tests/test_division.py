"""Cases for benchmark names, model_mapping.json and open-division declarations (DIV001-DIV004), and the
open-result labels."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import pytest

from tests.rulecase import RuleCase, case_id, run_case, run_on
from tests.treeedit import delete, edit_json

OPEN = "open/Acme"
OPEN_RESULTS = f"{OPEN}/results/acme_e1_edge"


def rename_closed_resnet(tree: Path) -> None:
    results = tree / "closed/Acme/results/acme_e1_edge"
    (results / "resnet50").rename(results / "resnet-50")


def rename_v51_llama(tree: Path) -> None:
    results = tree / "closed/Acme/results/acme_x8_dc"
    (results / "llama2-70b-99").rename(results / "llama2-70b")
    (tree / "closed/Acme/measurements/acme_x8_dc/llama2-70b-99").rename(
        tree / "closed/Acme/measurements/acme_x8_dc/llama2-70b")


def rename_open_model(tree: Path) -> None:
    (tree / OPEN_RESULTS / "resnet50-pruned").rename(tree / OPEN_RESULTS / "mynet")


def drop_mapping(tree: Path) -> None:
    delete(tree / OPEN / "model_mapping.json")


def write_mapping(text: str):
    def mutate(tree: Path) -> None:
        (tree / OPEN / "model_mapping.json").write_text(text)
    mutate.__name__ = "mapping_" + "".join(c for c in text if c.isalnum())[:40]
    return mutate


def unset_open(**fields: str):
    def mutate(tree: Path) -> None:
        for path in sorted((tree / OPEN_RESULTS).glob("*/*/measurements.json")):
            edit_json(path, **fields)
    mutate.__name__ = "unset_" + "_".join(fields)
    return mutate


def unset_closed_retraining(tree: Path) -> None:
    edit_json(tree / "closed/Acme/results/acme_e1_edge/resnet50/Offline/measurements.json", retraining="UNSET")


CASES = [
    RuleCase("DIV001", True, rename_closed_resnet, message="the closest official name is 'resnet50'"),
    RuleCase("DIV001", True, rename_v51_llama, base="closed-v5.1", message="not a benchmark of round v5.1"),
    RuleCase("DIV001", False),
    RuleCase("DIV001", False, base="closed-v5.1"),
    RuleCase("DIV001", False, base="open-v6.0"),
    RuleCase("DIV002", True, rename_open_model, base="open-v6.0", message="resolves to no benchmark"),
    RuleCase("DIV002", True, write_mapping('{"resnet50-pruned": "resnet-fake"}'), base="open-v6.0",
             message="maps it to 'resnet-fake'"),
    RuleCase("DIV002", True, drop_mapping, base="open-v6.0", message="only by the official checker's name guess"),
    RuleCase("DIV002", False, base="open-v6.0"),
    RuleCase("DIV002", False),
    RuleCase("DIV003", True, write_mapping('{"resnet50-pruned": "resnet-fake"}'), base="open-v6.0",
             message="which is not a benchmark of round v6.0 (closest: 'resnet')"),
    RuleCase("DIV003", True, write_mapping('{"resnet50-pruned": "resnet", "resnet50-pruned": "retinanet"}'),
             base="open-v6.0", message="more than once"),
    RuleCase("DIV003", True, write_mapping('{"resnet50-pruned": "resnet", "resnet50": "retinanet"}'),
             base="open-v6.0", message="but 'resnet50' already names resnet"),
    RuleCase("DIV003", False, base="open-v6.0"),
    RuleCase("DIV003", False, write_mapping('{"resnet50-pruned": "resnet50", "resnet": "resnet"}'), base="open-v6.0",
             id="alias-and-self"),
    RuleCase("DIV003", False, drop_mapping, base="open-v6.0"),
    RuleCase("DIV004", True, unset_open(retraining="UNSET", weight_data_types="TBD"), base="open-v6.0",
             message="leaves 2 declaration(s) unset: retraining='UNSET', weight_data_types='TBD'"),
    RuleCase("DIV004", False, base="open-v6.0"),
    RuleCase("DIV004", False, unset_closed_retraining),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


def test_name_guess_is_a_warning(samples: Path, tmp_path: Path) -> None:
    report = run_case(RuleCase("DIV002", True, drop_mapping, base="open-v6.0"), samples, tmp_path)
    assert {f.severity for f in report.findings if f.code == "DIV002"} == {"warning"}
    assert all(r.valid for r in report.results)


def test_broken_mapping_invalidates_the_submitters_open_results(samples: Path, tmp_path: Path) -> None:
    report = run_case(RuleCase("DIV003", True, write_mapping('{"resnet50-pruned": "nothing"}'), base="open-v6.0"),
                      samples, tmp_path)
    [finding] = [f for f in report.findings if f.code == "DIV003"]
    assert finding.path == f"{OPEN}/model_mapping.json" and finding.line == 1
    assert not any(r.valid for r in report.results)


def test_open_labels(samples: Path) -> None:
    report = run_on(samples / "open-v6.0", select=("DIV",))
    labels = [r.extra["labels"] for r in report.results]
    assert len(labels) == 2 and labels[0] == labels[1]
    assert {k: v for k, v in labels[0].items() if k != "declared"} == {
        "model": "resnet50-pruned", "benchmark": "resnet", "resolved_by": "model_mapping", "retraining": "yes",
        "pruning_or_sparsity": "yes", "transformations": ["quantization", "pruning"], "weight_data_types": ["int8"],
        "input_data_types": ["int8"], "starting_weights": "resnet50_v1.onnx"}
    assert labels[0]["declared"]["retraining"] == "Yes, fine-tuned for 3 epochs after pruning"
    json.dumps(labels)  # plain JSON data


def test_open_labels_show_undeclared_changes(samples: Path, tmp_path: Path) -> None:
    tree = tmp_path / "open"
    shutil.copytree(samples / "open-v6.0", tree)
    unset_open(retraining="UNSET", weight_transformations=None)(tree)
    report = run_on(tree, select=("DIV",))
    labels = report.results[0].extra["labels"]
    assert labels["retraining"] == labels["transformations"] == labels["pruning_or_sparsity"] == "undeclared"


def test_closed_results_have_no_labels(samples: Path) -> None:
    report = run_on(samples / "closed-v6.0", select=("DIV",))
    assert all("labels" not in r.extra for r in report.results)


REAL_EXPECTED = {
    ("v4.1", "v4.1"): {},
    ("v5.1", "v5.1"): {("DIV004", "error"): 20},   # Krai open: input/weight types, weights, transformations UNSET
    ("v6.0", "v6.0"): {},
    ("v5.0-test-runs", "v5.0"): {},
}


@pytest.mark.parametrize("tree,round_", REAL_EXPECTED)
def test_real_trees(tree: str, round_: str, real: Path) -> None:
    report = run_on(real / tree, round_, ("DIV",))
    assert dict(collections.Counter((f.code, f.severity) for f in report.findings)) == REAL_EXPECTED[(tree, round_)]
    open_results = [r for r in report.results if r.division == "open"]
    assert all(r.extra["labels"]["benchmark"] for r in open_results)


def test_real_open_labels_resolve_through_model_mapping(real: Path) -> None:
    report = run_on(real / "v5.1", "v5.1", ("DIV",))
    by = collections.Counter((r.benchmark, r.extra["labels"]["resolved_by"], r.extra["labels"]["benchmark"])
                             for r in report.results if r.division == "open")
    assert by[("llama3_1-70b-fp8_dyn", "model_mapping", "llama2-70b-99.9")] == 13
    assert by[("llama2-70b-99", "name", "llama2-70b-99")] == 2
