"""Tests of the round rulebooks (rules/*.yaml) and checker/rulebook.py.

The cross-check tables below are written out from official-checker-spec.md section 4 on purpose:
they must not be read from the YAML files they check.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from checker import rulebook as rb_module
from checker import resources
from checker.rulebook import (
    AccuracyTarget,
    RulebookError,
    UnknownRound,
    available_rounds,
    detect_round,
    load_rulebook,
    merge,
    resolved_data,
)

ROUNDS = ["v4.1", "v5.0", "v5.1", "v6.0", "v6.1"]
REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


# --------------------------------------------------------------------------- loading and merging


def test_available_rounds_sorted_by_version() -> None:
    assert available_rounds() == ROUNDS


@pytest.mark.parametrize("round_", ROUNDS)
def test_round_resolves_and_matches_schema(round_: str) -> None:
    schema = json.loads((REPO / "schemas" / "rulebook.schema.json").read_text())
    data = resolved_data(round_)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["round"] == round_
    assert load_rulebook(round_).round == round_


def test_merge_recurses_replaces_lists_and_deletes_nulls() -> None:
    base = {"a": {"x": 1, "y": [1, 2], "z": {"deep": 1}}, "b": 2, "c": [1]}
    override = {"a": {"y": [3], "z": {"more": 2}, "x": None}, "c": [9, 8], "d": {"new": True}, "b": None}
    assert merge(base, override) == {"a": {"y": [3], "z": {"deep": 1, "more": 2}}, "c": [9, 8], "d": {"new": True}}
    assert base == {"a": {"x": 1, "y": [1, 2], "z": {"deep": 1}}, "b": 2, "c": [1]}  # inputs untouched


def test_merge_replaces_mapping_with_scalar_and_ignores_missing_null() -> None:
    assert merge({"a": {"x": 1}}, {"a": 5, "gone": None}) == {"a": 5}


def test_extends_chain_applies_changes() -> None:
    v50, v51, v61 = (resolved_data(r) for r in ("v5.0", "v5.1", "v6.1"))
    assert "test_seeds" not in v50 and "TEST05" not in v50["compliance_tests"]  # null deletes
    assert v50["aliases"]["resnet50"] == "resnet"  # mappings merge
    assert v50["aliases"]["llama3_1-405b"] == "llama3.1-405b"
    assert v51["scenarios"][-1] == "Interactive"  # lists replace
    assert "gptj-99" not in v51["benchmarks"] and "llama2-70b-99" not in v61["benchmarks"]
    assert v61["extends"] == "v6.0" and "extends" not in resolved_data("v4.1")


def test_resolved_data_returns_independent_copies() -> None:
    resolved_data("v6.0")["benchmarks"].clear()
    assert resolved_data("v6.0")["benchmarks"]


def test_load_rulebook_is_cached() -> None:
    assert load_rulebook("v6.0") is load_rulebook("v6.0")


def test_unknown_round() -> None:
    with pytest.raises(UnknownRound) as info:
        load_rulebook("v3.1")
    assert info.value.round == "v3.1" and info.value.known == ROUNDS
    with pytest.raises(UnknownRound):
        resolved_data("v9.9")


def _broken_rounds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, files: dict[str, dict]) -> None:
    for name, data in files.items():
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setattr(rb_module, "ROUNDS_DIR", tmp_path)
    rb_module._resolved.cache_clear()


@pytest.fixture
def isolated_cache():
    yield
    rb_module._resolved.cache_clear()
    rb_module.load_rulebook.cache_clear()


def test_circular_extends_is_rejected(monkeypatch, tmp_path, isolated_cache) -> None:
    _broken_rounds(monkeypatch, tmp_path, {"v90.0": {"round": "v90.0", "extends": "v90.1"},
                                           "v90.1": {"round": "v90.1", "extends": "v90.0"}})
    with pytest.raises(RulebookError, match="circular"):
        resolved_data("v90.0")


def test_missing_parent_and_wrong_round_name_are_rejected(monkeypatch, tmp_path, isolated_cache) -> None:
    _broken_rounds(monkeypatch, tmp_path, {"v90.0": {"round": "v90.0", "extends": "v80.0"},
                                           "v90.2": {"round": "v90.3"}})
    with pytest.raises(RulebookError, match="extends unknown round"):
        resolved_data("v90.0")
    with pytest.raises(RulebookError, match="declares round"):
        resolved_data("v90.2")


def test_schema_violation_is_rejected(monkeypatch, tmp_path, isolated_cache) -> None:
    data = resolved_data("v6.0")
    data["round"] = "v90.0"
    del data["extends"]
    data["benchmarks"]["resnet"]["accuracy"][0]["direction"] = "sideways"
    _broken_rounds(monkeypatch, tmp_path, {"v90.0": data})
    with pytest.raises(RulebookError, match="does not match the schema"):
        resolved_data("v90.0")


def test_data_dir_prefers_installed_copy(monkeypatch, tmp_path) -> None:
    assert resources.data_dir("rules") == REPO / "rules"
    (tmp_path / "_data" / "rules").mkdir(parents=True)
    monkeypatch.setattr(resources, "_PACKAGE_DIR", tmp_path)
    assert resources.data_dir("rules") == tmp_path / "_data" / "rules"


# --------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("round_", ROUNDS)
def test_resolved_data_matches_snapshot(round_: str) -> None:
    dumped = yaml.safe_dump(resolved_data(round_), sort_keys=True, allow_unicode=True)
    path = SNAPSHOTS / f"rulebook_{round_}.yaml"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumped, encoding="utf-8")
    assert path.is_file(), f"missing snapshot {path.name}: run with UPDATE_SNAPSHOTS=1"
    assert dumped == path.read_text(encoding="utf-8"), f"{round_} changed: review, then UPDATE_SNAPSHOTS=1"


def test_known_valid_digests_are_current() -> None:
    """The shipped digests of valid rulebooks (read instead of validating on every run) are exactly
    those of the current rulebooks, each of which the schema accepts."""
    schema = json.loads((REPO / "schemas" / "rulebook.schema.json").read_text())
    digests = []
    for round_ in ROUNDS:
        data = rb_module._merged(round_)
        jsonschema.validate(data, schema)
        digests.append(rb_module.rulebook_digest(data))
    text = json.dumps(sorted(set(digests)), indent=1) + "\n"
    path = rb_module.KNOWN_VALID_PATH
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file() and path.read_text(encoding="utf-8") == text, \
        f"{path.name} is stale: review the rulebooks, then UPDATE_SNAPSHOTS=1"


def test_shipped_parsed_rulebooks_are_current() -> None:
    """The shipped parsed rulebook files (read instead of parsing YAML on every run) are exactly what
    PyYAML makes of the current files, with their digests, and JSON holds them exactly."""
    entries = {}
    for path in sorted(rb_module.ROUNDS_DIR.glob("v*.yaml")):
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
        assert json.loads(json.dumps(data)) == data, f"{path.name}: JSON cannot hold it exactly"
        entries[path.name] = {"sha256": hashlib.sha256(raw).hexdigest(), "data": data}
    text = json.dumps(entries, sort_keys=True, separators=(",", ":")) + "\n"
    path = rb_module.SHIPPED_PATH
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file() and path.read_text(encoding="utf-8") == text, \
        f"{path.name} is stale: review the rulebooks, then UPDATE_SNAPSHOTS=1"


def test_an_edited_rulebook_file_is_parsed_not_taken_from_the_shipped_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    path = rb_module.ROUNDS_DIR / "v6.0.yaml"
    monkeypatch.setattr(rb_module, "PARSED", {})
    monkeypatch.setattr(rb_module, "_shipped", lambda: {"v6.0.yaml": {"sha256": "0" * 64, "data": {"round": "v0"}}})
    assert rb_module._parse_yaml(path, 1, 2) == yaml.safe_load(path.read_text(encoding="utf-8"))
    monkeypatch.setattr(rb_module, "PARSED", {})
    monkeypatch.setattr(rb_module, "pyyaml", lambda: pytest.fail("the shipped copy holds: no YAML parsed"))
    monkeypatch.setattr(rb_module, "_shipped", lambda: {"v6.0.yaml": {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "data": {"round": "shipped"}}})
    assert rb_module._parse_yaml(path, 1, 2) == {"round": "shipped"}


def test_rulebook_not_in_known_valid_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rulebook whose digest is not listed (edited since) is validated against the schema."""
    monkeypatch.setattr(rb_module, "VALIDATED", set())
    monkeypatch.setattr(rb_module, "known_valid", lambda: frozenset())
    rb_module._resolved.cache_clear()
    try:
        rb_module._resolved("v6.0")
        assert rb_module.rulebook_digest(rb_module._merged("v6.0")) in rb_module.VALIDATED
        monkeypatch.setattr(rb_module, "_schema", lambda: {"type": "object", "required": ["no-such-key"]})
        rb_module._resolved.cache_clear()
        with pytest.raises(rb_module.RulebookError, match="does not match the schema"):
            rb_module._resolved("v6.0")
    finally:
        rb_module._resolved.cache_clear()


# --------------------------------------------------------------------------- cross-check with spec section 4

SEEDS = {  # spec 4.6
    "v4.1": (3066443479025735752, 10688027786191513374, 14962580496156340209),
    "v5.0": (6023615788873153749, 15036839855038426416, 9933818062894767841),
    "v5.1": (1780908523862526354, 14771362308971278857, 18209322760996052031),
    "v6.0": (2465351861681999779, 14276810075590677512, 3936089224930324775),
    "v6.1": (2085463073848966840, 2747215439041700203, 16159082839903944936),
}


@pytest.mark.parametrize("round_", ROUNDS)
def test_seeds(round_: str) -> None:
    seeds = load_rulebook(round_).seeds
    assert (seeds["qsl_rng_seed"], seeds["sample_index_rng_seed"], seeds["schedule_rng_seed"]) == SEEDS[round_]


def test_test05_seeds_only_in_v41() -> None:
    assert load_rulebook("v4.1").test_seeds["TEST05"] == {
        "qsl_rng_seed": 16799458546791641818,
        "sample_index_rng_seed": 5453809927556429288,
        "schedule_rng_seed": 5435552105434836064,
    }
    assert all(not load_rulebook(r).test_seeds for r in ROUNDS[1:])


# (metric, ">=" or "<=", threshold) per model; spec 4.1-4.5 "accuracy targets".
_LLAMA2 = lambda r: [("ROUGE1", ">=", 44.4312 * r), ("ROUGE2", ">=", 22.0352 * r), ("ROUGEL", ">=", 28.6162 * r),  # noqa: E731
                     ("TOKENS_PER_SAMPLE", ">=", 294.45 * 0.9), ("TOKENS_PER_SAMPLE", "<=", 294.45 * 1.1)]
_GPTJ = lambda r: [("ROUGE1", ">=", 42.9865 * r), ("ROUGE2", ">=", 20.1235 * r), ("ROUGEL", ">=", 29.9881 * r),  # noqa: E731
                   ("GEN_LEN", ">=", 4016878 * 0.9)]
TARGETS = {
    "resnet": [("acc", ">=", 76.46 * 0.99)],
    "retinanet": [("mAP", ">=", 37.55 * 0.99)],
    "bert-99": [("F1", ">=", 90.874 * 0.99)],
    "bert-99.9": [("F1", ">=", 90.874 * 0.999)],
    "dlrm-v2-99": [("AUC", ">=", 80.31 * 0.99)],
    "dlrm-v2-99.9": [("AUC", ">=", 80.31 * 0.999)],
    "3d-unet-99": [("DICE", ">=", 0.8617 * 0.99)],
    "3d-unet-99.9": [("DICE", ">=", 0.8617 * 0.999)],
    "gptj-99": _GPTJ(0.99),
    "gptj-99.9": _GPTJ(0.999),
    "llama2-70b-99": _LLAMA2(0.99),
    "llama2-70b-99.9": _LLAMA2(0.999),
    "llama2-70b-interactive-99": _LLAMA2(0.99),
    "llama2-70b-interactive-99.9": _LLAMA2(0.999),
    "stable-diffusion-xl": [("CLIP_SCORE", ">=", 31.68631873), ("FID_SCORE", ">=", 23.01085758),
                            ("CLIP_SCORE", "<=", 31.81331801), ("FID_SCORE", "<=", 23.95007626)],
    "mixtral-8x7b": [("ROUGE1", ">=", 45.5989 * 0.99), ("ROUGE2", ">=", 23.3526 * 0.99),
                     ("ROUGEL", ">=", 30.4608 * 0.99), ("TOKENS_PER_SAMPLE", ">=", 144.84 * 0.9),
                     ("gsm8k_accuracy", ">=", 73.66 * 0.99), ("mbxp_accuracy", ">=", 60.16 * 0.99),
                     ("TOKENS_PER_SAMPLE", "<=", 145.9 * 1.1)],
    "llama3.1-405b": [("ROUGEL", ">=", 21.6666 * 0.99), ("exact_match", ">=", 90.1335 * 0.99),
                      ("TOKENS_PER_SAMPLE", ">=", 684.68 * 0.9), ("TOKENS_PER_SAMPLE", "<=", 684.68 * 1.1)],
    "rgat": [("acc", ">=", 0.7286 * 0.99)],
    "pointpainting": [("mAP", ">=", 0.5425 * 0.999)],
    "llama3.1-8b": [("ROUGE1", ">=", 38.7792 * 0.99), ("ROUGE2", ">=", 15.9075 * 0.99),
                    ("ROUGEL", ">=", 24.4957 * 0.99), ("ROUGELSUM", ">=", 35.793 * 0.99),
                    ("GEN_LEN", ">=", 8167644 * 0.9), ("GEN_LEN", "<=", 8167644 * 1.1)],
    "llama3.1-8b-edge": [("ROUGE1", ">=", 39.06 * 0.99), ("ROUGE2", ">=", 16.1147 * 0.99),
                         ("ROUGEL", ">=", 24.6375 * 0.99), ("ROUGELSUM", ">=", 36.124 * 0.99),
                         ("GEN_LEN", ">=", 3051113 * 0.9), ("GEN_LEN", "<=", 3051113 * 1.1)],
    "deepseek-r1": [("exact_match", ">=", 0.99 * 81.3582), ("TOKENS_PER_SAMPLE", ">=", 0.9 * 3886.2274),
                    ("TOKENS_PER_SAMPLE", "<=", 1.1 * 3886.2274)],
    "whisper": [("ACCURACY", ">=", (100.0 - 2.0671) * 0.99)],
    "gpt-oss-120b": [("exact_match", ">=", 83.13 * 0.99), ("TOKENS_PER_SAMPLE", "<=", 1.1 * 9999)],
    "qwen3-vl-235b-a22b": [("F1_HIERARCHICAL", ">=", 0.7903 * 0.99)],
    "dlrm-v3": [("DLRM_NE", ">=", 0.86687 * 0.999), ("DLRM_ACC", ">=", 0.69651 * 0.999),
                ("DLRM_AUC", ">=", 0.78663 * 0.999)],
    "yolo-95": [("mAP", ">=", 53.4 * 0.95)],
    "yolo-99": [("mAP", ">=", 53.4 * 0.99)],
    "wan-2.2-t2v-a14b": [("vbench_score", ">=", 70.48 * 0.99)],
    "e2e-rag-qna": [("E2E_ACCURACY", ">=", 33.95)],
    "e2e-rag-db": [("E2E_ACCURACY", ">=", 98.0)],
    "qwen3.6-27b": [("mAP", ">=", 86.23 * 0.99)],
}
TARGETS_BY_ROUND = {
    "v4.1": {"mixtral-8x7b": [("ROUGE1", ">=", 45.4911 * 0.99), ("ROUGE2", ">=", 23.2829 * 0.99),
                              ("ROUGEL", ">=", 30.3615 * 0.99), ("TOKENS_PER_SAMPLE", ">=", 145.9 * 0.9),
                              ("gsm8k_accuracy", ">=", 73.78 * 0.99), ("mbxp_accuracy", ">=", 60.12 * 0.99),
                              ("TOKENS_PER_SAMPLE", "<=", 145.9 * 1.1)]},
}
QWEN_V61 = {"Offline": 0.7903 * 0.99, "Server": 0.7903 * 0.99, "Interactive": 0.7878 * 0.99}

# Scenarios per model: (datacenter required, datacenter optional, edge required,
# datacenter+edge required, datacenter+edge optional), spec 4.1-4.5 "models and scenarios".
S, M, O, V, I = "SingleStream", "MultiStream", "Offline", "Server", "Interactive"
_V41 = {
    "resnet": ([V, O], [], [S, M, O], [S, O, M, V], []),
    "retinanet": ([V, O], [], [S, M, O], [S, O, M, V], []),
    "bert-99": ([V, O], [], [S, O], [S, O, V], []),
    "bert-99.9": ([V, O], [], [], [O, V], []),
    "dlrm-v2-99": ([V, O], [], [], [O, V], []),
    "dlrm-v2-99.9": ([V, O], [], [], [O, V], []),
    "3d-unet-99": ([O], [], [S, O], [S, O], []),
    "3d-unet-99.9": ([O], [], [S, O], [S, O], []),
    "gptj-99": ([V, O], [], [S, O], [S, O, V], []),
    "gptj-99.9": ([V, O], [], [S, O], [S, O, V], []),
    "llama2-70b-99": ([V, O], [], [], [V, O], []),
    "llama2-70b-99.9": ([V, O], [], [], [V, O], []),
    "stable-diffusion-xl": ([V, O], [], [S, O], [S, O, V], []),
    "mixtral-8x7b": ([V, O], [], [], [S, V, O], []),
}
_V50 = {
    **_V41,
    "bert-99": ([], [], [S, O], [S, O], []),
    "bert-99.9": ([], [], [S, O], [S, O], []),
    "llama2-70b-interactive-99": ([V, O], [], [], [V, O], []),
    "llama2-70b-interactive-99.9": ([V, O], [], [], [V, O], []),
    "mixtral-8x7b": ([V, O], [], [], [V, O], []),
    "llama3.1-405b": ([V, O], [], [], [V, O], []),
    "rgat": ([O], [], [], [O], []),
    "pointpainting": ([], [], [S], [S], []),
}
_LLM = ([O], [I, V], [], [O], [I, V])
_V51 = {
    **{k: v for k, v in _V50.items() if not k.startswith(("gptj", "llama2-70b-interactive"))},
    "resnet": ([], [], [S, M, O], [S, M, O, V], []),
    "llama3.1-8b": _LLM,
    "llama3.1-8b-edge": ([], [], [S, O], [S, O], []),
    "llama2-70b-99": _LLM,
    "llama2-70b-99.9": _LLM,
    "llama3.1-405b": _LLM,
    "deepseek-r1": ([V, O], [], [], [S, V, O], []),
    "whisper": ([O], [], [O], [O], []),
}
_V60 = {
    **{k: v for k, v in _V51.items() if not k.startswith("dlrm-v2")},
    "retinanet": ([], [], [], [S, O, M, V], []),
    "stable-diffusion-xl": ([], [], [S, O], [S, O, V], []),
    "deepseek-r1": _LLM,
    "gpt-oss-120b": _LLM,
    "wan-2.2-t2v-a14b": ([O, S], [], [], [], []),
    "qwen3-vl-235b-a22b": ([V, O], [], [], [O], [I, V]),
    "dlrm-v3": ([V, O], [], [], [O, V], []),
    "yolo-95": ([], [], [S, M, O], [S, M, O], []),
    "yolo-99": ([], [], [S, M, O], [S, M, O], []),
}
_V61 = {
    **{k: v for k, v in _V60.items()
       if k not in {"retinanet", "mixtral-8x7b", "llama3.1-405b", "pointpainting", "llama2-70b-99"}},
    "qwen3-vl-235b-a22b": _LLM,
    "qwen3.6-27b": ([], [], [S], [S], []),
    "e2e-rag-qna": ([O], [], [], [], []),
    "e2e-rag-db": ([O], [], [], [], []),
}
SCENARIOS = {"v4.1": _V41, "v5.0": _V50, "v5.1": _V51, "v6.0": _V60, "v6.1": _V61}


@pytest.mark.parametrize("round_", ROUNDS)
def test_models_and_scenarios_per_system_type(round_: str) -> None:
    rulebook = load_rulebook(round_)
    assert set(rulebook.benchmarks) == set(SCENARIOS[round_])
    for name, (dc_req, dc_opt, edge_req, both_req, both_opt) in SCENARIOS[round_].items():
        bench = rulebook.benchmarks[name]
        for system_type, req, opt in [("datacenter", dc_req, dc_opt), ("edge", edge_req, []),
                                      ("datacenter,edge", both_req, both_opt),
                                      ("edge,datacenter", both_req, both_opt)]:
            got = bench.scenarios_for(system_type)
            if not req and not opt:
                assert got is None, f"{round_} {name} must not be allowed on {system_type}"
            else:
                assert got is not None and (got.required, got.optional) == (req, opt), f"{round_} {name} {system_type}"


@pytest.mark.parametrize("round_", ROUNDS)
def test_accuracy_thresholds(round_: str) -> None:
    rulebook = load_rulebook(round_)
    for name, bench in rulebook.benchmarks.items():
        if round_ == "v6.1" and name == "qwen3-vl-235b-a22b":
            continue
        expected = TARGETS_BY_ROUND.get(round_, {}).get(name, TARGETS[name])
        got = [(t.metric, ">=" if t.direction == "at_least" else "<=", t.threshold) for t in bench.accuracy]
        assert [(m, d) for m, d, _ in got] == [(m, d) for m, d, _ in expected], f"{round_} {name}"
        for (_, _, value), (_, _, want) in zip(got, expected, strict=True):
            assert value == pytest.approx(want, rel=1e-12), f"{round_} {name}"


def test_qwen3_vl_v61_accuracy_is_scenario_specific() -> None:
    bench = load_rulebook("v6.1").benchmarks["qwen3-vl-235b-a22b"]
    for scenario, want in QWEN_V61.items():
        (target,) = bench.accuracy_for(scenario)
        assert target.threshold == pytest.approx(want, rel=1e-12)
    assert bench.expected_accuracy_samples("Interactive") == 8000
    assert bench.expected_accuracy_samples("Offline") == 48289
    assert bench.latency_bound_ns == {"Server": 12000000000, "Interactive": 1500000000}


# --------------------------------------------------------------------------- behaviour of the models


def test_accuracy_target_passes_in_both_directions() -> None:
    low = AccuracyTarget(metric="acc", reference=76.46, ratio=0.99, direction="at_least")
    high = AccuracyTarget(metric="TOKENS_PER_SAMPLE", reference=294.45, ratio=1.1, direction="at_most")
    assert low.passes(low.threshold) and low.passes(76.0) and not low.passes(75.69)
    assert high.passes(high.threshold) and high.passes(300) and not high.passes(324.0)


def test_expected_accuracy_samples_prefers_override() -> None:
    v41, v60 = load_rulebook("v4.1"), load_rulebook("v6.0")
    assert v41.benchmarks["resnet"].expected_accuracy_samples() is None
    assert v60.benchmarks["resnet"].expected_accuracy_samples() == 50000
    assert v60.benchmarks["gpt-oss-120b"].expected_accuracy_samples() == 4395
    assert v60.benchmarks["wan-2.2-t2v-a14b"].expected_accuracy_samples("SingleStream") == 248


def test_metric_field_and_unit_are_resolved_with_defaults() -> None:
    v60 = load_rulebook("v6.0")
    llama = v60.benchmarks["llama2-70b-99"]
    assert llama.metric_field["Offline"] == "result_tokens_per_second"
    assert llama.metric_field["Server"] == "result_completed_tokens_per_second"
    assert llama.unit["Interactive"] == "Tokens/s"
    resnet = v60.benchmarks["resnet"]
    assert resnet.metric_field["SingleStream"] == "early_stopping_latency_ss"
    assert resnet.unit["MultiStream"] == "Latency (ms)"
    wan = v60.benchmarks["wan-2.2-t2v-a14b"]
    assert wan.unit["SingleStream"] == "Latency (s)" and wan.metric_scale == {"SingleStream": 1e-9}
    assert v60.benchmarks["llama3.1-8b-edge"].metric_field["SingleStream"] == "result_90.00_percentile_latency_ns"


def test_scenarios_for_unknown_system_type() -> None:
    bench = load_rulebook("v6.0").benchmarks["resnet"]
    assert bench.scenarios_for("Datacenter") is None
    assert bench.scenarios_for("datacenter, edge") is None
    assert bench.scenarios_for("datacenter") is None  # edge-only model in v6.0


def test_test01_delta() -> None:
    v60 = load_rulebook("v6.0")
    assert v60.test01_delta("stable-diffusion-xl", "FID_SCORE") == 2.0
    assert v60.test01_delta("stable-diffusion-xl", "CLIP_SCORE") == 1.0
    assert v60.test01_delta("bert-99.9", "F1") == 0.1
    assert v60.test01_delta("bert-99", "F1") == 1.0


def test_compliance_and_policies() -> None:
    v41, v60 = load_rulebook("v4.1"), load_rulebook("v6.0")
    assert v41.benchmarks["resnet"].compliance == ["TEST01", "TEST04", "TEST05"]
    assert v60.benchmarks["gpt-oss-120b"].compliance == ["TEST07", "TEST09"]
    assert v60.compliance_tests["TEST09"]["required"] == ["verify_output_len.txt"]
    assert "TEST05" not in v60.compliance_tests
    assert v41.policies.equal_issue_divisions == ["closed", "network"]
    assert load_rulebook("v5.1").policies.equal_issue_divisions == ["closed", "open", "network"]
    assert [load_rulebook(r).policies.dataset_coverage for r in ROUNDS] == ["none", "none", "warning", "error", "error"]
    assert [load_rulebook(r).layout for r in ROUNDS] == ["v5", "v5", "v5", "v6", "v6"]
    assert [len(load_rulebook(r).csv_columns) for r in ROUNDS] == [27, 28, 28, 31, 31]
    assert load_rulebook("v4.1").measurements.required_files == ["mlperf.conf", "user.conf", "README.md"]
    assert load_rulebook("v5.0").measurements.required_files == ["user.conf", "README.md"]


@pytest.mark.parametrize("round_", ROUNDS)
def test_rulebook_is_internally_consistent(round_: str) -> None:
    rulebook = load_rulebook(round_)
    for name, bench in rulebook.benchmarks.items():
        assert bench.model == name
        for target in bench.accuracy:
            rulebook.accuracy_regex(target.metric)  # every metric has a compiling pattern
        assert set(bench.compliance) <= set(rulebook.compliance_tests), name
        for scenario_set in bench.scenarios.values():
            assert set(scenario_set.required + scenario_set.optional) <= set(rulebook.scenarios), name
        assert set(bench.token_latency_limits_ns) <= set(rulebook.scenarios), name
        assert not bench.token_latency_limits_ns or bench.token_latencies, name
    assert set(rulebook.system.system_types.values()) == {"datacenter", "edge", "datacenter_edge"}
    assert len(rulebook.system.required_fields) == 35
    assert len(rulebook.system.meaningful_fields) == 26
    assert len(rulebook.system.network_fields) == 13


def test_accuracy_regex_extracts_values() -> None:
    v41, v61 = load_rulebook("v4.1"), load_rulebook("v6.1")
    assert v41.accuracy_regex("acc").match("accuracy=76.456%").group(1) == "76.456"
    assert v61.accuracy_regex("F1").match('{"exact_match": 83.9, "f1": 90.9}').group(1) == "90.9"
    line = "{'rouge1': 44.4465, 'rouge2': 22.0638, 'rougeL': 28.625, 'tokens_per_sample': 301.1}"
    assert v61.accuracy_regex("ROUGE1").match(line).group(1) == "44.4465"
    assert v61.accuracy_regex("ROUGE1").match("{'rouge1': '44.4465'}").group(1) == "44.4465"
    assert v41.accuracy_regex("ROUGE1").match("{'rouge1': '44.4465'}") is None  # M41 takes no quotes
    assert v61.accuracy_regex("E2E_ACCURACY").match("Accuracy: 34.1").group(1) == "34.1"
    assert v61.accuracy_regex("acc") is v61.accuracy_regex("acc")
    with pytest.raises(KeyError):
        v41.accuracy_regex("vbench_score")


# --------------------------------------------------------------------------- round detection and names


@pytest.mark.parametrize(("version", "round_"), [
    ("4.1 @ 379ee5345a", "v4.1"), ("4.0 @ 7fc059bf91", "v4.1"), ("5.0.15 @ abc", "v5.0"),
    ("5.0.25 @ abc", "v5.1"), ("5.0.2", "v5.0"), ("5.1.0 @ 091d51f041", "v5.1"), ("6.0.10 @ x", "v6.0"),
    ("6.0", "v6.0"), ("6.1.0", "v6.1"), ("3.1 @ x", None), ("6.01", None), ("", None), ("garbage", None),
])
def test_detect_round(version: str, round_: str | None) -> None:
    assert detect_round(version) == round_


def test_canonical_scenario() -> None:
    v41, v61 = load_rulebook("v4.1"), load_rulebook("v6.1")
    assert v61.canonical_scenario("offline") == "Offline"
    assert v61.canonical_scenario("MultiStream") == "MultiStream"
    assert v61.canonical_scenario("interactive") == "Interactive"
    assert v61.canonical_scenario("Online") == "Server"
    assert v41.canonical_scenario("interactive") is None
    assert v41.canonical_scenario("online") is None
    assert v61.canonical_scenario("offline2") is None


def test_resolve_benchmark() -> None:
    v41, v60, v61 = load_rulebook("v4.1"), load_rulebook("v6.0"), load_rulebook("v6.1")
    assert v60.resolve_benchmark("llama2-70b-99") == "llama2-70b-99"
    assert v60.resolve_benchmark("resnet50") == "resnet"  # alias
    assert v60.resolve_benchmark("llama3_1-8b") == "llama3.1-8b"
    assert v41.resolve_benchmark("llama3_1-8b") is None  # alias of a later round
    assert v60.resolve_benchmark("ssd-resnet34") == "retinanet"
    assert v61.resolve_benchmark("ssd-resnet34") is None  # alias target removed in v6.1
    assert v60.resolve_benchmark("efficientnet-lite4") == "resnet"  # heuristics
    assert v60.resolve_benchmark("bert-99.9-sparse") == "bert-99.9"
    assert v60.resolve_benchmark("mobilebert-99-int8") == "bert-99"
    assert v60.resolve_benchmark("my-llama3_1-405b-fp4") == "llama3.1-405b"  # MOD heuristic
    assert v41.resolve_benchmark("my-llama3_1-405b-fp4") is None
    mapping = {"resnet50-pruned": "resnet", "mini-llama": "llama3_1-8b", "bad": "no-such-model"}
    assert v60.resolve_benchmark("resnet50-pruned", mapping) == "resnet"
    assert v60.resolve_benchmark("mini-llama", mapping) == "llama3.1-8b"
    assert v60.resolve_benchmark("bad", mapping) is None
    assert v60.resolve_benchmark("mini-llama") is None
    assert v60.resolve_benchmark("Resnet") is None
    assert v60.benchmark("resnet") is v60.benchmarks["resnet"] and v60.benchmark("resnet50") is None
