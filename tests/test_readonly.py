"""Read-only: a check leaves the checked tree (or archive) exactly as it was, in every report format.

The tree is fingerprinted before and after (every entry's path, type, mode, size, modification time,
content hash and link target); the run writes every report format (and, when the incremental cache
exists, uses a cache folder outside the tree). A real submitter of ../shared/real is checked in place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tarfile
from pathlib import Path

import pytest

from checker.reporters import load_reporters
from tests.mutate import run_cli


def fingerprint(root: Path) -> str:
    """A digest of everything below `root` (never following links) that a write would change."""
    digest = hashlib.sha256()
    paths = [root] if not root.is_dir() else [root, *sorted(root.rglob("*"))]
    for path in paths:
        st = os.lstat(path)
        digest.update(f"{path.relative_to(root.parent)}|{st.st_mode}|{st.st_size}|{st.st_mtime_ns}".encode())
        if stat.S_ISLNK(st.st_mode):
            digest.update(os.readlink(path).encode())
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb") as fh:
                digest.update(hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()


def _cache_option(tmp_path: Path) -> list[str]:
    """`--cache DIR` (outside the tree) when the incremental cache exists."""
    from checker.cli import check_command

    names = {opt for p in check_command.params for opt in getattr(p, "opts", [])}
    return ["--cache", str(tmp_path / "cache")] if "--cache" in names else []


def _check_every_format(target: Path, tmp_path: Path, *extra: str):
    outputs = [arg for fmt in sorted(load_reporters()) for arg in ("--output", f"{fmt}={tmp_path / ('report.' + fmt)}")]
    runs = [run_cli(target, tmp_path / "report.json", *outputs, *_cache_option(tmp_path), *extra) for _ in range(2)]
    for run in runs:
        assert run.status in (0, 1) and run.report is not None, run.stderr
    return runs


def _tree_with_oddities(samples: Path, tmp_path: Path) -> Path:
    """A sample tree with what tempts a checker to write: a broken link, a link loop, an empty file."""
    tree = tmp_path / "tree"
    shutil.copytree(samples / "closed-v6.0", tree, symlinks=True)
    acme = tree / "closed" / "Acme"
    os.symlink("nowhere", acme / "broken-link")
    os.symlink("loop-b", acme / "loop-a")
    os.symlink("loop-a", acme / "loop-b")
    (acme / "empty.txt").write_bytes(b"")
    return tree


def test_a_tree_is_unchanged_by_checks_in_every_format(samples: Path, tmp_path: Path) -> None:
    tree = _tree_with_oddities(samples, tmp_path)
    before = fingerprint(tree)
    _check_every_format(tree, tmp_path)
    assert fingerprint(tree) == before


def test_an_archive_is_unchanged(samples: Path, tmp_path: Path) -> None:
    archive = tmp_path / "submission.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(samples / "closed-v6.0", arcname=".")
    before = fingerprint(archive)
    _check_every_format(archive, tmp_path)
    assert fingerprint(archive) == before


def test_a_real_submitter_checked_in_place_is_unchanged(real: Path, tmp_path: Path) -> None:
    tree = real / "v6.0" / "closed" / "Krai"
    if not tree.is_dir():
        pytest.skip("the real v6.0 Krai submitter is not present")
    before = fingerprint(tree)
    _check_every_format(tree, tmp_path)
    assert fingerprint(tree) == before


def test_the_spreadsheet_report_leaves_the_tree_alone(samples: Path, tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    import contextlib
    import io

    from checker.cli import main

    tree = _tree_with_oddities(samples, tmp_path)
    before = fingerprint(tree)
    with contextlib.redirect_stderr(io.StringIO()), contextlib.suppress(SystemExit):
        main(["report", str(tree), "--xlsx", str(tmp_path / "results.xlsx"), "--jobs", "1"])
    assert (tmp_path / "results.xlsx").is_file() and fingerprint(tree) == before


def test_real_is_never_written(real: Path) -> None:
    """Guard for the whole suite's rule: no run left anything in ../shared/real (caches, bytecode)."""
    assert not list(real.rglob("__pycache__")) and not list(real.rglob(".mlperf-checker*"))
