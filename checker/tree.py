"""One walk of a directory tree that never follows symbolic links, for the layout-hygiene rules.

The walk lists every entry below a directory once (sorted, deterministic) with what the hygiene
rules need: kind, size, whether a directory is empty, and where a link points. Links are resolved
by name only (`os.path.realpath`); nothing behind a link is listed, opened or read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["file", "dir", "link", "other", "unreadable"]


@dataclass(slots=True)
class Node:
    """One entry of a walked tree.

    `path` is the entry's path as a string (cheap to build for tens of thousands of entries) and
    `name` its last component; `size` is the byte size of a regular file (0 otherwise); `empty` is
    true for a directory with no entries at all; for a link, `target` is its text and `resolved`
    the absolute path it leads to (None when the link is broken or loops). Not frozen: a walk makes
    tens of thousands, and a frozen dataclass costs five times as much to build; nothing changes one.
    """

    path: str
    name: str
    kind: Kind
    size: int = 0
    empty: bool = False
    target: str | None = None
    resolved: Path | None = None


def _link(path: str, name: str) -> Node:
    try:
        target = os.readlink(path)
    except OSError:
        target = None
    resolved = Path(os.path.realpath(path)) if os.path.exists(path) else None
    return Node(path, name, "link", target=target, resolved=resolved)


def _classify(entry: os.DirEntry) -> Node | None:
    """The node of a non-directory entry (None for a real directory, which is walked)."""
    try:
        if entry.is_symlink():
            return _link(entry.path, entry.name)
        if entry.is_dir(follow_symlinks=False):
            return None
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return Node(entry.path, entry.name, "unreadable")
    if stat.S_ISREG(st.st_mode):
        return Node(entry.path, entry.name, "file", size=st.st_size)
    return Node(entry.path, entry.name, "other")


def walk(root: Path) -> list[Node]:
    """Every entry below `root` (and `root` itself as a directory node), sorted by path.

    A directory that cannot be listed becomes an "unreadable" node. Symbolic links are never followed.
    """
    out: list[Node] = []
    stack = [str(root)]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError:
            out.append(Node(directory, os.path.basename(directory), "unreadable"))
            continue
        out.append(Node(directory, os.path.basename(directory), "dir", empty=not entries))
        for entry in entries:
            node = _classify(entry)
            if node is not None:
                out.append(node)
            else:
                stack.append(entry.path)
    out.sort(key=lambda n: n.path)
    return out


def lkind(path: Path | str) -> Kind | None:
    """What `path` itself is, from one lstat (links not followed): "file", "dir", "link" or "other";
    None when it does not exist or cannot be looked at."""
    try:
        mode = os.lstat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    return "link" if stat.S_ISLNK(mode) else "other"


def inside(path: Path, root: Path) -> bool:
    """True when `path` is `root` or lies below it (both absolute, already resolved)."""
    return path == root or root in path.parents
