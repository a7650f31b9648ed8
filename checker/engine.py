"""Runs a check: incremental mode's whole-run replay when nothing changed (no rule, rulebook or parser
is even imported then), else the rules over the units of the submission (`checker.checking`)."""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from checker.model import Finding, Options
from checker.parsers.common import reading_once
from checker.replay import Replay, replay_key
from checker.report import Report

if TYPE_CHECKING:
    from checker.waivers import WaiverSet

CHK_CODE = "CHK001"
#: Allocations between two young-generation collections during a run (Python's default: 700).
GC_THRESHOLD = 70_000


@dataclass
class RunConfig:
    """Everything a check run needs besides the path."""

    round: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    jobs: int = 0
    options: Options = field(default_factory=Options)
    submitter: str | None = None
    waivers: WaiverSet | None = None
    #: Called as progress(done, total) while results are checked (the CLI draws a bar on a terminal).
    progress: Callable[[int, int], None] | None = None
    #: Incremental mode: the folder of the result cache (outside the checked tree), or None.
    cache: Path | None = None
    #: Findings made before the run (the archive reader's), selected, waived and reported with the rest.
    findings: list[Finding] = field(default_factory=list)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A check run makes millions of short-lived acyclic objects (log records, entries): the cyclic
    garbage collector runs a hundred times less often meanwhile (the previous thresholds are restored)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def check(root: Path, config: RunConfig) -> Report:
    """Check the submission at `root` (a directory, or a tar/zip archive) and return the report
    (usage errors raise ValueError subclasses)."""
    from checker.archive import check_archive, is_archive

    if is_archive(root):
        return check_archive(root, config)
    with reading_once(), _fewer_collections():  # a small file is read at most once in the run (its workers included)
        started = time.time_ns()  # incremental mode: files modified from now on are not vouched for
        jobs = config.jobs if config.jobs > 0 else (os.cpu_count() or 1)
        replay = _replay(root, config)
        if replay is not None:
            kept = replay.load(jobs, _prepare_full_check)
            if kept is not None:
                return kept
        from checker.checking import check_tree  # (the rules, the rulebook and the parsers: from here on)

        return check_tree(root, config, jobs, started, replay)


def _prepare_full_check() -> None:
    """Import what the full check needs (the rules with their modules): done while the replay's other
    processes still look at their paths, once this one has found a change."""
    from checker.checking import load_rules

    load_rules()


def _replay(root: Path, config: RunConfig) -> Replay | None:
    """Incremental mode's kept report of this root and run, when there can be one (not for an archive,
    whose findings come from outside the tree)."""
    if config.cache is None or config.findings or not os.path.isdir(root):
        return None
    options, real = config.options, Path(os.path.realpath(root))
    return Replay(config.cache, real, replay_key(real, {
        "round": config.round, "select": ",".join(config.select), "ignore": ",".join(config.ignore),
        "submitter": config.submitter, "profile": options.profile,
        "reference_data": options.reference_data and options.reference_data.resolve()}, config.waivers))
