"""Parsers return data or problems and never raise."""

from __future__ import annotations

import hashlib
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.parsers import loadgen
from checker.parsers.accuracy_log import iter_entries, scan_accuracy_log
from checker.parsers.accuracy_txt import parse_accuracy_text
from checker.parsers.common import EMPTY, MALFORMED, UNREADABLE
from checker.parsers.conf import parse_conf
from checker.parsers.jsonfile import parse_json
from checker.parsers.loadgen import parse_detail_log, parse_detail_text
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


# ----------------------------------------------------------------------------- detail log: two decoders

def _outcome(parsed) -> tuple:
    """Everything a parse of a detail log tells (values compared by repr: NaN, -0.0 and int/float differ)."""
    problems = [(q.code, q.line, q.message, q.hint) for q in parsed.problems]
    log = parsed.value
    if log is None:
        return None, problems
    records = [[(r.key, repr(r.value), r.line) for r in rs] for rs in (log.errors, log.warnings)]
    return repr(log.values), list(log.lines.items()), records, log.duplicates, problems


def _general_only(text: str) -> tuple:
    """The outcome with every line read by the general parser (orjson), the fast decoder switched off."""
    def refuse(payload: str) -> None:
        raise ValueError("fast decoder off")
    with mock.patch.object(loadgen, "_decode_line", refuse):
        return _outcome(parse_detail_text(text, Path("d.txt")))


def test_detail_log_usual_and_unusual_records(tmp_path: Path) -> None:
    """Records of the usual shape (fast decoder) and all others (general parser) as the general parser reads them."""
    lines = [
        rec("effective_scenario", '"Offline"'),                                    # 1 usual: fast decoder
        rec("loaded_qsl_set", "[1, 2, 3]"),                                         # 2 list value: general parser
        rec("qsl_rng_seed", "18446744073709551615"),                                # 3 largest exact integer
        rec("huge", "18446744073709551616"),                                        # 4 orjson reads it as a float
        ':::MLLOG {"key": "extra", "value": 1, "foreign": true, "metadata": {"is_warning": true}}',  # 5 extra field
        rec("error_runtime", '"boom"', error=True),                                 # 6 flags on the fast path
        ':::MLLOG {"key": "inf", "value": 1, "time_ms": 1e999}',                   # 7 overflow: malformed
        ':::MLLOG {"key": "nan", "value": NaN}',                                    # 8 NaN: malformed
        ':::MLLOG ["key", 1]',                                                      # 9 not an object: malformed
        ':::MLLOG {"value": 1}',                                                    # 10 no key: malformed
        ':::MLLOG {"key": 7, "value": 1}',                                          # 11 key not a string: ignored
        ':::ENDPTS {"key": "endpoint", "value": "x"}',                              # 12 the other marker
        rec("effective_scenario", '"Server"') + "\r",                              # 13 duplicate, CR line end
        rec("truncated", '"cut'),                                                   # 14 truncated last line
    ]
    text = "\n".join(lines)[:-20]
    (tmp_path / "d.txt").write_bytes(b"\xef\xbb\xbf" + text.encode())  # a byte-order mark
    parsed = parse_detail_log(tmp_path / "d.txt")
    log = parsed.value
    assert log.values == {"effective_scenario": "Offline", "loaded_qsl_set": [1, 2, 3],
                          "qsl_rng_seed": 18446744073709551615, "huge": 1.8446744073709552e19, "extra": 1,
                          "error_runtime": "boom", "endpoint": "x"}
    assert type(log.values["huge"]) is float and type(log.values["qsl_rng_seed"]) is int
    assert [log.line(k) for k in log.values] == [1, 2, 3, 4, 5, 6, 12]
    assert [(r.key, r.line) for r in log.errors] == [("error_runtime", 6)]
    assert [(r.key, r.line) for r in log.warnings] == [("extra", 5)]
    assert log.duplicates == {"effective_scenario": 2}
    assert [(q.code, q.line) for q in parsed.problems] == [(MALFORMED, n) for n in (7, 8, 9, 10, 14)]
    assert [q.message.rsplit("(", 1)[1] for q in parsed.problems] == [
        "JSONDecodeError)", "JSONDecodeError)", "TypeError)", "KeyError)", "JSONDecodeError)"]
    assert _outcome(parsed) == _general_only(text)


_NUMBERS = st.from_regex(r"-?(0|[1-9][0-9]{0,24})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,3})?", fullmatch=True)
_STRINGS = st.text(max_size=12).map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"') | st.sampled_from(
    ['"\\u00e9\\n"', '"\\ud834\\udd1e"', '"\\ud800"', '"\\x"', '"\t"', '"a'])
#: Values the two decoders could read differently: integers past 64 bits, numbers past a double, non-JSON.
_HAZARD_TEXTS = ["18446744073709551616", "18446744073709551615", "-9223372036854775809", "-9223372036854775808",
                 "123456789012345678901234567890", "1e999", "-1E400", "1e308", "1e-400", "0.1e310", "NaN", "Infinity",
                 "-0", "1.0", '"\\ud800"', '"\\x"', '"a\tb"', "[1e999]", "[18446744073709551616]", '{"a": 1e999}', "0", "true"]
_SLOTS = ['{"key": "k", "value": %s, "time_ms": 1.5, "namespace": "n", "event_type": "e", "metadata": {"is_error": false}}',
          '{"key": "k", "value": 1, "time_ms": %s, "namespace": "n", "event_type": "e"}',
          '{"key": "k", "value": 1, "namespace": %s}',
          '{"key": "k", "value": 1, "foreign": %s}',
          '{"key": "k", "value": 1, "key": %s}',
          '{"key": "k", "value": 1, "metadata": %s}',
          '{"key": "k", "value": 1, "metadata": {"is_error": %s, "is_warning": true}}',
          '{"key": "k", "value": 1, "metadata": {"file": %s, "line_no": 1, "pid": 1, "tid": 1}}',
          '{"key": "k", "value": 1, "metadata": {"line_no": %s}}',
          '{"key": "k", "value": 1, "metadata": {"foreign": %s}}']
_SCALARS = (st.sampled_from(_HAZARD_TEXTS) | _NUMBERS | _STRINGS
            | st.sampled_from(["null", "false", "[1, 2]", '{"a": 1}', "[", "{}", "tru"]))


def test_detail_log_hazards_read_alike() -> None:
    """Every value the two decoders might read differently, in every field, gives the general parser's outcome."""
    for slot in _SLOTS:
        text = "\n".join(":::MLLOG " + slot % hazard for hazard in _HAZARD_TEXTS)
        assert _outcome(parse_detail_text(text, Path("d.txt"))) == _general_only(text), slot


@st.composite
def _record_texts(draw) -> str:
    """A record as LoadGen writes it, then up to three changes: a field of the record or of its metadata
    set to an odd value, dropped, repeated, or a foreign field added."""
    fields = {"key": draw(st.sampled_from(['"a"', '"b"', '"error_x"'])), "value": draw(_NUMBERS | _STRINGS),
              "time_ms": draw(_NUMBERS), "namespace": '"mlperf::logging"', "event_type": '"POINT_IN_TIME"'}
    meta = {"is_error": draw(st.sampled_from(["true", "false"])), "is_warning": draw(st.sampled_from(["true", "false"])),
            "file": draw(_STRINGS), "line_no": draw(_NUMBERS), "pid": "1", "tid": "1"}
    items = {"top": list(fields.items()), "meta": list(meta.items())}
    for _ in range(draw(st.integers(0, 3))):
        where = items[draw(st.sampled_from(["top", "meta"]))]
        change = draw(st.sampled_from(["odd", "drop", "repeat", "foreign"]))
        at = draw(st.integers(0, len(where))) if where else 0
        if change == "odd" and where:
            where[at % len(where)] = (where[at % len(where)][0], draw(_SCALARS))
        elif change == "drop" and where:
            del where[at % len(where)]
        elif change == "repeat" and where:
            where.append((where[at % len(where)][0], draw(_SCALARS)))
        else:
            where.insert(at, (draw(st.sampled_from(["foreign", "key", "metadata"])), draw(_SCALARS)))
    body = items["top"] + [("metadata", "{" + ", ".join(f'"{k}": {v}' for k, v in items["meta"]) + "}")]
    return ":::MLLOG {" + ", ".join(f'"{k}": {v}' for k, v in body) + "}"


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_record_texts() | st.sampled_from(["", "noise", ":::ENDPTS {\"key\": \"e\"}", ":::MLLOG"]), max_size=8),
       crlf=st.booleans(), cut=st.integers(0, 40))
def test_detail_log_fast_decoder_changes_nothing(lines: list[str], crlf: bool, cut: int) -> None:
    """Whatever the lines, the parse equals the parse by the general parser alone."""
    text = ("\r\n" if crlf else "\n").join(lines)
    text = text[:len(text) - cut]
    assert _outcome(parse_detail_text(text, Path("d.txt"))) == _general_only(text)


def test_detail_log_real_logs_read_alike(real: Path) -> None:
    """Published detail logs (one in ten) parse to the general parser's outcome."""
    paths = sorted(real.rglob("mlperf_log_detail.txt"))[::10]
    assert paths
    for path in paths:
        text = path.read_bytes().decode("utf-8-sig")
        assert _outcome(parse_detail_text(text, path)) == _general_only(text), path
