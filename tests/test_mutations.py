"""Random single mutations of the sample trees and of parts of the real trees (tests/mutate.py).

For every mutation the command-line run exits 0 or 1 (never a traceback, never a rule crash), always
writes its JSON report (valid against the report schema), never shows what lies behind a link out of
the tree, and has a finding at the damaged place (the path, something inside it, or its parent) unless
nothing can see that damage (tests/mutate.py says what and why). Wrong JSON types in the values the
rules read (LoadGen records, system and implementation descriptions) never crash a rule either.
A longer run of the same mutations: `python benchmarks/soak.py`.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REAL, ROOT
from tests.mutate import KINDS, PASSWD, mutate, run_cli
from tests.rulecase import RuleCase, case_id, run_case
from tests.treeedit import edit_json, set_log_value

SAMPLE_TREES = ("closed-v6.0", "closed-v5.1", "open-v6.0")
#: Small submitters of the real trees, one per layout and division: (round folder, division, submitter).
REAL_PARTS = (("v6.0", "closed", "Krai"), ("v4.1", "closed", "RedHat"), ("v5.1", "open", "AMD_MangoBoost"))
#: Seeds per (tree, kind): 3 x 11 x 2 sample cases and 3 x 11 real ones keep this module near 10 s.
SAMPLE_SEEDS, REAL_SEEDS = 2, 1
PASSWD_LINE = PASSWD.read_text(errors="replace").splitlines()[0] if PASSWD.is_file() else "root:x:0:0"
SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def _real_name(part: tuple[str, str, str]) -> str:
    return f"real-{part[0]}-{part[2]}"


CASES_MUTATED = [(tree, kind, seed) for tree in SAMPLE_TREES for kind in KINDS for seed in range(SAMPLE_SEEDS)] + [
    (_real_name(part), kind, seed) for part in REAL_PARTS for kind in KINDS for seed in range(REAL_SEEDS)]


@pytest.fixture(scope="module")
def bases(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The trees to mutate: the samples, and copies of the real parts when ../shared/real is present."""
    out = {name: samples / name for name in SAMPLE_TREES}
    if REAL.is_dir():
        root = tmp_path_factory.mktemp("real-parts")
        for part in REAL_PARTS:
            source = REAL / part[0] / part[1] / part[2]
            if source.is_dir():
                shutil.copytree(source, root / _real_name(part) / part[1] / part[2])
                out[_real_name(part)] = root / _real_name(part)
    return out


def _assert_sound(run, where: str) -> None:
    assert run.status in (0, 1), f"{where}: exit {run.status}: {run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr, run.stderr
    assert run.report is not None, f"{where}: no report written"
    jsonschema.validate(run.report, SCHEMA)
    crashes = [f["message"] for f in run.report["findings"] if f["code"] == "CHK001"]
    assert not crashes, f"{where}: {crashes}"
    assert PASSWD_LINE not in json.dumps(run.report), f"{where}: content from outside the tree in the report"


@pytest.mark.parametrize("tree_name, kind, seed", CASES_MUTATED, ids=lambda v: str(v))
def test_single_mutation(tree_name: str, kind: str, seed: int, bases: dict[str, Path], tmp_path: Path) -> None:
    if tree_name not in bases:
        pytest.skip("../shared/real is not present")
    tree = tmp_path / "tree"
    shutil.copytree(bases[tree_name], tree, symlinks=True)
    mutation = mutate(tree, kind, random.Random(f"{tree_name}/{kind}/{seed}"))
    if mutation is None:
        pytest.skip(f"no candidate for {kind} in {tree_name}")
    run = run_cli(tree, tmp_path / "report.json")
    where = f"{kind} {mutation.target}"
    _assert_sound(run, where)
    paths = [f["path"] for f in run.report["findings"]]
    if mutation.must_be_seen():
        assert mutation.located(paths), f"{where}: no finding there; findings at {sorted(set(filter(None, paths)))}"


def test_many_mutations_at_once_through_the_real_command(samples: Path, tmp_path: Path) -> None:
    """One tree with a mutation of every kind, checked by the installed entry point in a subprocess."""
    tree = tmp_path / "tree"
    shutil.copytree(samples / "closed-v6.0", tree, symlinks=True)
    rng = random.Random("all-at-once")
    done = [m for kind in KINDS if (m := mutate(tree, kind, rng)) is not None]
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "checker", "check", str(tree), "--format", "text",
                           "--output", f"json={report}", "--output", f"csv={tmp_path / 'report.csv'}"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    data = json.loads(report.read_text())
    jsonschema.validate(data, SCHEMA)
    assert len(done) == len(KINDS) and data["summary"]["errors"] >= len(KINDS) // 2
    assert (tmp_path / "report.csv").stat().st_size > 0


# ----------------------------------------------------------------------------- wrong JSON types in values

ODD_VALUES = [None, "", "12 abc", [], {}, [1, 2], {"a": 1}, True, -1, 0, 10 ** 30, -(10 ** 30), 1e308, -1e-308, 0.5]


def _scramble_detail_log(path: Path, rng: random.Random) -> None:
    keys = [json.loads(line[len(":::MLLOG "):])["key"] for line in path.read_text().splitlines()
            if line.startswith(":::MLLOG ")]
    for key in rng.sample(keys, min(len(keys), 25)):
        set_log_value(path, key, rng.choice(ODD_VALUES))


def _scramble_json(path: Path, rng: random.Random) -> None:
    data = json.loads(path.read_text())
    edit_json(path, **{key: rng.choice([v for v in ODD_VALUES if v is not None]) for key in rng.sample(
        sorted(data), min(len(data), 12))})


@pytest.mark.parametrize("base", SAMPLE_TREES)
@pytest.mark.parametrize("seed", range(3))
def test_values_of_any_json_type_never_crash_a_rule(base: str, seed: int, samples: Path, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(samples / base, tree, symlinks=True)
    rng = random.Random(f"{base}/values/{seed}")
    for path in sorted(tree.rglob("mlperf_log_detail.txt")):
        if rng.random() < 0.5:
            _scramble_detail_log(path, rng)
    for path in sorted([*tree.rglob("systems/*.json"), *tree.rglob("measurements.json"),
                        *tree.rglob("measurements/*/*/*/*.json")]):
        _scramble_json(path, rng)
    run = run_cli(tree, tmp_path / "report.json")
    _assert_sound(run, f"{base} seed {seed}")
    assert run.status == 1


# ----------------------------------------------------------------------------- regression cases


def readme_is_a_directory(tree: Path) -> None:
    readme = next(tree.rglob("results/*/*/*/README.md"))
    readme.unlink()
    (readme / "notes.txt").parent.mkdir()
    (readme / "notes.txt").write_text("notes\n")


def compliance_log_is_a_directory(tree: Path) -> None:
    log = next(tree.rglob("TEST01/accuracy/mlperf_log_accuracy.json"))
    log.unlink()
    log.mkdir()
    (log / "part-1.json").write_text("[]\n")


CASES = [RuleCase("STR001", True, mutate=readme_is_a_directory, message="README.md is a directory"),
         RuleCase("CMP002", True, mutate=compliance_log_is_a_directory, message="a directory is in its place")]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


def test_nothing_behind_a_linked_folder_outside_the_tree_reaches_the_report(samples: Path, tmp_path: Path) -> None:
    """A run folder replaced by a link to a folder outside: reported (STR010), never listed nor read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret-name.txt").write_text("secret-content = 42\n")
    (outside / "user.conf").write_text("secret-setting = 1\n")
    tree = tmp_path / "tree"
    shutil.copytree(samples / "closed-v6.0", tree, symlinks=True)
    result = next(tree.rglob("results/*/*/Offline"))
    shutil.rmtree(result / "accuracy")
    (result / "accuracy").symlink_to(outside, target_is_directory=True)
    (result / "user.conf").unlink()
    (result / "user.conf").symlink_to(outside / "user.conf")
    run = run_cli(tree, tmp_path / "report.json")
    _assert_sound(run, "linked folder")
    text = json.dumps(run.report)
    assert "secret" not in text and str(outside) in text  # the link's target is named, its content is not
    codes = {(f["code"], f["path"].rsplit("/", 1)[-1]) for f in run.report["findings"] if f["path"]}
    assert {("STR010", "accuracy"), ("STR010", "user.conf"), ("LOG003", "user.conf")} <= codes
