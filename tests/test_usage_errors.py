"""Usage errors exit 2 with one clear line (no traceback): paths, rounds, option values, config and waivers."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from checker.cli import main


def run_main(*args: str) -> tuple[int, str]:
    """Run the command line in this process: (exit status, standard error)."""
    err = io.StringIO()
    status = 0
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            status = int(exc.code or 0)
    return status, err.getvalue()


def _one_line(status: int, err: str, needle: str) -> None:
    lines = err.strip().splitlines()
    assert status == 2, err
    assert len(lines) == 1 and lines[0].startswith("mlperf-checker: error:"), err
    assert needle in lines[0], lines[0]


@pytest.fixture
def tree(samples: Path) -> Path:
    return samples / "closed-v6.0"


def test_paths_that_are_no_submission(tmp_path: Path) -> None:
    os.symlink("loop", tmp_path / "loop")
    os.symlink("missing", tmp_path / "broken")
    os.mkfifo(tmp_path / "pipe")
    _one_line(*run_main("check", str(tmp_path / "loop")), "leads nowhere")
    _one_line(*run_main("check", str(tmp_path / "broken")), "leads nowhere")
    _one_line(*run_main("check", str(tmp_path / "pipe")), "not a directory")
    _one_line(*run_main("check", str(tmp_path / "missing.tar.gz")), "no such file")


@pytest.mark.parametrize("args, needle", [
    (("--round", "v0.9"), "unknown round"),
    (("--jobs", "-1"), "--jobs"),
    (("--profile", "long-run"), "--profile"),
    (("--fail-on", "notice"), "--fail-on"),
    (("--format", "yaml"), "unknown format"),
    (("--output", "json"), "FORMAT=FILE"),
    (("--select", "ZZZ"), "unknown rule code"),
    (("--reference-data", "/no/such/folder"), "not a directory"),
])
def test_bad_option_values(tree: Path, args: tuple[str, ...], needle: str) -> None:
    _one_line(*run_main("check", str(tree), *args), needle)


@pytest.mark.parametrize("content", [None, b"\x00\x01binary", b"select: [\n", b"\xff\xfe not utf-8", b"jobs: many\n"])
def test_unreadable_or_invalid_config_and_waivers(tree: Path, tmp_path: Path, content: bytes | None) -> None:
    for option in ("--config", "--waivers"):
        path = tmp_path / f"file{option}.yaml"
        if content is None:
            path.mkdir()  # a folder where the file should be
        else:
            path.write_bytes(content)
        status, err = run_main("check", str(tree), option, str(path))
        _one_line(status, err, str(path) if content is not None else "")


def test_an_output_file_that_cannot_be_written(tree: Path, tmp_path: Path) -> None:
    _one_line(*run_main("check", str(tree), "--round", "v6.0", "--output", f"json={tmp_path / 'no' / 'r.json'}"),
              "cannot write")
