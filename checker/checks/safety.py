"""Safety (STR090-STR094): special files in the tree, and archive members that are not unpacked.

STR090 is a rule over the submitter's walked tree; STR091-STR094 come from the archive reader
(`checker/archive.py`), which inspects every member of a `.tar`/`.tar.gz`/`.zip` before writing any.
"""

from __future__ import annotations

from typing import Iterator

from checker.checks.hygiene import _nodes
from checker.context import SubmitterContext
from checker.model import Issue
from checker.registry import declare, rule


@rule("STR090", "special-file", scope="submitter", fast=True)
def special_file(ctx: SubmitterContext) -> Iterator[Issue]:
    """A device, named pipe or socket is in the submission (or in the archive given).

    Checks: every entry below the submitter directory is a regular file, a directory or a link
    (links: STR010); an archive member that is a device, pipe or socket is reported by the archive
    reader under this code and never unpacked.
    Why: such an entry is no content at all (git cannot even store it); reading a pipe blocks
    forever and reading a device returns whatever the machine provides.
    Fix: delete the entry; upload the file it was meant to be.
    Rules: MLPerf Inference submission rules, "Directory structure" (files of a submission).
    """
    for node in _nodes(ctx):
        if node.kind == "other":
            yield Issue(f"{node.name} is a device, pipe or socket, not a file", path=node.path,
                        expected="a regular file or directory", actual="special file",
                        hint=f"Delete {node.name} (or replace it by the regular file it was meant to be).")


declare("STR091", "archive-member-path", "error", "submission", """
    An archive member has a name that would be written outside the archive's folder, or twice.

    Checks: member names of a `.tar`, `.tar.gz`/`.tgz` or `.zip` given to `check` are relative and
    contain no `..` component, and no name is packed twice or as both a file and a directory. Such a
    member is never written; the rest of the archive is checked.
    Why: an absolute name or `..` is how a crafted archive overwrites files of whoever unpacks it
    ("zip slip"); a duplicate name makes what reviewers see depend on the unpacking tool.
    Fix: pack the submission from its root folder (`tar czf submission.tar.gz closed open`), without
    absolute paths, `..` or duplicate entries.
    Rules: MLPerf Inference submission rules, "Directory structure" (the submission is a tree of files).
""")

declare("STR092", "archive-link", "error", "submission", """
    An archive member is a symbolic or hard link.

    Checks: links in a checked archive are never created: a hard link to a member already unpacked is
    unpacked as a copy of it; any other link is reported, an error when it leads outside the archive
    (absolute or climbing with `..`) and a warning otherwise (the link's own place stays empty).
    Why: a link leaving the archive stands for content that is not part of the submission, and is how
    a crafted archive reaches files of the machine that unpacks it; git and reviewers see a link, not
    the file.
    Fix: replace links by copies of their targets before packing (`tar --dereference`).
    Rules: MLPerf Inference submission rules, "Directory structure" (no links; see also STR010).
""")

declare("STR093", "archive-too-large", "error", "submission", """
    An archive, or one of its members, is too large or implausibly compressed to unpack.

    Checks: a member over the largest file any check reads (4 GiB), a zip member that unpacks to over
    100 times its packed size, and an archive that unpacks to over 100 times its size (past 64 MiB),
    to more than the space allowed (32 GiB or the free temporary space) or to over two million
    members. An oversized member is skipped; for the archive as a whole nothing is checked.
    Why: a decompression bomb (a small archive of zeros unpacking to terabytes) exhausts disk and
    time; real submission files compress about 5-10 times.
    Fix: pack only the submission's real files; publish truncated accuracy logs.
    Rules: MLPerf Inference submission rules, "Directory structure" (file size limits).
""")

declare("STR094", "archive-damaged", "error", "submission", """
    The archive cannot be read to its end: truncated, corrupt, encrypted or of an unsupported kind.

    Checks: every member of the archive is read, with its data matching its header (size, CRC). The
    members read before the damage are still checked.
    Why: a damaged archive is an incomplete submission; what is missing cannot be judged.
    Fix: re-create the archive (and check it with `tar tzf` / `unzip -t`) and upload it again.
    Rules: MLPerf Inference submission rules, "Directory structure".
""")
