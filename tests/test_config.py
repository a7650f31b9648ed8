"""Configuration: discovery upward, YAML and pyproject forms, validation, CLI precedence, --fast, progress bar."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from checker.cli import UsageFailure, _selection
from checker.config import ConfigError, config_for, find_config, load_config
from checker.progress import ProgressBar, progress_bar
from checker.registry import load_rules
from tests.minitree import CliRun, make_tree, run_cli

ROOT = Path(__file__).resolve().parents[1]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_nearest_config_upward_wins(tmp_path: Path) -> None:
    deep = tmp_path / "repo" / "closed" / "Org"
    deep.mkdir(parents=True)
    assert find_config(deep) is None
    top = _write(tmp_path / ".mlperf-checker.yaml", "round: v5.1\n")
    assert find_config(deep) == top
    _write(tmp_path / "repo" / "pyproject.toml", "[project]\nname = 'x'\n")           # no tool table: skipped
    assert find_config(deep) == top
    _write(tmp_path / "repo" / "pyproject.toml", "[tool.mlperf-checker]\nround = 'v6.0'\n")
    assert find_config(deep) == tmp_path / "repo" / "pyproject.toml"
    near = _write(tmp_path / "repo" / ".mlperf-checker.yaml", "round: v4.1\n")        # YAML wins in one directory
    assert find_config(deep) == near
    assert find_config(deep / "file.txt") == near                                      # a file: start at its directory


def test_broken_pyproject_on_the_way_up_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path / "a" / "pyproject.toml", "this is [not toml")
    assert find_config(tmp_path / "a") is None
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path / "a" / "pyproject.toml")


def test_yaml_and_pyproject_forms(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path / "c" / ".mlperf-checker.yaml",
                             "round: v6.0\nselect: STR, SYS001\nignore: [PERF003]\nfail-on: warning\n"
                             "waivers: ../w.yaml\njobs: 2\n"))
    assert (cfg.round, cfg.select, cfg.ignore, cfg.fail_on, cfg.jobs) == ("v6.0", ["STR", "SYS001"], ["PERF003"], "warning", 2)
    assert cfg.waivers == tmp_path / "c" / ".." / "w.yaml"
    toml = load_config(_write(tmp_path / "pyproject.toml", "[tool.mlperf-checker]\nselect = ['STR']\nfail-on = 'error'\n"))
    assert toml.select == ["STR"] and toml.fail_on == "error" and toml.round is None
    assert load_config(_write(tmp_path / "empty.yaml", "")).select == []


@pytest.mark.parametrize("text, needle", [
    ("colour: red\n", "colour"),
    ("round: 6.0\n", "round"),
    ("jobs: -1\n", "jobs"),
    ("fail-on: info\n", "fail-on"),
    ("select: {a: 1}\n", "select"),
    ("[1, 2]\n", "top level"),
    ("round: [\n", "not valid YAML"),
])
def test_invalid_configs_name_the_problem(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_config(_write(tmp_path / ".mlperf-checker.yaml", text))


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        config_for(tmp_path, tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="no \\[tool.mlperf-checker\\] table"):
        config_for(tmp_path, _write(tmp_path / "pyproject.toml", "[project]\n"))


# --- the command line ------------------------------------------------------------------------------------------

run = run_cli


def _codes(proc: CliRun) -> set[str]:
    return {f["code"] for f in json.loads(proc.stdout)["findings"]}


def test_cli_reads_the_config_and_flags_override_it(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    _write(tmp_path / ".mlperf-checker.yaml", "round: v6.0\nselect: [STR006]\nfail-on: warning\n")
    proc = run("check", str(tree), "--format", "json")
    assert json.loads(proc.stdout)["round"] == "v6.0" and _codes(proc) == {"STR006"}
    assert proc.returncode == 1                       # STR006 is a warning; the config fails on warnings
    assert run("check", str(tree), "--format", "json", "--fail-on", "error").returncode == 0
    assert _codes(run("check", str(tree), "--format", "json", "--select", "STR001")) == {"STR001"}


def test_cli_config_waivers_are_relative_to_the_config(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    _write(tmp_path / "conf" / "w.yaml", "waivers:\n  - {code: STR001, path: '**', justification: j, approved_by: a}\n")
    _write(tmp_path / "conf" / "c.yaml", "round: v6.0\nselect: [STR001]\nwaivers: w.yaml\n")
    proc = run("check", str(tree), "--format", "json", "--config", str(tmp_path / "conf" / "c.yaml"))
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stderr
    assert report["summary"]["waived"] > 0 and all(f["waived"] for f in report["findings"] if f["code"] == "STR001")


@pytest.mark.parametrize("config, needle", [
    ("select: [NOPE]\n", "unknown rule code"),
    ("round: v9.9\n", "unknown round"),
    ("jobs: many\n", "jobs"),
    ("waivers: missing.yaml\n", "cannot read"),
])
def test_cli_bad_config_is_a_one_line_usage_error(tmp_path: Path, config: str, needle: str) -> None:
    tree = make_tree(tmp_path / "tree")
    _write(tmp_path / ".mlperf-checker.yaml", config)
    proc = run("check", str(tree))
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and needle in proc.stderr, proc.stderr


def test_cli_bad_waivers_flag_is_a_usage_error(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    bad = _write(tmp_path / "w.yaml", "waivers:\n  - {code: STR001}\n")
    proc = run("check", str(tree), "--round", "v6.0", "--waivers", str(bad))
    assert proc.returncode == 2 and "w.yaml" in proc.stderr and "Traceback" not in proc.stderr


# --- --fast ----------------------------------------------------------------------------------------------------

def test_fast_selects_only_fast_rules(tmp_path: Path) -> None:
    rules = load_rules()
    chosen = _selection([], [], fast=True)
    assert chosen and all(rules[c].fast for c in chosen)
    assert _selection(["STR"], ["STR001"], fast=True) == [c for c in sorted(rules) if c.startswith("STR")
                                                         and c != "STR001" and rules[c].fast]
    slow = [c for c, r in rules.items() if not r.fast]
    if slow:
        with pytest.raises(UsageFailure, match="fast"):
            _selection([slow[0]], [], fast=True)
    proc = run("check", str(make_tree(tmp_path / "tree")), "--round", "v6.0", "--fast", "--format", "json")
    assert proc.returncode == 1 and all(rules[c].fast for c in _codes(proc))


# --- progress bar ------------------------------------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal() -> None:
    assert progress_bar(io.StringIO()) is None
    term = _Terminal()
    bar = progress_bar(term)
    assert isinstance(bar, ProgressBar)
    bar(1, 4)
    bar(2, 4)             # throttled: within 0.1 s of the last draw
    bar(4, 4)             # the final state is always drawn
    bar.close()
    text = term.getvalue()
    assert text.count("results") == 2 and "4/4 results" in text and text.endswith("\r")


def test_readme_examples_are_valid(tmp_path: Path) -> None:
    """The configuration and waivers examples of the README load as they are."""
    from checker.waivers import load_waivers

    readme = (ROOT / "README.md").read_text()
    blocks = {}
    for section in ("### Configuration", "### Waivers"):
        body = readme.split(section, 1)[1]
        blocks[section] = body.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = load_config(_write(tmp_path / ".mlperf-checker.yaml", blocks["### Configuration"]))
    assert config.round == "v6.0" and config.waivers == tmp_path / "waivers.yaml"
    waivers = load_waivers(_write(tmp_path / "waivers.yaml", blocks["### Waivers"]))
    assert waivers.waivers[0].code == "PERF003" and waivers.waivers[0].expires is not None
