"""What a rule sees: the unit it checks, the round's rulebook and a parse-once file cache."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, TypeVar

from checker.model import Options, ResultUnit, Submission, SubmitterUnit, SystemUnit
from checker.parsers.accuracy_log import AccuracyLogInfo, scan_accuracy_log
from checker.parsers.accuracy_txt import AccuracyText, parse_accuracy_text
from checker.parsers.common import UNREADABLE, Parsed, ParseProblem, forget_read, problem
from checker.parsers.conf import ConfFile, parse_conf
from checker.parsers.endpoints import ACCURACY, PERFORMANCE, EndpointsLog, endpoints_runs, is_endpoints_result, parse_document
from checker.parsers.jsonfile import parse_json, parse_model_mapping
from checker.parsers.loadgen import DetailLog, parse_detail_log
from checker.parsers.summary import SummaryLog, parse_summary_log
from checker.rulebook import Benchmark, Rulebook
from checker.tree import inside

T = TypeVar("T")


class FileCache:
    """Parses each file at most once per process and remembers the problems met.

    With `root` (the submission's resolved root), a file below the root that a symbolic link leads
    outside it is never read: it becomes a LOG003 problem (nothing of what lies outside the checked
    tree reaches a report).
    """

    def __init__(self, root: Path | None = None) -> None:
        #: Parsed values by (parser kind, path as a string: hashed once, where a Path hashes on every look-up).
        self._values: dict[tuple[str, str], Any] = {}
        #: The keys stored since the last `forget` (the only ones it may have to drop).
        self._recent: list[tuple[str, str]] = []
        self.problems: dict[Path, list[ParseProblem]] = {}
        self.root = root
        self._below = os.path.join(root, "") if root is not None else "\0"  # "\0": below no path
        self._linked: dict[str, bool] = {}
        #: With `record_touched()`: every path asked for since the last `take_touched` (incremental mode).
        self.touched: set[Path] | None = None

    def _below_link(self, directory: str) -> bool:
        """True when `directory` or one of its parents below the root is a symbolic link (memoised;
        strings, not Paths: this runs for every file parsed)."""
        hit = self._linked.get(directory)
        if hit is None:
            hit = directory.startswith(self._below) and (
                self._below_link(os.path.dirname(directory)) or os.path.islink(directory))
            self._linked[directory] = hit
        return hit

    def _escape(self, path: Path, is_link: bool | None = None) -> Path | None:
        """Where `path` really leads when a link takes it out of the root, else None (`is_link`:
        whether `path` is a link, when the caller already knows)."""
        if self.root is None:
            return None
        if is_link is None:
            is_link = os.path.islink(path)
        if not (is_link or self._below_link(os.path.dirname(path))):
            return None
        real = Path(os.path.realpath(path))
        return None if inside(real, self.root) else real

    def get(self, kind: str, path: Path, parser: Callable[[Path], Parsed[T]]) -> T | None:
        """The parsed value of `path` (None when missing or unusable); problems are recorded once."""
        key = (kind, os.fspath(path))
        if self.touched is not None:
            self.touched.add(path)
        if key in self._values:
            return self._values[key]
        try:  # one lstat tells both whether the path exists and whether it is a link
            is_link = stat.S_ISLNK(os.lstat(path).st_mode)
        except (OSError, ValueError):
            self._store(key, None)
            return None
        escape = self._escape(path, is_link)
        if escape is not None:
            self._store(key, None)
            self.problems.setdefault(path, []).append(problem(
                UNREADABLE, path, f"a symbolic link leads outside the submission (to {escape}); not read",
                "Replace the link by a copy of the file: the checker never reads outside the checked tree."))
            return None
        parsed = parser(path)
        self._store(key, parsed.value)
        if parsed.problems:
            self.problems.setdefault(path, []).extend(parsed.problems)
        return parsed.value

    def drain(self) -> dict[Path, list[ParseProblem]]:
        """Hand over the problems recorded since the last drain."""
        out, self.problems = self.problems, {}
        return out

    def record_touched(self) -> None:
        """From now on, remember every path asked for (see `take_touched`)."""
        self.touched = set()

    def take_touched(self) -> set[Path]:
        """Hand over the paths asked for (read, missing or refused) since the last call."""
        out, self.touched = self.touched or set(), set() if self.touched is not None else None
        return out

    def _store(self, key: tuple[str, str], value: Any) -> None:
        self._values[key] = value
        self._recent.append(key)

    def forget(self, folders: list[str]) -> None:
        """Drop the parsed values of `folders` and the files below them that were parsed since the last
        `forget` (a checked result's own folders), so that memory stays flat over a round; shared files
        (system descriptions) stay."""
        prefixes = tuple(os.path.join(f, "") for f in folders)
        exact = set(folders)
        for key in self._recent:
            if key[1].startswith(prefixes) or key[1] in exact:
                self._values.pop(key, None)
        self._recent = []
        forget_read(folders)


@dataclass
class BaseContext:
    """Shared by every scope: the submission, the rulebook, options and the file cache."""

    submission: Submission
    rulebook: Rulebook
    options: Options
    cache: FileCache

    def rel(self, path: Path | str) -> str:
        """Report form of a path (relative to the submission root)."""
        return self.submission.rel(path)

    def leaves_submission(self, path: Path) -> bool:
        """True when a symbolic link takes `path` (below the root) outside the submission: never read
        nor list what lies there (STR010 reports the link)."""
        return self.cache._escape(path) is not None

    def json(self, path: Path) -> dict | None:
        """A JSON object file, parsed once."""
        return self.cache.get("json", path, parse_json)

    def detail_log(self, path: Path) -> DetailLog | None:
        """A LoadGen detail log, parsed once."""
        return self.cache.get("detail", path, parse_detail_log)

    def summary_log(self, path: Path) -> SummaryLog | None:
        """A LoadGen summary log, parsed once."""
        return self.cache.get("summary", path, parse_summary_log)

    def accuracy_txt(self, path: Path) -> AccuracyText | None:
        """An accuracy.txt, parsed once."""
        return self.cache.get("acctxt", path, parse_accuracy_text)

    def accuracy_log_info(self, path: Path) -> AccuracyLogInfo | None:
        """Size, hash and truncation shape of an mlperf_log_accuracy.json, computed once."""
        t = self.rulebook.accuracy_log_truncation
        return self.cache.get("acclog", path, lambda p: scan_accuracy_log(
            p, t.head_chars, t.tail_chars, t.marker.encode()))

    def conf(self, path: Path) -> ConfFile | None:
        """A LoadGen conf file, parsed once."""
        return self.cache.get("conf", path, parse_conf)

    def model_mapping(self, submitter_dir: Path) -> dict[str, str]:
        """The open-division model_mapping.json of a submitter ({} when absent or unusable)."""
        return self.cache.get("mapping", submitter_dir / "model_mapping.json", parse_model_mapping) or {}


@dataclass
class SubmissionContext(BaseContext):
    """Context of submission-scope rules."""


@dataclass
class SubmitterContext(BaseContext):
    """Context of submitter-scope rules."""

    unit: SubmitterUnit = None  # type: ignore[assignment]


@dataclass
class SystemContext(BaseContext):
    """Context of system-scope rules."""

    unit: SystemUnit = None  # type: ignore[assignment]
    submitter: SubmitterUnit = None  # type: ignore[assignment]

    @property
    def system_json(self) -> dict | None:
        """The system description, or None when missing/unusable."""
        return self.json(self.unit.json_path)


@dataclass
class ResultContext(BaseContext):
    """Context of result-scope rules, with the paths and parsed files of one result."""

    unit: ResultUnit = None  # type: ignore[assignment]
    outcome: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def scenario(self) -> str | None:
        """The canonical scenario of the directory name, or None when it is no scenario."""
        return self.rulebook.canonical_scenario(self.unit.scenario)

    @cached_property
    def benchmark_name(self) -> str | None:
        """The official benchmark this result is for (aliases and open model_mapping resolved)."""
        mapping = self.model_mapping(self.unit.submitter_dir) if self.unit.division == "open" else None
        return self.rulebook.resolve_benchmark(self.unit.benchmark, mapping)

    @cached_property
    def benchmark(self) -> Benchmark | None:
        """The round's data for this result's benchmark."""
        return self.rulebook.benchmark(self.benchmark_name) if self.benchmark_name else None

    @cached_property
    def _paths(self) -> dict[tuple[str, ...], Path]:
        """The paths built by `under`, by their parts."""
        return {}

    def under(self, *parts: str) -> Path:
        """`<result>/<parts...>`, built once per result (rules ask for the same files many times)."""
        path = self._paths.get(parts)
        if path is None:
            path = self._paths[parts] = self.unit.path.joinpath(*parts)
        return path

    @cached_property
    def perf_dir(self) -> Path:
        """`performance/run_1` of the result."""
        return self.unit.path / "performance" / "run_1"

    @cached_property
    def acc_dir(self) -> Path:
        """`accuracy/` of the result."""
        return self.unit.path / "accuracy"

    @cached_property
    def has_power(self) -> bool:
        """A result has power when `performance/power/` exists."""
        return (self.unit.path / "performance" / "power").is_dir()

    @cached_property
    def endpoints(self) -> bool:
        """True for an endpoints-harness result (v6.1): no LoadGen detail log, the harness's files instead."""
        return is_endpoints_result(self.unit.path, self.rulebook.endpoints)

    @cached_property
    def endpoints_runs(self) -> dict[str, EndpointsLog | None]:
        """LoadGen-style views of an endpoints result's `performance` and `accuracy` runs ({} otherwise)."""
        spec = self.rulebook.endpoints
        if spec is None or not self.endpoints:
            return {}
        return endpoints_runs(self.unit.path, spec, self.scenario,
                              lambda path: self.cache.get("endpoints", path, parse_document))

    @property
    def perf_log(self) -> DetailLog | None:
        """The performance run's detail log (an endpoints result: the view of its performance files)."""
        if self.endpoints:
            return self.endpoints_runs.get(PERFORMANCE)
        return self.detail_log(self._log_paths[0])

    @property
    def acc_log(self) -> DetailLog | None:
        """The accuracy run's detail log (an endpoints result: the view of its accuracy files)."""
        if self.endpoints:
            return self.endpoints_runs.get(ACCURACY)
        return self.detail_log(self._log_paths[1])

    @cached_property
    def _log_paths(self) -> tuple[Path, Path]:
        """The two runs' detail-log paths, built once (rules ask for the logs dozens of times)."""
        return self.perf_dir / "mlperf_log_detail.txt", self.acc_dir / "mlperf_log_detail.txt"

    @cached_property
    def system_json_path(self) -> Path:
        """`systems/<system>.json` of the result's submitter."""
        return self.unit.submitter_dir / "systems" / f"{self.unit.system}.json"

    @property
    def system_json(self) -> dict | None:
        """The result's system description."""
        return self.json(self.system_json_path)

    @cached_property
    def measurements_path(self) -> Path | None:
        """The implementation-description JSON: `measurements.json` (v6) or `<system>*.json` (v5)."""
        u = self.unit
        if u.layout == "v6":
            return u.path / "measurements.json"
        try:
            names = sorted(n for n in os.listdir(u.measurements_dir) if n.endswith(".json"))
        except OSError:
            return None
        own = [n for n in names if n.startswith(u.system)]
        pick = [n for n in own if n.endswith(f"_{u.scenario}.json")] or own
        return u.measurements_dir / pick[0] if pick else None

    @property
    def measurements(self) -> dict | None:
        """The parsed implementation description."""
        path = self.measurements_path
        return self.json(path) if path is not None else None
