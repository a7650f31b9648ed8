"""Property-based tests: every parser returns data or a finding for any input, and never raises.

Inputs: arbitrary bytes, LoadGen-like records with wrong JSON types, huge numbers and NaN, truncated
lines, non-UTF-8 text, byte-order marks and CRLF line ends. A parser's contract (`Parsed`): a value,
or at least one LOG problem with a message and a hint. Payload decoders (accuracy-log entries, TEST06,
TEST08, TEST09, dtype inference) and free-text classifiers get arbitrary payloads and JSON values.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.compliance.test06 import check_test06, infer_width
from checker.compliance.test08 import compare_test08, parse_sample
from checker.compliance.test09 import output_lengths
from checker.compliance.verify import parse_verify
from checker.config import ConfigError, load_config
from checker.accuracy.decode import class_id_dtype, integer_dtype
from checker.parsers.accuracy_log import entries_in, iter_entries, scan_accuracy_log
from checker.parsers.accuracy_txt import parse_accuracy_text
from checker.parsers.common import UNREADABLE, Parsed, decode_text, read_bytes
from checker.parsers.conf import parse_conf
from checker.parsers.jsonfile import parse_json, parse_model_mapping
from checker.parsers.loadgen import parse_detail_log, parse_detail_text
from checker.parsers.summary import parse_summary_log, parse_summary_text
from checker.power.logs import parse_ptd_log, parse_ptd_text, parse_spl, parse_spl_text
from checker.power.session import SHAPES, analysers, phase_times, shape_problems, usable
from checker.power.stamps import parse_stamp
from checker.textclass import classify_retraining, classify_transformations, names_reference_weights, parse_data_types
from checker.waivers import load_waivers

#: Examples per property; the soak (benchmarks/soak.py) raises it through FUZZ_EXAMPLES.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ----------------------------------------------------------------------------- strategies

huge_ints = st.integers(min_value=-(10 ** 40), max_value=10 ** 40)
scalars = (st.none() | st.booleans() | huge_ints | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
KEYS = ("effective_scenario", "effective_test_mode", "result_validity", "result_samples_per_second",
        "effective_min_duration_ms", "loadgen_version", "error_invalid_config", "early_stopping_met", "key")


@st.composite
def mllog_lines(draw) -> str:
    """One `:::MLLOG` record whose fields may have any JSON type (or be missing), or a stray line."""
    kind = draw(st.sampled_from(["record", "record", "odd", "text"]))
    if kind == "text":
        return draw(st.text(max_size=60))
    rec = {"key": draw(st.sampled_from(KEYS) | json_values), "value": draw(json_values),
           "metadata": draw(json_values | st.fixed_dictionaries({"is_error": st.booleans(), "is_warning": json_values}))}
    if kind == "odd":
        rec = draw(json_values)
    return ":::MLLOG " + json.dumps(rec)  # json.dumps writes NaN/Infinity as LoadGen-foreign tokens


LINES = st.text(max_size=80)


@st.composite
def text_files(draw, lines=LINES) -> bytes:
    """Lines joined with LF or CRLF, maybe with a BOM, maybe cut short, maybe in a foreign encoding."""
    body = draw(st.sampled_from(["\n", "\r\n"])).join(draw(st.lists(lines, max_size=12)))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16"]))
    data = body.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if data and draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


any_file = st.binary(max_size=1024) | text_files() | text_files(mllog_lines())
detail_files = text_files(mllog_lines()) | st.binary(max_size=512)
summary_lines = st.tuples(st.sampled_from(["Scenario", "Result is", "Samples per second", "qsl_rng_seed", "x"]),
                          st.sampled_from([":", " : ", "="]), st.text(max_size=20)).map("".join)
conf_lines = st.tuples(st.sampled_from(["*", "resnet50", ""]), st.sampled_from([".", ""]),
                       st.sampled_from(["Offline", "*", "."]), st.sampled_from([".target_qps", "", ".a.b"]),
                       st.sampled_from([" = ", "=", " "]), st.text(max_size=12)).map("".join)
json_files = json_values.map(lambda v: json.dumps(v).encode()) | text_files(st.sampled_from(['{"a": 1', "[", "}", '"x"']))
stamp_text = st.tuples(st.integers(0, 13), st.integers(0, 32), st.integers(0, 9999), st.integers(0, 25),
                       st.integers(0, 61), st.integers(0, 61), st.text("0123456789", max_size=8)).map(
    lambda t: f"{t[0]:02d}-{t[1]:02d}-{t[2]:04d} {t[3]:02d}:{t[4]:02d}:{t[5]:02d}.{t[6]}")
spl_lines = st.tuples(stamp_text | st.text(max_size=25), st.text("0123456789.-eEnaNinf", max_size=8)).map(
    lambda t: f"Time,{t[0]},Watts,{t[1]},Volts,230.0,Amps,0.5,PF,{t[1]},Mark,x")
ptd_lines = st.tuples(stamp_text, st.text(max_size=40)).map(": ".join) | st.text(max_size=40)
hexes = st.binary(max_size=16).map(lambda b: b.hex().upper())
acc_entries = st.tuples(huge_ints.map(abs), huge_ints.map(abs), hexes | st.text("0123456789ABCDEFG", max_size=9),
                        st.none() | hexes, st.none() | huge_ints.map(abs)).map(
    lambda t: '{ "seq_id" : %d, "qsl_idx" : %d, "data" : "%s"%s%s }' % (
        t[0], t[1], t[2], "" if t[3] is None else ', "token_data" : "%s"' % t[3],
        "" if t[4] is None else ', "token_count" : %d' % t[4]))
acc_logs = st.lists(acc_entries | st.text(max_size=30), max_size=8).map(
    lambda xs: ("[\n" + ",\n".join(xs) + "\n]\n").encode())


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files the file-level parsers read (reused by every example)."""
    return tmp_path_factory.mktemp("fuzz")


def _write(scratch: Path, data: bytes, name: str = "f.txt") -> Path:
    path = scratch / name
    path.write_bytes(data)
    return path


def _contract(parsed: Parsed) -> None:
    """Data, or at least one LOG problem that says what is wrong and how to fix it."""
    assert isinstance(parsed, Parsed)
    assert parsed.value is not None or parsed.problems, "no value and no problem"
    for p in parsed.problems:
        assert p.code in ("LOG001", "LOG002", "LOG003") and p.message and p.hint
        assert p.line is None or p.line >= 1


# ----------------------------------------------------------------------------- file readers


@FUZZ
@given(data=any_file)
def test_read_and_decode_never_raise(scratch: Path, data: bytes) -> None:
    path = _write(scratch, data)
    raw = read_bytes(path)
    _contract(raw)
    assert raw.value == data
    _contract(decode_text(data, path))


@FUZZ
@given(data=any_file | detail_files)
def test_detail_log(scratch: Path, data: bytes) -> None:
    parsed = parse_detail_log(_write(scratch, data))
    _contract(parsed)
    log = parsed.value
    if log is not None:
        _ = log.scenario, log.mode, log.has_warning("x"), [log.line(k) for k in log.values], "key" in log
        assert all(r.line >= 1 for r in log.errors + log.warnings)


@FUZZ
@given(lines=st.lists(mllog_lines(), max_size=10), cut=st.integers(0, 4000), crlf=st.booleans())
def test_detail_text_truncated_anywhere(lines: list[str], cut: int, crlf: bool) -> None:
    text = ("\r\n" if crlf else "\n").join(lines)[:cut]
    _contract(parse_detail_text(text, Path("mlperf_log_detail.txt")))


@FUZZ
@given(data=any_file | text_files(summary_lines))
def test_summary_log(scratch: Path, data: bytes) -> None:
    parsed = parse_summary_log(_write(scratch, data))
    _contract(parsed)
    if parsed.value is not None:
        for name in parsed.value.values:
            number = parsed.value.number(name)
            assert number is None or isinstance(number, float)


@FUZZ
@given(text=st.text(max_size=300))
def test_summary_text(text: str) -> None:
    _contract(parse_summary_text(text, Path("mlperf_log_summary.txt")))


@FUZZ
@given(data=any_file | text_files(st.text(max_size=20).map(lambda s: "hash=" + s)))
def test_accuracy_txt(scratch: Path, data: bytes) -> None:
    import re

    parsed = parse_accuracy_text(_write(scratch, data))
    _contract(parsed)
    if parsed.value is not None:
        _ = parsed.value.hash, parsed.value.find(re.compile(r"^.*?(\d+)"))


@FUZZ
@given(data=any_file | json_files)
def test_json_documents(scratch: Path, data: bytes) -> None:
    path = _write(scratch, data, "f.json")
    for expect in (dict, list):
        parsed = parse_json(path, expect)
        _contract(parsed)
        assert parsed.value is None or isinstance(parsed.value, expect)
    mapping = parse_model_mapping(path)
    _contract(mapping)
    assert mapping.value is None or all(isinstance(v, str) for v in mapping.value.values())


@FUZZ
@given(value=json_values)
def test_json_nan_and_huge_numbers_are_data(scratch: Path, value) -> None:
    parsed = parse_json(_write(scratch, json.dumps({"v": value}).encode(), "f.json"))
    assert parsed.value is not None and set(parsed.value) == {"v"}


@FUZZ
@given(data=any_file | text_files(conf_lines))
def test_conf(scratch: Path, data: bytes) -> None:
    parsed = parse_conf(_write(scratch, data, "user.conf"))
    _contract(parsed)
    if parsed.value is not None:
        for model, scenario, key in list(parsed.value.settings)[:5]:
            assert parsed.value.lookup(model, scenario, key) is not None


@FUZZ
@given(data=any_file)
def test_verify_outputs(scratch: Path, data: bytes) -> None:
    parsed = parse_verify(_write(scratch, data, "verify_accuracy.txt"))
    _contract(parsed)
    v = parsed.value
    if v is not None:
        _ = v.text("x"), v.number("accuracy"), v.flag("performance_issue_same"), v.pass_line, v.fail_line, v.line_with("a")


@FUZZ
@given(data=any_file | text_files(spl_lines))
def test_spl(scratch: Path, data: bytes) -> None:
    parsed = parse_spl(_write(scratch, data, "spl.txt"))
    _contract(parsed)
    if parsed.value is not None:
        log = parsed.value
        assert len(log.times) == len(log.watts) == len(log.power_factors) == len(log.lines)


@FUZZ
@given(data=any_file | text_files(ptd_lines))
def test_ptd_log(scratch: Path, data: bytes) -> None:
    parsed = parse_ptd_log(_write(scratch, data, "ptd_logs.txt"))
    _contract(parsed)
    if parsed.value is not None:
        parsed.value.first("Measurement started")


@FUZZ
@given(text=st.text(max_size=200))
def test_power_texts(text: str) -> None:
    _contract(parse_spl_text(text, Path("spl.txt")))
    _contract(parse_ptd_text(text, Path("ptd_logs.txt")))


@FUZZ
@given(text=stamp_text | st.text(max_size=30))
def test_stamps(text: str) -> None:
    value = parse_stamp(text)
    assert value is None or isinstance(value, int)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(sorted(SHAPES)) | st.text(max_size=6), json_values, max_size=8))
def test_power_session_descriptors_of_any_shape(data: dict) -> None:
    problems = shape_problems(data, sorted(SHAPES))
    broken = {name for name, _ in problems}
    for name in SHAPES:
        assert (usable(data, name) is None) == (name in broken or data.get(name) is None)
    for mode in ("ranging", "testing"):
        times = phase_times(data, mode)
        assert times is None or all(isinstance(t, float) for t in times)
    found = analysers(data)
    assert found is None or all(isinstance(a, dict) for a in found)


# ----------------------------------------------------------------------------- accuracy logs and payloads


@FUZZ
@given(data=acc_logs | st.binary(max_size=2048), cut=st.integers(0, 3000))
def test_accuracy_log_scan_and_stream(scratch: Path, data: bytes, cut: int) -> None:
    path = _write(scratch, data[:cut] if cut < len(data) else data, "mlperf_log_accuracy.json")
    parsed = scan_accuracy_log(path, head_chars=64, tail_chars=64)
    _contract(parsed)
    assert parsed.value.size == path.stat().st_size
    streamed = [e.qsl_idx for e in iter_entries(path)]
    assert streamed == [e.qsl_idx for e in entries_in(path.read_bytes())]


@FUZZ
@given(payloads=st.lists(st.binary(max_size=64), max_size=8), counts=st.lists(st.none() | st.integers(0, 40), max_size=8))
def test_payload_decoders(payloads: list[bytes], counts: list) -> None:
    from checker.parsers.accuracy_log import Entry

    entries = [Entry(i, i, p, c, p[:4] or None, i + 1) for i, (p, c) in enumerate(zip(payloads, counts + [None] * 8, strict=False))]
    for width in (2, 4, 8):
        result = check_test06(entries, eos_ids=[0, 2], first_token=True, default_width=width)
        assert result.entries == len(entries)
    assert infer_width(entries, 4)[0] in (2, 4, 8)
    assert output_lengths(entries).count == len(entries)
    for p in payloads:
        sample = parse_sample(p)
        assert sample is None or len(sample.preds) == len(sample.labels) == len(sample.weights)
    outcome = compare_test08(entries, entries, tolerance=0.001)
    assert outcome is not None
    class_id_dtype(payloads, 1000)
    integer_dtype(payloads, 32000, [c for c in counts])


floats32 = st.floats(allow_nan=True, allow_infinity=True, width=32)


@FUZZ
@given(n=st.integers(0, 3), values=st.lists(floats32, min_size=11, max_size=11), count=floats32)
def test_dlrm_v3_payloads_with_nan_and_infinity(n: int, values: list[float], count: float) -> None:
    import struct

    from checker.parsers.accuracy_log import Entry

    body = values[: 2 + 3 * n]
    for trailer in (float(n), count):
        data = struct.pack(f"<{len(body) + 1}f", *body, trailer)
        sample = parse_sample(data)
        assert sample is None or len(sample.preds) == len(sample.labels) == len(sample.weights) == n
        entry = Entry(0, 0, data, None, None, 1)
        assert compare_test08([entry], [entry], tolerance=0.001) is not None


# ----------------------------------------------------------------------------- free text of JSON fields


@FUZZ
@given(value=json_values)
def test_declaration_classifiers_take_any_json_value(value) -> None:
    assert isinstance(parse_data_types(value).formats, tuple)
    classify_retraining(value)
    classify_transformations(value)
    names_reference_weights(value, ["resnet50_v1.onnx"])


# ----------------------------------------------------------------------------- configuration and waivers


@FUZZ
@given(data=any_file | json_values.map(lambda v: json.dumps(v).encode()))
def test_config_and_waiver_files_raise_only_config_errors(scratch: Path, data: bytes) -> None:
    for name, loader in (("c.yaml", load_config), ("w.yaml", load_waivers), ("pyproject.toml", load_config)):
        try:
            loader(_write(scratch, data, name))
        except ConfigError as exc:
            assert str(exc) and "\n" not in str(exc).strip()


def test_directory_fifo_and_missing_paths_are_problems(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path in (tmp_path, fifo, tmp_path / "missing"):
        for parse in (read_bytes, parse_detail_log, parse_summary_log, parse_conf, parse_json, parse_spl):
            parsed = parse(path)
            assert parsed.value is None and parsed.problems[0].code == UNREADABLE
        scanned = scan_accuracy_log(path)
        assert scanned.value is None and scanned.problems[0].code == UNREADABLE
        assert list(iter_entries(path)) == []


# ----------------------------------------------------------------------------- bounded resources


def test_oversized_files_are_refused_without_reading(tmp_path: Path) -> None:
    """Sparse files over each reading limit cost no disk and no time: the size alone is the finding."""
    from checker.parsers.accuracy_log import MAX_LOG_BYTES
    from checker.parsers.loadgen import MAX_DETAIL_BYTES

    for name, size, parse in (("mlperf_log_accuracy.json", MAX_LOG_BYTES + 1, scan_accuracy_log),
                              ("mlperf_log_detail.txt", MAX_DETAIL_BYTES + 1, parse_detail_log),
                              ("measurements.json", 2 ** 40, parse_json), ("spl.txt", 2 ** 40, parse_spl)):
        path = tmp_path / name
        with open(path, "wb") as fh:
            fh.truncate(size)
        parsed = parse(path)
        assert parsed.value is None and parsed.problems[0].code == UNREADABLE
        assert "limit" in parsed.problems[0].message


def test_a_line_longer_than_the_streaming_limit_is_read_in_pieces(tmp_path: Path, monkeypatch) -> None:
    """A line over MAX_LINE never sits in memory whole; entries after it keep their true line number."""
    import checker.parsers.accuracy_log as acclog

    monkeypatch.setattr(acclog, "MAX_LINE", 1024)
    entry = b'{ "seq_id" : 1, "qsl_idx" : 7, "data" : "00FF" }'
    path = tmp_path / "mlperf_log_accuracy.json"
    path.write_bytes(b"[\n" + b"9" * 10_000 + b"\n" + entry + b"\n]\n")
    assert [(e.qsl_idx, e.line, e.data) for e in iter_entries(path)] == [(7, 3, b"\x00\xff")]


# ----------------------------------------------------------------------------- endpoints harness files (v6.1)

yaml_texts = st.lists(st.tuples(st.text("abcdefghij_", min_size=1, max_size=8), st.sampled_from([": ", ":", " - ", ": &a ", ": *a "]),
                                st.text(max_size=12)).map("".join), max_size=10).map("\n".join)
BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))


@FUZZ
@given(data=any_file | json_files | yaml_texts.map(str.encode), name=st.sampled_from(["config.yaml", "result_summary.json"]),
       kind=st.sampled_from(["performance", "accuracy"]))
def test_endpoints_documents_and_views(scratch: Path, data: bytes, name: str, kind: str) -> None:
    from checker.parsers.endpoints import build_view, parse_document
    from checker.rulebook import load_rulebook

    spec = load_rulebook("v6.1").endpoints
    parsed = parse_document(_write(scratch, data, name))
    _contract(parsed)
    if parsed.value is not None:
        parsed.value.line_of(("a",))
        view = build_view(parsed.value, parsed.value, spec, kind, "Offline")
        assert view is None or isinstance(view.values, dict)


@FUZZ
@given(value=st.dictionaries(st.text(max_size=10), json_values, max_size=6), kind=st.sampled_from(["performance", "accuracy"]))
def test_endpoints_views_of_any_json_shape(scratch: Path, value: dict, kind: str) -> None:
    from checker.parsers.endpoints import Document, build_view
    from checker.rulebook import load_rulebook

    spec = load_rulebook("v6.1").endpoints
    document = Document(scratch / "result_summary.json", value, json.dumps(value))
    view = build_view(document, document, spec, kind, "Server")
    assert view is not None and isinstance(view.values, dict)


def test_endpoints_yaml_alias_bomb_stays_small(scratch: Path) -> None:
    """9^9 leaves by aliases: shared, never expanded, so parsing and mapping take no time."""
    import time

    from checker.parsers.endpoints import build_view, parse_document
    from checker.rulebook import load_rulebook

    started = time.perf_counter()
    parsed = parse_document(_write(scratch, BILLION_LAUGHS.encode(), "config.yaml"))
    assert parsed.value is not None and parsed.value.line_of(("i",)) == 9
    build_view(parsed.value, parsed.value, load_rulebook("v6.1").endpoints, "performance", "Offline")
    assert time.perf_counter() - started < 5
