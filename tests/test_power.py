"""Power results (PWR): every Power WG check on generated power logs, the fast parsers, and the metric
and verdicts of the real UntetherAI v4.1 power results against the official summary."""

from __future__ import annotations

import csv
import json
import os
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest

from checker.context import Options
from checker.parsers.loadgen import parse_detail_log
from checker.power.logs import parse_ptd_text, parse_spl_text
from checker.power.stamps import format_stamp, parse_stamp
from checker.reporters.csv_report import rows
from checker.samplegen import ResultSpec, SubmissionSpec, SystemSpec, write_submission
from tests.rulecase import RuleCase, case_id, run_case, run_on
from tests.treeedit import append_text, delete, edit_json, replace_text, set_log_value, update_json

RESULTS = "closed/Acme/results/acme_e1/resnet50"
OFF = f"{RESULTS}/Offline/performance"
SS = f"{RESULTS}/SingleStream/performance"
V6, V41 = "power-v6.0", "power-v4.1"


def _spec(round_: str) -> SubmissionSpec:
    return SubmissionSpec(round=round_, division="closed", submitter="Acme", systems=[SystemSpec(
        name="acme_e1", system_type="edge", results=[
            ResultSpec("resnet50", "SingleStream", performance=0.312, power=True),
            ResultSpec("resnet50", "Offline", performance=9103.7, power=True)])])


@pytest.fixture(scope="session")
def power_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated trees with power results: `power-v6.0` and `power-v4.1`."""
    out = tmp_path_factory.mktemp("power")
    for name, round_ in ((V6, "v6.0"), (V41, "v4.1")):
        write_submission(out / name, _spec(round_))
    return out


# --------------------------------------------------------------------------- mutation helpers


def _server(tree: Path, change) -> None:
    update_json(tree / OFF / "power/server.json", change)


def _client(tree: Path, change) -> None:
    update_json(tree / OFF / "power/client.json", change)


def _ptd_messages(tree: Path, change) -> None:
    _server(tree, lambda d: change(d["ptd_messages"]))


def _window(tree: Path, run: str = "run_1", perf: str = OFF) -> tuple[int, int]:
    log = parse_detail_log(tree / perf / run / "mlperf_log_detail.txt").value
    return parse_stamp(log.get("power_begin")), parse_stamp(log.get("power_end"))


def _ptd_line(tree: Path, when: int, text: str) -> None:
    append_text(tree / OFF / "power/ptd_logs.txt", f"{format_stamp(when)}: {text}\n")


def _scale_spl(tree: Path, factor: float) -> None:
    path = tree / OFF / "run_1/spl.txt"
    lines = []
    for line in path.read_text().splitlines():
        parts = line.split(",")
        parts[3] = f"{float(parts[3]) * factor:.6f}"
        lines.append(",".join(parts))
    path.write_text("\n".join(lines) + "\n")


def _shift_window(tree: Path, run: str, seconds: float, which: tuple[str, ...] = ("power_begin", "power_end")) -> None:
    path = tree / OFF / run / "mlperf_log_detail.txt"
    begin, end = _window(tree, run)
    for key, value in (("power_begin", begin), ("power_end", end)):
        if key in which:
            set_log_value(path, key, format_stamp(value + int(seconds * 1e6)))


def missing_client_log(tree: Path) -> None:
    delete(tree / OFF / "power/client.log")


def extra_file_in_ranging(tree: Path) -> None:
    (tree / OFF / "ranging/notes.txt").write_text("re-run after a crash\n")


def no_ranging_dir(tree: Path) -> None:
    delete(tree / OFF / "ranging")


def trace_file_in_ranging(tree: Path) -> None:
    (tree / OFF / "ranging/mlperf_log_trace.json").write_text("[]\n")


def client_without_phases(tree: Path) -> None:
    edit_json(tree / OFF / "power/client.json", phases=None)


def server_messages_not_a_list(tree: Path) -> None:
    edit_json(tree / OFF / "power/server.json", ptd_messages="Hello")


def modified_server_code(tree: Path) -> None:
    _server(tree, lambda d: d["sources"].update({"lib/server.py": "0" * 40}))


def old_ptd_version(tree: Path) -> None:
    _ptd_messages(tree, lambda m: m[1].update(reply=m[1]["reply"].replace("version=1.11.1-", "version=1.9.2-")))


def unsupported_analyser(tree: Path) -> None:
    _ptd_messages(tree, lambda m: m[1].update(reply=m[1]["reply"].replace("YokogawaWT310,", "FlukeN4K,")))


def no_identify(tree: Path) -> None:
    _ptd_messages(tree, lambda m: m.pop(1))


def failed_range_change(tree: Path) -> None:
    _ptd_messages(tree, lambda m: next(x for x in m if x["cmd"].startswith("SR,A,")).update(
        reply="Error: invalid range"))


def third_stop_answered_normally(tree: Path) -> None:
    _ptd_messages(tree, lambda m: m.append({"cmd": "Stop", "reply": "Stopping untimed measurement"}))


def third_stop_has_nothing_to_stop(tree: Path) -> None:
    _ptd_messages(tree, lambda m: m.append({"cmd": "Stop", "reply": "Error: no measurement to stop"}))


def amps_range_not_restored(tree: Path) -> None:
    def change(messages: list[dict]) -> None:
        amps = [m for m in messages if m["cmd"].startswith("SR,A")]
        for m in amps[2:]:
            m["cmd"] = "SR,A,5"
    _ptd_messages(tree, change)


def fixed_initial_range(tree: Path) -> None:
    _ptd_messages(tree, lambda m: next(x for x in m if x["cmd"] == "RR").update(reply="Ranges,0,5.000000,1,300.000000"))


def other_server_uuid(tree: Path) -> None:
    _client(tree, lambda d: d["uuid"].update(server="0e1d3b9c-4a40-4d8e-9f0a-6a2b7d1f4c11"))


def garbled_uuid(tree: Path) -> None:
    _client(tree, lambda d: d["uuid"].update(client="not-a-uuid"))


def other_session_name(tree: Path) -> None:
    _client(tree, lambda d: d.update(session_name="2020-01-01_00-00-00"))


def clocks_one_second_apart(tree: Path) -> None:
    _server(tree, lambda d: d["phases"]["testing"][2].__setitem__(0, d["phases"]["testing"][2][0] + 1.0))


def clocks_half_a_second_apart(tree: Path) -> None:
    _server(tree, lambda d: d["phases"]["testing"][2].__setitem__(0, d["phases"]["testing"][2][0] + 0.5))


def power_end_after_measurement(tree: Path) -> None:
    _shift_window(tree, "run_1", 30, ("power_end",))


def window_shifted_one_hour(tree: Path) -> None:
    _shift_window(tree, "run_1", 3600)


def no_power_begin_in_ranging(tree: Path) -> None:
    replace_text(tree / OFF / "ranging/mlperf_log_detail.txt", '"key": "power_begin"', '"key": "power_start"')


def ten_percent_less_power_in_testing(tree: Path) -> None:
    _scale_spl(tree, 0.90)


def three_percent_less_power_in_testing(tree: Path) -> None:
    _scale_spl(tree, 0.97)


def ranging_run_much_longer(tree: Path) -> None:
    begin, end = _window(tree, "ranging")
    set_log_value(tree / OFF / "ranging/mlperf_log_detail.txt", "power_begin", format_stamp(begin - 2 * (end - begin)))


def client_command_edited(tree: Path) -> None:
    _client(tree, lambda d: d["messages"][4].update(cmd=d["messages"][4]["cmd"] + "x"))


def client_protocol_v4(tree: Path) -> None:
    _server(tree, lambda d: d["messages"][0].update(cmd="mlcommons/power client v4"))
    _client(tree, lambda d: d["messages"][0].update(cmd="mlcommons/power client v4"))


def client_message_missing(tree: Path) -> None:
    _client(tree, lambda d: d["messages"].pop())


def time_replies_differ(tree: Path) -> None:
    _client(tree, lambda d: d["messages"][1].update(reply="1.0"))


def summary_edited_after_session(tree: Path) -> None:
    append_text(tree / OFF / "run_1/mlperf_log_summary.txt", "\n")


def spl_hash_not_recorded(tree: Path) -> None:
    _server(tree, lambda d: d["results"].pop("run_1/spl.txt"))


def optional_file_unrecorded(tree: Path) -> None:
    (tree / OFF / "run_1/mlperf_log_trace.json").write_text("[]\n")


def no_uncertainty_checking(tree: Path) -> None:
    path = tree / OFF / "power/ptd_logs.txt"
    path.write_text("".join(x for x in path.read_text().splitlines(True) if "Uncertainty checking" not in x))


def uncertainty_checking_after_ranging_start(tree: Path) -> None:
    no_uncertainty_checking(tree)
    _ptd_line(tree, _window(tree, "ranging")[0], "Uncertainty checking for YokogawaWT310 is activated")


def no_completed_test(tree: Path) -> None:
    replace_text(tree / OFF / "power/ptd_logs.txt", "Completed test", "Aborted test")


def error_during_testing(tree: Path) -> None:
    begin, end = _window(tree)
    _ptd_line(tree, begin + 5_000_000, "ERROR: Lost connection to the analyser")


def unusual_error_during_ranging(tree: Path) -> None:
    begin, _ = _window(tree, "ranging")
    _ptd_line(tree, begin, "ERROR: Bad watts reading 99100000000000005192630646116011999232.000000 from Yokogawa")


def usb_error(tree: Path) -> None:
    begin, _ = _window(tree)
    _ptd_line(tree, begin + 5_000_000, "ERROR: USB.")


def known_errors_while_ranging(tree: Path) -> None:
    begin, _ = _window(tree, "ranging")
    for n in range(5):
        _ptd_line(tree, begin + n * 1_000_000, "ERROR: Can't evaluate uncertainty of this sample!")


def uncertainty_over_limit_during_testing(tree: Path) -> None:
    begin, _ = _window(tree)
    for n in range(3):
        _ptd_line(tree, begin + (10 + n) * 1_000_000,
                  f"WARNING: Uncertainty 1.{n + 2}3%, which is above 1.00% limit for the last sample!")


def other_warning_during_testing(tree: Path) -> None:
    begin, _ = _window(tree)
    _ptd_line(tree, begin + 10_000_000, "WARNING: Uncertainty unknown for the last measurement sample!")


def warning_just_before_testing(tree: Path) -> None:
    begin, _ = _window(tree)
    _ptd_line(tree, begin + 500_000, "WARNING: Uncertainty 1.50%, which is above 1.00% limit for the last sample!")


def unsupported_device_type(tree: Path) -> None:
    _server(tree, lambda d: d["ptd_config"][0].update(device_type=99))


def multichannel_on_one_channel(tree: Path) -> None:
    _server(tree, lambda d: d["ptd_config"][0].update(device_type=77))


def multichannel_on_two_channels(tree: Path) -> None:
    def change(d: dict) -> None:
        d["ptd_config"][0].update(device_type=77, channel=[1, 2])
        d["ptd_config"][0]["command"] += ["-c", "1,2"]
    _server(tree, change)


def single_config_object(tree: Path) -> None:
    _server(tree, lambda d: d.update(ptd_config=d["ptd_config"][0]))


def debug_server(tree: Path) -> None:
    edit_json(tree / OFF / "power/server.json", debug=True)


def spl_outside_window(tree: Path) -> None:
    begin, end = _window(tree)
    path = tree / OFF / "run_1/spl.txt"
    kept = [x for x in path.read_text().splitlines(True) if not begin < parse_stamp(x.split(",")[1]) < end]
    path.write_text("".join(kept))


def no_query_count(tree: Path) -> None:
    replace_text(tree / SS / "run_1/mlperf_log_detail.txt", '"key": "result_query_count"', '"key": "result_query_cnt"')


def no_analyzer_table(tree: Path) -> None:
    delete(tree / OFF / "../analyzer_table.md")


def empty_power_settings(tree: Path) -> None:
    (tree / OFF / "../power_settings.md").write_text("")


def documents_once_per_system(tree: Path) -> None:
    measurements = tree / "closed/Acme/measurements/acme_e1"
    for scenario in ("Offline", "SingleStream"):
        for name in ("analyzer_table.md", "power_settings.md"):
            (measurements / "resnet50" / scenario / name).replace(measurements / name)


def malformed_spl_line(tree: Path) -> None:
    append_text(tree / OFF / "run_1/spl.txt", "Time,07-2x-2025 10:00:00.000,Watts,1.0\n")


CASES = [
    RuleCase("PWR001", True, missing_client_log, base=V6, message="client.log is missing"),
    RuleCase("PWR001", True, extra_file_in_ranging, base=V6, message="notes.txt is not a file"),
    RuleCase("PWR001", True, no_ranging_dir, base=V6, message="no performance/ranging/"),
    RuleCase("PWR001", False, trace_file_in_ranging, base=V6),
    RuleCase("PWR001", False, base=V6),
    RuleCase("PWR001", False, base=V41),
    RuleCase("PWR002", True, client_without_phases, base=V6, message="'phases' is missing"),
    RuleCase("PWR002", True, server_messages_not_a_list, base=V6, message="'ptd_messages'"),
    RuleCase("PWR002", False, base=V6),
    RuleCase("PWR003", True, modified_server_code, base=V6, message="lib/server.py"),
    RuleCase("PWR003", True, base=V41, round="v5.1", id="v4.1-session-in-v5.1"),
    RuleCase("PWR003", False, base=V6),
    RuleCase("PWR003", False, base=V41),
    RuleCase("PWR004", True, old_ptd_version, base=V6, message="'1.9.2'"),
    RuleCase("PWR004", True, base=V41, round="v5.1", id="v4.1-ptd-in-v5.1", message="'1.10.0'"),
    RuleCase("PWR004", True, unsupported_analyser, base=V6, message="FlukeN4K"),
    RuleCase("PWR004", True, no_identify, base=V6, message="never answered"),
    RuleCase("PWR004", False, base=V6),
    RuleCase("PWR004", False, base=V41),
    RuleCase("PWR005", True, failed_range_change, base=V6, message="Error: invalid range"),
    RuleCase("PWR005", True, third_stop_answered_normally, base=V6, message="'Stop'"),
    RuleCase("PWR005", False, third_stop_has_nothing_to_stop, base=V6),
    RuleCase("PWR005", False, base=V41),
    RuleCase("PWR006", True, amps_range_not_restored, base=V6, message="A range was not restored"),
    RuleCase("PWR006", True, amps_range_not_restored, base=V41, message="#3"),
    RuleCase("PWR006", True, fixed_initial_range, base=V6, message="SR,A,5.000000"),
    RuleCase("PWR006", False, base=V6),
    RuleCase("PWR006", False, base=V41),
    RuleCase("PWR007", True, other_server_uuid, base=V6, message="server UUID"),
    RuleCase("PWR007", True, garbled_uuid, base=V6, message="client UUID"),
    RuleCase("PWR007", False, base=V6),
    RuleCase("PWR008", True, other_session_name, base=V6, message="2020-01-01_00-00-00"),
    RuleCase("PWR008", False, base=V6),
    RuleCase("PWR009", True, clocks_one_second_apart, base=V6, message="testing phase 3"),
    RuleCase("PWR009", False, clocks_half_a_second_apart, base=V6),
    RuleCase("PWR010", True, power_end_after_measurement, base=V6, message="power_end of the testing run"),
    RuleCase("PWR010", True, no_power_begin_in_ranging, base=V6, message="no usable power_begin"),
    RuleCase("PWR010", False, window_shifted_one_hour, base=V6),
    RuleCase("PWR010", False, base=V41),
    RuleCase("PWR011", True, ten_percent_less_power_in_testing, base=V6, message="below the ranging"),
    RuleCase("PWR011", False, three_percent_less_power_in_testing, base=V6),
    RuleCase("PWR012", True, ranging_run_much_longer, base=V6, message="shorter than the ranging run"),
    RuleCase("PWR012", False, base=V6),
    RuleCase("PWR013", True, client_command_edited, base=V6, message="message 4 differs"),
    RuleCase("PWR013", True, client_protocol_v4, base=V6, message="protocol v4"),
    RuleCase("PWR013", True, client_message_missing, base=V6, message="messages, server.json"),
    RuleCase("PWR013", False, time_replies_differ, base=V6),
    RuleCase("PWR014", True, summary_edited_after_session, base=V6, message="run_1/mlperf_log_summary.txt was changed"),
    RuleCase("PWR014", True, spl_hash_not_recorded, base=V6, message="run_1/spl.txt has no SHA-1"),
    RuleCase("PWR014", False, optional_file_unrecorded, base=V6),
    RuleCase("PWR014", False, base=V41),
    RuleCase("PWR015", True, no_uncertainty_checking, base=V6, message="never says"),
    RuleCase("PWR015", True, uncertainty_checking_after_ranging_start, base=V6, message="not activated before"),
    RuleCase("PWR015", True, no_completed_test, base=V6, message="no complete ranging measurement"),
    RuleCase("PWR015", False, base=V6),
    RuleCase("PWR016", True, error_during_testing, base=V6, message="outside the ranging measurement"),
    RuleCase("PWR016", True, unusual_error_during_ranging, base=V6, message="unusual PTD error during ranging"),
    RuleCase("PWR016", True, usb_error, base=V6, message="tolerated PTD error"),
    RuleCase("PWR016", False, known_errors_while_ranging, base=V6),
    RuleCase("PWR017", True, uncertainty_over_limit_during_testing, base=V6, message="3 lines like"),
    RuleCase("PWR017", True, other_warning_during_testing, base=V6, message="PTD warning during the testing run"),
    RuleCase("PWR017", False, warning_just_before_testing, base=V6),
    RuleCase("PWR017", False, base=V6),
    RuleCase("PWR018", True, unsupported_device_type, base=V6, message="device type 99"),
    RuleCase("PWR018", True, multichannel_on_one_channel, base=V6, message="one channel"),
    RuleCase("PWR018", False, multichannel_on_two_channels, base=V6),
    RuleCase("PWR018", False, single_config_object, base=V6),
    RuleCase("PWR019", True, debug_server, base=V6, message="debug mode"),
    RuleCase("PWR019", False, base=V6),
    RuleCase("PWR020", True, spl_outside_window, base=V6, message="no positive power samples"),
    RuleCase("PWR020", True, no_query_count, base=V6, message="result_query_count"),
    RuleCase("PWR020", False, base=V6),
    RuleCase("PWR020", False, base=V41),
    RuleCase("PWR021", True, no_analyzer_table, base=V6, message="no analyzer_table"),
    RuleCase("PWR021", True, empty_power_settings, base=V6, message="power_settings.md is empty"),
    RuleCase("PWR021", False, base=V6),
    RuleCase("PWR021", False, documents_once_per_system, base=V41),
    RuleCase("LOG001", True, malformed_spl_line, base=V6, id="malformed-spl-line", message="not a valid power sample",
             select=("LOG001", "PWR020")),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, power_samples: Path, tmp_path: Path) -> None:
    run_case(case, power_samples, tmp_path)


SEVERITIES = {"unusual_error_during_ranging": "warning", "usb_error": "warning", "error_during_testing": "error",
              "uncertainty_over_limit_during_testing": "error", "other_warning_during_testing": "warning",
              "ranging_run_much_longer": "warning"}


@pytest.mark.parametrize("mutate", [c.mutate for c in CASES if c.mutate and c.mutate.__name__ in SEVERITIES],
                         ids=lambda f: f.__name__)
def test_graded_severities(mutate, power_samples: Path, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.mutate is mutate)
    report = run_case(case, power_samples, tmp_path)
    assert {f.severity for f in report.findings if f.code == case.code} == {SEVERITIES[mutate.__name__]}


def test_generated_power_results_are_clean_with_metric(power_samples: Path) -> None:
    for name in (V6, V41):
        report = run_on(power_samples / name, select=("PWR", "LOG", "STR"))
        assert not report.findings, [(f.code, f.message) for f in report.findings]
        by_scenario = {r.scenario: r.extra for r in report.results}
        assert by_scenario["Offline"]["power_metric"]["unit"] == "Watts"
        assert by_scenario["SingleStream"]["power_metric"]["unit"] == "millijoules"
        offline = by_scenario["Offline"]
        expected = offline["metric"]["value"] / offline["power_metric"]["value"]
        assert offline["power_efficiency"] == pytest.approx(expected)


# --------------------------------------------------------------------------- parsers


def test_parse_stamp_agrees_with_strptime() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        when = datetime(2020, 1, 1, tzinfo=timezone.utc).timestamp() + rng.uniform(0, 2e8)
        moment = datetime.fromtimestamp(round(when, 3), tz=timezone.utc)
        text = moment.strftime("%m-%d-%Y %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
        expected = datetime.strptime(text, "%m-%d-%Y %H:%M:%S.%f").replace(tzinfo=timezone.utc)
        micros = parse_stamp(text)
        assert micros / 1e6 == expected.timestamp()
        assert format_stamp(micros) == text


@pytest.mark.parametrize("text", ["", "07-23-2024 15:35:08", "07-23-2024 15:35:08.", "7-23-2024 15:35:08.606",
                                  "13-23-2024 15:35:08.606", "02-30-2024 15:35:08.606", "07-23-2024 25:35:08.606",
                                  "07-23-2024T15:35:08.606", "07-23-2024 15:35:08.6067890", "07-23-2024 15:35:08.6x6"])
def test_parse_stamp_rejects_malformed(text: str) -> None:
    assert parse_stamp(text) is None


def test_spl_parser_keeps_good_samples_and_reports_bad_lines() -> None:
    text = ("Time,07-23-2024 15:47:16.858,Watts,172.9,Volts,118,Amps,1.6,PF,0.876,Mark,x\r\n"
            "Time,garbage\nTime,07-23-2024 15:47:17.858,Watts,nan-ish\nheader line\n"
            "Time,07-23-2024 15:47:18.858,Watts,180.5\n")
    parsed = parse_spl_text(text, Path("spl.txt"))
    assert parsed.value.watts == [172.9, 180.5] and parsed.value.power_factors == [0.876, None]
    assert len(parsed.problems) == 1 and parsed.problems[0].line == 2 and "and 1 more" in parsed.problems[0].message


def test_ptd_parser_splits_stamp_and_message() -> None:
    log = parse_ptd_text("banner\r\n07-23-2024 15:35:31.538: Go with mark 'x_ranging'\n", Path("p")).value
    assert [(e.number, e.time is not None, e.message) for e in log.lines] == [
        (1, False, "banner"), (2, True, "Go with mark 'x_ranging'"), (3, False, "")]
    assert log.first("Go with mark 'x_ranging'").number == 2


def test_unreadable_power_files_become_findings(power_samples: Path, tmp_path: Path) -> None:
    import shutil
    tree = tmp_path / V6
    shutil.copytree(power_samples / V6, tree)
    (tree / OFF / "power/ptd_logs.txt").write_bytes(b"\x00\x01binary")
    (tree / OFF / "power/client.json").write_text("{not json")
    (tree / OFF / "ranging/spl.txt").write_text("")
    delete(tree / OFF / "run_1/mlperf_log_summary.txt")
    os.mkfifo(tree / OFF / "run_1/mlperf_log_summary.txt")  # never opened: a pipe would block a reader
    report = run_on(tree, select=("PWR", "LOG"))
    codes = {(f.code, Path(f.path).name) for f in report.findings}
    assert {("LOG003", "ptd_logs.txt"), ("LOG001", "client.json"), ("LOG002", "spl.txt")} <= codes
    assert not any(f.code == "CHK001" for f in report.findings)


def test_average_keeps_positive_finite_samples_strictly_inside_the_window() -> None:
    from checker.power.logs import SplLog
    from checker.power.metric import average_watts
    spl = SplLog(Path("spl.txt"), times=[10, 20, 30, 40, 50, 60], watts=[999.0, 100.0, float("nan"), -5.0,
                                                                         float("inf"), 300.0])
    assert average_watts(spl, 10, 70) == 200.0
    assert average_watts(spl, 60, 70) is None


def test_power_metric_formulas() -> None:
    from checker.power.metric import power_metric
    spq, units = {"SingleStream": 1, "MultiStream": 8}, {"Offline": "Watts", "MultiStream": "millijoules"}
    watts = power_metric(400.0, 0, 600_000_000, "Offline", "Offline", 1, 8000.0, spq, units)
    assert (watts.value, watts.unit, watts.efficiency) == (400.0, "Watts", 20.0)
    energy = power_metric(400.0, 0, 600_000_000, "MultiStream", "MultiStream", 1000, None, spq, units)
    assert energy.value == 400.0 * 600.0 * 1000 / 1000 and energy.efficiency == 8 * 1000 / energy.value
    inferred = power_metric(400.0, 0, 600_000_000, "MultiStream", "SingleStream", 1000, None, spq, units)
    assert inferred.value == 8 * energy.value
    assert power_metric(400.0, 0, 1, "MultiStream", "MultiStream", 0, None, spq, units) is None


def test_power_drop_with_zero_ranging_power_is_an_issue_not_a_crash() -> None:
    from checker.power.wg import check_power_drop
    from checker.rulebook import load_rulebook
    issues = check_power_drop(0.000001, 300.0, load_rulebook("v6.0").power, Path("spl.txt"))
    assert len(issues) == 1 and "0.0 W" in issues[0].message


# --------------------------------------------------------------------------- the real power results


def _official_power_rows(real: Path) -> dict[str, tuple[str, str]]:
    """Location -> (Result, Units) of the official summary's power rows (Watts / millijoules)."""
    with open(real / "v4.1" / "official_summary.csv", newline="") as fh:
        return {row["Location"]: (row["Result"], row["Units"]) for row in csv.DictReader(fh)
                if row["Units"] in ("Watts", "millijoules")}


def test_untetherai_power_metrics_match_the_official_summary(real: Path) -> None:
    report = run_on(real / "v4.1", round_="v4.1", select=("PWR",))
    official = _official_power_rows(real)
    assert len(official) == 5
    ours = {r.path: r for r in report.results if r.extra.get("power_metric")}
    assert sorted(ours) == sorted(official)
    for path, (value, unit) in official.items():
        metric = ours[path].extra["power_metric"]
        assert metric["unit"] == unit
        assert f"{metric['value']:.6g}" == f"{float(value):.6g}"
        assert ours[path].valid
    assert not [f for f in report.findings if f.severity == "error"]
    power_rows = [row for row in rows(report)[1] if row[-1] in ("Watts", "millijoules")]
    assert sorted((row[17], row[9], row[-1]) for row in power_rows) == sorted(
        (path, value, unit) for path, (value, unit) in official.items())


def test_untetherai_power_results_get_the_official_verdicts_with_every_rule(real: Path) -> None:
    with open(real / "v4.1" / "official_verdicts.csv", newline="") as fh:
        official = {"/".join((r["division"], r["submitter"], "results", r["system"], r["benchmark"], r["scenario"])):
                    r["official_valid"] == "1" for r in csv.DictReader(fh)}
    report = run_on(real / "v4.1", round_="v4.1")
    power = {r.path: r.valid for r in report.results if r.extra.get("has_power")}
    assert len(power) == 5 and power == {path: official[path] for path in power}


def test_json_report_carries_power_metric_and_efficiency(real: Path) -> None:
    import jsonschema
    from checker.reporters.json_report import render_json
    report = json.loads(render_json(run_on(real / "v4.1", round_="v4.1", select=("PWR",))))
    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    power = {r["path"]: r["power"] for r in report["results"] if "power" in r}
    single = power["closed/UntetherAI/results/h13_u3_slim/resnet50/singlestream"]
    assert single["unit"] == "millijoules" and single["efficiency"] == pytest.approx(1000 / single["value"])
    offline = power["closed/UntetherAI/results/r760_u6_slim/resnet50/offline"]
    assert offline["unit"] == "Watts" and offline["efficiency"] == pytest.approx(334462.0 / offline["value"])
    assert len(power) == 5


def test_untetherai_ranging_error_is_a_warning_for_audit(real: Path) -> None:
    report = run_on(real / "v4.1", round_="v4.1", select=("PWR016",))
    hits = [f for f in report.findings if f.code == "PWR016"]
    assert hits and {f.severity for f in hits} == {"warning"}
    assert {f.result for f in hits} == {"closed/UntetherAI/results/r760_u6_slim/resnet50/offline"}


def test_power_checks_parse_each_log_once(real: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.power import logs
    calls: dict[str, int] = {}
    for name in ("parse_spl_text", "parse_ptd_text"):
        original = getattr(logs, name)

        def counting(text, path, _original=original, _name=name):
            calls[str(path)] = calls.get(str(path), 0) + 1
            return _original(text, path)
        monkeypatch.setattr(logs, name, counting)
    run_on(real / "v4.1", round_="v4.1", select=("PWR",), options=Options())
    assert calls and max(calls.values()) == 1
