"""Endpoints submissions (v6.1): the parser's LoadGen-style views, the rules on the generated
endpoints sample (`closed-v6.1-endpoints`), the metric, and what stays LoadGen-only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from checker.endpoints import read_scores
from checker.parsers.endpoints import Document, build_view, lookup, parse_document, run_scenario
from checker.rulebook import load_rulebook
from checker.samplegen import ResultSpec, SubmissionSpec, SystemSpec, write_submission
from tests.rulecase import RuleCase, case_id, run_case, run_on
from tests.treeedit import delete, update_json, update_yaml

BASE = "closed-v6.1-endpoints"
ROUND = "v6.1"
DC = "closed/Acme/results/acme_ep_dc"
GPT_OFF, GPT_ON = f"{DC}/gpt-oss-120b/Offline", f"{DC}/gpt-oss-120b/online"
QWEN_OFF, QWEN_INT = f"{DC}/qwen3-vl-235b-a22b/Offline", f"{DC}/qwen3-vl-235b-a22b/Interactive"
EDGE = "closed/Acme/results/acme_ep_edge/qwen3.6-27b/SingleStream"
SUMMARY, RESULTS, CONFIG = "performance/result_summary.json", "accuracy/accuracy_results.json", "config.yaml"
SPEC = load_rulebook(ROUND).endpoints


def _summary(result: str, change):
    def mutate(tree: Path) -> None:
        update_json(tree / result / SUMMARY, change)
    return mutate


def _results(result: str, change):
    def mutate(tree: Path) -> None:
        update_json(tree / result / RESULTS, change)
    return mutate


def _config(result: str, change):
    def mutate(tree: Path) -> None:
        update_yaml(tree / result / CONFIG, change)
    return mutate


def _score(value):
    def change(data: dict) -> None:
        data["accuracy_scores"][0]["score"] = value
    return change


def _set(path: str, value):
    """A change setting the dot-path `path` (plain keys only) of a document."""
    def change(data: dict) -> None:
        *parents, last = path.split("/")
        for key in parents:
            data = data[key]
        data[last] = value
    return change


def _rename(old: str, new: str):
    def mutate(tree: Path) -> None:
        (tree / old).rename(tree / new)
    return mutate


def _remove(rel: str):
    def mutate(tree: Path) -> None:
        delete(tree / rel)
    return mutate


def _wan(audit: bool = True):
    """Add a wan-2.2-t2v-a14b endpoints result (it needs the TEST04 audit), with or without its audit."""
    def mutate(tree: Path) -> None:
        write_submission(tree, SubmissionSpec(ROUND, "closed", "Acme", [SystemSpec("acme_ep_dc", "datacenter", [
            ResultSpec("wan-2.2-t2v-a14b", "Offline", performance=0.021, endpoints=True)])]))
        if not audit:
            delete(tree / DC / "wan-2.2-t2v-a14b/Offline/audit")
    return mutate


def _audit(result: str, **fields):
    def mutate(tree: Path) -> None:
        update_json(tree / result / "audit/audit_accuracy_in_performance_full_test.json", lambda d: d.update(fields))
    return mutate


def _three_datasets(data: dict) -> None:
    entry = data["accuracy_scores"][0]
    data["accuracy_scores"] = [{**entry, "dataset_name": n, "score": s, "total_samples": c}
                               for n, s, c in (("aime", 0.83, 1200), ("gpqa", 0.79, 1980), ("lcb", 0.71, 1215))]


def _malformed_config(tree: Path) -> None:
    (tree / GPT_OFF / CONFIG).write_text("type: offline\nsettings: [unclosed\n", encoding="utf-8")


def case(code: str, fires: bool, mutate=None, message: str | None = None, id: str = "") -> RuleCase:
    return RuleCase(code, fires, mutate=mutate, base=BASE, round=ROUND, message=message, id=id)


CASES = [
    # the endpoints-only rules
    case("PERF020", True, _rename("closed/Acme/results/acme_ep_edge/qwen3.6-27b", "closed/Acme/results/acme_ep_edge/yolo-99"),
         "may not be submitted through the endpoints harness", id="yolo"),
    case("PERF020", False),
    case("PERF021", True, _summary(QWEN_INT, _set("latency/early_stopping_percentiles/99.0", 1_600_000_000)),
         "exceeds the 1500000000 ns bound of qwen3-vl-235b-a22b Interactive", id="interactive-1.6s"),
    case("PERF021", True, _summary(QWEN_OFF.replace("Offline", "Interactive"), lambda d: d["latency"].pop("early_stopping_percentiles")),
         "not recorded", id="no-estimate"),
    case("PERF021", False),
    case("PERF021", False, _summary(GPT_ON, _set("latency/early_stopping_percentiles/99.0", 10**12)), id="llm-uses-ttft-tpot"),
    case("PERF022", True, _summary(GPT_ON, _set("n_samples_failed", 3)), "3 samples failed", id="failed"),
    case("PERF022", True, _summary(GPT_ON, _set("n_samples_completed", 100)), "issued samples completed", id="unfinished"),
    case("PERF022", True, _summary(GPT_ON, _set("state", "interrupted")), "not complete", id="interrupted"),
    case("PERF022", False),
    case("ACC016", True, _results(QWEN_OFF, lambda d: d["accuracy_scores"][0].pop("score")), "no accuracy score",
         id="no-score"),
    case("ACC016", True, _results(QWEN_OFF, _set("accuracy_scores", [])), id="no-entries"),
    case("ACC016", False),
    case("ACC017", True, _results(QWEN_INT, _score(0.70)), "F1_HIERARCHICAL 0.7 misses the target >= 0.779922",
         id="qwen-interactive-low"),
    case("ACC017", True, _results(GPT_OFF, _score({"exact_match": 80.0})), "exact_match 80.0 misses", id="dict-score"),
    case("ACC017", True, _results(EDGE, _score("70.5")), "mAP 70.5 misses", id="numeric-string"),
    case("ACC017", False),
    # 0.781 passes the Interactive target (0.7878 x 0.99) although it misses the Offline/Server one
    case("ACC017", False, _results(QWEN_INT, _score(0.781)), id="interactive-target"),
    case("ACC017", False, _results(QWEN_OFF, _score({"f1": 0.79, "precision": 0.5})), id="generic-key"),
    case("ACC018", True, _results(GPT_OFF, _three_datasets), "no value for exact_match", id="three-datasets"),
    case("ACC018", False),
    case("CMP014", True, _wan(audit=False), "TEST04 audit audit_output_caching_test.json is missing", id="wan"),
    case("CMP014", False, _wan(audit=True), id="wan-with-audit"),
    case("CMP014", False, _remove(f"{GPT_OFF}/audit"), id="test07-audit-not-produced-by-the-harness"),
    case("CMP015", True, _audit(GPT_OFF, passed=False), "did not pass", id="failed"),
    case("CMP015", True, _audit(GPT_OFF, test="output_caching_test"), "records the test", id="other-test"),
    case("CMP015", False),
    case("CMP016", True, _summary(GPT_ON, _set("output_sequence_lengths/avg", 900.5)),
         "outside the TEST09 window [1150.38, 1406.02]", id="short"),
    case("CMP016", True, _summary(GPT_OFF, lambda d: d.pop("output_sequence_lengths")), "not recorded", id="absent"),
    case("CMP016", False),
    # shared rules reading the views
    case("STR001", True, _remove(f"{QWEN_OFF}/{CONFIG}"), "config.yaml or config.yml is missing", id="config"),
    case("STR001", True, _remove(f"{QWEN_OFF}/{SUMMARY}"), "performance results", id="summary"),
    case("STR001", True, _remove(f"{QWEN_OFF}/measurements.json"), "measurements.json", id="measurements"),
    case("STR001", False),
    case("STR002", False, lambda tree: (tree / QWEN_OFF / "accuracy/events.jsonl").write_text("{}\n"), id="no-file-list"),
    case("PERF003", True, _summary(QWEN_OFF, _set("duration_ns", 300_000_000_000)), "lasted 300 s", id="achieved"),
    case("PERF003", True, _config(QWEN_OFF, _set("settings/runtime/min_duration_ms", 60000)),
         "configured minimum duration 60000 ms", id="configured"),
    case("PERF003", False),
    case("PERF007", True, _config(EDGE, _set("settings/runtime/scheduler_random_seed", 42)),
         "schedule_rng_seed is 42", id="scheduler-seed"),
    case("PERF007", False),
    case("PERF011", True, _summary(GPT_ON, _set("ttft/early_stopping_percentiles/99.0", 3_200_000_000)),
         "not below the Server limit", id="server-ttft"),
    case("PERF011", True, _rename(GPT_ON, GPT_ON.replace("online", "Interactive")), "not below the Interactive limit",
         id="interactive-limits"),
    case("PERF011", False),
    case("PERF018", True, _config(GPT_ON, _set("type", "offline")), "holds a 'Offline' run; expected Server", id="offline-type"),
    case("PERF018", True, _config(QWEN_INT, _set("type", "offline")), "expected Interactive", id="interactive-offline"),
    case("PERF018", False),
    case("PERF019", True, _summary(GPT_OFF, lambda d: d.pop("tps")), "result_tokens_per_second", id="llm-offline-tps"),
    case("PERF019", False),
    case("ACC009", True, _results(GPT_OFF, lambda d: d["accuracy_scores"][0].update(total_samples=4000)),
         "covers 4000 samples", id="gpt-oss-4000"),
    case("ACC009", False),
    case("LOG001", True, _malformed_config, "invalid YAML", id="config-yaml"),
    case("LOG001", True, lambda tree: (tree / QWEN_OFF / SUMMARY).write_text("[1, 2]"), "top level", id="summary-array"),
    case("LOG001", False),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


# --------------------------------------------------------------------------- the sample as a whole


@pytest.fixture(scope="module")
def report(samples: Path):
    return run_on(samples / BASE, ROUND)


def test_the_endpoints_sample_is_valid_with_no_finding(report) -> None:
    assert len(report.results) == 5 and all(r.valid for r in report.results)
    assert [(f.code, f.path, f.message) for f in report.findings] == []


def test_metrics_follow_the_endpoints_fields(report) -> None:
    got = {f"{r.system}/{r.benchmark}/{r.scenario}": (r.metric["value"], r.metric["unit"], r.inferred)
           for r in report.results}
    assert got == {
        "acme_ep_dc/gpt-oss-120b/Offline": (41250.3, "Tokens/s", False),      # tps: MOD raises here (spec 3.12)
        "acme_ep_dc/gpt-oss-120b/online": (35120.8, "Tokens/s", False),       # the Server token rate
        "acme_ep_dc/qwen3-vl-235b-a22b/Interactive": (12.9, "Queries/s", False),
        "acme_ep_dc/qwen3-vl-235b-a22b/Offline": (41.7, "Samples/s", False),
        "acme_ep_edge/qwen3.6-27b/SingleStream": (9850.0, "Latency (ms)", False),   # mean latency, ns -> ms
    }


def test_an_llm_interactive_result_reports_its_token_rate(samples: Path, tmp_path: Path) -> None:
    tree = tmp_path / BASE
    shutil.copytree(samples / BASE, tree)
    (tree / GPT_ON).rename(tree / GPT_ON.replace("online", "Interactive"))
    (got,) = [r for r in run_on(tree, ROUND, ("PERF019",)).results if r.scenario == "Interactive" and r.benchmark == "gpt-oss-120b"]
    assert got.metric == {"value": 35120.8, "unit": "Tokens/s"}


def test_accuracy_is_reported_by_metric(report) -> None:
    acc = {f"{r.benchmark}/{r.scenario}": r.accuracy for r in report.results}
    assert acc["qwen3-vl-235b-a22b/Interactive"] == {"F1_HIERARCHICAL": 0.783}
    assert acc["gpt-oss-120b/Offline"] == {"exact_match": 82.628}


def test_a_wrong_seed_is_reported_at_its_line_in_config_yaml(samples: Path, tmp_path: Path) -> None:
    shutil.copytree(samples / BASE, tmp_path / BASE)
    config = tmp_path / BASE / EDGE / CONFIG
    config.write_text(config.read_text().replace("dataloader_random_seed: 2747215439041700203",
                                                 "dataloader_random_seed: 7"), encoding="utf-8")
    found = [f for f in run_on(tmp_path / BASE, ROUND, ("PERF007",)).findings]
    assert [(f.path, f.line) for f in found] == [
        (f"{EDGE}/{CONFIG}", 1 + config.read_text().splitlines().index("    dataloader_random_seed: 7"))]


def test_loadgen_only_rules_stay_silent_and_say_so(report) -> None:
    from checker.registry import load_rules
    for code in ("PERF002", "PERF004", "PERF005", "PERF006", "PERF008", "PERF010", "PERF012", "PERF015", "PERF017"):
        assert "Not applied to endpoints results" in load_rules()[code].section("Checks:"), code


def test_a_result_without_any_log_or_harness_file_is_not_an_endpoints_result(samples: Path, tmp_path: Path) -> None:
    tree = tmp_path / "t"
    shutil.copytree(samples / "closed-v6.0", tree)
    spec = SubmissionSpec(ROUND, "closed", "Acme", [SystemSpec("acme_x8_dc", "datacenter", [
        ResultSpec("llama3.1-8b", "Offline")])])
    write_submission(tmp_path / "v61", spec)
    result = tmp_path / "v61/closed/Acme/results/acme_x8_dc/llama3.1-8b/Offline"
    delete(result / "performance/run_1/mlperf_log_detail.txt")
    delete(result / "accuracy/mlperf_log_detail.txt")
    messages = [f.message for f in run_on(tmp_path / "v61", ROUND, ("STR001",)).findings]
    assert "performance run file mlperf_log_detail.txt is missing" in messages
    assert not any("config.yaml" in m for m in messages)


def test_endpoints_files_are_not_read_before_v61(samples: Path, tmp_path: Path) -> None:
    """v6.0 has no endpoints: a harness-only result there is a result without its LoadGen logs."""
    tree = tmp_path / "t"
    shutil.copytree(samples / BASE, tree)
    messages = [f.message for f in run_on(tree, "v6.0", ("STR001",)).findings]
    assert any("performance run directory is missing" in m for m in messages)


# --------------------------------------------------------------------------- the parser


def _doc(value: dict, name: str = "x.json") -> Document:
    return Document(Path(name), value, json.dumps(value, indent=2))


def test_lookup_matches_dotted_numeric_keys_greedily() -> None:
    data = {"latency": {"early_stopping_percentiles": {"99.9": 5, "99": 4, "50": 1}}, "empty": {}, "none": None}
    assert lookup(data, "latency.early_stopping_percentiles.99.9") == (5, ("latency", "early_stopping_percentiles", "99.9"))
    assert lookup(data, "latency.early_stopping_percentiles.99.0")[0] == 4
    assert lookup(data, "latency.early_stopping_percentiles.50.0")[0] == 1
    assert lookup(data, "latency.early_stopping_percentiles.90.0") is None
    assert lookup(data, "empty") is None and lookup(data, "none") is None and lookup(data, "latency.x.y") is None
    assert lookup({"a": 1}, "a.b") is None and lookup({1: 2}, "1.0")[0] == 2


@pytest.mark.parametrize("run_type, directory, scenario", [
    ("offline", "Offline", "Offline"), ("Online", "Server", "Server"), ("online", "Interactive", "Interactive"),
    ("interactive", "Server", "Interactive"), ("offline", "Interactive", "Offline"), ("online", "SingleStream", "SingleStream"),
    ("burst", "Offline", "burst"), (None, "Offline", None)])
def test_run_scenario(run_type, directory: str, scenario) -> None:
    assert run_scenario(run_type, directory, SPEC) == scenario


def test_views_resolve_the_file_before_the_config_and_derive_the_rate() -> None:
    summary = _doc({"n_samples_issued": 1200, "duration_ns": 600_000_000_000, "min_duration_ms": 700000})
    config = _doc({"type": "offline", "settings": {"runtime": {"min_duration_ms": 600000,
                                                                 "scheduler_random_seed": 99}}}, "config.yaml")
    log = build_view(summary, config, SPEC, "performance", "Offline")
    assert log.scenario == "Offline" and log.get("effective_min_duration_ms") == 700000
    assert log.get("effective_schedule_rng_seed") == 99 and log.where("effective_schedule_rng_seed") == Path("config.yaml")
    assert log.get("result_samples_per_second") == 2.0 and "result_completed_samples_per_sec" not in log
    assert log.get("generated_query_count") == 1200 and log.errors == [] and log.mode is None
    assert build_view(None, config, SPEC, "performance", "Offline") is None


def test_accuracy_view_counts_accuracy_entries_only() -> None:
    results = _doc({"accuracy_scores": [
        {"dataset_type": "accuracy", "score": {"exact_match": 83.4}, "total_samples": 4000},
        {"score": 0.5, "response_counts": {"issued": 395}},
        {"dataset_type": "performance", "score": 1.0, "total_samples": 99},
        "junk", {"score": 2, "total_samples": "many"}]})
    log = build_view(results, None, SPEC, "accuracy", "Offline")
    assert log.get("effective_accuracy_sample_count") == 4395 == log.get("qsl_reported_total_count")
    assert [i for i, _ in log.scores] == [0, 1, 4]
    targets = load_rulebook(ROUND).benchmark("gpt-oss-120b").accuracy
    scores = read_scores(log, targets, SPEC.score_keys)
    assert scores["exact_match"].value == 83.4 and scores["exact_match"].keys == ("accuracy_scores", "0", "score", "exact_match")
    assert "TOKENS_PER_SAMPLE" not in scores


@pytest.mark.parametrize("content, name", [
    (b"\x00\x01binary", "config.yaml"), (b"- a\n- b\n", "config.yaml"), (b"key: [", "config.yml"), (b"", "config.yaml"),
    (b"[1, 2]", "result_summary.json"), (b"{\"a\": ", "result_summary.json"), (b"a: *unknown\n", "config.yaml")])
def test_bad_documents_are_problems_not_exceptions(tmp_path: Path, content: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    parsed = parse_document(path)
    assert parsed.value is None and parsed.problems


def test_line_numbers_of_nested_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("type: online\nsettings:\n  runtime:\n    min_duration_ms: 600000\n", encoding="utf-8")
    doc = parse_document(path).value
    assert doc.line_of(("settings", "runtime", "min_duration_ms")) == 4 and doc.line_of(("nope",)) is None


# --------------------------------------------------------------------------- robustness


def _replace_leaves(data, junk):
    if isinstance(data, dict):
        return {k: _replace_leaves(v, junk) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace_leaves(v, junk) for v in data]
    return junk


@pytest.mark.parametrize("junk", [None, "x", "NaN", [], {}, True, -1, 1e308, 2**70])
def test_any_value_of_any_type_never_crashes_a_rule(samples: Path, tmp_path: Path, junk) -> None:
    tree = tmp_path / BASE
    shutil.copytree(samples / BASE, tree)
    for result in (GPT_ON, QWEN_INT):
        for name in (SUMMARY, RESULTS):
            update_json(tree / result / name, lambda d: d.update(_replace_leaves(d, junk)))
        update_yaml(tree / result / CONFIG, lambda d: d.update(_replace_leaves(d, junk)))
        for audit in (tree / result).glob("audit/*.json"):
            update_json(audit, lambda d: d.update(_replace_leaves(d, junk)))
    report = run_on(tree, ROUND)
    assert not [f for f in report.findings if f.code == "CHK001"], [f.message for f in report.findings if f.code == "CHK001"]
    assert not any(r.valid for r in report.results if r.benchmark != "qwen3.6-27b" and r.scenario in ("online", "Interactive"))


@pytest.mark.parametrize("shape", [[], "text", 7])
def test_documents_of_the_wrong_shape_never_crash_a_rule(samples: Path, tmp_path: Path, shape) -> None:
    tree = tmp_path / BASE
    shutil.copytree(samples / BASE, tree)
    update_json(tree / GPT_ON / SUMMARY, lambda d: d.update({"latency": shape, "ttft": shape, "tpot": shape,
                                                             "output_sequence_lengths": shape}))
    update_json(tree / GPT_ON / RESULTS, lambda d: d.update(accuracy_scores=[shape, {"score": shape}]))
    update_yaml(tree / GPT_ON / CONFIG, lambda d: d.update(settings=shape, type=shape))
    report = run_on(tree, ROUND)
    assert not [f for f in report.findings if f.code == "CHK001"]
