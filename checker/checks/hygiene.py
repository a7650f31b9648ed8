"""Layout hygiene (STR003-STR010): stray entries, oversized files, awkward names, empty directories, links.

The v4.1-v5.1 official checkers rejected a whole submitter for any of these; the v6.x checker
dropped them. The rulebook's `policies.hygiene` carries that choice per round: the per-submitter
rules below are errors where the round's checker enforced them (and then invalidate the submitter's
results, as it did) and warnings from v6.0. Links that lead nowhere or outside the submission are
errors in every round: the content they stand for is not part of the submission.
Every submitter directory is walked once (never following links) and the walk is shared by the rules.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Iterator

from checker.checks.structure import hygiene_severity
from checker.context import SubmissionContext, SubmitterContext
from checker.discovery import DIVISIONS
from checker.model import Issue, Severity
from checker.parsers.common import Parsed
from checker.registry import rule
from checker.tree import Node, inside, walk

MIB = 1024 * 1024


def _nodes(ctx: SubmitterContext) -> list[Node]:
    """The submitter's tree, walked once per run."""
    return ctx.cache.get("walk", ctx.unit.path, lambda p: Parsed(walk(p))) or []


def _kind(path: Path | str) -> str:
    if os.path.islink(path):
        return "symbolic link"
    return "directory" if os.path.isdir(path) else "file"


def _root_level(ctx: SubmissionContext) -> list[Path]:
    """Stray entries directly in a whole-submission root (not in a division)."""
    sub = ctx.submission
    return [p for p in sub.stray if p.parent == sub.root and not sub.prefix]


@rule("STR003", "stray-root-entry", severity="warning", scope="submission", fast=True)
def stray_root_entry(ctx: SubmissionContext) -> Iterator[Issue]:
    """The submission root holds something besides the divisions and the allowed documents.

    Checks: entries of the root other than `closed/`, `open/`, `network/`, files matching rulebook
    `layout_files.root_files` (`*.md`, `*.pdf`) and directories of `layout_files.root_dirs` (`.git`,
    `.github`, `assets`). A warning, since it concerns no result (the official checkers' flag
    `--skip-extra-files-in-root-check` is routinely used) - except a directory whose name is a
    division in another letter case (`Closed/`): its results are never checked, an error.
    Why: the root of a results repository is shared by every submitter; stray files there are
    usually uploads that missed their submitter directory.
    Fix: move the entry into the submitter directory it belongs to, or delete it.
    Rules: MLPerf Inference submission rules, "Directory structure" (top level).
    """
    files = ctx.rulebook.layout_files
    for path in _root_level(ctx):
        kind = _kind(path)
        if kind == "directory" and path.name in files.root_dirs:
            continue
        if kind == "file" and any(fnmatch.fnmatch(path.name, pattern) for pattern in files.root_files):
            continue
        if kind == "directory" and path.name.lower() in DIVISIONS:
            yield Issue(f"directory {path.name}/ is not a division: division directories are lower case, "
                        f"so nothing in it is checked", path=path, expected=path.name.lower(), actual=path.name,
                        severity=Severity.ERROR, hint=f"Rename {path.name}/ to {path.name.lower()}/.")
            continue
        allowed = ", ".join([*(d + "/" for d in DIVISIONS), *files.root_files, *(d + "/" for d in files.root_dirs)])
        yield Issue(f"stray {kind} {path.name} in the submission root", path=path, expected=allowed, actual=path.name,
                    hint="Move it into your submitter directory (e.g. documentation/) or delete it.")


@rule("STR004", "stray-division-entry", scope="submission", fast=True)
def stray_division_entry(ctx: SubmissionContext) -> Iterator[Issue]:
    """A division directory holds a file or link instead of only submitter directories.

    Checks: `closed/`, `open/` and `network/` contain only (real) submitter directories.
    Why: a division is shared by all submitters; a file there belongs to nobody, and the v4.1-v5.1
    official checkers skip the whole division when they find one. It concerns no single result,
    so no result is invalidated here, but the submission must not be uploaded with it.
    Fix: move the file into your submitter directory (or delete it); replace a linked submitter
    directory by the directory itself.
    Rules: MLPerf Inference submission rules, "Directory structure" (`<division>/<submitter>/`).
    """
    root_level = set(_root_level(ctx))
    for path in ctx.submission.stray:
        if path in root_level:
            continue
        kind = _kind(path)
        yield Issue(f"stray {kind} {path.name} in the division directory {path.parent.name}/", path=path,
                    expected="submitter directories only", actual=f"{kind} {path.name}",
                    hint="Move it into your submitter directory or delete it.")


@rule("STR005", "file-too-large", scope="submitter", fast=True)
def file_too_large(ctx: SubmitterContext) -> Iterator[Issue]:
    """A file is larger than the round's size limit.

    Checks: every regular file below the submitter directory is at most rulebook
    `file_size_limit_mib` MiB (50 MiB). Severity per rulebook `policies.hygiene`.
    Why: results repositories are hosted on GitHub, which refuses large files; a large file is
    almost always an untruncated accuracy log, a dataset or a binary that does not belong there.
    Fix: truncate accuracy logs with the official truncation script; remove datasets, model
    weights and binaries (link to them from the README instead).
    Rules: MLPerf Inference submission rules, "Directory structure" (file size limit).
    """
    limit = ctx.rulebook.file_size_limit_mib
    for node in _nodes(ctx):
        if node.kind == "file" and node.size > limit * MIB:
            yield Issue(f"{node.name} is {node.size / MIB:.1f} MiB, over the {limit} MiB limit", path=node.path,
                        expected=f"<= {limit} MiB", actual=f"{node.size / MIB:.1f} MiB", severity=hygiene_severity(ctx),
                        hint="Truncate accuracy logs with the official script; remove data sets, weights and binaries.")


#: Any white space (`\s` in a str pattern is exactly what `str.isspace` calls white space).
_WHITE_SPACE = re.compile(r"\s")


@rule("STR006", "name-with-space", scope="submitter", fast=True)
def name_with_space(ctx: SubmitterContext) -> Iterator[Issue]:
    """A file or directory name contains white space.

    Checks: no name below the submitter directory contains a space, tab or other white space.
    Severity per rulebook `policies.hygiene`.
    Why: names with spaces break the scripts reviewers and the results pipeline run over the tree.
    Fix: rename it with `-` or `_` instead of spaces.
    Rules: MLPerf Inference submission rules, "Directory structure" (the official checker rejects such names).
    """
    top = str(ctx.unit.path)
    for node in _nodes(ctx):
        if node.path != top and _WHITE_SPACE.search(node.name):
            fixed = "_".join(node.name.split())
            yield Issue(f"name {node.name!r} contains white space", path=node.path, expected=fixed,
                        actual=node.name, severity=hygiene_severity(ctx), hint=f"Rename it to {fixed!r}.")


@rule("STR007", "hidden-name", scope="submitter", fast=True)
def hidden_name(ctx: SubmitterContext) -> Iterator[Issue]:
    """A file or directory name starts with a dot.

    Checks: no name below the submitter directory starts with `.` (`.DS_Store`, `.ipynb_checkpoints`,
    `.git`...). Severity per rulebook `policies.hygiene`. Only the entry itself is reported, not
    what a hidden directory contains.
    Why: hidden entries are editor, OS or VCS leftovers that nobody reviews; the v4.1-v5.1 official
    checkers reject them as git-unfriendly names.
    Fix: delete the entry (or rename it without the leading dot if it is real content).
    Rules: MLPerf Inference submission rules, "Directory structure".
    """
    top, hidden = str(ctx.unit.path), ()
    for node in _nodes(ctx):  # sorted by path: a hidden directory comes before its content
        if node.path.startswith(hidden):
            continue
        if node.path != top and node.name.startswith("."):
            if node.kind == "dir":
                hidden = (*hidden, node.path + os.sep)
            yield Issue(f"hidden {_kind(node.path)} {node.name}", path=node.path,
                        expected="a name not starting with '.'", actual=node.name, severity=hygiene_severity(ctx),
                        hint=f"Delete {node.name} (or rename it without the leading dot).")


@rule("STR008", "pycache-directory", scope="submitter", fast=True)
def pycache_directory(ctx: SubmitterContext) -> Iterator[Issue]:
    """A `__pycache__` directory was uploaded.

    Checks: no directory below the submitter directory is named `__pycache__`. Severity per
    rulebook `policies.hygiene`.
    Why: compiled Python caches are machine-specific build output, not source code.
    Fix: delete the `__pycache__` directories (and add them to .gitignore).
    Rules: MLPerf Inference submission rules, "Source code requirements" (the official checker rejects them).
    """
    for node in _nodes(ctx):
        if node.kind == "dir" and node.name == "__pycache__":
            yield Issue("__pycache__ directory uploaded", path=node.path, expected="no __pycache__",
                        actual=node.name, severity=hygiene_severity(ctx), hint="Delete the __pycache__ directory.")


@rule("STR009", "empty-directory", scope="submitter", fast=True)
def empty_directory(ctx: SubmitterContext) -> Iterator[Issue]:
    """A directory is empty.

    Checks: every directory below (and including) the submitter directory has at least one entry.
    Severity per rulebook `policies.hygiene`.
    Why: an empty directory is a result, log set or code folder that was meant to be uploaded and
    was not (git does not even store it).
    Fix: add the missing content, or delete the directory.
    Rules: MLPerf Inference submission rules, "Directory structure" (the official checker rejects them).
    """
    for node in _nodes(ctx):
        if node.kind == "dir" and node.empty:
            yield Issue(f"directory {node.name}/ is empty", path=node.path, expected="at least one entry",
                        actual="empty", severity=hygiene_severity(ctx), hint="Add the missing content or delete the directory.")


@rule("STR010", "symbolic-link", scope="submitter", fast=True)
def symbolic_link(ctx: SubmitterContext) -> Iterator[Issue]:
    """A symbolic link was uploaded.

    Checks: no entry below the submitter directory is a symbolic link. A link that is broken or
    leads outside the submission is an error in every round (what it stands for is not part of the
    submission); a link to another place inside the submission is a warning. Links are never
    followed by this checker.
    Why: git stores a link as a path, not as the content; reviewers and archives see nothing there.
    Fix: replace the link by a copy of the file or directory it points to.
    Rules: MLPerf Inference submission rules, "Directory structure" (the official checker rejects broken links).
    """
    root = ctx.submission.root
    for node in _nodes(ctx):
        if node.kind != "link":
            continue
        if node.resolved is None:
            yield Issue(f"broken symbolic link {node.name} -> {node.target}", path=node.path,
                        expected="a regular file or directory", actual=f"link to {node.target} (missing)",
                        hint="Replace the link by the file or directory it was meant to point to.")
        elif not inside(node.resolved, root):
            yield Issue(f"symbolic link {node.name} points outside the submission ({node.target})",
                        path=node.path, expected="a regular file or directory", actual=f"link to {node.target}",
                        hint="Copy the target into the submission in place of the link.")
        else:
            yield Issue(f"symbolic link {node.name} -> {node.target}", path=node.path,
                        expected="a regular file or directory", actual=f"link to {node.target}",
                        severity=Severity.WARNING, hint="Replace the link by a copy of its target.")
