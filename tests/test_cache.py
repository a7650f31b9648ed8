"""Incremental mode (`--cache DIR`): unchanged units are reused, changed ones are checked again, and
the report is always the one a run without the cache gives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker import cache as cache_module
from checker import checking, engine
from checker.cache import CacheError
from checker.cli import main
from checker.engine import RunConfig, check
from checker.waivers import load_waivers
from tests.treeedit import edit_json, set_log_value

RESULT = "closed/Acme/results/acme_e1_edge/resnet50/Offline"
OTHER_SYSTEM = "closed/Acme/results/acme_x8_dc/llama3.1-8b/Offline"


@pytest.fixture
def trust_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust modification times right away (the racy window has its own test)."""
    monkeypatch.setattr(cache_module, "RACY_NS", -1)


@pytest.fixture
def tree(samples: Path, tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    shutil.copytree(samples / "closed-v6.0", root, symlinks=True)
    return root


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Which results and which submitters (""=the submission) the engine really checks."""
    seen: dict[str, list[str]] = {"results": [], "scoped": []}
    check_one = checking._Worker.check.__func__
    scoped = checking._scoped_findings

    def counting_check(cls, result):
        seen["results"].append(result.rel)
        return check_one(cls, result)

    def counting_scoped(rules, base, sub):
        seen["scoped"].append(sub.key if sub is not None else "")
        return scoped(rules, base, sub)

    monkeypatch.setattr(checking._Worker, "check", classmethod(counting_check))
    monkeypatch.setattr(checking, "_scoped_findings", counting_scoped)
    return seen


def _run(root: Path, cache: Path | None, **kw) -> dict:
    report = check(root, RunConfig(jobs=1, cache=cache, **kw))
    return {"report": report.to_dict(), "extra": [r.extra for r in report.results], "notes": report.notes}


def _rerun(root: Path, cache: Path, calls: dict[str, list[str]], **kw) -> dict:
    calls["results"].clear()
    calls["scoped"].clear()
    return _run(root, cache, **kw)


def _units_file(cache: Path) -> Path:
    """The cache file of the units' records (beside it: the whole run's kept report)."""
    return next(p for p in cache.iterdir() if not p.name.startswith("mlperf-checker-run-")
                and p.name != cache_module.MEMORY_FILE)


def _units_only(cache: Path) -> None:
    """Remove the whole-run report, so that the next run goes through the units' records."""
    for p in cache.glob("mlperf-checker-run-*"):
        p.unlink()


def _listing(root: Path) -> list[tuple[str, int, int]]:
    out = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            st = os.lstat(os.path.join(folder, name))
            out.append((os.path.join(folder, name), st.st_size, st.st_mtime_ns))
    return sorted(out)


def test_unchanged_tree_reuses_everything(tree, tmp_path, calls, trust_now) -> None:
    before = _listing(tree)
    cold = _run(tree, tmp_path / "cache")
    assert len(calls["results"]) == 6 and "closed/Acme" in calls["scoped"] and "" in calls["scoped"]
    warm = _rerun(tree, tmp_path / "cache", calls)
    assert calls == {"results": [], "scoped": []}
    assert warm == cold == _run(tree, None)
    assert _listing(tree) == before  # the checked tree is never written
    names = sorted(p.name for p in (tmp_path / "cache").iterdir())  # no temporary file left behind: the units'
    assert len(names) == 3 and names[1] == cache_module.MEMORY_FILE  # records, what the run worked out and
    assert names[2].startswith("mlperf-checker-run-")  # the run's report


def test_one_changed_result_is_checked_again(tree, tmp_path, calls, trust_now) -> None:
    _run(tree, tmp_path / "cache")
    set_log_value(tree / RESULT / "performance/run_1/mlperf_log_detail.txt", "effective_min_duration_ms", 1000)
    warm = _rerun(tree, tmp_path / "cache", calls)
    assert calls["results"] == [RESULT]
    assert calls["scoped"] == ["closed/Acme", ""]  # its submitter's and the submission's rules see all results
    assert warm == _run(tree, None)
    assert any(f["result"] == RESULT and f["code"].startswith("PERF") for f in warm["report"]["findings"])
    _rerun(tree, tmp_path / "cache", calls)
    assert calls == {"results": [], "scoped": []}


def test_touched_but_unchanged_file_is_recognised_by_its_content(tree, tmp_path, calls, trust_now) -> None:
    cold = _run(tree, tmp_path / "cache")
    log = tree / RESULT / "performance/run_1/mlperf_log_detail.txt"
    later = log.stat().st_mtime_ns + 5_000_000_000
    os.utime(log, ns=(later, later))
    assert _rerun(tree, tmp_path / "cache", calls) == cold
    assert calls == {"results": [], "scoped": []}


def test_new_file_in_a_result_rechecks_it(tree, tmp_path, calls, trust_now) -> None:
    _run(tree, tmp_path / "cache")
    (tree / RESULT / "performance/run_1/notes.txt").write_text("hello\n")
    warm = _rerun(tree, tmp_path / "cache", calls)
    assert calls["results"] == [RESULT]
    assert warm == _run(tree, None)


def test_changed_system_description_rechecks_its_submitter(tree, tmp_path, calls, trust_now) -> None:
    _run(tree, tmp_path / "cache")
    edit_json(tree / "closed/Acme/systems/acme_e1_edge.json", host_processor_core_count="many")
    warm = _rerun(tree, tmp_path / "cache", calls)
    assert RESULT in calls["results"] and OTHER_SYSTEM in calls["results"]
    assert warm == _run(tree, None)


def test_removed_result_disappears(tree, tmp_path, calls, trust_now) -> None:
    _run(tree, tmp_path / "cache")
    shutil.rmtree(tree / RESULT)
    warm = _rerun(tree, tmp_path / "cache", calls)
    assert RESULT not in {r["path"] for r in warm["report"]["results"]}
    assert warm == _run(tree, None)


def test_other_selection_or_options_use_another_cache(tree, tmp_path, calls, trust_now) -> None:
    _run(tree, tmp_path / "cache")
    _rerun(tree, tmp_path / "cache", calls, select=["PERF"])
    assert len(calls["results"]) == 6
    _rerun(tree, tmp_path / "cache", calls, select=["PERF"])
    assert calls["results"] == []
    _rerun(tree, tmp_path / "cache", calls)  # the full selection's cache is still there
    assert calls["results"] == []
    assert len(list((tmp_path / "cache").iterdir())) == 5  # each selection: its units' records and its run


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong-shapes", "empty"])
def test_corrupt_cache_is_ignored_and_rewritten(tree, tmp_path, calls, trust_now, damage) -> None:
    cold = _run(tree, tmp_path / "cache")
    file = _units_file(tmp_path / "cache")
    data = file.read_bytes()
    if damage == "garbage":
        file.write_bytes(b"\x00\xff" * 100)
    elif damage == "truncated":
        file.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        file.write_bytes(b"")
    else:
        parsed = json.loads(data)
        for entry in parsed["results"].values():
            entry["findings"] = 5
        parsed["contexts"] = {k: [v[0], [["x"]]] for k, v in parsed["contexts"].items()}
        file.write_text(json.dumps(parsed))
    _units_only(tmp_path / "cache")
    assert _rerun(tree, tmp_path / "cache", calls) == cold
    assert len(calls["results"]) == 6
    _rerun(tree, tmp_path / "cache", calls)
    assert calls["results"] == []


def test_cache_inside_the_checked_tree_is_a_usage_error(tree, capsys) -> None:
    before = _listing(tree)
    with pytest.raises(CacheError, match="inside the checked tree"):
        check(tree, RunConfig(jobs=1, cache=tree / "closed" / ".cache"))
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(tree), "--cache", str(tree / ".cache")])
    assert exit_.value.code == 2 and "inside the checked tree" in capsys.readouterr().err
    assert _listing(tree) == before


def test_unusable_cache_directory_is_a_usage_error(tree, tmp_path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(CacheError, match="cannot create"):
        check(tree, RunConfig(jobs=1, cache=tmp_path / "file" / "cache"))


def _set_times(root: Path, ns: int) -> None:
    for path, _, _ in _listing(root) + [(str(root), 0, 0)]:
        os.utime(path, ns=(ns, ns), follow_symlinks=False)


def test_recent_modification_times_are_not_trusted(tree, tmp_path, calls) -> None:
    _set_times(tree, time.time_ns())  # as if just written: within the racy window
    cold = _run(tree, tmp_path / "cache")
    assert _rerun(tree, tmp_path / "cache", calls) == cold
    assert len(calls["results"]) == 6
    _set_times(tree, time.time_ns() - 3600 * 10**9)
    _rerun(tree, tmp_path / "cache", calls)
    _rerun(tree, tmp_path / "cache", calls)
    assert calls == {"results": [], "scoped": []}


def test_waivers_apply_to_reused_findings(tree, tmp_path, calls, trust_now) -> None:
    cold = _run(tree, tmp_path / "cache")
    finding = next(f for f in cold["report"]["findings"] if f["result"])
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"waivers:\n  - code: {finding['code']}\n    path: {finding['path']}\n"
                       f"    justification: known and accepted in review\n    approved_by: review committee\n")
    waiver_set = load_waivers(waivers)
    warm = _rerun(tree, tmp_path / "cache", calls, waivers=waiver_set)
    assert calls["results"] == []
    assert warm == _run(tree, None, waivers=waiver_set)
    assert any(f["waived"] for f in warm["report"]["findings"])


def test_v5_layout_measurements_change_rechecks_one_result(samples, tmp_path, calls, trust_now) -> None:
    root = tmp_path / "tree"
    shutil.copytree(samples / "closed-v5.1", root, symlinks=True)
    _run(root, tmp_path / "cache")
    conf = next((root / "closed/Acme/measurements/acme_x8_dc/resnet50/Offline").glob("user.conf"))
    conf.write_text(conf.read_text() + "*.Offline.min_duration = 1000\n")
    warm = _rerun(root, tmp_path / "cache", calls)
    assert calls["results"] == ["closed/Acme/results/acme_x8_dc/resnet50/Offline"]
    assert warm == _run(root, None)


def test_worker_processes_record_the_same_cache(tree, tmp_path, calls, trust_now, monkeypatch) -> None:
    monkeypatch.setattr(checking, "PARALLEL_THRESHOLD", 1)
    parallel = check(tree, RunConfig(jobs=2, cache=tmp_path / "cache"))
    warm = _rerun(tree, tmp_path / "cache", calls)
    assert calls["results"] == []
    assert warm["report"] == parallel.to_dict() == _run(tree, None)["report"]


def test_command_line_cache_option(tree, tmp_path, capsys, trust_now) -> None:
    outputs = []
    for _ in range(2):
        with pytest.raises(SystemExit) as exit_:
            main(["check", str(tree), "--cache", str(tmp_path / "cache"), "--format", "json"])
        outputs.append((exit_.value.code, capsys.readouterr().out))
    assert outputs[0] == outputs[1] and outputs[0][0] == 0


@pytest.mark.parametrize("part", ["closed", "closed/Acme"])
def test_division_or_submitter_root_looks_at_nothing_outside_it(tree, tmp_path, calls, trust_now, part) -> None:
    root = tree / part
    cold = _run(root, tmp_path / "cache")
    assert _rerun(root, tmp_path / "cache", calls) == cold and calls["results"] == []
    data = json.loads(_units_file(tmp_path / "cache").read_text())
    records = [*data["contexts"].values(), data["submission"]["stamps"],
               *(unit["stamps"] for kind in ("results", "submitters") for unit in data[kind].values())]
    for base, stamps in records:
        for name in [base, *(s[0] for s in stamps if os.path.isabs(s[0]))]:
            assert name == str(root) or name.startswith(f"{root}/"), name


def test_unchanged_run_imports_no_validator(tree, tmp_path) -> None:
    """The rulebook known valid (its digest is in the cache) is not validated again: no jsonschema."""
    past = time.time() - 60  # older than the racy window: the second run reuses everything (subprocesses: no monkeypatch)
    for folder, _, files in os.walk(tree):
        for name in [*files, ""]:
            os.utime(os.path.join(folder, name), (past, past), follow_symlinks=False)
    code = ("import sys; from pathlib import Path; from checker.engine import check, RunConfig; "
            "check(Path(sys.argv[1]), RunConfig(jobs=1, cache=Path(sys.argv[2]))); print('jsonschema' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code, str(tree), str(tmp_path / "cache")], capture_output=True,
                           text=True, check=True, cwd=Path(__file__).resolve().parents[1]).stdout.strip() for _ in range(2)]
    assert runs == ["True", "False"]


def test_new_checker_code_replaces_the_cache_file(tree, tmp_path, calls, trust_now, monkeypatch) -> None:
    _run(tree, tmp_path / "cache")
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "another build")
    _rerun(tree, tmp_path / "cache", calls)
    assert len(calls["results"]) == 6  # nothing reused from another build of the checker...
    assert len(list((tmp_path / "cache").iterdir())) == 3  # ...and its files replaced, not kept beside


def test_file_changed_during_the_run_is_checked_again(tree, tmp_path, calls, monkeypatch) -> None:
    _set_times(tree, time.time_ns() - 3600 * 10**9)
    log = tree / RESULT / "performance/run_1/mlperf_log_detail.txt"
    stamps = checking.result_stamps

    def edited_before_stamping(unit, touched, since):  # after the checks read the log, before its stamp
        if unit.rel == RESULT:
            set_log_value(log, "effective_min_duration_ms", 1000)
        return stamps(unit, touched, since)

    monkeypatch.setattr(checking, "result_stamps", edited_before_stamping)
    _run(tree, tmp_path / "cache")
    monkeypatch.setattr(checking, "result_stamps", stamps)
    warm = _rerun(tree, tmp_path / "cache", calls)
    assert calls["results"] == [RESULT]
    assert warm == _run(tree, None)


def test_stamps_looked_at_by_several_processes_give_the_same_answers(tree, tmp_path, monkeypatch, trust_now) -> None:
    _run(tree, tmp_path / "cache")
    data = json.loads(_units_file(tmp_path / "cache").read_text())
    records = [*data["contexts"].values(), *(unit["stamps"] for unit in data["results"].values()), None]
    (tree / "closed/Acme/results").joinpath(next(iter(data["results"])).split("/", 3)[3], "new.txt").write_text("x")
    serial = cache_module.holds_all(records, jobs=1)
    monkeypatch.setattr(cache_module, "PARALLEL_STAMPS", 0)
    assert cache_module.holds_all(records, jobs=3) == serial
    assert serial.count(cache_module.CHANGED) == 2  # the changed result, and the missing record


def test_a_process_that_does_not_answer_makes_its_records_not_hold(tree, tmp_path, monkeypatch, trust_now) -> None:
    _run(tree, tmp_path / "cache")
    data = json.loads(_units_file(tmp_path / "cache").read_text())
    records = [unit["stamps"] for unit in data["results"].values()]
    monkeypatch.setattr(cache_module, "PARALLEL_STAMPS", 0)
    records[-1] = ["/", [["x"]]]  # malformed: the child process fails on it
    answers = cache_module.holds_all(records, jobs=2)
    assert answers[0] == cache_module.HOLDS and answers[-1] == cache_module.CHANGED


# --------------------------------------------------------------------------- whole-run replay


def test_unchanged_tree_without_the_kept_report_reuses_every_unit(tree, tmp_path, calls, trust_now) -> None:
    cold = _run(tree, tmp_path / "cache")
    _units_only(tmp_path / "cache")
    assert _rerun(tree, tmp_path / "cache", calls) == cold
    assert calls == {"results": [], "scoped": []}
    assert len(list((tmp_path / "cache").glob("mlperf-checker-run-*"))) == 1  # the run's report kept again


def test_replayed_report_renders_as_the_fresh_one_in_every_format(tree, tmp_path, trust_now, monkeypatch) -> None:
    from checker.reporters import load_reporters

    fresh = check(tree, RunConfig(jobs=1, cache=tmp_path / "cache"))
    monkeypatch.setattr(checking, "load_rules", lambda: pytest.fail("a replayed run imports no rule"))
    replayed = check(tree, RunConfig(jobs=1, cache=tmp_path / "cache"))
    for name, render in load_reporters().items():
        assert render(replayed) == render(fresh), name


def test_a_touched_file_is_not_replayed_but_its_unit_is_reused(tree, tmp_path, calls, trust_now) -> None:
    _set_times(tree, time.time_ns() - 3600 * 10**9)
    cold = _run(tree, tmp_path / "cache")
    os.utime(tree / RESULT / "performance/run_1/mlperf_log_summary.txt")  # same content, new time
    replays = []
    original = engine.Replay.load
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(engine.Replay, "load", lambda self, *a: replays.append(original(self, *a)) or replays[-1])
    try:
        assert _rerun(tree, tmp_path / "cache", calls) == cold
        assert replays == [None] and calls == {"results": [], "scoped": []}  # the content hash still holds
        assert _rerun(tree, tmp_path / "cache", calls) == cold  # the stamp took the file's new time:
        assert replays[-1] is not None  # the run's report is given back again
    finally:
        monkeypatch.undo()


def test_damaged_kept_report_is_ignored(tree, tmp_path, calls, trust_now) -> None:
    cold = _run(tree, tmp_path / "cache")
    kept = next((tmp_path / "cache").glob("mlperf-checker-run-*"))
    data = json.loads(kept.read_text())
    for damage in (b"", b"\x00\xff" * 50, kept.read_bytes()[:100],
                   json.dumps({**data, "digests": data["digests"][:-1] + ["0" * 32]}).encode(),
                   json.dumps({**data, "digests": data["digests"] * 2}).encode(),
                   json.dumps({**data, "report": {**data["report"], "results": 5}}).encode()):
        kept.write_bytes(damage)
        assert _rerun(tree, tmp_path / "cache", calls) == cold
        assert calls["results"] == []  # the units' records answered


def test_no_report_is_kept_when_a_stamp_was_not_trusted(tree, tmp_path) -> None:
    _set_times(tree, time.time_ns())  # as if just written: within the racy window
    _run(tree, tmp_path / "cache")
    assert list((tmp_path / "cache").glob("mlperf-checker-run-*")) == []


def test_other_options_or_waivers_keep_another_report(tree, tmp_path, calls, trust_now) -> None:
    from checker.waivers import WaiverSet

    _run(tree, tmp_path / "cache")
    _rerun(tree, tmp_path / "cache", calls, select=["PERF"])
    assert len(calls["results"]) == 6
    waivers = WaiverSet(source=tmp_path / "waivers.yaml", waivers=())
    _rerun(tree, tmp_path / "cache", calls, waivers=waivers)
    assert len(calls["results"]) == 0 and len(list((tmp_path / "cache").glob("mlperf-checker-run-*"))) == 3


@pytest.mark.parametrize("same_run", [True, False])
def test_after_one_change_the_records_look_again_only_at_the_changed_blocks(tree, tmp_path, calls, trust_now,
                                                                            monkeypatch, same_run) -> None:
    from checker import replay as replay_module

    monkeypatch.setattr(replay_module, "BLOCK", 4)
    cold = _run(tree, tmp_path / "cache")
    kept = next((tmp_path / "cache").glob("mlperf-checker-run-*"))
    paths = sum(len(names) for _, names in json.loads(kept.read_text())["folders"])
    if not same_run:  # the kept report names other records: what it found unchanged is not taken on trust
        kept.write_text(json.dumps({**json.loads(kept.read_text()), "run": "another"}))
    set_log_value(tree / RESULT / "performance/run_1/mlperf_log_detail.txt", "effective_min_duration_ms", 1000)
    seen: list[str] = []
    real = cache_module.path_state
    monkeypatch.setattr(cache_module, "path_state", lambda path: seen.append(path) or real(path))
    warm = _rerun(tree, tmp_path / "cache", calls)
    assert calls["results"] == [RESULT] and warm != cold
    assert warm == _run(tree, None)
    looked_again = len(seen) - paths  # the replay looked at every path once
    assert looked_again < paths / 4 if same_run else looked_again > paths / 2


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**70, 1.5])
def test_cache_files_keep_every_number(tmp_path, value) -> None:
    import math

    data = {"outcome": {"system": {"x": value}}, "stamps": [["a", "f", 1, 2]]}
    cache_module.write_json(tmp_path / "c.json", data, data["outcome"])
    back = cache_module.read_json(tmp_path / "c.json")["outcome"]["system"]["x"]
    assert (math.isnan(back) and math.isnan(value)) or back == value


def test_rulebook_files_and_schema_answers_are_worked_out_once_across_runs(tree, tmp_path, monkeypatch,
                                                                          trust_now) -> None:
    from checker import jsonschemas, rulebook

    cold = _run(tree, tmp_path / "cache")
    assert (tmp_path / "cache" / cache_module.MEMORY_FILE).is_file()
    _units_only(tmp_path / "cache")
    set_log_value(tree / RESULT / "performance/run_1/mlperf_log_detail.txt", "effective_min_duration_ms", 1000)
    monkeypatch.setattr(rulebook, "PARSED", {})  # as in a new process
    monkeypatch.setattr(jsonschemas, "ANSWERS", {})
    monkeypatch.setattr(rulebook, "pyyaml", lambda: pytest.fail("a rulebook file parsed again"))
    monkeypatch.setattr(jsonschemas, "_validator", lambda *a: pytest.fail("a schema answer asked again"))
    rulebook.load_rulebook.cache_clear()
    rulebook._resolved.cache_clear()
    try:
        warm = _run(tree, tmp_path / "cache")  # (its submitter's system rules run again, on the same values)
    finally:
        rulebook.load_rulebook.cache_clear()
        rulebook._resolved.cache_clear()
    assert warm["report"]["round"] == cold["report"]["round"] and warm != cold


def test_schema_answers_of_other_code_are_not_recalled(tree, tmp_path, monkeypatch, trust_now) -> None:
    from checker import jsonschemas

    _run(tree, tmp_path / "cache")
    monkeypatch.setattr(jsonschemas, "ANSWERS", {})
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "another build")
    assert cache_module.recall(tmp_path / "cache") == frozenset() and jsonschemas.ANSWERS == {}


def test_a_damaged_rulebook_file_memory_is_ignored(tree, tmp_path, monkeypatch, trust_now) -> None:
    from checker import rulebook

    cold = _run(tree, tmp_path / "cache")
    (tmp_path / "cache" / cache_module.MEMORY_FILE).write_bytes(b"\x00garbage")
    _units_only(tmp_path / "cache")
    monkeypatch.setattr(rulebook, "PARSED", {})
    assert _run(tree, tmp_path / "cache") == cold
    assert cache_module.read_json(tmp_path / "cache" / cache_module.MEMORY_FILE)  # written again


def test_memory_entries_of_the_wrong_kind_are_not_recalled(tree, tmp_path, monkeypatch, trust_now) -> None:
    from checker import jsonschemas, rulebook

    (tmp_path / "cache").mkdir()
    cache_module.write_json(tmp_path / "cache" / cache_module.MEMORY_FILE, {
        "code": cache_module.code_fingerprint(), "rulebooks": {"x:1:2": ["not", "a", "mapping"]},
        "answers": {"v6.0|filled|str|\"x\"": "yes"}})
    monkeypatch.setattr(rulebook, "PARSED", {})
    monkeypatch.setattr(jsonschemas, "ANSWERS", {})
    cache_module.recall(tmp_path / "cache")
    assert rulebook.PARSED == {} and jsonschemas.ANSWERS == {}


def test_the_full_check_is_prepared_while_the_paths_are_looked_at_once_a_change_is_seen(tree, tmp_path, monkeypatch,
                                                                                        trust_now) -> None:
    from checker import replay as replay_module

    monkeypatch.setattr(replay_module, "BLOCK", 4)
    monkeypatch.setattr(cache_module, "PARALLEL_STAMPS", 0)
    _run(tree, tmp_path / "cache")
    kept = engine._replay(tree, RunConfig(cache=tmp_path / "cache"))
    prepared: list[bool] = []
    assert kept.load(2, lambda: prepared.append(True)) is not None and prepared == []  # nothing changed
    data = json.loads(next((tmp_path / "cache").glob("mlperf-checker-run-*")).read_text())
    first = next(p for p in replay_module._expand(kept.root, data["folders"]) if os.path.isfile(p))
    with open(first, "a", encoding="utf-8") as fh:  # a file of this process's own blocks
        fh.write("\n")
    assert kept.load(2, lambda: prepared.append(True)) is None and prepared == [True]
    assert first in kept.verified.suspects
