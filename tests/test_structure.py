"""Layout rules (STR002-STR015): run-directory file lists, code directories, naming, hygiene, links."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

from checker.tree import walk
from tests.rulecase import RuleCase, case_id, run_case, run_on
from tests.treeedit import delete

V5 = "closed-v5.1"
OPEN = "open-v6.0"


def _submitter(tree: Path) -> Path:
    return next(tree.glob("*/*/systems")).parent


def _result(tree: Path, scenario: str = "") -> Path:
    """The first result directory (of the given scenario, when asked)."""
    return sorted(p.parent for p in _submitter(tree).glob(f"results/*/*/{scenario or '*'}/performance"))[0]


def write(rel: str, content: bytes = b"x\n") -> Callable[[Path], None]:
    """A mutation writing a file at `rel` below the submitter directory."""

    def mutate(tree: Path) -> None:
        path = _submitter(tree) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)

    mutate.__name__ = "write_" + rel.replace("/", "_").replace(" ", "-")
    return mutate


def write_in_result(rel: str) -> Callable[[Path], None]:
    """A mutation writing a small file at `rel` below the first result directory."""

    def mutate(tree: Path) -> None:
        (_result(tree) / rel).write_text("stray\n")

    mutate.__name__ = "result_" + rel.replace("/", "_")
    return mutate


def root_file(tree: Path) -> None:
    (tree / "notes.txt").write_text("stray\n")


def root_documents(tree: Path) -> None:
    (tree / "README.md").write_text("# Round\n")
    (tree / ".git").mkdir()
    (tree / ".git" / "HEAD").write_text("ref: refs/heads/main\n")


def capitalised_division(tree: Path) -> None:
    (tree / "Closed" / "Other").mkdir(parents=True)
    (tree / "Closed" / "Other" / "README.md").write_text("x\n")


def division_file(tree: Path) -> None:
    (_submitter(tree).parent / "summary.csv").write_text("a,b\n")


def large_file(tree: Path) -> None:
    with open(_submitter(tree) / "big.bin", "wb") as fh:  # sparse: instant, but its size is 51 MiB
        fh.truncate(51 * 1024 * 1024)


def pycache(tree: Path) -> None:
    code = next(p for p in _submitter(tree).iterdir() if p.name in ("src", "code"))
    (code / "__pycache__").mkdir()
    (code / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\x00")


def empty_dir(tree: Path) -> None:
    (_submitter(tree) / "documentation" / "drafts").mkdir(parents=True)


def broken_link(tree: Path) -> None:
    os.symlink("missing.txt", _submitter(tree) / "notes.txt")


def outside_link(tree: Path) -> None:
    os.symlink("/etc/hostname", _submitter(tree) / "host.txt")


def inside_link(tree: Path) -> None:
    os.symlink("README.md", _submitter(tree) / "README-copy.md")


def drop_code_dir(tree: Path) -> None:
    delete(next(p for p in _submitter(tree).iterdir() if p.name in ("src", "code")))


def drop_benchmark_code(tree: Path) -> None:
    result = _result(tree)
    delete(_submitter(tree) / "code" / result.parent.name)


def code_pointer_file(tree: Path) -> None:
    """code/<benchmark> as a file naming the directory that holds the code (accepted by the official checker)."""
    code = _submitter(tree) / "code" / _result(tree).parent.name
    shutil.move(code, code.parent / "shared-impl")
    code.write_text("shared-impl\n")


def empty_readme(tree: Path) -> None:
    (_result(tree) / "README.md").write_text("\n  \n")


def blank_user_conf(tree: Path) -> None:
    result = _result(tree)
    rel = result.relative_to(_submitter(tree) / "results")
    (_submitter(tree) / "measurements" / rel / "user.conf").write_text("")


def misspelt_scenario(tree: Path) -> None:
    result = _result(tree, "Offline")
    result.rename(result.parent / "Ofline")


def scenario_without_benchmark(tree: Path) -> None:
    result = _result(tree, "Offline")
    shutil.move(result, result.parent.parent / "Offline")


def benchmark_without_scenarios(tree: Path) -> None:
    system = _result(tree).parent.parent
    (system / "resnet5O").mkdir()
    (system / "resnet5O" / "README.md").write_text("moved\n")


def scenario_replaced_by_file(tree: Path) -> None:
    result = _result(tree, "Offline")
    shutil.rmtree(result)
    result.write_text("a tarball that was never unpacked\n")


def benchmark_replaced_by_file(tree: Path) -> None:
    bench = _result(tree).parent
    shutil.rmtree(bench)
    bench.write_text("moved away\n")


def results_replaced_by_file(tree: Path) -> None:
    results = _submitter(tree) / "results"
    shutil.rmtree(results)
    results.write_text("")


def system_notes(tree: Path) -> None:
    (_result(tree).parent.parent / "NOTES.txt").write_text("system notes\n")


def leftover_code_dir(tree: Path) -> None:
    (_submitter(tree) / "code" / "resnet50").mkdir(parents=True)
    (_submitter(tree) / "code" / "resnet50" / "README.md").write_text("old layout\n")


CASES = [
    RuleCase("STR002", True, write_in_result("accuracy/notes.txt"), base=V5, message="unexpected file notes.txt"),
    RuleCase("STR002", True, write_in_result("performance/run_1/console.log"), message="console.log"),
    RuleCase("STR002", False, write_in_result("accuracy/mlperf_log_trace.json"), base=V5),
    RuleCase("STR002", False),
    RuleCase("STR003", True, root_file, message="stray file notes.txt in the submission root"),
    RuleCase("STR003", True, capitalised_division, message="division directories are lower case"),
    RuleCase("STR003", False, root_documents),
    RuleCase("STR004", True, division_file, message="summary.csv"),
    RuleCase("STR004", False),
    RuleCase("STR005", True, large_file, base=OPEN, message="51.0 MiB, over the 50 MiB limit"),
    RuleCase("STR005", False, base=OPEN),
    RuleCase("STR006", True, write("documentation/my notes.txt"), base=OPEN, message="contains white space"),
    RuleCase("STR006", False, base=OPEN),
    RuleCase("STR007", True, write(".DS_Store"), base=OPEN, message="hidden file .DS_Store"),
    RuleCase("STR007", True, write(".ipynb_checkpoints/a.ipynb"), base=OPEN, message="hidden directory"),
    RuleCase("STR007", True, write(".git/.keep"), base=OPEN, message="hidden directory .git", id="nested-once"),
    RuleCase("STR007", False, base=OPEN),
    RuleCase("STR008", True, pycache, base=OPEN, message="__pycache__"),
    RuleCase("STR008", False, base=OPEN),
    RuleCase("STR009", True, empty_dir, base=OPEN, message="drafts/ is empty"),
    RuleCase("STR009", False, base=OPEN),
    RuleCase("STR010", True, broken_link, base=OPEN, message="broken symbolic link"),
    RuleCase("STR010", True, outside_link, base=OPEN, message="points outside the submission"),
    RuleCase("STR010", True, inside_link, base=OPEN, message="README-copy.md -> README.md"),
    RuleCase("STR010", False, base=OPEN),
    RuleCase("STR011", True, drop_code_dir, base=OPEN, message="src/ is missing"),
    RuleCase("STR011", True, drop_benchmark_code, base=V5, message="no source code directory code/"),
    RuleCase("STR011", False, code_pointer_file, base=V5),
    RuleCase("STR011", False, base=V5),
    RuleCase("STR012", True, empty_readme, base=OPEN, message="README.md is empty"),
    RuleCase("STR012", True, blank_user_conf, base=V5, message="user.conf is empty"),
    RuleCase("STR012", False, base=V5),
    RuleCase("STR013", True, misspelt_scenario, message="Ofline/ is not a scenario directory (closest: Offline)"),
    RuleCase("STR013", False),
    RuleCase("STR014", True, scenario_without_benchmark, message="the benchmark level is missing"),
    RuleCase("STR014", True, benchmark_without_scenarios, message="closest benchmark: resnet50"),
    RuleCase("STR014", False),
    RuleCase("STR015", True, leftover_code_dir, message="found the v5 directories code/"),
    RuleCase("STR015", True, base=V5, round="v6.0", id="v5-tree-in-v6.0", message="v6 layout expected"),
    RuleCase("STR015", False),
    RuleCase("STR015", False, base=V5),
    RuleCase("STR016", True, scenario_replaced_by_file, message="Offline is a file where the layout has scenario"),
    RuleCase("STR016", True, benchmark_replaced_by_file, base=V5, message="a benchmark directory"),
    RuleCase("STR016", True, results_replaced_by_file, message="the results/ directory"),
    RuleCase("STR016", False),
    RuleCase("STR016", False, system_notes, id="other-files-beside-systems-are-fine"),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


def _findings(samples: Path, tmp_path: Path, base: str, mutate: Callable[[Path], None], select: tuple[str, ...],
              round_: str | None = None):
    tree = tmp_path / "t"
    shutil.copytree(samples / base, tree, symlinks=True)
    mutate(tree)
    return run_on(tree, round_, select)


@pytest.mark.parametrize(("base", "severity"), [(V5, "error"), (OPEN, "warning")])
def test_hygiene_is_an_error_up_to_v51_and_a_warning_from_v60(samples: Path, tmp_path: Path, base: str,
                                                              severity: str) -> None:
    report = _findings(samples, tmp_path, base, write(".DS_Store"), ("STR007",))
    assert [f.severity for f in report.findings] == [severity]
    assert all(r.valid == (severity == "warning") for r in report.results)  # v5.1: the whole submitter is rejected


def test_links_that_leave_the_submission_are_errors_in_every_round(samples: Path, tmp_path: Path) -> None:
    report = _findings(samples, tmp_path, OPEN, outside_link, ("STR010",))
    assert [f.severity for f in report.findings] == ["error"]
    inside = _findings(samples, tmp_path / "b", OPEN, inside_link, ("STR010",))
    assert [f.severity for f in inside.findings] == ["warning"]


def test_misnamed_directories_are_reported_once_and_invalidate_nothing(samples: Path, tmp_path: Path) -> None:
    report = _findings(samples, tmp_path, "closed-v6.0", misspelt_scenario, ("STR013", "STR014"))
    assert [f.code for f in report.findings] == ["STR013"]
    assert all(r.valid for r in report.results)


def test_stray_root_files_only_warn_and_division_files_are_errors(samples: Path, tmp_path: Path) -> None:
    root = _findings(samples, tmp_path, OPEN, root_file, ("STR003", "STR004"))
    assert [(f.code, f.severity) for f in root.findings] == [("STR003", "warning")]
    division = _findings(samples, tmp_path / "b", OPEN, division_file, ("STR003", "STR004"))
    assert [(f.code, f.severity) for f in division.findings] == [("STR004", "error")]


def test_walk_never_follows_links(tmp_path: Path) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("s")
    tree = tmp_path / "tree"
    (tree / "empty").mkdir(parents=True)
    (tree / "a.txt").write_text("abc")
    os.symlink(tmp_path / "outside", tree / "linked")
    os.symlink("nowhere", tree / "broken")
    nodes = {os.path.relpath(n.path, tree): n for n in walk(tree)}
    assert set(nodes) == {".", "a.txt", "broken", "empty", "linked"}
    assert nodes["a.txt"].size == 3 and nodes["empty"].empty and not nodes["."].empty
    assert nodes["linked"].kind == "link" and nodes["linked"].resolved == (tmp_path / "outside").resolve()
    assert nodes["broken"].kind == "link" and nodes["broken"].resolved is None


@pytest.mark.parametrize(("tree", "round_"), [("v4.1", "v4.1"), ("v5.1", "v5.1"), ("v6.0", "v6.0"),
                                              ("v5.0-test-runs", "v5.0")])
def test_no_layout_errors_on_real_submissions(real: Path, tree: str, round_: str) -> None:
    """The official checkers accept the layout of every real submission: so must we (warnings allowed)."""
    report = run_on(real / tree, round_, ("STR",))
    assert [(f.code, f.path, f.message) for f in report.findings if f.severity == "error"] == []


def test_a_hidden_directory_is_reported_once_not_its_content(samples: Path, tmp_path: Path) -> None:
    report = _findings(samples, tmp_path, OPEN, write(".git/.keep"), ("STR007",))
    assert [f.path.rsplit("/", 1)[-1] for f in report.findings] == [".git"]
