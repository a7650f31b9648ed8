"""A power measurement for a generated result: what the PTD client, server and PTDaemon leave behind.

`write_power(result_dir, rulebook, label)` runs after the result's `performance/run_1` logs are
written. It reads LoadGen's power window from the run's detail log, places a ranging run before it,
and writes `performance/ranging/` (the same LoadGen logs with the ranging window), `spl.txt` of both
runs, and `performance/power/` (client/server JSON and logs, ptd_logs.txt) so that every Power WG
check passes: the round's PTD version and source checksums, consistent phases and messages, and
SHA-1 of the files as recorded. Output is deterministic (seeded by `label`).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.power.stamps import format_stamp, parse_stamp
from checker.rulebook import Rulebook

#: The analyser of generated sessions (a supported single-channel Yokogawa) and its PTDaemon type.
ANALYSER, DEVICE_TYPE = "YokogawaWT310", 49
PTD_BUILD = "ed9a21d2-20220817"
PROTOCOL = 3
SECOND = 1_000_000
_WINDOW = re.compile(r'("key": "(power_begin|power_end)", "value": ")([^"]*)(")')
_MODULES = {"ptd_client_server.lib.common": "lib/common.py", "ptd_client_server.lib.external.ntplib":
            "lib/external/ntplib.py", "ptd_client_server.lib.source_hashes": "lib/source_hashes.py",
            "ptd_client_server.lib.summary": "lib/summary.py", "ptd_client_server.lib.time_sync": "lib/time_sync.py"}
_GO_REPLY = "Starting untimed measurement, maximum 500000 samples at 1000ms with 0 rampup samples"
_DOCUMENTS = {
    "analyzer_table": "| Vendor | Model | Firmware | Calibration due | Channels | Interface |\n"
                      "|---|---|---|---|---|---|\n| Yokogawa | WT310E | F2.03 | 2026-03-01 | 1 | USB (usbtmc) |\n",
    "power_settings": "# Power settings\n\n* BIOS power profile: performance\n* OS governor: performance\n"
                      "* Accelerator power limits: default\n"}


@dataclass(frozen=True)
class Phase:
    """One measurement (ranging or testing): session points and LoadGen's window, epoch microseconds."""

    mode: str
    start: int   # client asks the server to start the mode
    go: int      # PTDaemon starts measuring
    stop: int    # PTDaemon stops measuring
    done: int    # the mode is over
    begin: int   # LoadGen power_begin
    end: int     # LoadGen power_end

    def points(self, skew: float) -> list[list[float]]:
        """`phases[mode]` of a descriptor: [epoch seconds, monotonic seconds] per point."""
        return [[t / SECOND + skew, (t - self.start) / SECOND + 17_579.71] for t in (self.start, self.go, self.stop,
                                                                                     self.done)]


def _window(detail: str) -> tuple[int, int]:
    """(power_begin, power_end) of a detail log, epoch microseconds."""
    found = {m.group(2): parse_stamp(m.group(3)) for m in _WINDOW.finditer(detail)}
    begin, end = found.get("power_begin"), found.get("power_end")
    if begin is None or end is None:
        raise ValueError("the performance run's detail log has no power window")
    return begin, end


def _with_window(detail: str, begin: int, end: int) -> str:
    """The detail log with its power window replaced."""
    stamps = {"power_begin": format_stamp(begin), "power_end": format_stamp(end)}
    return _WINDOW.sub(lambda m: m.group(1) + stamps[m.group(2)] + m.group(4), detail)


def _phases(begin: int, end: int) -> tuple[Phase, Phase]:
    """A ranging run of the same length before the testing window (begin, end)."""
    length = end - begin
    r_begin = begin - length - 95 * SECOND
    ranging = Phase("ranging", r_begin - 33 * SECOND, r_begin - 2 * SECOND, r_begin + length + 4 * SECOND,
                    r_begin + length + 14 * SECOND, r_begin, r_begin + length)
    testing = Phase("testing", ranging.done + 40_000, begin - 2 * SECOND, end + 4 * SECOND, end + 14 * SECOND,
                    begin, end)
    return ranging, testing


def _spl(phase: Phase, session: str, rng: random.Random, base_watts: float) -> str:
    """One sample a second while PTDaemon measures the phase."""
    lines = []
    t = phase.go + 210_000
    while t < phase.stop:
        watts = base_watts * (1 + rng.uniform(-0.02, 0.02))
        volts = 229.5 + rng.uniform(-0.6, 0.6)
        pf = 0.981 + rng.uniform(-0.004, 0.004)
        lines.append(f"Time,{format_stamp(t)},Watts,{watts:.6f},Volts,{volts:.6f},Amps,{watts / volts / pf:.6f},"
                     f"PF,{pf:.6f},Mark,{session}_{phase.mode}")
        t += SECOND + rng.randint(-9_000, 9_000)
    return "\n".join(lines) + "\n"


def _ptd_messages(rulebook: Rulebook, session: str, amps: str) -> list[dict[str, str]]:
    """PTDaemon's conversation with the server: identify, ranging, testing, ranges restored."""
    power = rulebook.power
    identify = (f"{ANALYSER},1000,1,1,1,1,0,0,1,version={power.ptd_versions[0]}-{PTD_BUILD},OS=Linux 6.8.0-45-generic "
                "x86_64,mode=power,1,1,1,0,0,no_cal_date,YOKOGAWA;WT310E;C3UB17011E;F2.03")
    pairs = [("Hello", "Hello, PTDaemon here!"), ("Identify", identify), ("RR", "Ranges,1,20.000000,1,300.000000"),
             ("SR,V,Auto", "Range V changed"), ("SR,A,Auto", "Range A changed"),
             (f"Go,1000,0,{session}_ranging", _GO_REPLY), ("Stop", "Stopping untimed measurement"),
             ("RL", "Last 640 samples"), ("Watts", "Watts,412.5,401.2,425.3,640,0,640"),
             ("SR,V,300.000000", "Range V changed"), (f"SR,A,{amps}", "Range A changed"),
             (f"Go,1000,0,{session}_testing", _GO_REPLY), ("Watts", "Watts,412.1,400.9,424.8,640,0,640"),
             ("Stop", "Stopping untimed measurement"), ("SR,V,Auto", "Range V changed")]
    restores = max(power.restore_amps_command) - 2  # the last listed SR,A position restores the range
    pairs += [("SR,A,Auto", "Range A changed")] * restores
    return [{"cmd": c, "reply": r} for c, r in pairs]


def _conversation(session: str, client_id: str, server_id: str, phases: tuple[Phase, Phase]) -> list[dict[str, Any]]:
    """The client-server messages (with their times) of the session."""
    ranging, testing = phases
    steps: list[tuple[str, str, int]] = [
        (f"mlcommons/power client v{PROTOCOL}", f"mlcommons/power server v{PROTOCOL}", ranging.start - 60_000),
        ("time", "", ranging.start - 30_000),
        (f"new,,{client_id}", f"OK {session},{server_id}", ranging.start - 25_000)]
    for phase in phases:
        steps += [("time", "", phase.start - 2_000), (f"session,{session},start,{phase.mode}", "OK", phase.start),
                  ("time", "", phase.go + 3_000), ("time", "", phase.stop - 3_000),
                  (f"session,{session},stop,{phase.mode}", "OK", phase.stop - 1_000), ("time", "", phase.done)]
    return [{"cmd": cmd, "cmd_time": t / SECOND, "reply": reply or f"{(t + 300) / SECOND}",
             "reply_time": (t + 500) / SECOND} for cmd, reply, t in steps]


def _ptd_log(rulebook: Rulebook, session: str, phases: tuple[Phase, Phase]) -> str:
    """PTDaemon's log: banner, uncertainty checking on, the two measurements (ranging errors expected)."""
    ranging, testing = phases
    version = rulebook.power.ptd_versions[0]
    lines = ["Selected power meter 'Yokogawa WT310' from yokowt310.cpp", "SPEC PTDaemon Tool",
             f"Version {version}-{PTD_BUILD}", ""]
    timed = [(ranging.start + 90_000, f"Attempting to connect to measurement device type {DEVICE_TYPE}..."),
             (ranging.start + 11 * SECOND, f"Uncertainty checking for {ANALYSER} is activated"),
             (ranging.start + 11 * SECOND, f"Connected to {ANALYSER} successfully"),
             (ranging.go, f"Go with mark '{session}_ranging'"),
             (ranging.go + 208_000, "ERROR: Can't evaluate uncertainty of this sample!"),
             (ranging.go + 208_000, "WARNING: Uncertainty unknown for the last measurement sample!"),
             (ranging.stop, "Completed test"),
             (testing.go, f"Go with mark '{session}_testing'"), (testing.stop, "Completed test")]
    lines += [f"{format_stamp(t)}: {text}" for t, text in timed]
    return "\n".join(lines) + "\n"


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _descriptor(rulebook: Rulebook, session: str, ids: tuple[str, str], messages: list[dict[str, Any]],
                phases: tuple[Phase, Phase], results: dict[str, str], skew: float) -> dict[str, Any]:
    return {"version": "1.0", "timezone": 0, "modules": _MODULES, "sources": rulebook.power.source_checksums[0],
            "messages": messages, "uuid": {"client": ids[0], "server": ids[1]}, "session_name": session,
            "results": results, "phases": {p.mode: p.points(skew) for p in phases}}


def write_power(result_dir: Path, rulebook: Rulebook, label: str, documents_dir: Path) -> None:
    """Write the ranging run, both spl.txt and `performance/power/` for the result at `result_dir`, and
    the analyser and power-settings descriptions into `documents_dir` (the measurements directory)."""
    documents_dir.mkdir(parents=True, exist_ok=True)
    for name in rulebook.power.setup_documents:
        (documents_dir / f"{name}.md").write_text(_DOCUMENTS.get(name, f"# {name}\n"), encoding="utf-8")
    perf = result_dir / "performance"
    run_1, ranging_dir, power_dir = perf / "run_1", perf / "ranging", perf / "power"
    detail = (run_1 / "mlperf_log_detail.txt").read_text(encoding="utf-8")
    phases = _phases(*_window(detail))
    rng = random.Random(hashlib.sha256(f"power|{label}".encode()).digest())
    session = format_stamp(phases[0].start)[:19]
    session = f"{session[6:10]}-{session[0:2]}-{session[3:5]}_{session[11:13]}-{session[14:16]}-{session[17:19]}"
    ids = tuple(str(uuid.UUID(bytes=hashlib.sha256(f"{role}|{label}".encode()).digest()[:16], version=4))
                for role in ("client", "server"))
    ranging_dir.mkdir(parents=True, exist_ok=True)
    power_dir.mkdir(parents=True, exist_ok=True)
    (ranging_dir / "mlperf_log_detail.txt").write_text(_with_window(detail, phases[0].begin, phases[0].end),
                                                       encoding="utf-8")
    shutil.copyfile(run_1 / "mlperf_log_summary.txt", ranging_dir / "mlperf_log_summary.txt")
    watts = rng.uniform(250.0, 2500.0)
    for phase, where in zip(phases, (ranging_dir, run_1), strict=True):
        (where / "spl.txt").write_text(_spl(phase, session, rng, watts), encoding="utf-8")
    (power_dir / "ptd_logs.txt").write_text(_ptd_log(rulebook, session, phases), encoding="utf-8")
    messages = _conversation(session, ids[0], ids[1], phases)
    (power_dir / "server.log").write_text("".join(f"ptd-server {format_stamp(int(m['cmd_time'] * SECOND))} [INFO] Got "
                                                  f"command from the client {m['cmd']!r}\n" for m in messages),
                                          encoding="utf-8")
    (power_dir / "client.log").write_text("".join(f"client {format_stamp(int(m['cmd_time'] * SECOND))} [INFO] Sending "
                                                  f"command to the server: {m['cmd']!r}\n" for m in messages),
                                          encoding="utf-8")
    server_files = ("power/ptd_logs.txt", "power/server.log", "ranging/spl.txt", "run_1/spl.txt")
    client_files = ("power/client.log", "ranging/mlperf_log_detail.txt", "ranging/mlperf_log_summary.txt",
                    "run_1/mlperf_log_detail.txt", "run_1/mlperf_log_summary.txt")
    client = _descriptor(rulebook, session, ids, messages, phases, {f: _sha1(perf / f) for f in client_files}, 0.0)
    server = _descriptor(rulebook, session, ids, messages, phases, {f: _sha1(perf / f) for f in server_files}, -0.0015)
    server["ptd_messages"] = _ptd_messages(rulebook, session, f"{watts / 229.5 * 1.2:.4f}")
    server["ptd_config"] = [{"command": ["/opt/ptd/ptd-linux-x86", "-l", "/tmp/ptd_logfile.txt", "-p", "8888",
                                         str(DEVICE_TYPE), "/dev/usbtmc0"], "device_type": DEVICE_TYPE,
                             "interface_flag": "", "dc_flag": None, "device_port": "/dev/usbtmc0", "channel": None}]
    (power_dir / "client.json").write_text(json.dumps(client, indent=4) + "\n", encoding="utf-8")
    (power_dir / "server.json").write_text(json.dumps(server, indent=4) + "\n", encoding="utf-8")
