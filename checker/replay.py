"""Whole-run replay (incremental mode): a run on which nothing changed gives the last report back.

The per-unit cache (`checker.cache`) still pays a full start-up on an unchanged tree: the rules are
imported, the round detected and its rulebook resolved, the tree discovered, and every unit's record
compared stamp by stamp. So a complete run whose stamps were all trusted also keeps its report, with
the state (kind, size, `mtime_ns`) of every path that any of its units depended on, under a key made
of the checked root, the run's options and the checker's code. The next run with the same key looks
at those paths again (one stat each, spread over `--jobs` processes) and, when every state is equal,
gives the report back without discovering, detecting or importing anything more. Any difference
falls back to the per-unit cache, which still reuses every unit whose own files did not change (and a
file whose time changed but not its content). Equal states mean what the per-unit records mean: the
replay vouches for nothing they would not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from array import array
from collections.abc import Callable, Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from checker import __version__, cache
from checker.cache import (FORMAT, Record, Verified, forked_map, pack_values, read_json, unpack_values,
                           write_json)
from checker.model import Finding
from checker.report import Report, ResultRecord

_FINDING_FIELDS = [f.name for f in fields(Finding)]
_RESULT_FIELDS = [f.name for f in fields(ResultRecord) if f.name != "extra"]
#: Paths whose states are digested together (the unit of work of the processes that look at them).
BLOCK = 2048
#: A path's state as the cache stamps it: kind, size, mtime_ns (see `checker.cache`).
State = tuple[str, int, int]


def replay_key(root: Path, options: dict[str, Any], waivers: Any) -> dict[str, Any]:
    """What must be equal for a report to be given back: the checker's code, the root and every
    option of the run (waivers by their content and today's date, as they may expire)."""
    return {"format": FORMAT, "tool": __version__, "code": cache.code_fingerprint(), "root": str(root),
            "options": {k: None if v is None else str(v) for k, v in sorted(options.items())},
            "waivers": None if waivers is None else [repr(waivers), dt.date.today().isoformat()]}


class Replay:
    """The kept report of one root and key: given back when its paths are as they were."""

    def __init__(self, directory: Path, root: Path, key: dict[str, Any]) -> None:
        self.key = key
        self.root = str(root)
        #: After a load that found changes: the paths that may have changed, for the units' records of the same run.
        self.verified: Verified | None = None
        name = hashlib.blake2b(json.dumps([str(root), key["options"], key["waivers"]], sort_keys=True).encode(),
                               digest_size=12).hexdigest()
        folder = cache.usable_folder(directory, root)
        #: None when the cache folder lies inside the checked tree (the per-unit cache refuses it).
        self.file: Path | None = None if folder is None else folder / f"mlperf-checker-run-{name}.json"

    def load(self, jobs: int, prepare: Callable[[], Any] | None = None) -> Report | None:
        """The kept report when every path it depended on is as it was, else None. `prepare` is called
        when this process already knows that the report cannot be given back, while the others still look
        (the full check can get ready meanwhile)."""
        data = self._read()
        if data is None:
            return None
        try:
            folders, digests = data["folders"], data["digests"]
            if len(digests) != -(-sum(len(names) for _, names in folders) // BLOCK):
                return None
            built: list[Report] = []

            def meanwhile(own: list[int]) -> None:  # (while other processes look at their paths)
                if all(own):
                    built.append(_report(data["report"]))
                elif prepare is not None:
                    prepare()

            same = _unchanged(self.root, folders, digests, jobs, meanwhile)
            if all(same):
                return built[0]
            suspects = frozenset(p for i, ok in enumerate(same) if not ok
                                 for p in _expand(self.root, folders, i * BLOCK, (i + 1) * BLOCK))
            self.verified = Verified(data.get("run"), suspects)
            return None
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):  # a damaged file: not replayed
            return None

    def _read(self) -> dict[str, Any] | None:
        data = read_json(self.file) if self.file is not None else None
        return data if isinstance(data, dict) and data.get("key") == self.key else None

    def save(self, records: Iterable[Record], report: Report, run_id: str | None) -> None:
        """Keep `report` with the states of the records' paths (the units' records of run `run_id`);
        nothing is kept when a stamp was not trusted (its path changed during the run, or just before:
        the report could not be given back, and keeping it would cost more than it saves the next run)."""
        if self.file is None:
            return
        states = _states(records)
        if states is None:
            return
        folders, ordered = _layout(self.root, states)
        data = {"key": self.key, "run": run_id, "folders": folders,
                "digests": [_digest(ordered[i:i + BLOCK]) for i in range(0, len(ordered), BLOCK)],
                "report": _report_data(report)}
        try:
            write_json(self.file, data, [data["report"]["extras"], data["report"]["shared"]])  # (results: from extras)
        except OSError:  # no kept report: the next run goes through the units' records
            pass


def _states(records: Iterable[Record]) -> dict[str, State] | None:
    """The state every record stamped, by absolute path (None when one was not trusted or two disagree)."""
    out: dict[str, State] = {}
    for base, entries in records:
        prefix = os.path.join(base, "")
        for e in entries:
            rel, kind, size, mtime = e[0], e[1], e[2], e[3]
            if mtime is None:
                return None
            path = base if not rel else rel if rel.startswith(os.sep) else prefix + rel
            if out.setdefault(path, (kind, size, mtime)) != (kind, size, mtime):
                return None
    return out


def _layout(root: str, states: dict[str, State]) -> tuple[list[list[Any]], list[State]]:
    """The paths grouped by folder: [[folder (relative to `root`, "" for it; absolute outside it),
    [names]], ...] (a round's paths share a few thousand folders: the file stays small), and the states
    in the same order."""
    below = os.path.join(root, "")
    grouped: dict[str, list[tuple[str, State]]] = {}
    for path, state in states.items():
        head, _, name = path.rpartition(os.sep)
        folder = "" if head == root else head[len(below):] if head.startswith(below) else head or os.sep
        grouped.setdefault(folder, []).append((name, state))
    folders = [[folder, [name for name, _ in items]] for folder, items in grouped.items()]
    return folders, [state for items in grouped.values() for _, state in items]


def _expand(root: str, folders: list[list[Any]], start: int = 0, stop: int | None = None) -> list[str]:
    """The absolute paths of `_layout`'s folders, in its order (those from index `start` to `stop`)."""
    out: list[str] = []
    below = os.path.join(root, "")
    seen = 0
    for folder, names in folders:
        if seen + len(names) > start and (stop is None or seen < stop):
            prefix = below if not folder else folder.rstrip(os.sep) + os.sep if folder.startswith(os.sep) \
                else below + folder + os.sep
            out.extend([prefix + name for name in names[max(0, start - seen):None if stop is None else stop - seen]])
        seen += len(names)
    return out


def _digest(states: list[State]) -> str:
    """Digest of a block's states (kind, size, mtime_ns of each path)."""
    digest = hashlib.blake2b("".join(kind for kind, _, _ in states).encode(), digest_size=16)
    digest.update(array("q", [n for _, size, mtime in states for n in (size, mtime)]).tobytes())
    return digest.hexdigest()


#: The share of the blocks this process looks at when others help (it also rebuilds the report after).
OWN_SHARE = 0.45


def _unchanged(root: str, folders: list[list[Any]], digests: list[str], jobs: int,
               meanwhile: Callable[[list[int]], Any]) -> list[int]:
    """For each block of the paths of `folders`, whether their states have the kept digest (`meanwhile`
    is called with this process's answers). With several `jobs`, forked processes look at most blocks,
    each expanding only its own paths."""
    def same(blocks: list[int]) -> list[int]:
        if not blocks:
            return []
        paths = _expand(root, folders, blocks[0] * BLOCK, (blocks[-1] + 1) * BLOCK)
        out = []
        for i in blocks:
            now = [cache.path_state(p) for p in paths[(i - blocks[0]) * BLOCK:(i - blocks[0] + 1) * BLOCK]]
            out.append(_digest(now) == digests[i])
        return out

    count = max(1, min(jobs, len(digests) * BLOCK // max(1, cache.PARALLEL_STAMPS)))
    blocks = list(range(len(digests)))
    if count == 1:
        answers = same(blocks)
        meanwhile(answers)
        return answers
    own = round(len(blocks) * OWN_SHARE)
    rest = blocks[own:]
    size = -(-len(rest) // (count - 1)) or 1
    return forked_map(same, [blocks[:own], *(rest[i:i + size] for i in range(0, len(rest), size))], meanwhile)


def _report_data(report: Report) -> dict[str, Any]:
    """`report` as JSON data (large report values, a system description per result, kept once)."""
    extras, shared = pack_values([r.extra for r in report.results])
    return {"round": report.round, "tool_version": report.tool_version, "round_detected": report.round_detected,
            "profile": report.profile, "root": report.root, "rules": report.rules, "prefix": report.prefix,
            "results": [[getattr(r, n) for n in _RESULT_FIELDS] for r in report.results], "extras": extras,
            "shared": shared, "findings": [[getattr(f, n) for n in _FINDING_FIELDS] for f in report.findings]}


def _report(data: dict[str, Any]) -> Report:
    """The Report that `_report_data` made (raises on malformed data)."""
    extras = unpack_values(data["extras"], data["shared"])
    results = [ResultRecord(**dict(zip(_RESULT_FIELDS, row, strict=True)), extra=extra)
               for row, extra in zip(data["results"], extras, strict=True)]
    return Report(round=data["round"], tool_version=data["tool_version"], results=results,
                  findings=[Finding(*row) for row in data["findings"]], round_detected=data["round_detected"],
                  profile=data["profile"], root=data["root"], rules=data["rules"], prefix=data["prefix"])
