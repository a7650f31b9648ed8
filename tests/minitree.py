"""Helpers of the gate tests: a hand-made, deliberately incomplete submission tree (small, fast, with
findings to report) and an in-process run of the command line."""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from checker.cli import main

RESULTS = ("closed/Org/results/sys1/resnet/Offline", "closed/Org/results/sys1/resnet/SingleStream",
           "closed/Org/results/sys 2/resnet/Offline")


def make_tree(root: Path) -> Path:
    """Write a v6.0-layout tree with three result directories and their systems; return its root.

    Only `systems/*.json` and the result directories exist, so STR001 fires on every result.
    One system name has a space, to exercise URI and annotation escaping.
    """
    for rel in RESULTS:
        (root / rel).mkdir(parents=True, exist_ok=True)
    (root / "closed/Org/systems").mkdir(parents=True, exist_ok=True)
    for name in ("sys1", "sys 2"):
        (root / "closed/Org/systems" / f"{name}.json").write_text(
            json.dumps({"division": "closed", "system_type": "edge", "system_name": name, "status": "available"}))
    return root


@dataclass
class CliRun:
    """What one in-process run of the command line produced."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliRun:
    """Run `mlperf-checker ARGS` in-process (much faster than a subprocess), in `cwd` with `env` added."""
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    code = 0
    with mock.patch.dict(os.environ, env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if cwd is not None:
                os.chdir(cwd)
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            os.chdir(previous)
    return CliRun(code, out.getvalue(), err.getvalue())
