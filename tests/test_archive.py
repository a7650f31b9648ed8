"""Archives: `check` reads .tar/.tar.gz/.zip safely (STR090-STR094) and checks what is safe to unpack."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

import pytest

from checker.archive import MAX_RATIO, is_archive
from checker.engine import RunConfig, check
from tests.rulecase import RuleCase, case_id, run_case

BASE = "closed-v6.0"


# ----------------------------------------------------------------------------- archive builders


def _member(tf: tarfile.TarFile, name: str, data: bytes = b"x", **fields) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data) if fields.get("type", tarfile.REGTYPE) == tarfile.REGTYPE else 0
    for key, value in fields.items():
        setattr(info, key, value)
    tf.addfile(info, io.BytesIO(data) if info.size else None)


def tar_of(tree: Path, out: Path, extra: Callable[[tarfile.TarFile], None] = lambda tf: None,
           mode: str = "w:gz") -> Path:
    """Pack `tree`'s content (names relative to it) plus the members `extra` adds."""
    with tarfile.open(out, mode, **({"compresslevel": 1} if mode == "w:gz" else {})) as tf:
        tf.add(tree, arcname=".")
        extra(tf)
    return out


def in_place(build: Callable[[Path, Path], Path]) -> Callable[[Path], None]:
    """A RuleCase mutation that replaces the copied tree by an archive of it (same path, no suffix:
    the content tells it is an archive)."""
    def mutate(tree: Path) -> None:
        packed = build(tree, tree.with_name(tree.name + ".packed"))
        shutil.rmtree(tree)
        packed.rename(tree)
    mutate.__name__ = build.__name__
    return mutate


def plain(tree: Path, out: Path) -> Path:
    return tar_of(tree, out)


def zipped(tree: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(tree.rglob("*")):
            zf.write(path, path.relative_to(tree).as_posix())
    return out


def escaping_names(tree: Path, out: Path) -> Path:
    return tar_of(tree, out, lambda tf: (_member(tf, "../../escaped-dotdot"), _member(tf, "/tmp/escaped-absolute"),
                                         _member(tf, "closed/Acme/../../../escaped-inner")))


def duplicate_name(tree: Path, out: Path) -> Path:
    return tar_of(tree, out, lambda tf: _member(tf, "./closed/Acme/README.md", b"second copy"))


def links(tree: Path, out: Path) -> Path:
    def extra(tf: tarfile.TarFile) -> None:
        _member(tf, "closed/Acme/passwd", type=tarfile.SYMTYPE, linkname="/etc/passwd")
        _member(tf, "closed/Acme/hard", type=tarfile.LNKTYPE, linkname="../../etc/shadow")
    return tar_of(tree, out, extra)


def inner_link(tree: Path, out: Path) -> Path:
    return tar_of(tree, out, lambda tf: _member(tf, "closed/Acme/README-copy.md", type=tarfile.SYMTYPE,
                                                linkname="README.md"))


def devices(tree: Path, out: Path) -> Path:
    def extra(tf: tarfile.TarFile) -> None:
        _member(tf, "closed/Acme/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
        _member(tf, "closed/Acme/pipe", type=tarfile.FIFOTYPE)
    return tar_of(tree, out, extra)


def gzip_bomb(tree: Path, out: Path) -> Path:
    return tar_of(tree, out, lambda tf: _member(tf, "closed/Acme/zeros.bin", bytes(65 * 1024 * 1024)))


def zip_bomb_member(tree: Path, out: Path) -> Path:
    zipped(tree, out)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("closed/Acme/zeros.bin", bytes(17 * 1024 * 1024))
    return out


def cut_short(tree: Path, out: Path) -> Path:
    tar_of(tree, out)
    out.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    return out


def fifo_in_tree(tree: Path) -> None:
    os.mkfifo(tree / "closed" / "Acme" / "results" / "pipe")


CASES = [
    RuleCase("STR090", True, mutate=fifo_in_tree, message="device, pipe or socket"),
    RuleCase("STR090", True, mutate=in_place(devices), message="device, pipe or socket"),
    RuleCase("STR090", False),
    RuleCase("STR090", False, mutate=in_place(plain)),
    RuleCase("STR091", True, mutate=in_place(escaping_names), message="outside the archive's folder"),
    RuleCase("STR091", True, mutate=in_place(duplicate_name), message="appears twice"),
    RuleCase("STR091", False, mutate=in_place(plain)),
    RuleCase("STR091", False, mutate=in_place(zipped)),
    RuleCase("STR092", True, mutate=in_place(links), message="leads outside the archive"),
    RuleCase("STR092", True, mutate=in_place(inner_link), message="not unpacked"),
    RuleCase("STR092", False, mutate=in_place(plain)),
    RuleCase("STR093", True, mutate=in_place(gzip_bomb), message="implausible compression ratio"),
    RuleCase("STR093", True, mutate=in_place(zip_bomb_member), message="implausible compression ratio"),
    RuleCase("STR093", False, mutate=in_place(zipped)),
    RuleCase("STR094", True, mutate=in_place(cut_short), message="cannot be read to its end"),
    RuleCase("STR094", False, mutate=in_place(plain)),
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cases(case: RuleCase, samples: Path, tmp_path: Path) -> None:
    run_case(case, samples, tmp_path)


# ----------------------------------------------------------------------------- behaviour


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder the archive reader unpacks into (checked empty afterwards)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _check(archive: Path):
    return check(archive, RunConfig(jobs=1))


@pytest.mark.parametrize("build, name", [(plain, "sub.tar.gz"), (zipped, "sub.zip"),
                                         (lambda t, o: tar_of(t, o, mode="w"), "sub.tar"),
                                         (plain, "sub.tgz")])
def test_a_valid_archive_checks_like_its_tree(build, name: str, samples: Path, tmp_path: Path,
                                              private_tmp: Path) -> None:
    tree_report = _check(samples / BASE)
    archive = build(samples / BASE, tmp_path / name)
    report = _check(archive)
    assert report.root == str(archive) and not list(private_tmp.iterdir())
    assert [(r.path, r.valid) for r in report.results] == [(r.path, r.valid) for r in tree_report.results]
    assert [(f.code, f.path) for f in report.findings] == [(f.code, f.path) for f in tree_report.findings]


def test_a_single_top_folder_and_a_submitter_archive(samples: Path, tmp_path: Path, private_tmp: Path) -> None:
    with tarfile.open(tmp_path / "wrapped.tar.gz", "w:gz") as tf:
        tf.add(samples / BASE, arcname="inference_results_v6.0")
    wrapped = _check(tmp_path / "wrapped.tar.gz")
    assert wrapped.results and all(r.path.startswith("closed/Acme/results/") for r in wrapped.results)
    acme = tar_of(samples / BASE / "closed" / "Acme", tmp_path / "Acme.tar")
    assert {r.path for r in _check(acme).results} == {r.path for r in wrapped.results}


def test_nothing_is_written_outside_and_paths_stay_relative(samples: Path, tmp_path: Path, private_tmp: Path) -> None:
    target = tmp_path / "outside" / "victim.txt"
    target.parent.mkdir()

    def extra(tf: tarfile.TarFile) -> None:
        _member(tf, str(target), b"overwritten")
        _member(tf, "../" * 12 + str(target).lstrip("/"), b"overwritten")
        _member(tf, "closed/Acme/escape", type=tarfile.SYMTYPE, linkname=str(target.parent))
        _member(tf, "closed/Acme/escape/victim.txt", b"through the link")
    report = _check(tar_of(samples / BASE, tmp_path / "evil.tar.gz", extra))
    assert not target.exists() and not list(private_tmp.iterdir())
    codes = {(f.code, f.path) for f in report.findings}
    assert ("STR091", str(target)) in codes and ("STR092", "closed/Acme/escape") in codes
    assert all("mlperf-checker-archive" not in (f.path or "") + f.message for f in report.findings)


def test_zip_symbolic_link_and_hard_link_copy(samples: Path, tmp_path: Path, private_tmp: Path) -> None:
    archive = zipped(samples / BASE, tmp_path / "links.zip")
    with zipfile.ZipFile(archive, "a") as zf:
        info = zipfile.ZipInfo("closed/Acme/passwd")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    report = _check(archive)
    assert [f.severity for f in report.findings if f.code == "STR092"] == ["error"]

    def hard(tf: tarfile.TarFile) -> None:
        _member(tf, "closed/Acme/README-hard.md", type=tarfile.LNKTYPE, linkname="./closed/Acme/README.md")
    report = _check(tar_of(samples / BASE, tmp_path / "hard.tar", hard, mode="w"))
    assert not [f for f in report.findings if f.code == "STR092"]


def test_an_archive_of_nothing_safe_is_a_report_of_findings(tmp_path: Path, private_tmp: Path) -> None:
    with tarfile.open(tmp_path / "evil.tar", "w") as tf:
        _member(tf, "../../../../etc/cron.d/x", b"* * * * * root sh")
    report = _check(tmp_path / "evil.tar")
    assert not report.results and [f.code for f in report.findings] == ["STR091"] and report.failed()
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"\x1f\x8b not really gzip")
    assert [f.code for f in _check(garbage).findings] == ["STR094"]


def test_archive_detection(tmp_path: Path, samples: Path) -> None:
    assert not is_archive(samples / BASE) and not is_archive(tmp_path / "missing.tar")
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    assert not is_archive(text)
    assert is_archive(tar_of(samples / BASE / "closed" / "Acme" / "systems", tmp_path / "no-suffix", mode="w"))
    assert MAX_RATIO >= 50  # real logs compress 5-10x: the bomb limit must leave a wide margin
