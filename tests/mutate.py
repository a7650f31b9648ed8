"""Random single mutations of a copied submission tree, and where the checker must report them.

Each mutation kind damages one file or directory the way uploads get damaged (deleted, emptied, cut
short, bytes flipped, a file where a directory belongs and the reverse, a link loop, a link to
/etc/passwd, a huge sparse file, a named pipe, a renamed scenario directory) and returns a
`Mutation` naming the places where a finding is expected. Used by tests/test_mutations.py and, for
longer runs, by benchmarks/soak.py.
"""

from __future__ import annotations

import fnmatch
import os
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from checker.discovery import SCENARIOS

#: Files and folders nothing requires (documents, code, optional logs, open-division compliance
#: folders; where a round requires a document, e.g. a calibration document, the rule names that
#: document inside the folder): deleting or replacing them need not be reported.
OPTIONAL = ("*.md", "*.html", "*.pdf", "*.png", "*/src/*", "*/code/*", "*/mlperf_log_trace.json", "*/mlperf.conf",
            "*/performance/run_1/mlperf_log_accuracy.json", "*/documentation", "/open/*/TEST0*",
            "/open/*/compliance*")
#: Content no rule can judge: free text, the performance run's accuracy log (LoadGen writes it, nothing
#: reads it), settings files whose every prefix is valid, truncated accuracy logs (only their head and
#: tail are kept: a damaged payload byte there is indistinguishable from a real one).
UNJUDGED_CONTENT = (*OPTIONAL, "*.conf", "*/accuracy/mlperf_log_accuracy.json", "*/accuracy/mlperf_log_summary.txt")
#: Damage reported elsewhere, or not at all (gaps of the checker): (kind, regular expression of the
#: target) -> why.
KNOWN_GAPS = {
    ("dir-to-file", r"[^/]+/[^/]+/results/[^/]+(/[^/]+)?"):
        "a file in place of a system's folder, or of a benchmark's folder whose name is no benchmark of the "
        "round: STR016 names files only where the name says what folder they replace (results/, a benchmark, "
        "any entry of a benchmark folder); otherwise only what goes missing is reported (e.g. SYS002)",
    ("delete", r"open/[^/]+/model_mapping\.json"):
        "a missing model_mapping.json is reported on each open benchmark folder it no longer resolves (DIV002)",
    ("truncate", r".*/TEST0\d/accuracy/accuracy\.txt"):
        "a compliance test's accuracy.txt holds only hash=<sha256> of a truncated log: a hash cut short is not "
        "flagged (ACC003 checks the result's own accuracy.txt only)",
}
#: Truncation that keeps every line the checks read (trailing lines of summaries and verification outputs).
TRUNCATION_BLIND = ("*/mlperf_log_summary.txt", "*/verify_*.txt")
#: Size of the "huge" file: over the text reading limit and the repository file-size limit; sparse.
HUGE_BYTES = 64 * 1024 * 1024 + 1
PASSWD = Path("/etc/passwd")


@dataclass(frozen=True)
class Mutation:
    """What was done (`kind`, `target` relative to the tree root) and where a finding must point."""

    kind: str
    target: str
    places: tuple[str, ...]
    content_only: bool = False

    def located(self, paths: list[str | None]) -> bool:
        """True when a report path is one of the places, inside one, or the parent directory of one."""
        for path in filter(None, paths):
            for place in self.places:
                if path == place or path.startswith(place + "/") or place.rpartition("/")[0] == path:
                    return True
        return False

    def must_be_seen(self) -> bool:
        """False where nothing can see the damage (see OPTIONAL, UNJUDGED_CONTENT, KNOWN_GAPS)."""
        exempt = (*UNJUDGED_CONTENT, *(TRUNCATION_BLIND if self.kind == "truncate" else ())) \
            if self.content_only else OPTIONAL
        if any(fnmatch.fnmatch("/" + self.target, p) for p in exempt):
            return False
        return not any(kind == self.kind and re.fullmatch(p, self.target) for kind, p in KNOWN_GAPS)


def _rel(tree: Path, path: Path) -> str:
    return path.relative_to(tree).as_posix()


def _files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*") if p.is_file() and not p.is_symlink())


def _dirs(tree: Path) -> list[Path]:
    """Directories below the submitter level (a whole division or submitter is not a single-file upload slip)."""
    return sorted(p for p in tree.rglob("*") if p.is_dir() and not p.is_symlink() and len(p.relative_to(tree).parts) > 2)


def _scenario_dirs(tree: Path) -> list[Path]:
    return [p for p in _dirs(tree) if p.name in SCENARIOS and p.parent.parent.parent.name == "results"]


def delete(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Remove a file."""
    target.unlink()
    return Mutation("delete", _rel(tree, target), (_rel(tree, target),))


def empty(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Make a file empty."""
    target.write_bytes(b"")
    return Mutation("empty", _rel(tree, target), (_rel(tree, target),), content_only=True)


def truncate(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Cut a file at a random point, losing at least its last visible character."""
    data = target.read_bytes()
    target.write_bytes(data[: rng.randrange(max(1, len(data.rstrip())))])
    return Mutation("truncate", _rel(tree, target), (_rel(tree, target),), content_only=True)


def flip(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Overwrite a few bytes with random ones, at least one of them not valid in UTF-8 text."""
    data = bytearray(target.read_bytes() or b"\0")
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    data[rng.randrange(len(data))] = 0xFF
    target.write_bytes(bytes(data))
    return Mutation("flip", _rel(tree, target), (_rel(tree, target),), content_only=True)


def file_to_dir(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Replace a file by a directory of the same name (holding one stray file)."""
    target.unlink()
    target.mkdir()
    (target / "stray.txt").write_text("stray\n")
    return Mutation("file-to-dir", _rel(tree, target), (_rel(tree, target),))


def dir_to_file(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Replace a directory by a file of the same name."""
    shutil.rmtree(target)
    target.write_text("not a directory\n")
    return Mutation("dir-to-file", _rel(tree, target), (_rel(tree, target),))


def link_loop(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Replace a file by a pair of links that point at each other."""
    target.unlink()
    partner = target.with_name(target.name + ".loop")
    os.symlink(partner.name, target)
    os.symlink(target.name, partner)
    return Mutation("link-loop", _rel(tree, target), (_rel(tree, target), _rel(tree, partner)))


def link_outside(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Replace a file by a link to /etc/passwd."""
    target.unlink()
    os.symlink(PASSWD, target)
    return Mutation("link-outside", _rel(tree, target), (_rel(tree, target),))


def huge(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Replace a file by a sparse file over every size limit (it costs no disk)."""
    with open(target, "r+b") as fh:
        fh.truncate(HUGE_BYTES)
    return Mutation("huge", _rel(tree, target), (_rel(tree, target),))


def pipe(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Replace a file by a named pipe (reading it would block forever)."""
    target.unlink()
    os.mkfifo(target)
    return Mutation("pipe", _rel(tree, target), (_rel(tree, target),), content_only=True)


def rename_scenario(tree: Path, target: Path, rng: random.Random) -> Mutation:
    """Rename a scenario directory to a name that is no scenario."""
    new = target.with_name(rng.choice([target.name + "_old", target.name[:-1], "Ofline", "Server-2", "tmp"]))
    target.rename(new)
    return Mutation("rename-scenario", _rel(tree, target), (_rel(tree, target), _rel(tree, new)))


Apply = Callable[[Path, Path, random.Random], Mutation]
#: Every kind, with the candidates it may hit.
KINDS: dict[str, tuple[Apply, Callable[[Path], list[Path]]]] = {
    "delete": (delete, _files), "empty": (empty, _files), "truncate": (truncate, _files), "flip": (flip, _files),
    "file-to-dir": (file_to_dir, _files), "dir-to-file": (dir_to_file, _dirs), "link-loop": (link_loop, _files),
    "link-outside": (link_outside, _files), "huge": (huge, _files), "pipe": (pipe, _files),
    "rename-scenario": (rename_scenario, _scenario_dirs),
}


def mutate(tree: Path, kind: str, rng: random.Random) -> Mutation | None:
    """Apply one mutation of `kind` to a random candidate of `tree` (None when the tree has no candidate)."""
    apply, candidates = KINDS[kind]
    found = candidates(tree)
    return apply(tree, rng.choice(found), rng) if found else None


@dataclass(frozen=True)
class Run:
    """One command-line run: exit status, standard error, and the JSON report it wrote (None: none)."""

    status: int
    stderr: str
    report: dict | None


def run_cli(tree: Path, report_file: Path, *extra: str) -> Run:
    """`mlperf-checker check TREE --output json=REPORT_FILE` in this process (an escaping exception
    propagates: it would have been a traceback)."""
    import contextlib
    import io
    import json

    from checker.cli import main

    out, err = io.StringIO(), io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["check", str(tree), "--jobs", "1", "--output", f"json={report_file}", *extra])
        except SystemExit as exc:
            status = int(exc.code or 0)
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.is_file() else None
    return Run(status, err.getvalue(), report)
