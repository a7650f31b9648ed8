"""Incremental mode (`--cache DIR`): what did not change since the last run is not checked again.

One cache file per checked tree and run key (round, tool version and code, selected rules, options)
holds the findings, report data and parse problems of every unit's last check, with the *stamps*
of what that check depended on: kind, size, `mtime_ns` and, for the files the checks read (the
paths the FileCache was asked for), a content hash. A unit is reused when every stamp still holds;
a file whose time changed but whose size and content did not (a checkout, a copy) still holds.

Dependencies, coarse on purpose so that nothing a rule may look at is missed:
- a result: everything below its own folders (result; v5 measurements and compliance), their
  parents, and the files outside them its checks read; and its submitter's *context*;
- a submitter's context: everything below the submitter's folder outside its results' folders
  (systems, code, documentation...), the root and the division folder;
- a submitter's submitter- and system-scope findings: its context and all its results;
- the submission-scope findings: every submitter, and the root and division listings.
A file modified after the run started, or within `RACY_NS` before, is stamped without time or hash:
the next run checks its unit again (it may have changed between being read and being stamped, or may
change again within the clock's granularity). Reference data (`--reference-data`, outside the tree)
is part of the key by its path only: after changing the files of a reference set, use a fresh cache.
The cache lives outside the checked tree (a cache inside it is a usage error); it is written
atomically; a corrupt or foreign cache file is ignored.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson

from checker import __version__
from checker.model import Finding, ResultUnit, Submission, SubmitterUnit
from checker.parsers.common import ParseProblem, open_regular
from checker.tree import inside

FORMAT = 1
#: Modification times this close to the moment of stamping are not trusted (clock granularity).
RACY_NS = 2_000_000_000
#: Larger files are stamped by size and time only (hashing them would cost what checking does).
HASH_LIMIT = 16 * 1024 * 1024
_FINDING_FIELDS = [f.name for f in fields(Finding)]
_CODE_ROOT = Path(__file__).resolve().parent

#: A stamp: [name, kind, size, mtime_ns or None (not trusted)(, content digest)]; the name is relative
#: to its record's base (absolute outside it). Kinds: "f" file, "d" directory (size 0), "l" link (size
#: and time of what it leads to), "o" other, "-" absent, "?" unreadable (never holds).
Stamp = list
#: A record: [base folder, stamps].
Record = list


class CacheError(ValueError):
    """The cache directory cannot be used (inside the checked tree, or not creatable): a usage error."""


# --------------------------------------------------------------------------- stamps


#: Stamp kinds by file type: regular file, directory, link; "o" for any other.
_KINDS = {stat.S_IFREG: "f", stat.S_IFDIR: "d", stat.S_IFLNK: "l"}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "o")


def _digest(path: str) -> str | None:
    """Content hash of a regular file (None when unreadable); never blocks on special files."""
    try:
        with open_regular(Path(path)) as fh:
            return hashlib.file_digest(fh, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
    except OSError:
        return None


def path_state(path: str) -> tuple[str, int, int]:
    """(kind, size, mtime_ns) of `path` now (size 0 for a directory); a link reports what it leads
    to ((-1, -1) when broken)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "-", 0, 0
    except OSError:
        return "?", 0, 0
    kind = _kind(st.st_mode)
    if kind == "l":
        try:
            st = os.stat(path)
        except OSError:
            return kind, -1, -1
    return kind, 0 if kind == "d" else st.st_size, st.st_mtime_ns


def _stamp(path: str, rel: str, digest: bool, since_ns: int, state: tuple[str, int, int] | None = None) -> Stamp:
    """The stamp of `path` as it is now, named `rel` (`digest`: also hash a regular file's content);
    `since_ns` is when the run started (a file modified since, or just before, is not vouched for)."""
    kind, size, mtime = state or path_state(path)
    if kind == "?" or mtime > since_ns - RACY_NS:
        return [rel, kind, size, None]
    out: Stamp = [rel, kind, size, mtime]
    content = _digest(path) if digest and kind == "f" and size <= HASH_LIMIT else None
    if content:
        out.append(content)
    return out


def _named(base: str) -> Callable[[str], str]:
    """How paths are written in a record based at `base`: relative below it, absolute elsewhere."""
    prefix = os.path.join(base, "")
    return lambda path: path[len(prefix):] if path.startswith(prefix) else "" if path == base else path


def _walk(top: str, exclude: frozenset[str], digest: set[str], since_ns: int, name: Callable[[str], str]) -> list[Stamp]:
    """Stamps of `top` and of everything below it except the folders in `exclude` (links not followed)."""
    out = [_stamp(top, name(top), False, since_ns)]
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            path = entry.path
            if path in exclude:
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                out.append([name(path), "?", 0, None])
                continue
            kind = _kind(st.st_mode)
            state = None if kind == "l" else (kind, 0 if kind == "d" else st.st_size, st.st_mtime_ns)
            out.append(_stamp(path, name(path), path in digest, since_ns, state))
            if kind == "d":
                stack.append(path)
    return out


def own_folders(unit: ResultUnit) -> list[str]:
    """The folders that belong to one result only (v6: the result folder; v5: also its
    measurements and compliance folders)."""
    return list(dict.fromkeys(str(p) for p in (unit.path, unit.measurements_dir, unit.compliance_dir)))


def _outside(paths: Iterable[str], folders: Iterable[str]) -> list[str]:
    """The paths that are none of `folders` and lie below none of them, sorted."""
    folders = set(folders)
    prefixes = tuple(os.path.join(f, "") for f in folders)
    return sorted(p for p in set(paths) if p not in folders and not p.startswith(prefixes))


def _within(submission: Submission, paths: Iterable[str]) -> list[str]:
    """The paths that are the checked root or lie below it (nothing outside the tree is looked at)."""
    root = str(submission.root)
    return [p for p in paths if p == root or p.startswith(os.path.join(root, ""))]


def result_stamps(unit: ResultUnit, touched: Iterable[Path], since_ns: int) -> Record:
    """What a result's check depended on: its own folders (walked), their parents, and every other
    path its checks asked the FileCache for; the files read get a content hash."""
    now = since_ns
    own = own_folders(unit)
    base = own[0]
    name = _named(base)
    read = {str(p) for p in touched}
    entries: list[Stamp] = []
    for folder in own:
        entries.extend(_walk(folder, frozenset(), read, now, name))
    entries.extend(_stamp(p, name(p), p in read, now) for p in _outside(read | {os.path.dirname(f) for f in own}, own))
    return [base, entries]


def context_stamps(submission: Submission, sub: SubmitterUnit, touched: Iterable[Path], since_ns: int) -> Record:
    """A submitter's context: its folder outside its results' own folders, the root and its division."""
    now = since_ns
    base = str(sub.path)
    name = _named(base)
    own = frozenset(f for r in sub.results for f in own_folders(r))
    entries = _walk(base, own, {str(p) for p in touched}, now, name)
    above = {p for p in _within(submission, [str(submission.root), str(sub.path.parent)]) if p != base}
    entries.extend(_stamp(p, name(p), False, now) for p in sorted(above))
    return [base, entries]


def listing_stamps(submission: Submission, touched: Iterable[Path], since_ns: int) -> Record:
    """The root's and the divisions' own entries (what the submission-scope rules look at)."""
    now = since_ns
    base = str(submission.root)
    name = _named(base)
    read = {str(p) for p in touched}
    folders = set(_within(submission, [base, *(str(s.path.parent) for s in submission.submitters)]))
    paths = set(folders) | read
    for folder in folders:
        try:
            with os.scandir(folder) as it:
                paths.update(e.path for e in it)
        except OSError:
            continue
    return [base, [_stamp(p, name(p), p in read, now) for p in sorted(paths)]]


#: What `Validator.holds` answers: the record does not hold, holds, or holds only because the content of
#: a file whose time changed (or was not trusted) is the same.
CHANGED, HOLDS, SAME_CONTENT = 0, 1, 2


class Validator:
    """Checks records against the tree as it is now; each path is looked at (and hashed) at most once.

    With `trusted_before` (epoch ns), a stamp that holds by its content takes the file's time when that
    time is older: the next run need not hash the file again (and the whole-run report can be kept)."""

    def __init__(self, trusted_before: int | None = None, suspects: frozenset[str] | None = None) -> None:
        self._states: dict[str, tuple[str, int, int]] = {}
        self._digests: dict[str, str | None] = {}
        self._trusted_before = trusted_before
        #: When known (see `Verified`): the only paths that may differ from their stamps; no other is looked at.
        self._suspects = suspects
        #: True once a stamp took a file's new time.
        self.refreshed = False

    def holds(self, record: Record | None) -> int:
        """`HOLDS` when every stamp of the record still holds, `SAME_CONTENT` when some hold only by
        their content, `CHANGED` otherwise (and for no record)."""
        if not record:
            return CHANGED
        base, entries = record
        prefix = os.path.join(base, "")
        states = self._states
        answer = HOLDS
        for e in entries:
            rel = e[0]
            path = base if not rel else rel if rel.startswith(os.sep) else prefix + rel
            if self._suspects is not None and path not in self._suspects:
                continue
            now = states.get(path)
            if now is None:
                now = states[path] = path_state(path)
            if now[0] != e[1] or now[1] != e[2]:
                return CHANGED
            if now[2] != e[3]:
                if not self._same_content(path, e, now):
                    return CHANGED
                answer = SAME_CONTENT
                if self._trusted_before is not None and now[2] <= self._trusted_before:
                    e[3] = now[2]
                    self.refreshed = True
        return answer

    def _same_content(self, path: str, e: Stamp, now: tuple[str, int, int]) -> bool:
        """A file whose time changed (or was not trusted) still holds when its content did not change."""
        if now[0] != "f" or len(e) < 5:
            return False
        if path not in self._digests:
            self._digests[path] = _digest(path)
        return self._digests[path] == e[4]


#: Below this many stamps a tree's records are looked at in one process (a fork costs more).
PARALLEL_STAMPS = 4000


def holds_all(records: list[Record | None], jobs: int = 1, suspects: frozenset[str] | None = None) -> list[int]:
    """`Validator.holds` of every record (`CHANGED` for a missing one); when `suspects` are known, no other
    path is looked at. With `jobs` > 1 and many stamps, the records are looked at by that many processes (a
    stat costs microseconds; a round has tens of thousands); a process that fails to answer makes its
    records `CHANGED`."""
    def answer(part: list[Record | None]) -> list[int]:
        check = Validator(suspects=suspects)
        return [check.holds(r) for r in part]

    sizes = [len(r[1]) if r else 0 for r in records]
    if jobs <= 1 or (len(suspects) if suspects is not None else sum(sizes)) < PARALLEL_STAMPS:
        return answer(records)
    return forked_map(answer, split_evenly(records, sizes, jobs))


def split_evenly(items: list[Any], sizes: list[int], parts: int) -> list[list[Any]]:
    """`items` cut into at most `parts` contiguous runs of about equal total size."""
    share = sum(sizes) / parts
    out: list[list[Any]] = [[]]
    running = 0
    for item, size in zip(items, sizes, strict=True):
        if out[-1] and running >= share * len(out) and len(out) < parts:
            out.append([])
        out[-1].append(item)
        running += size
    return out


def forked_map(answer: Callable[[list[Any]], list[int]], parts: list[list[Any]],
               then: Callable[[list[int]], Any] | None = None) -> list[int]:
    """`answer(part)` of every part (small integers, one per item), concatenated: the first part in this
    process, the others at the same time in forked ones (one byte per item through a pipe); `then` is
    called here with this process's own answers while the others may still work. The items of a process
    that fails or cannot be started are answered 0. Without `os.fork`, all parts are answered here."""
    if not hasattr(os, "fork"):
        out = answer(parts[0]) if parts else []
        if then is not None:
            then(out)
        return out + [a for part in parts[1:] for a in answer(part)]
    children = [_fork(answer, part) for part in parts[1:]]
    out = answer(parts[0]) if parts else []
    if then is not None:
        then(list(out))
    for (pid, fd), part in zip(children, parts[1:], strict=True):
        out.extend(_collect(pid, fd, len(part)))
    return out


def _fork(answer: Callable[[list[Any]], list[int]], part: list[Any]) -> tuple[int, int]:
    """A process answering `part` into a pipe: (its pid, the pipe's reading end); (-1, -1) when none starts."""
    try:
        read, write = os.pipe()
    except OSError:
        return -1, -1
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return -1, -1
    if pid == 0:  # the child: answer and leave at once (no cleanup of the parent's state)
        code = 1
        try:
            os.close(read)
            data = bytes(answer(part))
            while data:
                data = data[os.write(write, data):]
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _collect(pid: int, fd: int, count: int) -> list[int]:
    """A child's `count` answers (all 0 when it did not give them all)."""
    if pid < 0:
        return [0] * count
    with os.fdopen(fd, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return list(data) if len(data) == count else [0] * count


# --------------------------------------------------------------------------- cached units


@dataclass
class Checked:
    """What checking one unit produced (and what a cache hit gives back)."""

    findings: list[Finding]
    problems: dict[Path, list[ParseProblem]]
    outcome: dict[str, Any] = field(default_factory=dict)


def _dump_unit(checked: Checked, stamps: Record, **extra: Any) -> dict[str, Any]:
    return {"findings": [[getattr(f, n) for n in _FINDING_FIELDS] for f in checked.findings],
            "problems": [[p.code, str(path), p.message, p.hint, p.line]
                         for path, items in checked.problems.items() for p in items],
            "outcome": checked.outcome, "stamps": stamps, **extra}


def _load_unit(data: dict[str, Any], shared: list[Any]) -> Checked:
    """A stored unit (raises on a malformed one: the caller treats it as not cached)."""
    problems: dict[Path, list[ParseProblem]] = {}
    for code, path, message, hint, line in data["problems"]:
        problems.setdefault(Path(path), []).append(ParseProblem(code, Path(path), message, hint, line))
    outcome = unpack_values([[data["outcome"], data.get("shared") or {}]], shared)[0]
    return Checked([Finding(*row) for row in data["findings"]], problems, outcome)


def pack_values(dicts: list[dict[str, Any]]) -> tuple[list[list[Any]], list[Any]]:
    """Report data with its large values (a system description in every result of the system) stored
    once in a shared table: each dict becomes [the dict with those values None, {key: table index}]."""
    table: list[Any] = []
    by_text: dict[str, int] = {}
    by_id: dict[int, int] = {}
    out = []
    for data in dicts:
        refs = {}
        for key, value in data.items():
            if not isinstance(value, dict) or len(value) < 8:  # small values are cheaper kept in place
                continue
            index = by_id.get(id(value))
            if index is None:
                try:
                    text = json.dumps(value, sort_keys=True)
                except (TypeError, ValueError):
                    continue
                index = by_id[id(value)] = by_text.setdefault(text, len(table))
                if index == len(table):
                    table.append(value)
            refs[key] = index
        out.append([{k: None if k in refs else v for k, v in data.items()} if refs else data, refs])
    return out, table


def unpack_values(packed: list[list[Any]], table: list[Any]) -> list[dict[str, Any]]:
    """The dicts that `pack_values` packed (raises on malformed data)."""
    return [{k: table[refs[k]] if k in refs else v for k, v in data.items()} for data, refs in packed]


def _pack(units: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[Any]]:
    """Units with their large report-data values stored once in a shared table (`pack_values`)."""
    packed, table = pack_values([unit["outcome"] for unit in units.values()])
    out = {name: {**unit, "outcome": outcome, "shared": refs} if refs else unit
           for (name, unit), (outcome, refs) in zip(units.items(), packed, strict=True)}
    return out, table


def code_fingerprint() -> str:
    """Identity of the checker's code and data (a development checkout changes without a new version)."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    data = [_CODE_ROOT, _CODE_ROOT.parent / "rules", _CODE_ROOT.parent / "schemas"]
    for top in data:
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".yaml", ".json")):
                    st = os.stat(os.path.join(folder, name))
                    digest.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()


def run_key(round_: str, rules: Iterable[str], options: dict[str, Any]) -> dict[str, Any]:
    """What must be equal for a cached unit to be reused: everything a check's outcome depends on
    besides the files (waivers are applied after the cache, so they are not part of it)."""
    return {"format": FORMAT, "tool": __version__, "code": code_fingerprint(), "round": round_,
            "rules": sorted(rules), "options": {k: None if v is None else str(v) for k, v in sorted(options.items())}}


def read_json(file: Path) -> Any:
    """The JSON data of a cache file (None when it is absent, unreadable or not JSON)."""
    try:
        raw = file.read_bytes()
        try:
            return orjson.loads(raw)
        except ValueError:  # NaN or huge integers from a system description: the slower parser
            return json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return None


def finite(value: Any) -> bool:
    """True when no float in `value` (nested in lists and dict values) is NaN or infinite."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(map(finite, value.values()))
    if isinstance(value, (list, tuple)):
        return all(map(finite, value))
    return True


def write_json(file: Path, data: Any, floats: Any = None) -> None:
    """Write a cache file atomically (a temporary file beside it, then a rename); raises OSError.
    `floats`: the parts of `data` that may hold floats. orjson writes it (ten times faster) unless one of
    them is NaN or infinite, which orjson would turn into null, or an integer exceeds 64 bits: then the
    standard library, which keeps them."""
    try:
        if not finite(floats):
            raise TypeError("NaN or infinity")
        text = orjson.dumps(data)
    except TypeError:
        text = json.dumps(data, separators=(",", ":")).encode()
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text)
        os.replace(tmp, file)
    except BaseException:
        os.unlink(tmp)
        raise


#: The cache folder's file of what earlier runs worked out besides findings: the system-description
#: schema's answers for the values met (`jsonschemas.ANSWERS`, valid for the code that gave them). (The
#: rulebook files need no memory: the shipped ones are kept parsed in `rules/parsed.json`.)
MEMORY_FILE = "mlperf-checker-memory.json"


def usable_folder(directory: Path, root: Path) -> Path | None:
    """The cache folder as an absolute path, or None when it lies inside the checked tree `root`."""
    folder = Path(os.path.abspath(directory))
    return None if inside(Path(os.path.realpath(folder)), root) else folder


def recall(folder: Path) -> frozenset[str]:
    """Hand the schema answers that earlier runs of this code kept in the folder to this run; the keys
    the folder held (an answer that is no boolean is not recalled)."""
    from checker import jsonschemas  # (not at start-up: a replayed run needs no schema)

    data = read_json(folder / MEMORY_FILE)
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict) or data.get("code") != code_fingerprint():
        return frozenset()
    for key, value in data["answers"].items():
        if isinstance(value, bool):
            jsonschemas.ANSWERS.setdefault(key, value)
    return frozenset(data["answers"])


def keep(folder: Path, recalled: frozenset[str]) -> None:
    """Keep this run's schema answers in the folder when it worked out new ones (nothing on failure)."""
    from checker import jsonschemas

    if recalled.issuperset(jsonschemas.ANSWERS):
        return
    try:
        write_json(folder / MEMORY_FILE, {"code": code_fingerprint(), "answers": jsonschemas.ANSWERS}, [])
    except OSError:
        pass


@dataclass(frozen=True)
class Verified:
    """What the whole-run replay found (it looked at every path anyway): the records of run `run_id` need
    to look again only at the `suspects`."""

    run_id: str | None
    #: The paths that may have changed (those of the blocks whose states differ); every other path that
    #: the records of that run stamped is as stamped.
    suspects: frozenset[str]


class RunCache:
    """The cache of one checked tree for one run key: which units can be reused, and the new records."""

    def __init__(self, directory: Path | None, submission: Submission, key: dict[str, Any],
                 started_ns: int | None = None) -> None:
        self.enabled = directory is not None
        #: When the run started (before anything was read): what changed since is not vouched for.
        self.started = time.time_ns() if started_ns is None else started_ns
        self.submission = submission
        self.key = key
        self.file: Path | None = None
        self._old: dict[str, Any] = {}
        self._new: dict[str, Any] = {"contexts": {}, "results": {}, "submitters": {}, "submission": None}
        self._changed = False
        #: Identity of the records written by `save` (the whole-run replay names the records it agrees with).
        self.run_id: str | None = None
        #: Units reused from the cache: results by `rel`, submitters' scoped findings by key, the submission's.
        self.reused_results: dict[str, Checked] = {}
        self.reused_submitters: dict[str, Checked] = {}
        self.submission_hit: Checked | None = None
        if directory is not None:
            self.file = self._place(directory)
            self._old = self._read(self.file)
            self.run_id = self._old.get("run") if isinstance(self._old.get("run"), str) else None
            from checker import rulebook

            known = self._old.get("rulebooks")
            if isinstance(known, list):  # rulebooks validated before: not validated again
                rulebook.VALIDATED.update(d for d in known if isinstance(d, str))

    def _place(self, directory: Path) -> Path:
        """The cache file for this tree and key (the directory is created; it must lie outside the tree)."""
        folder = usable_folder(directory, self.submission.root)
        if folder is None:
            raise CacheError(f"--cache {directory}: the cache directory is inside the checked tree "
                             f"({self.submission.root}); put it elsewhere (the checked tree is never written)")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"--cache {directory}: cannot create the cache directory ({exc.strerror})") from None
        # One file per tree, round, selection and options; a new checker version or code replaces it.
        what = {k: v for k, v in self.key.items() if k not in ("tool", "code")}
        name = hashlib.blake2b(json.dumps([str(self.submission.root), self.submission.prefix, what],
                                          sort_keys=True).encode(), digest_size=12).hexdigest()
        return folder / f"mlperf-checker-{name}.json"

    def _read(self, file: Path) -> dict[str, Any]:
        """The stored records, or nothing when the file is absent, corrupt or for another key."""
        data = read_json(file)
        if isinstance(data, dict) and data.get("key") == self.key and data.get("root") == str(self.submission.root):
            return data
        return {}

    # ----------------------------------------------------------------- planning

    def plan(self, jobs: int = 1, verified: Verified | None = None) -> None:
        """Decide which results, submitters and the submission can be reused (fills the `reused_*`
        maps and `submission_hit`); a malformed record is not reused. With `jobs` > 1 the stamps of a
        large tree are looked at by that many processes."""
        if not self._old:
            return
        try:
            same_run = verified is not None and verified.run_id is not None and verified.run_id == self.run_id
            self._plan(self._old.get("shared") or [], jobs, verified.suspects if same_run else None)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):  # a corrupt cache file
            self.reused_results, self.reused_submitters, self.submission_hit = {}, {}, None
            self._new = {"contexts": {}, "results": {}, "submitters": {}, "submission": None}

    def _plan(self, shared: list[Any], jobs: int, suspects: frozenset[str] | None) -> None:
        old = self._old
        subs = self.submission.submitters
        contexts = [old["contexts"].get(sub.key) for sub in subs]
        entries = [[old["results"].get(r.rel) for r in sub.results] for sub in subs]
        scoped = [old["submitters"].get(sub.key) for sub in subs]
        whole = old["submission"]
        records = [*contexts, *(e["stamps"] if e else None for group in entries for e in group),
                   *(s["stamps"] if s else None for s in scoped), whole["stamps"] if whole else None]
        holding = iter(self._refreshed(records, holds_all(records, jobs, suspects)))
        context_ok = [next(holding) for _ in subs]
        result_ok = [[next(holding) for _ in group] for group in entries]
        scoped_ok = [next(holding) for _ in subs]
        all_hit = True
        for sub, context, ok, entry_group, oks, own, own_ok in zip(subs, contexts, context_ok, entries, result_ok,
                                                                  scoped, scoped_ok, strict=True):
            hits = 0
            for r, entry, entry_ok in zip(sub.results, entry_group, oks, strict=True):
                if ok and entry_ok and entry["submitter"] == sub.key:
                    self._reuse(self.reused_results, "results", r.rel, entry, shared)
                    hits += 1
            if ok and hits == len(sub.results) and own_ok and own["results"] == [r.rel for r in sub.results]:
                self._reuse(self.reused_submitters, "submitters", sub.key, own, shared)
                self._new["contexts"][sub.key] = context
            else:
                all_hit = False
        if all_hit and next(holding) and whole["submitters"] == [s.key for s in subs]:
            self.submission_hit = _load_unit(whole, shared)
            self._new["submission"] = whole

    def _refreshed(self, records: list[Record | None], answers: list[int]) -> list[int]:
        """The answers, with the records that held by content looked at again here, so that their stamps
        take the files' new times (then the cache is written again)."""
        fixer = Validator(self.started - RACY_NS)
        out = [fixer.holds(r) if a == SAME_CONTENT else a for r, a in zip(records, answers, strict=True)]
        self._changed |= fixer.refreshed
        return out

    def _reuse(self, into: dict[str, Checked], kind: str, name: str, entry: dict[str, Any], shared: list[Any]) -> None:
        checked = into[name] = _load_unit(entry, shared)
        self._new[kind][name] = {**entry, "outcome": checked.outcome, "shared": {}}

    # ----------------------------------------------------------------- recording

    def record_result(self, unit: ResultUnit, checked: Checked, stamps: Record | None) -> None:
        """Keep a freshly checked result (`stamps` from `result_stamps`, taken by the worker)."""
        if self.enabled and stamps is not None:
            self._changed = True
            self._new["results"][unit.rel] = _dump_unit(checked, stamps, submitter=unit.submitter_key)

    def record_submitter(self, sub: SubmitterUnit, checked: Checked, touched: set[Path]) -> None:
        """Keep a submitter's freshly computed submitter- and system-scope findings and its context."""
        if not self.enabled:
            return
        self._changed = True
        now = self.started
        context = context_stamps(self.submission, sub, touched, now)
        own = {f for r in sub.results for f in own_folders(r)}
        name = _named(context[0])
        seen = {os.path.join(context[0], s[0]) if s[0] else context[0] for s in context[1]}
        outside = [p for p in _outside(map(str, touched), own) if p not in seen]
        self._new["contexts"][sub.key] = context
        stamps = [context[0], [_stamp(p, name(p), True, now) for p in outside]]
        self._new["submitters"][sub.key] = _dump_unit(checked, stamps, results=[r.rel for r in sub.results])

    def record_submission(self, checked: Checked, touched: set[Path]) -> None:
        """Keep the freshly computed submission-scope findings."""
        if self.enabled:
            self._changed = True
            self._new["submission"] = _dump_unit(checked, listing_stamps(self.submission, touched, self.started),
                                                 submitters=[s.key for s in self.submission.submitters])

    def records(self) -> list[Record] | None:
        """Every record of the run, reused or new (None when a unit has none: the run was not complete)."""
        new, subs = self._new, self.submission.submitters
        try:
            return [*(new["contexts"][s.key] for s in subs),
                    *(new["results"][r.rel]["stamps"] for r in self.submission.results),
                    *(new["submitters"][s.key]["stamps"] for s in subs), new["submission"]["stamps"]]
        except (KeyError, TypeError):
            return None

    def save(self) -> str | None:
        """Write the records atomically (temporary file, then rename) when anything was checked anew;
        a note when that fails."""
        if self.file is None or not self._changed:
            return None
        results, shared = _pack(self._new["results"])
        from checker import rulebook

        run_id = secrets.token_hex(8)
        data = {"key": self.key, "root": str(self.submission.root), **self._new, "results": results, "shared": shared,
                "rulebooks": sorted(rulebook.VALIDATED), "run": run_id}
        try:
            write_json(self.file, data, [shared, *(u["outcome"] for kind in ("results", "submitters") for u in data[kind].values()),
                                         (data["submission"] or {}).get("outcome")])
        except OSError as exc:
            self.run_id = None
            return f"cache not written to {self.file.parent}: {exc.strerror or exc}"
        self.run_id = run_id
        return None
