"""The GitHub Action and the pre-commit hooks: their manifests, and the very commands their steps run."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from checker.registry import load_rules
from tests.minitree import make_tree, run_cli

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
INPUTS = {"path", "round", "select", "ignore", "fail-on", "waivers", "sarif-file", "junit-file", "summary"}
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def test_action_manifest() -> None:
    assert set(ACTION["inputs"]) == INPUTS
    assert all(spec.get("description") for spec in ACTION["inputs"].values())
    assert ACTION["runs"]["using"] == "composite"
    for step in ACTION["runs"]["steps"]:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs must reach scripts through env: only"
    install = ACTION["runs"]["steps"][0]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}" and '"$ACTION_PATH"' in install["run"]


def _step_env(step: dict, inputs: dict[str, str], base: dict[str, str]) -> dict[str, str]:
    """The environment GitHub gives a step: the runner's variables plus the step's `env:` with expressions filled."""
    values = {**{f"inputs.{k}": v.get("default", "") for k, v in ACTION["inputs"].items()},
              **{f"inputs.{k}": v for k, v in inputs.items()}, "github.action_path": str(ROOT)}
    env = dict(base)
    for key, value in (step.get("env") or {}).items():
        env[key] = EXPRESSION.sub(lambda m: values[m.group(1)], str(value))
    return env


def _run_step(step: dict, inputs: dict[str, str], base: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    # GitHub runs composite bash steps as `bash --noprofile --norc -eo pipefail {0}`
    script = cwd / "step.sh"
    script.write_text(step["run"])
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd,
                          env=_step_env(step, inputs, base), capture_output=True, text=True, timeout=180)


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, str]:
    """A runner's environment, with the checker the install step would have put in $RUNNER_TEMP."""
    temp = tmp_path / "runner-temp"
    bindir = temp / "mlperf-checker" / "bin"
    bindir.mkdir(parents=True)
    exe = bindir / "mlperf-checker"
    exe.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} -m checker \"$@\"\n")
    exe.chmod(0o755)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUNNER_TEMP": str(temp), "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary.md"), "GITHUB_ACTIONS": "true"}


def test_install_step_creates_a_venv_and_installs_the_action_checkout(tmp_path: Path) -> None:
    """Runs the install step with a stand-in `python3` that records what it is asked to do."""
    fake = tmp_path / "fakebin"
    fake.mkdir()
    log = tmp_path / "calls.log"
    stub = fake / "python3"
    stub.write_text("#!/bin/sh\necho \"$0 $*\" >> " + shlex.quote(str(log)) + "\n"
                    "if [ \"$1\" = -m ] && [ \"$2\" = venv ]; then mkdir -p \"$3/bin\"; cp \"$0\" \"$3/bin/python\"; fi\n")
    stub.chmod(0o755)
    temp = tmp_path / "rt"
    temp.mkdir()
    env = {"PATH": f"{fake}:/usr/bin:/bin", "RUNNER_TEMP": str(temp)}
    proc = _run_step(ACTION["runs"]["steps"][0], {}, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    assert calls[0].endswith(f"python3 -m venv {temp}/mlperf-checker")
    assert calls[1].startswith(f"{temp}/mlperf-checker/bin/python -m pip install") and calls[1].endswith(str(ROOT))


def test_check_step_annotates_summarises_and_writes_reports(tmp_path: Path, runner: dict[str, str]) -> None:
    tree = make_tree(Path(runner["GITHUB_WORKSPACE"]) / "submission")
    Path(runner["GITHUB_STEP_SUMMARY"]).write_text("")
    inputs = {"path": "submission", "round": "v6.0", "select": "STR001,SYS003", "ignore": "SYS003",
              "sarif-file": str(tmp_path / "out.sarif"), "junit-file": str(tmp_path / "out.xml")}
    proc = _run_step(ACTION["runs"]["steps"][1], inputs, runner, Path(runner["GITHUB_WORKSPACE"]))
    assert proc.returncode == 1, proc.stderr                            # errors fail the step
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert annotations and all("title=STR001 missing-required-file" in a for a in annotations)
    assert any("file=submission/closed/Org/results/sys 2/resnet/Offline/" in a for a in annotations)
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"STR001"}
    assert ET.parse(tmp_path / "out.xml").getroot().get("failures") == "3"
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("# MLPerf Inference v6.0") and "## Invalid results" in summary
    assert tree.is_dir()


def test_check_step_without_summary_and_with_waivers_passes(tmp_path: Path, runner: dict[str, str]) -> None:
    make_tree(Path(runner["GITHUB_WORKSPACE"]))
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {code: STR001, path: 'closed/**', justification: known, approved_by: committee}\n")
    inputs = {"round": "v6.0", "select": "STR001", "waivers": str(waivers), "summary": "false"}
    proc = _run_step(ACTION["runs"]["steps"][1], inputs, runner, Path(runner["GITHUB_WORKSPACE"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "::error" not in proc.stdout and "waived" in proc.stdout.splitlines()[-1]
    assert not Path(runner["GITHUB_STEP_SUMMARY"]).exists()


def test_check_step_on_a_valid_sample_passes(samples: Path, runner: dict[str, str]) -> None:
    inputs = {"path": str(samples / "closed-v6.0"), "select": "STR001,SYS003", "fail-on": "error"}
    proc = _run_step(ACTION["runs"]["steps"][1], inputs, runner, Path(runner["GITHUB_WORKSPACE"]))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    assert "0 invalid" in proc.stdout.splitlines()[-1]
    summary = Path(runner["GITHUB_STEP_SUMMARY"]).read_text()
    assert "| 6 | 6 | 0 |" in summary and "## Invalid results" not in summary


# --- pre-commit -------------------------------------------------------------------------------------------------

def test_pre_commit_manifest() -> None:
    ids = {hook["id"]: hook for hook in HOOKS}
    assert set(ids) == {"mlperf-checker", "mlperf-checker-fast"}
    for hook in HOOKS:
        assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["entry"].startswith("mlperf-checker ")
        assert re.search(hook["files"], "closed/Org/systems/x.json") and not re.search(hook["files"], "README.md")
    assert "--fast" in ids["mlperf-checker-fast"]["entry"] and "--fast" not in ids["mlperf-checker"]["entry"]


@pytest.mark.parametrize("hook_id", ["mlperf-checker", "mlperf-checker-fast"])
def test_pre_commit_hooks_run(hook_id: str, tmp_path: Path) -> None:
    """Runs `entry args` from the repository root, as pre-commit does."""
    hook = next(h for h in HOOKS if h["id"] == hook_id)
    repo = make_tree(tmp_path / "repo")
    (repo / ".mlperf-checker.yaml").write_text("round: v6.0\n")
    argv = shlex.split(hook["entry"])[1:] + hook.get("args", []) + ["--format", "json"]
    proc = run_cli(*argv, cwd=repo)
    assert proc.returncode == 1, proc.stderr
    codes = {f["code"] for f in json.loads(proc.stdout)["findings"]}
    assert "STR001" in codes
    if hook_id == "mlperf-checker-fast":
        rules = load_rules()
        assert all(rules[c].fast for c in codes)
