"""Parsers return data or problems and never raise."""

from __future__ import annotations

import hashlib
from pathlib import Path

from checker.parsers.accuracy_log import iter_entries, scan_accuracy_log
from checker.parsers.accuracy_txt import parse_accuracy_text
from checker.parsers.common import EMPTY, MALFORMED, UNREADABLE
from checker.parsers.conf import parse_conf
from checker.parsers.jsonfile import parse_json
from checker.parsers.loadgen import parse_detail_log
from checker.parsers.summary import parse_summary_log

REC = ':::MLLOG {{"key": "{k}", "value": {v}, "time_ms": 1.0, "namespace": "mlperf::logging", "event_type": "POINT_IN_TIME", "metadata": {{"is_error": {e}, "is_warning": {w}, "file": "x.cc", "line_no": 1, "pid": 1, "tid": 1}}}}'


def rec(key: str, value: str, error: bool = False, warning: bool = False) -> str:
    return REC.format(k=key, v=value, e=str(error).lower(), w=str(warning).lower())


def test_detail_log_first_occurrence_wins_with_lines(tmp_path: Path) -> None:
    p = tmp_path / "d.txt"
    p.write_text("\n".join([rec("effective_scenario", '"Offline"'), "noise line", rec("result_validity", '"VALID"'),
                            rec("result_validity", '"INVALID"'), rec("error_runtime", '"boom"', error=True),
                            rec("warning_generic_message", '"Found Audit Config file (audit.config)."', warning=True)]))
    parsed = parse_detail_log(p)
    log = parsed.value
    assert not parsed.problems
    assert log.get("result_validity") == "VALID" and log.line("result_validity") == 3
    assert log.duplicates == {"result_validity": 2}
    assert [(e.key, e.line) for e in log.errors] == [("error_runtime", 5)]
    assert log.has_warning("Audit Config") == 6


def test_detail_log_bad_line_is_a_problem_and_the_rest_is_kept(tmp_path: Path) -> None:
    p = tmp_path / "d.txt"
    p.write_text(rec("effective_scenario", '"Server"') + "\n:::MLLOG {\"key\": \"x\", \"val\n" + rec("a", "1"))
    parsed = parse_detail_log(p)
    assert parsed.value.get("a") == 1
    assert [(q.code, q.line) for q in parsed.problems] == [(MALFORMED, 2)]


def test_detail_log_without_marker_in_first_line(tmp_path: Path) -> None:
    p = tmp_path / "d.txt"
    p.write_text("hello\n" + rec("a", "1"))
    assert [q.line for q in parse_detail_log(p).problems] == [1]


def test_empty_binary_missing_and_directory(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9")
    (tmp_path / "dir.txt").mkdir()
    assert parse_detail_log(tmp_path / "empty.txt").problems[0].code == EMPTY
    assert parse_detail_log(tmp_path / "bin.txt").problems[0].code == UNREADABLE
    assert parse_summary_log(tmp_path / "latin.txt").problems[0].code == UNREADABLE
    assert parse_json(tmp_path / "dir.txt").problems[0].code == UNREADABLE
    assert parse_json(tmp_path / "missing.json").problems[0].code == UNREADABLE


def test_json_errors_carry_the_line(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    p.write_text('{\n  "a": 1,\n  "b": \n}')
    [problem] = parse_json(p).problems
    assert problem.code == MALFORMED and problem.line == 4
    p.write_text("[1, 2]")
    assert parse_json(p).problems[0].code == MALFORMED
    p.write_text('\ufeff{"a": 18446744073709551616000}')
    assert parse_json(p).value == {"a": 18446744073709551616000}


def test_summary_accuracy_txt_and_conf(tmp_path: Path) -> None:
    s = tmp_path / "s.txt"
    s.write_text("SUT name : x\nScenario : Offline\nSamples per second: 12.5\nResult is : VALID\n")
    log = parse_summary_log(s).value
    assert log.get("Scenario") == "Offline" and log.number("Samples per second") == 12.5
    a = tmp_path / "accuracy.txt"
    a.write_text("accuracy=76.5%, good\nhash=abc123\n")
    acc = parse_accuracy_text(a).value
    assert acc.hash == "abc123" and acc.hashes == [("abc123", 2)]
    c = tmp_path / "user.conf"
    c.write_text("# comment\n*.Offline.target_qps = 100\nresnet50.*.target_qps = 5\nbroken line\n")
    parsed = parse_conf(c)
    assert parsed.value.lookup("resnet50", "Offline", "target_qps") == "100"
    assert parsed.value.lookup("resnet50", "Server", "target_qps") == "5"
    assert parsed.problems[0].line == 4


def test_accuracy_log_scan_and_stream(tmp_path: Path) -> None:
    entries = [f'{{ "seq_id" : {i}, "qsl_idx" : {i * 7}, "data" : "{i:08X}" }}' for i in range(600)]
    full = ("[\n" + ",\n".join(entries) + "\n]\n").encode()
    p = tmp_path / "full.json"
    p.write_bytes(full)
    info = scan_accuracy_log(p).value
    assert info.sha256 == hashlib.sha256(full).hexdigest() and not info.truncated
    streamed = list(iter_entries(p))
    assert len(streamed) == 600 and streamed[5].qsl_idx == 35 and streamed[5].data == bytes.fromhex("00000005")
    t = tmp_path / "t.json"
    t.write_bytes(full[:4096] + b"\n\n...\n\n" + full[-4096:])
    tinfo = scan_accuracy_log(t).value
    assert tinfo.truncated and tinfo.shape_ok and tinfo.size == 4096 + 7 + 4096
    e = tmp_path / "e.json"
    e.write_bytes(b"[\n]\n")
    assert scan_accuracy_log(e).value.empty
