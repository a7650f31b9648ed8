"""The sample-submission generator: determinism, committed output, log formats, broken variants."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import yaml

from checker.rulebook import available_rounds, load_rulebook
from checker.samplegen import ResultSpec, SubmissionSpec, SystemSpec, accuracy, generate_samples, make_round
from checker.samplegen.compliance import WRITERS
from checker.samplegen.__main__ import main
from checker.samplegen.samples import VALID
from checker.samplegen.scores import accuracy_lines, default_scores, number
from checker.samplegen.tree import plan_for, write_submission
from checker.samplegen.variants import BASES, VARIANTS, write_variant
from tests.rulecase import run_on

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "sample_submissions"
VALID_ROUNDS = {"closed-v5.1": "v5.1", "closed-v6.0": "v6.0", "open-v6.0": "v6.0"}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _generated_files(root: Path) -> dict[str, bytes]:
    """Files of the generator's own folders only (a checkout may hold other files beside them)."""
    out: dict[str, bytes] = {}
    for name in [*VALID, "broken"]:
        out |= {f"{name}/{rel}": data for rel, data in _files(root / name).items()}
    return out


@pytest.fixture(scope="module")
def fresh(samples: Path) -> Path:
    """The samples generated for this session (conftest)."""
    return samples


def _detail_logs(root: Path) -> list[Path]:
    return sorted(root.rglob("mlperf_log_detail.txt"))


def _records(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines, path
    for line in lines:
        assert line.startswith(":::MLLOG "), (path, line[:40])
    return [json.loads(line[len(":::MLLOG "):]) for line in lines]


def _values(path: Path) -> dict:
    out: dict = {}
    for rec in _records(path):
        out.setdefault(rec["key"], rec["value"])
    return out


# --------------------------------------------------------------------------- determinism


def test_generation_is_deterministic_and_matches_the_committed_samples(fresh: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    (again / "broken").mkdir(parents=True)
    (again / "broken" / "stale.txt").write_text("removed: broken/ is the generator's own folder")
    (again / "README.md").write_text("kept: not the generator's")
    generate_samples(again)
    assert (again / "README.md").read_text() == "kept: not the generator's"
    assert not (again / "broken" / "stale.txt").exists()
    first, second = _generated_files(fresh), _generated_files(again)
    assert list(first) == list(second)
    assert [k for k in first if first[k] != second[k]] == []
    committed = _generated_files(COMMITTED)
    assert sorted(committed) == sorted(first), "sample_submissions/ is stale: python -m checker.samplegen sample_submissions"
    stale = [k for k in first if committed[k] != first[k]]
    assert stale == [], f"sample_submissions/ is stale ({len(stale)} files): python -m checker.samplegen sample_submissions"


def test_samples_stay_small(fresh: Path) -> None:
    total = sum(len(data) for data in _generated_files(fresh).values())
    assert total < 5 * 1024 * 1024


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    monkeypatch.setattr("checker.samplegen.__main__.generate_samples", calls.append)
    assert main([]) == 2 and main(["-h"]) == 2
    assert "usage" in capsys.readouterr().err
    assert main([str(tmp_path / "out")]) == 0
    assert calls == [tmp_path / "out"]


# --------------------------------------------------------------------------- accuracy logs


class _Rule:
    head_chars, tail_chars, marker = 4096, 4096, "\n\n...\n\n"


def test_accuracy_log_hash_is_the_sha256_of_the_full_log() -> None:
    order = accuracy.shuffled(500, 7)
    payloads = {i: accuracy.fields(accuracy.hex_int32([i % 1000])) for i in order}
    full = accuracy.render_entries(order, payloads)
    log = accuracy.build_log(order, payloads)
    assert log.sha256 == hashlib.sha256(full.encode()).hexdigest()
    assert log.size == len(full) and log.entries == 500
    assert full.startswith('[\n{ "seq_id" : 0, "qsl_idx" : ') and full.endswith(" }\n]\n")
    assert full.count("\n{ ") == 500 and ',\n{ "seq_id" : 1,' in full
    assert log.published(_Rule) == accuracy.truncate(full, _Rule)
    for batch in (1, 7, 500, 501):
        streamed = accuracy.stream_log((accuracy.entry(s, i, payloads[i]) for s, i in enumerate(order)), {}, batch)
        assert (streamed.sha256, streamed.size, streamed.entries) == (log.sha256, log.size, 500)
        assert streamed.published(_Rule) == log.published(_Rule)
    empty = accuracy.stream_log(iter(()), {})
    assert (empty.sha256, empty.head) == (hashlib.sha256(b"[\n]\n").hexdigest(), "[\n]\n")


def test_truncation_has_the_official_shape() -> None:
    order = list(range(2000))
    full = accuracy.render_entries(order, {i: accuracy.fields("00000000") for i in order})
    cut = accuracy.truncate(full, _Rule)
    assert len(cut) == 4096 + 7 + 4096 == 8199
    assert cut == full[:4096] + "\n\n...\n\n" + full[-4096:]
    small = accuracy.render_entries([1, 2], {1: accuracy.fields("AB"), 2: accuracy.fields("CD")})
    assert accuracy.truncate(small, _Rule) == small
    assert accuracy.render_log([]) == accuracy.EMPTY_LOG == "[\n]\n"
    assert accuracy.accuracy_txt(["accuracy=76.1%"], "ab" * 32) == f"accuracy=76.1%\n\nhash={'ab' * 32}\n"


def test_token_payloads_hold_the_test06_properties() -> None:
    order = list(range(100))
    payloads = dict(accuracy.token_payloads(order, 30.0, 3, first_token=True))
    for idx in order:
        rec = json.loads("{" + payloads[idx] + "}")
        tokens = [int.from_bytes(bytes.fromhex(rec["data"][i:i + 8]), "little") for i in range(0, len(rec["data"]), 8)]
        assert rec["token_count"] == len(tokens) >= 2
        assert rec["token_data"] == rec["data"][:8]
        assert all(1000 <= t < 30000 for t in tokens)
    lengths = accuracy.token_counts(100, 30.0, 1)
    assert sum(lengths) == 3000


def test_generated_accuracy_files_match_the_log_they_were_made_from(fresh: Path) -> None:
    for name, make in VALID.items():
        spec = make()
        rulebook = load_rulebook(spec.round)
        for system in spec.systems:
            for result in system.results:
                plan = plan_for(rulebook, spec, system, result)
                where = fresh / name / spec.division / spec.submitter / "results" / system.name / result.benchmark
                acc_dir = where / result.scenario / "accuracy"
                published = (acc_dir / "mlperf_log_accuracy.json").read_text()
                assert published == plan.accuracy_log.published(rulebook.accuracy_log_truncation)
                assert len(published.encode()) <= rulebook.max_accuracy_log_bytes
                assert published[4096:4103] == rulebook.accuracy_log_truncation.marker
                hashes = re.findall(rulebook.hash_pattern, (acc_dir / "accuracy.txt").read_text(), re.M)
                assert hashes == [plan.accuracy_log.sha256]


# --------------------------------------------------------------------------- accuracy.txt


@pytest.mark.parametrize("round_", available_rounds())
def test_default_scores_print_in_the_rounds_formats_and_pass(round_: str) -> None:
    rulebook = load_rulebook(round_)
    for name, bench in rulebook.benchmarks.items():
        scores = default_scores(bench.accuracy)
        lines = accuracy_lines(scores, 1000)
        for target in bench.accuracy:
            assert target.passes(scores[target.metric]), (round_, name, target)
            regex = rulebook.accuracy_regex(target.metric)
            found = [m.group(1) for m in map(regex.match, lines) if m]
            assert found and float(found[0]) == float(number(scores[target.metric])), (round_, name, target.metric, lines)


# --------------------------------------------------------------------------- LoadGen logs


@pytest.mark.parametrize("name", list(VALID))
def test_detail_logs_are_valid_mllog_with_the_rounds_seeds(fresh: Path, name: str) -> None:
    rulebook = load_rulebook(VALID_ROUNDS[name])
    logs = _detail_logs(fresh / name)
    assert logs
    for path in logs:
        values = _values(path)
        for seed, value in rulebook.seeds.items():
            assert values[f"effective_{seed}"] == value, (path, seed)
        assert values["loadgen_version"].split(" @ ")[0].startswith(rulebook.loadgen_version_prefixes[0] + ".")
        assert values["effective_test_mode"] in ("PerformanceOnly", "AccuracyOnly")
        for key in ("sut_name", "qsl_reported_total_count", "effective_min_duration_ms",
                    "effective_performance_sample_count", "effective_samples_per_query", "power_begin", "power_end"):
            assert key in values, (path, key)
        assert ("effective_accuracy_sample_count" in values) == (rulebook.layout == "v6")
        if values["effective_test_mode"] == "PerformanceOnly":
            for key in ("result_validity", "result_min_duration_met", "result_min_queries_met", "early_stopping_met",
                        "num_errors"):
                assert key in values, (path, key)
            assert values["result_validity"] == "VALID"
            scenario = values["effective_scenario"]
            benchmark = path.relative_to(fresh / name).parts[4]
            bench = rulebook.benchmark(rulebook.resolve_benchmark(benchmark, {"resnet50-pruned": "resnet"}) or "")
            assert bench is not None
            assert bench.metric_field[scenario] in values
            if bench.token_latencies:
                assert values["requested_use_token_latencies"] is True
                if scenario == "Server":
                    assert "result_first_token_99.00_percentile_latency_ns" in values
                    assert "result_time_per_output_token_99.00_percentile_ns" in values


@pytest.mark.parametrize("name", list(VALID))
def test_only_compliance_runs_carry_the_audit_warning(fresh: Path, name: str) -> None:
    for path in _detail_logs(fresh / name):
        warnings = [r for r in _records(path) if r["key"] == "warning_generic_message"]
        compliance = any(part.startswith("TEST") for part in path.parts)
        if compliance:
            assert [w["value"] for w in warnings] == [
                "Found Audit Config file (audit.config). Overriding TestSettings from audit.config file."]
            assert warnings[0]["metadata"]["is_warning"] is True
        else:
            assert warnings == [], path


@pytest.mark.parametrize("name", list(VALID))
def test_summary_logs_agree_with_detail_logs(fresh: Path, name: str) -> None:
    for path in _detail_logs(fresh / name):
        values = _values(path)
        summary = (path.parent / "mlperf_log_summary.txt").read_text()
        if values["effective_test_mode"] != "PerformanceOnly":
            assert "No errors encountered during test." in summary
            continue
        assert f"Result is : {values['result_validity']}" in summary
        assert f"Scenario : {values['effective_scenario']}" in summary
        for seed in ("qsl_rng_seed", "sample_index_rng_seed", "schedule_rng_seed"):
            assert f"{seed} : {values['effective_' + seed]}" in summary
        headline = {
            "Offline": f"Samples per second: {values.get('result_samples_per_second')}",
            "Server": f"Completed samples per second    : {values.get('result_completed_samples_per_sec', 0):.2f}",
            "SingleStream": f"Early stopping 90.0th percentile estimate: {values.get('early_stopping_latency_ss')}",
            "MultiStream": f"Early stopping 99.0th percentile estimate: {values.get('early_stopping_latency_ms')}"}
        assert headline[values["effective_scenario"]] in summary, path
        if "result_tokens_per_second" in values and values.get("requested_use_token_latencies"):
            assert f"Tokens per second: {values['result_tokens_per_second']}" in summary


def test_test06_logs_are_non_empty_and_consistent(fresh: Path) -> None:
    logs = sorted(fresh.glob("*/*/*/**/TEST06/accuracy/mlperf_log_accuracy.json"))
    logs = [p for p in logs if "broken" not in p.parts]
    assert logs
    for path in logs:
        entries = json.loads(path.read_text())
        assert 90 <= len(entries) <= 100
        offline = "Offline" in path.parts
        for e in entries:
            assert e["token_count"] * 8 == len(e["data"])
            assert ("token_data" in e) != offline
            if not offline:
                assert e["data"].startswith(e["token_data"])
        verify = (path.parents[1] / "verify_accuracy.txt").read_text()
        assert f"First token check pass: {'Skipped' if offline else 'True'}" in verify


@pytest.mark.parametrize("name", list(VALID))
def test_valid_samples_are_valid_for_the_checker(fresh: Path, name: str) -> None:
    report = run_on(fresh / name)
    assert report.results and all(r.valid for r in report.results)
    severities = {"error", "warning"} if name.startswith("closed") else {"error"}
    assert [(f.code, f.message) for f in report.findings if f.severity in severities] == []


@pytest.mark.parametrize("round_", available_rounds())
def test_every_round_generates_a_valid_minimal_tree(tmp_path: Path, round_: str) -> None:
    spec = SubmissionSpec(round_, "closed", "Acme", [SystemSpec("sys1", "datacenter", [ResultSpec("3d-unet-99", "Offline")])])
    write_submission(tmp_path, spec)
    rulebook = load_rulebook(round_)
    tests = set(rulebook.benchmarks["3d-unet-99"].compliance)
    assert {p.name for p in tmp_path.rglob("TEST*") if p.is_dir()} == tests
    report = run_on(tmp_path)
    assert [r.valid for r in report.results] == [True]
    assert [(f.code, f.message) for f in report.findings if f.severity in ("error", "warning")] == []


def test_every_compliance_test_of_every_round_has_a_writer(tmp_path: Path) -> None:
    for round_ in available_rounds():
        assert set(load_rulebook(round_).compliance_tests) <= set(WRITERS), round_
    spec = SubmissionSpec("v6.0", "closed", "Acme", [SystemSpec("sys1", "datacenter", [ResultSpec("gpt-oss-120b", "Offline")])])
    plan = plan_for(load_rulebook("v6.0"), spec, spec.systems[0], spec.systems[0].results[0])
    for test, name in (("TEST07", "verify_accuracy.txt"), ("TEST08", "verify_accuracy.txt"),
                       ("TEST09", "verify_output_len.txt")):
        WRITERS[test](plan, tmp_path / test, {})
        assert "TEST PASS" in (tmp_path / test / name).read_text().splitlines()


# --------------------------------------------------------------------------- broken variants


def _changed(base: dict[str, bytes], variant: dict[str, bytes]) -> set[str]:
    return {k for k in base.keys() | variant.keys() if base.get(k) != variant.get(k)}


def _covered(path: str, touches: tuple[str, ...]) -> bool:
    return any(path == t or path.startswith(t + "/") for t in touches)


def test_expected_yaml_lists_every_variant(fresh: Path) -> None:
    expected = yaml.safe_load((fresh / "broken" / "expected.yaml").read_text())
    assert set(expected) == set(VARIANTS)
    assert expected["missing-perf-detail-log"] == ["STR001"]
    assert expected["malformed-system-json"] == ["LOG001"]
    assert all(isinstance(codes, list) for codes in expected.values())


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_differs_from_its_base_only_where_intended(fresh: Path, tmp_path_factory, name: str) -> None:
    variant = VARIANTS[name]
    base_dir = tmp_path_factory.getbasetemp() / f"base-{variant.base}"
    if not base_dir.exists():
        write_submission(base_dir, BASES[variant.base]())
    spec = BASES[variant.base]()
    prefix = f"{spec.division}/{spec.submitter}"
    base = _files(base_dir / prefix)
    broken = _files(fresh / "broken" / name / prefix)
    changed = _changed(base, broken)
    assert changed, f"{name} is identical to its base"
    assert all(_covered(path, variant.touches) for path in changed), sorted(changed)
    for touch in variant.touches:
        assert any(_covered(path, (touch,)) for path in changed), f"{name}: nothing changed at {touch}"


def test_variant_edits_are_the_documented_defects(tmp_path: Path) -> None:
    base = write_variant(tmp_path / "v", VARIANTS["test06-empty-log"])
    log = next(base.rglob("Interactive/TEST06/accuracy/mlperf_log_accuracy.json"))
    assert log.read_bytes() == b"[\n]\n"
    assert "EOS check pass: True" in (log.parents[1] / "verify_accuracy.txt").read_text()
    base = write_variant(tmp_path / "w", VARIANTS["ttft-over-interactive-limit"])
    values = _values(next(base.rglob("Interactive/performance/run_1/mlperf_log_detail.txt")))
    limits = load_rulebook("v6.0").benchmarks["llama3.1-8b"].token_latency_limits_ns
    ttft = values["result_first_token_99.00_percentile_latency_ns"]
    assert limits["Interactive"].ttft < ttft < limits["Server"].ttft
    assert values["result_time_per_output_token_99.00_percentile_ns"] < limits["Interactive"].tpot


# --------------------------------------------------------------------------- synthetic rounds


def test_make_round_writes_about_the_requested_number_of_results(tmp_path: Path) -> None:
    out = make_round(tmp_path, round_="v6.0", submitters=2, results=20, power_fraction=0.0, seed=1)
    results = [p for p in out.glob("*/*/results/*/*/*") if p.is_dir()]
    assert 20 <= len(results) <= 28
    assert {p.parts[-6] for p in results} <= {"closed", "open"}
    again = make_round(tmp_path / "again", round_="v6.0", submitters=2, results=20, power_fraction=0.0, seed=1)
    assert _files(out / "closed") == _files(again / "closed")
    report = run_on(out)
    assert len(report.results) == len(results) and all(r.valid for r in report.results)
    assert [(f.code, f.message) for f in report.findings if f.severity == "error"] == []


@pytest.mark.parametrize("name", sorted(n for n, v in VARIANTS.items() if v.codes))
def test_broken_variants_raise_their_expected_codes(fresh: Path, name: str) -> None:
    codes = VARIANTS[name].codes
    report = run_on(fresh / "broken" / name, select=tuple(codes))
    assert set(codes) <= {f.code for f in report.findings}, [(f.code, f.message) for f in report.findings]
