"""Checking a submission packed as `.tar`, `.tar.gz`/`.tgz` (or bz2/xz) or `.zip`, safely.

Every member is inspected before anything is written: members with absolute names or `..`, links
(symbolic or hard) that would leave the archive, devices and pipes, oversized members and archives
whose unpacked size is implausible for their compressed size become findings (STR090-STR094) and are
never written. The other members are copied, by this module and never by the archive library, into a
private temporary directory (no link is ever created there, so nothing written can land outside it),
the copy is checked like a directory, and the directory is removed afterwards. Report paths are
relative to the submission inside the archive (its single top-level folder when it has one), as for
an unpacked tree. The archive itself is only read.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from checker.model import Finding, Severity

SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip")
#: Most members an archive may have (a whole real round has ~100,000 files).
MAX_MEMBERS = 2_000_000
#: Largest member copied (the largest file any check reads is an accuracy log of 4 GiB).
MAX_MEMBER_BYTES = 4 * 1024 ** 3
#: Largest total copied, whatever the free space (a real round unpacks to a few GiB).
MAX_TOTAL_BYTES = 32 * 1024 ** 3
#: Space left free on the temporary file system.
FREE_MARGIN_BYTES = 512 * 1024 ** 2
#: Unpacked/packed ratio beyond which data is taken for a decompression bomb (logs compress ~5-10x,
#: zeros ~1000x), applied once the unpacked total passes RATIO_FLOOR_BYTES.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 64 * 1024 ** 2
_CHUNK = 1 << 20

SPECIAL, UNSAFE_PATH, LINK, TOO_LARGE, DAMAGED = "STR090", "STR091", "STR092", "STR093", "STR094"


class ArchiveAbort(Exception):
    """The archive as a whole must not be unpacked (a finding says why)."""


@dataclass
class Member:
    """One archive entry, in a form common to tar and zip."""

    name: str
    kind: str  # file, dir, symlink, hardlink, special
    size: int
    packed: int | None = None  # compressed size (zip only)
    target: str | None = None
    open: Callable[[], BinaryIO | None] = lambda: None


@dataclass
class Unpacked:
    """Where the safe members were copied, what was refused, and how many members were copied."""

    directory: Path
    findings: list[Finding] = field(default_factory=list)
    copied: int = 0
    aborted: bool = False


def is_archive(path: Path) -> bool:
    """True for a regular file named like an archive, or whose content is a tar or zip archive."""
    if not path.is_file():
        return False
    if path.name.lower().endswith(SUFFIXES):
        return True
    try:
        return zipfile.is_zipfile(path) or tarfile.is_tarfile(path)
    except (OSError, EOFError):
        return False


def _finding(code: str, message: str, path: str, expected: str, actual: str, hint: str,
             severity: Severity | None = None) -> Finding:
    from checker.registry import load_rules

    rule = load_rules()[code]
    return Finding(code=code, name=rule.name, severity=(severity or rule.severity).value, message=message,
                   hint=hint, path=path, expected=expected, actual=actual)


def _parts(name: str) -> list[str] | None:
    """The path components of a member name, or None when it is absolute or climbs with `..`."""
    if name.startswith("/") or "\0" in name:
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return None if ".." in parts else parts


def _tar_members(tf: tarfile.TarFile) -> Iterator[Member]:
    """The members one by one; the library's list of those already read is emptied as it goes, so that
    memory stays flat however many members there are (links are resolved here, not by the library)."""
    for info in iter(tf.next, None):
        tf.members.clear()
        kind = ("file" if info.isreg() else "dir" if info.isdir() else "symlink" if info.issym()
                else "hardlink" if info.islnk() else "special")
        yield Member(info.name, kind, info.size, target=info.linkname or None,
                     open=(lambda i=info: tf.extractfile(i)))


def _zip_members(zf: zipfile.ZipFile) -> Iterator[Member]:
    for info in zf.infolist():
        kind_bits = stat.S_IFMT(info.external_attr >> 16)  # 0 when the packer recorded no Unix type
        if info.is_dir() or kind_bits == stat.S_IFDIR:
            kind = "dir"
        elif kind_bits == stat.S_IFLNK:
            kind = "symlink"
        elif kind_bits in (0, stat.S_IFREG):
            kind = "file"
        else:
            kind = "special"
        target = zf.read(info).decode("utf-8", "replace") if kind == "symlink" and info.file_size < 4096 else None
        yield Member(info.filename, kind, info.file_size, packed=info.compress_size, target=target,
                     open=(lambda i=info: zf.open(i)))


@contextmanager
def _members(path: Path) -> Iterator[Iterator[Member]]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            yield _zip_members(zf)
    else:
        with tarfile.open(path, "r:*") as tf:
            yield _tar_members(tf)


class _Copier:
    """Copies safe members into `root`, refusing everything else with a finding."""

    def __init__(self, archive: Path, root: Path) -> None:
        self.root = root
        self.out = Unpacked(root)
        self.packed = max(archive.stat().st_size, 1)
        self.budget = min(MAX_TOTAL_BYTES, shutil.disk_usage(root).free - FREE_MARGIN_BYTES)
        self.total = 0
        self.count = 0
        self.files: set[str] = set()  # members copied as regular files, for hard links to them

    def refuse(self, code: str, member: Member, message: str, expected: str, actual: str, hint: str,
               severity: Severity | None = None) -> None:
        self.out.findings.append(_finding(code, message, member.name, expected, actual, hint, severity))

    def add(self, m: Member) -> None:
        self.count += 1
        if self.count > MAX_MEMBERS:
            raise ArchiveAbort(f"the archive has over {MAX_MEMBERS} members")
        parts = _parts(m.name)
        if parts is None:
            self.refuse(UNSAFE_PATH, m, f"member {m.name!r} would be written outside the archive's folder; not unpacked",
                        "a relative name without '..'", m.name, "Pack the submission from its root folder "
                        "(`tar czf sub.tar.gz closed open`); never pack absolute paths or '..'.")
            return
        if not parts:
            return
        if m.kind == "special":
            self.refuse(SPECIAL, m, f"member {m.name} is a device, pipe or socket; not unpacked", "a regular file",
                        "special file", "Remove device files, pipes and sockets from the submission.")
        elif m.kind in ("symlink", "hardlink"):
            self._link(m, parts)
        elif m.kind == "dir":
            self._mkdir(m, parts)
        else:
            self._file(m, parts)

    def _link(self, m: Member, parts: list[str]) -> None:
        """Links are never created: a hard link to a member already copied becomes a copy of it; the
        rest is reported (an error when it leads outside the archive)."""
        target = m.target or ""
        base = parts[:-1] if m.kind == "symlink" else []  # hard-link targets are member names
        joined = posixpath.normpath(posixpath.join("", *base, target)) if target else ".."
        leaves = target.startswith("/") or joined == ".." or joined.startswith("../")
        if m.kind == "hardlink" and not leaves and joined in self.files:
            source = self.root / joined
            self._copy(m, parts, lambda: open(source, "rb"), source.stat().st_size)
            return
        kind = "hard" if m.kind == "hardlink" else "symbolic"
        self.refuse(LINK, m, f"{kind} link {m.name} -> {target}{' leads outside the archive' if leaves else ''}; "
                    "not unpacked", "a regular file or directory", f"link to {target}",
                    "Replace the link by a copy of its target before packing (tar --dereference).",
                    None if leaves else Severity.WARNING)

    def _place(self, parts: list[str]) -> Path | None:
        """The path of `parts` below the root after making its parents; None when a file is in the way."""
        path = self.root.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            return None
        return path

    def _mkdir(self, m: Member, parts: list[str]) -> None:
        path = self._place(parts)
        try:
            if path is None:
                raise FileExistsError
            path.mkdir(exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            self.refuse(UNSAFE_PATH, m, f"directory {m.name} collides with a file of the same name; not unpacked",
                        "one entry per name", "a file and a directory", "Pack each path once.")

    def _file(self, m: Member, parts: list[str]) -> None:
        if m.size > MAX_MEMBER_BYTES:
            self.refuse(TOO_LARGE, m, f"member {m.name} is {m.size} bytes, over the {MAX_MEMBER_BYTES}-byte limit; "
                        "not unpacked", f"<= {MAX_MEMBER_BYTES} bytes", f"{m.size} bytes",
                        "Publish truncated accuracy logs; leave data sets and weights out of the submission.")
            return
        if m.packed is not None and m.size > RATIO_FLOOR_BYTES // 4 and m.size > MAX_RATIO * max(m.packed, 1):
            self.refuse(TOO_LARGE, m, f"member {m.name} unpacks {m.packed} bytes into {m.size}: an implausible "
                        "compression ratio; not unpacked", f"<= {MAX_RATIO}:1", f"{m.size // max(m.packed, 1)}:1",
                        "Re-pack the real files; a member that compresses this well is no log of a run.")
            return
        self._copy(m, parts, m.open, m.size)

    def _copy(self, m: Member, parts: list[str], source: Callable[[], BinaryIO | None], size: int) -> None:
        self.total += size
        if self.total > self.budget:
            raise ArchiveAbort(f"the archive unpacks to over {self.budget} bytes (the space allowed for it)")
        if self.total > max(RATIO_FLOOR_BYTES, MAX_RATIO * self.packed):
            raise ArchiveAbort(f"the archive unpacks {self.packed} bytes into over {self.total}: an implausible "
                               "compression ratio")
        path = self._place(parts)
        try:
            if path is None:
                raise FileExistsError
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            self.refuse(UNSAFE_PATH, m, f"member {m.name} appears twice or collides with a directory; only the first "
                        "entry is unpacked", "one entry per name", "a second entry", "Pack each path once.")
            return
        with os.fdopen(fd, "wb") as out, (source() or _Empty()) as src:
            written = 0
            while written <= size:
                chunk = src.read(min(_CHUNK, size + 1 - written))
                if not chunk:
                    break
                out.write(chunk)
                written += len(chunk)
        if written != size:
            raise tarfile.ReadError(f"member {m.name} holds {written} bytes where its header says {size}")
        self.files.add("/".join(parts))
        self.out.copied += 1


class _Empty:
    """What a member without data reads as."""

    def __enter__(self) -> "_Empty":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def read(self, n: int) -> bytes:
        return b""


def unpack(archive: Path, directory: Path) -> Unpacked:
    """Copy the safe members of `archive` into `directory` (never raises on a bad archive)."""
    copier = _Copier(archive, directory)
    hint = "Re-create the archive; the one given cannot be read to its end."
    try:
        with _members(archive) as members:
            for member in members:
                copier.add(member)
    except ArchiveAbort as exc:
        copier.out.aborted = True
        copier.out.findings.append(_finding(TOO_LARGE, f"{exc}; nothing of it is checked", "", "a plausible archive",
                                            str(exc), "Pack the submission's real files only (a few GiB at most)."))
    except (tarfile.TarError, zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError,
            ValueError, NotImplementedError) as exc:  # damaged, truncated, encrypted or unsupported
        copier.out.findings.append(_finding(DAMAGED, f"the archive cannot be read to its end: {exc}; "
                                            f"{copier.out.copied} member(s) read before that are checked", "",
                                            "a complete tar or zip archive", type(exc).__name__, hint))
    return copier.out


def _top(directory: Path) -> Path:
    """The folder to check: the single top-level folder of the unpacked tree, if there is one."""
    entries = list(directory.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and entries[0].name not in ("closed", "open", "network", "results",
                                                                               "systems"):
        return entries[0]
    return directory


def _relocate(f: Finding, temps: tuple[str, ...], top: str = "") -> Finding:
    """The finding with the temporary folders' names (`temps`, innermost first) taken out of its texts,
    and its path made relative to the checked folder `top` (a member path of the archive)."""
    def fix(text: str | None) -> str | None:
        for temp in temps:
            text = None if text is None else text.replace(temp + "/", "").replace(temp, "")
        return text

    path = f.path
    if path and top and (path == top or path.startswith(top + "/")):
        path = path[len(top) + 1:] or "."
    return replace(f, path=fix(path), message=fix(f.message) or "", expected=fix(f.expected), actual=fix(f.actual))


def _stem(archive: Path) -> str:
    """The archive's name without its archive suffix (`Acme.tar.gz` -> `Acme`)."""
    name = archive.name
    for suffix in SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or "archive"
    return archive.stem or "archive"


def check_archive(archive: Path, config):
    """Check the submission packed in `archive` (see the module's doc); returns the report.

    The members are unpacked into a folder named like the archive (`Acme.tar.gz` -> `Acme/`), so an
    archive of one submitter's folder contents is checked as that submitter.
    """
    from checker.discovery import NotASubmission
    from checker.engine import check

    work = Path(tempfile.mkdtemp(prefix="mlperf-checker-archive-"))
    try:
        directory = work / _stem(archive)
        directory.mkdir()
        unpacked = unpack(archive, directory)
        root = directory if unpacked.aborted else _top(directory)
        top = root.relative_to(directory).as_posix() if root != directory else ""
        found = [_relocate(f, (str(work),), top) for f in unpacked.findings]
        try:
            if unpacked.aborted:
                raise NotASubmission("nothing unpacked")
            report = check(root, replace(config, findings=[*config.findings, *found]))
        except NotASubmission as exc:
            if not found:
                raise NotASubmission(f"{archive}: no submission in the archive ({exc})") from None
            report = _findings_only(config, found)
        report.findings = [_relocate(f, (str(root), str(work))) for f in report.findings]
        report.root = str(archive)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _findings_only(config, findings: list[Finding]):
    """The report of an archive holding no checkable submission: its archive findings alone."""
    from checker import __version__
    from checker.registry import REGISTRY, select
    from checker.report import Report
    from checker.rulebook import available_rounds
    from checker.waivers import apply_waivers

    round_ = config.round or available_rounds()[-1]
    selected = {r.code for r in select(REGISTRY.values(), config.select, config.ignore) if r.applies_to(round_)}
    kept = sorted((f for f in findings if f.code in selected), key=Finding.sort_key)
    return Report(round=round_, tool_version=__version__, results=[], findings=apply_waivers(kept, config.waivers, selected),
                  rules=sorted(selected))
