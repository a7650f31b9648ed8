"""Walks a submission tree into typed units, for both layouts.

Up to v5.1 a submitter keeps `results/`, `measurements/`, `compliance/` and `code/` side by side;
from v6.0 everything of a result lives inside the result directory and code is in `src/`.
A root may be a whole submission (holding `closed/`, `open/`, `network/`), one division, or one
submitter. Symbolic links are never followed: a linked directory is not walked.
"""

from __future__ import annotations

import os
from pathlib import Path

from checker.model import ResultUnit, Submission, SubmitterUnit, SystemUnit
from checker.parsers.jsonfile import parse_json

DIVISIONS = ("closed", "open", "network")
SCENARIOS = ("SingleStream", "MultiStream", "Server", "Offline", "Interactive")
V5_MARKERS = ("measurements", "compliance", "code")


class NotASubmission(ValueError):
    """The path given cannot be read as a submission (a usage error)."""


def subdirectories(path: Path) -> list[str]:
    """Names of the real (not linked) subdirectories of `path`, sorted ([] when it cannot be listed)."""
    try:
        with os.scandir(path) as it:
            return sorted(e.name for e in it if e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def _entries(path: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(path) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError:
        return []


def canonical_scenario(name: str, scenarios: tuple[str, ...] = SCENARIOS,
                       aliases: dict[str, str] | None = None) -> str | None:
    """`offline` -> `Offline` (and a round's aliases, e.g. `online` -> `Server`); None when no scenario."""
    lowered = name.lower()
    for s in scenarios:
        if s.lower() == lowered:
            return s
    for alias, target in (aliases or {}).items():
        if alias.lower() == lowered:
            return target
    return None


def detect_layout(submitter_dir: Path) -> str:
    """'v5' when the submitter uses the pre-v6.0 parallel trees, else 'v6'."""
    names = set(subdirectories(submitter_dir))
    return "v5" if names & set(V5_MARKERS) else "v6"


def _submitter(division: str, path: Path, root: Path, prefix: str,
               aliases: dict[str, str] | None = None) -> SubmitterUnit:
    sub = SubmitterUnit(division=division, name=path.name, path=path, layout=detect_layout(path))
    results_root = path / "results"
    systems = set()
    try:
        systems |= {e.name[:-5] for e in _entries(path / "systems") if e.name.endswith(".json")}
    except OSError:
        pass
    systems |= set(subdirectories(results_root))
    for system in sorted(systems):
        sub.systems.append(SystemUnit(division=division, submitter=sub.name, name=system,
                                      json_path=path / "systems" / f"{system}.json",
                                      results_dir=results_root / system))
    base = "" if path == root else path.relative_to(root).as_posix()
    for system in subdirectories(results_root):
        for benchmark in subdirectories(results_root / system):
            for scenario in subdirectories(results_root / system / benchmark):
                if canonical_scenario(scenario, aliases=aliases) is None:
                    continue
                rpath = results_root / system / benchmark / scenario
                if sub.layout == "v5":
                    mdir = path / "measurements" / system / benchmark / scenario
                    cdir = path / "compliance" / system / benchmark / scenario
                else:
                    mdir = cdir = rpath
                rel = "/".join(x for x in (prefix, base, "results", system, benchmark, scenario) if x)
                sub.results.append(ResultUnit(division=division, submitter=sub.name, system=system,
                                              benchmark=benchmark, scenario=scenario, path=rpath, rel=rel,
                                              layout=sub.layout, measurements_dir=mdir, compliance_dir=cdir,
                                              submitter_dir=path))
    return sub


def _division_of_submitter(path: Path) -> str:
    if path.parent.name in DIVISIONS:
        return path.parent.name
    for entry in _entries(path / "systems"):
        if entry.name.endswith(".json"):
            value = parse_json(Path(entry.path)).value
            if isinstance(value, dict) and str(value.get("division", "")).lower() in DIVISIONS:
                return str(value["division"]).lower()
    return "closed"


def discover(root: Path, scenario_aliases: dict[str, str] | None = None) -> Submission:
    """Discover the units of the submission at `root` (a whole tree, a division or a submitter).

    `scenario_aliases` are a round's extra scenario directory names (v6.1: `online` for Server).
    Raises NotASubmission when `root` is missing, not a directory, or holds nothing recognisable.
    """
    if not os.path.lexists(root):
        raise NotASubmission(f"{root}: no such file or directory")
    if not os.path.exists(root):
        raise NotASubmission(f"{root}: a symbolic link that leads nowhere (broken or looping)")
    root = Path(os.path.realpath(root))  # never raises, even on a link loop
    if not root.is_dir():
        raise NotASubmission(f"{root}: not a directory (give the submission's root directory)")
    names = set(subdirectories(root))
    if names & set(DIVISIONS):
        sub = Submission(root=root, prefix="")
        for entry in _entries(root):
            if entry.name in DIVISIONS and entry.is_dir(follow_symlinks=False):
                for name in subdirectories(root / entry.name):
                    sub.submitters.append(_submitter(entry.name, root / entry.name / name, root, "", scenario_aliases))
                sub.stray.extend(Path(e.path) for e in _entries(root / entry.name) if not e.is_dir(follow_symlinks=False))
            else:
                sub.stray.append(Path(entry.path))
        return sub
    if root.name in DIVISIONS:
        sub = Submission(root=root, prefix=root.name)
        for name in subdirectories(root):
            sub.submitters.append(_submitter(root.name, root / name, root, root.name, scenario_aliases))
        sub.stray.extend(Path(e.path) for e in _entries(root) if not e.is_dir(follow_symlinks=False))
        return sub
    if names & {"results", "systems"}:
        division = _division_of_submitter(root)
        prefix = f"{division}/{root.name}"
        return Submission(root=root, prefix=prefix, submitters=[_submitter(division, root, root, prefix, scenario_aliases)])
    if not names and not _entries(root):
        raise NotASubmission(f"{root}: empty directory, no submission to check")
    raise NotASubmission(f"{root}: no closed/, open/ or network/ division, and no results/ or systems/ of a submitter")
