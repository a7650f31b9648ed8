"""Cases for the accuracy rules (ACC001-ACC015) on copies of the generated sample trees."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.context import Options
from checker.model import Severity
from tests.accdata import log_text, payload, resnet_log, sha256_hex, truncate_log, val_map, write_log
from tests.rulecase import RuleCase, case_id, run_case
from tests.treeedit import add_log_record, set_log_value

RESNET = "closed/Acme/results/acme_e1_edge/resnet50/Offline"
LLAMA = "closed/Acme/results/acme_x8_dc/llama3.1-8b/Offline"
OPEN_RESNET = "open/Acme/results/acme_e1_edge/resnet50-pruned/Offline"
#: The reference folder of the re-scoring cases (rewritten by each case that uses it).
REF = Path(tempfile.gettempdir()) / f"mlperf-checker-acc-ref-{os.getpid()}"
WITH_REF = Options(reference_data=REF)
LABELS = [(7 * i + 3) % 1000 for i in range(20)]


def acc_dir(tree: Path, result: str = RESNET) -> Path:
    """The accuracy folder of a result."""
    return tree / result / "accuracy"


def set_accuracy_txt(lines: list[str], result: str = RESNET, keep_hash: bool = True) -> Callable[[Path], None]:
    """Replace the script output of accuracy.txt (the hash line kept unless told otherwise)."""
    def mutate(tree: Path) -> None:
        path = acc_dir(tree, result) / "accuracy.txt"
        hashes = [x for x in path.read_text().splitlines() if x.startswith("hash=")] if keep_hash else []
        path.write_text("\n".join(lines + [""] + hashes) + "\n")
    mutate.__name__ = f"accuracy_txt_{'_'.join(lines)[:30]}"
    return mutate


def install(text: str, lines: list[str], result: str = RESNET, count: int | None = None, hash_text: str | None = None,
            labels: list[int] | None = LABELS) -> Callable[[Path], None]:
    """Publish `text` as the result's accuracy log (truncated as the official tool does), with accuracy.txt
    `lines` + the hash of `hash_text or text`, the accuracy run's sample count set to `count`, and a
    fresh reference folder holding `val_map.txt` for `labels`."""
    def mutate(tree: Path) -> None:
        folder = acc_dir(tree, result)
        write_log(folder / "mlperf_log_accuracy.json", truncate_log(text))
        (folder / "accuracy.txt").write_text("\n".join(lines) + f"\n\nhash={sha256_hex(hash_text or text)}\n")
        detail = folder / "mlperf_log_detail.txt"
        for key in ("qsl_reported_total_count", "effective_accuracy_sample_count"):
            set_log_value(detail, key, count if count is not None else len(LABELS))
        shutil.rmtree(REF, ignore_errors=True)
        REF.mkdir(parents=True)
        if labels is not None:
            val_map(REF, labels)
    return mutate


def named(name: str, fn: Callable[[Path], None]) -> Callable[[Path], None]:
    """Give a mutation a readable test id."""
    fn.__name__ = name
    return fn


def only_resnet_offline(tree: Path) -> None:
    """Remove every result but resnet Offline (for cases that must be silent on the whole tree)."""
    for scenario in tree.glob("closed/Acme/results/*/*/*"):
        if scenario.is_dir() and not scenario.as_posix().endswith(RESNET):
            shutil.rmtree(scenario)


def then(first: Callable[[Path], None], second: Callable[[Path], None]) -> Callable[[Path], None]:
    """Apply two mutations in order."""
    def mutate(tree: Path) -> None:
        first(tree)
        second(tree)
    mutate.__name__ = f"{first.__name__}_{second.__name__}"
    return mutate


def rename_to_sdxl(with_images: tuple[str, ...] | None) -> Callable[[Path], None]:
    """Turn the resnet Offline result into a stable-diffusion-xl one, optionally with sample images."""
    def mutate(tree: Path) -> None:
        source = tree / RESNET
        target = source.parent.parent / "stable-diffusion-xl" / "Offline"
        target.parent.mkdir(parents=True)
        shutil.move(source, target)
        if with_images is not None:
            (target / "accuracy" / "images").mkdir()
            for stem in with_images:
                (target / "accuracy" / "images" / f"{stem}.{'txt' if stem == 'captions' else 'png'}").write_bytes(b"x")
    return mutate


SDXL_V60 = ("1311", "2476", "3644", "2188", "4114", "52", "388", "1195", "3427", "2289")


def spot_log(correct_visible: bool) -> str:
    """A 400-sample resnet log: every answer right, or (for the entries the truncation keeps) wrong."""
    labels = [(3 * i + 1) % 1000 for i in range(400)]
    items = [(i, payload([label if correct_visible else (label + 1) % 1000], "int32")) for i, label in enumerate(labels)]
    return log_text(items)


SPOT_LABELS = [(3 * i + 1) % 1000 for i in range(400)]
GOOD = resnet_log(LABELS, wrong=3, duplicate=False)

CASES = [
    # ACC001 accuracy-target
    RuleCase("ACC001", False),
    RuleCase("ACC001", True, mutate=set_accuracy_txt(["accuracy=75.000%, good=37500, total=50000"]),
             message="below the target"),
    RuleCase("ACC001", True, mutate=set_accuracy_txt(["{'rouge1': 38.545, 'rouge2': 15.811, 'rougeL': 24.348, "
                                                      "'rougeLsum': 35.577, 'gen_len': 9999999, 'gen_num': 13368}"],
                                                     result=LLAMA), message="GEN_LEN 9999999 is above"),
    RuleCase("ACC001", True, base="open-v6.0", mutate=set_accuracy_txt(["accuracy=60.000%"], result=OPEN_RESNET)),
    RuleCase("ACC001", False, base="closed-v5.1"),
    # ACC002 accuracy-value-missing
    RuleCase("ACC002", False),
    RuleCase("ACC002", True, mutate=set_accuracy_txt(["top-1 is fine"]), message="no readable acc value"),
    RuleCase("ACC002", True, mutate=set_accuracy_txt(["{'rouge1': 38.545, 'rouge2': 15.811, 'rougeL': 24.348}"],
                                                     result=LLAMA), message="ROUGELSUM"),
    RuleCase("ACC002", True, base="open-v6.0", mutate=set_accuracy_txt(["nothing here"], result=OPEN_RESNET),
             message="no accuracy value is readable"),
    RuleCase("ACC002", False, base="open-v6.0"),
    # ACC003 accuracy-hash-line
    RuleCase("ACC003", False),
    RuleCase("ACC003", True, mutate=set_accuracy_txt(["accuracy=75.998%, good=37999, total=50000"], keep_hash=False),
             message="no hash= line"),
    RuleCase("ACC003", True, mutate=set_accuracy_txt(["accuracy=75.998%", "hash=abc123"], keep_hash=False),
             message="is not a sha256"),
    RuleCase("ACC003", True, mutate=set_accuracy_txt(["accuracy=75.998%", "hash=" + "a" * 64]), message="2 hash= lines"),
    # ACC004 accuracy-log-hash-mismatch
    RuleCase("ACC004", False),
    RuleCase("ACC004", False, mutate=install(GOOD, ["accuracy=85.000%, good=17, total=20"])),
    RuleCase("ACC004", True, mutate=install(GOOD, ["accuracy=85.000%"], hash_text=GOOD + " "), message="sha256"),
    # ACC005 accuracy-log-truncation
    RuleCase("ACC005", False),
    RuleCase("ACC005", True, mutate=named("one_byte_more", lambda t: (acc_dir(t) / "mlperf_log_accuracy.json").open(
        "a").write("\n")), message="official truncation gives exactly 8199"),
    RuleCase("ACC005", True, mutate=install(GOOD.replace("},\n{", "},\n\n...\n\n{", 1), ["accuracy=85.000%"]),
             message="truncation marker"),
    RuleCase("ACC005", True, mutate=named("untruncated_large", lambda t: write_log(
        acc_dir(t) / "mlperf_log_accuracy.json", spot_log(True))), message="must be truncated before upload"),
    # ACC006 accuracy-log-empty
    RuleCase("ACC006", False),
    RuleCase("ACC006", True, mutate=install("[\n]\n", ["accuracy=85.000%"]), message="holds no response"),
    # ACC007 accuracy-run-mode
    RuleCase("ACC007", False),
    RuleCase("ACC007", True, mutate=named("performance_mode", lambda t: set_log_value(
        acc_dir(t) / "mlperf_log_detail.txt", "effective_test_mode", "PerformanceOnly")), message="PerformanceOnly"),
    # ACC008 accuracy-run-errors
    RuleCase("ACC008", False),
    RuleCase("ACC008", True, mutate=named("loadgen_error", lambda t: add_log_record(
        acc_dir(t) / "mlperf_log_detail.txt", "error_invalid_config", "bad samples", error=True)),
        message="bad samples"),
    # ACC009 accuracy-dataset-coverage
    RuleCase("ACC009", False),
    RuleCase("ACC009", True, mutate=named("partial_run", lambda t: set_log_value(
        acc_dir(t) / "mlperf_log_detail.txt", "effective_accuracy_sample_count", 500)), message="covers 500 samples"),
    RuleCase("ACC009", False, base="closed-v5.1"),
    # ACC010 accuracy-extra-artefacts
    RuleCase("ACC010", False),
    RuleCase("ACC010", True, mutate=rename_to_sdxl(None), message="accuracy/images/ is missing"),
    RuleCase("ACC010", True, mutate=rename_to_sdxl(SDXL_V60[1:]), message="lacks samples 1311"),
    RuleCase("ACC010", False, mutate=rename_to_sdxl(SDXL_V60 + ("captions",))),
    RuleCase("ACC010", True, mutate=rename_to_sdxl(SDXL_V60), message="has no captions file"),
    # ACC011 accuracy-rescore-mismatch
    RuleCase("ACC011", False, mutate=install(GOOD, ["accuracy=85.000%, good=17, total=20"]), options=WITH_REF),
    RuleCase("ACC011", True, mutate=install(GOOD, ["accuracy=90.000%, good=18, total=20"]), options=WITH_REF,
             message="recomputed from the published accuracy log is 85"),
    # ACC012 accuracy-rescore-below-target
    RuleCase("ACC012", False, mutate=install(GOOD, ["accuracy=85.000%"]), options=WITH_REF),
    RuleCase("ACC012", True, mutate=install(resnet_log(LABELS, wrong=6, duplicate=False), ["accuracy=99.000%"]),
             options=WITH_REF, message="recomputed from the accuracy log is 70"),
    # ACC013 accuracy-not-recomputed
    RuleCase("ACC013", True, message="the published log is truncated"),
    RuleCase("ACC013", True, mutate=install(GOOD, ["accuracy=85.000%"], labels=None), options=WITH_REF,
             message="reference data not found"),
    RuleCase("ACC013", False, mutate=then(install(GOOD, ["accuracy=85.000%"]), only_resnet_offline), options=WITH_REF),
    # ACC014 accuracy-spot-check
    RuleCase("ACC014", False, mutate=install(spot_log(True), ["accuracy=100.000%, good=400, total=400"], count=400,
                                             labels=SPOT_LABELS), options=WITH_REF),
    RuleCase("ACC014", True, mutate=install(spot_log(False), ["accuracy=76.000%, good=304, total=400"], count=400,
                                            labels=SPOT_LABELS), options=WITH_REF, message="is implausible"),
    # ACC015 accuracy-log-coverage
    RuleCase("ACC015", False, mutate=install(GOOD, ["accuracy=85.000%"])),
    RuleCase("ACC015", True, mutate=install(GOOD, ["accuracy=85.000%"], count=50000),
             message="holds 20 distinct samples"),
    RuleCase("ACC015", True, mutate=install(log_text([(0, payload([3], "int32")), (60000, payload([1], "int32"))]),
                                            ["accuracy=50.000%"], count=2), message="past the data set"),
]


@pytest.fixture(autouse=True, scope="module")
def _remove_reference_folder():
    """Leave no reference folder behind in the temporary directory."""
    yield
    shutil.rmtree(REF, ignore_errors=True)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


def _severity(case: RuleCase, samples: Path, tmp_path: Path) -> set[str]:
    report = run_case(case, samples, tmp_path)
    return {f.severity for f in report.findings if f.code == case.code}


def test_open_results_only_warn_below_target(samples: Path, tmp_path: Path) -> None:
    case = RuleCase("ACC001", True, base="open-v6.0", mutate=set_accuracy_txt(["accuracy=60.000%"], result=OPEN_RESNET))
    assert _severity(case, samples, tmp_path) == {Severity.WARNING.value}


def test_dataset_coverage_is_an_error_in_v60_and_a_warning_in_v51(samples: Path, tmp_path: Path) -> None:
    def partial(tree: Path) -> None:
        detail = next(tree.glob("closed/Acme/results/*/resnet50/Offline/accuracy/mlperf_log_detail.txt"))
        for key in ("qsl_reported_total_count", "effective_accuracy_sample_count"):
            if key in detail.read_text():
                set_log_value(detail, key, 500)

    v60 = RuleCase("ACC009", True, mutate=partial)
    assert _severity(v60, samples, tmp_path / "a") == {Severity.ERROR.value}
    v51 = RuleCase("ACC009", True, base="closed-v5.1", mutate=partial)
    assert _severity(v51, samples, tmp_path / "b") == {Severity.WARNING.value}


def test_untruncated_oversize_log_is_a_warning(samples: Path, tmp_path: Path) -> None:
    case = RuleCase("ACC005", True, mutate=lambda t: write_log(acc_dir(t) / "mlperf_log_accuracy.json", spot_log(True)))
    assert _severity(case, samples, tmp_path) == {Severity.WARNING.value}


def test_accuracy_report_data(samples: Path, tmp_path: Path) -> None:
    report = run_case(RuleCase("ACC001", False), samples, tmp_path)
    record = next(r for r in report.results if r.path.endswith("resnet50/Offline"))
    assert record.accuracy == {"acc": "75.998"}
    assert record.extra["accuracy_values"] == {"acc": 75.998}
    llm = next(r for r in report.results if r.path.endswith("llama3.1-8b/Offline"))
    assert list(llm.accuracy) == ["ROUGE1", "ROUGE2", "ROUGEL", "ROUGELSUM", "GEN_LEN"]


def test_supplied_full_log_is_verified_and_rescored(samples: Path, tmp_path: Path) -> None:
    full = spot_log(True)
    rel = f"{RESNET}/accuracy/mlperf_log_accuracy.json"

    def supply(tree: Path) -> None:
        install(full, ["accuracy=100.000%, good=400, total=400"], count=400, labels=SPOT_LABELS)(tree)
        write_log(REF / "full-logs" / rel, full)

    report = run_case(RuleCase("ACC011", False, mutate=supply, options=WITH_REF,
                               select=("ACC004", "ACC011", "ACC013")), samples, tmp_path / "ok")
    assert not [f for f in report.findings if f.result and f.result.endswith(RESNET)]

    def tampered(tree: Path) -> None:
        supply(tree)
        write_log(REF / "full-logs" / rel, full.replace('"seq_id" : 200,', '"seq_id" : 201,'))

    run_case(RuleCase("ACC004", True, mutate=tampered, options=WITH_REF, message="does not match the published one"),
             samples, tmp_path / "bad")


@pytest.mark.parametrize("content", [b"\x00\xff" * 3000, b"[\n{ \"seq_id\" : 0, \"qsl_idx\" : 1, \"data\" : \"ABC\" }\n",
                                     b"", b"{not json at all"])
def test_broken_accuracy_logs_never_crash_a_rule(samples: Path, tmp_path: Path, content: bytes) -> None:
    def mutate(tree: Path) -> None:
        install(GOOD, ["accuracy=85.000%"])(tree)
        (acc_dir(tree) / "mlperf_log_accuracy.json").write_bytes(content)

    report = run_case(RuleCase("CHK001", False, mutate=mutate, options=WITH_REF, select=("ACC", "CHK")),
                      samples, tmp_path)
    assert any(f.code in ("ACC004", "ACC015") for f in report.findings)
