"""Speed-related behaviour that must hold whatever the machine: each file read at most once per run,
deterministic output whatever the parallelism, memory released result by result, a lean start-up.
(The figures themselves are measured by benchmarks/bench.py, not tested.)"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker import checking, engine
from checker.context import FileCache
from checker.engine import RunConfig, check
from checker.parsers import common
from checker.parsers.common import Parsed, read_bytes, reading_once

_opened: collections.Counter[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _opened is not None and event == "open" and isinstance(args[0], str):
        _opened[args[0]] += 1


sys.addaudithook(_audit)  # audit hooks cannot be removed: it counts only while `_opened` is set


def _opens(root: Path, **kw) -> collections.Counter[str]:
    global _opened
    _opened = collections.Counter()
    try:
        check(root, RunConfig(jobs=1, **kw))
        return collections.Counter({p: n for p, n in _opened.items() if p.startswith(str(root))})
    finally:
        _opened = None


@pytest.mark.parametrize("name", ["closed-v6.0", "closed-v5.1", "open-v6.0"])
def test_each_file_is_read_at_most_once(samples: Path, name: str) -> None:
    opened = _opens(samples / name)
    assert opened, "the run read nothing"
    assert [p for p, n in opened.items() if n > 1] == []


def test_each_real_file_is_read_at_most_once(real: Path) -> None:
    for tree in ("v4.1", "v6.0"):
        opened = _opens(real / tree)
        assert [p for p, n in opened.items() if n > 1] == [], tree


def test_only_the_files_the_checks_need_are_read(samples: Path, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    shutil.copytree(samples / "closed-v6.0", root)
    (root / "closed/Acme/src/resnet50/harness.py").write_text("print('not read by any rule')\n")
    assert not any(p.endswith("harness.py") for p in _opens(root))


def test_parallel_output_is_deterministic(samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = check(samples / "closed-v6.0", RunConfig(jobs=1))
    monkeypatch.setattr(checking, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(checking, "_chunks", lambda items, n: [[item] for item in items])  # one task per result
    parallel = check(samples / "closed-v6.0", RunConfig(jobs=2))
    assert parallel.to_dict() == serial.to_dict()
    assert [r.extra for r in parallel.results] == [r.extra for r in serial.results]


def test_files_are_kept_only_within_a_run(tmp_path: Path) -> None:
    file = tmp_path / "a.txt"
    file.write_text("one")
    stamp = file.stat().st_mtime_ns
    with reading_once():
        assert read_bytes(file).value == b"one"
        file.write_text("two")
        os.utime(file, ns=(stamp, stamp))  # same size and time: within a run, the first read stands
        assert read_bytes(file).value == b"one"
        common.forget_read([str(tmp_path)])
        assert read_bytes(file).value == b"two"
    file.write_text("333")
    os.utime(file, ns=(stamp, stamp))
    assert read_bytes(file).value == b"333"  # outside a run every read reads
    assert common._read_once is None


def test_a_checked_result_is_forgotten(tmp_path: Path) -> None:
    folder = tmp_path / "result"
    folder.mkdir()
    (folder / "x.json").write_text("{}")
    (tmp_path / "system.json").write_text("{}")
    cache = FileCache(tmp_path)
    parsed: list[Path] = []

    def parser(path: Path) -> Parsed[dict]:
        parsed.append(path)
        return Parsed({})

    for _ in range(2):
        cache.get("json", folder / "x.json", parser)
        cache.get("json", tmp_path / "system.json", parser)
        cache.forget([str(folder)])
    assert parsed == [folder / "x.json", tmp_path / "system.json", folder / "x.json"]


def test_start_up_does_not_import_numpy_or_pandas() -> None:
    code = ("import sys, checker.cli; from checker.registry import load_rules; load_rules(); "
            "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


def test_lkind_tells_what_a_path_itself_is_from_one_lstat(tmp_path: Path) -> None:
    from checker.tree import lkind

    (tmp_path / "f").write_text("x")
    (tmp_path / "d").mkdir()
    (tmp_path / "to-d").symlink_to(tmp_path / "d")
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")
    assert [lkind(tmp_path / n) for n in ("f", "d", "to-d", "broken", "absent")] == ["file", "dir", "link", "link", None]
    assert lkind(str(tmp_path / "f")) == "file" and lkind("bad\0name") is None


def test_metric_functions_load_without_numpy() -> None:
    """Looking up re-scorers (every rescoring does) loads numpy only when a payload is decoded."""
    code = ("import sys; from checker.accuracy.registry import spec_for; spec_for('resnet'); "
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False"


def test_a_run_restores_the_garbage_collector(samples: Path) -> None:
    """The run collects less often and freezes what its workers share; both are undone after it."""
    import gc

    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    original = checking._Worker.check.__func__

    def spy(cls, result):
        seen.append(gc.get_threshold())
        return original(cls, result)

    checking._Worker.check = classmethod(spy)
    try:
        check(samples / "closed-v6.0", RunConfig(jobs=1))
    finally:
        checking._Worker.check = classmethod(original)
    assert seen and seen[0][0] == max(before[0], engine.GC_THRESHOLD)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
