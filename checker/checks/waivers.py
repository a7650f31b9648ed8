"""Findings about the waivers file itself: expired waivers (CHK002) and unused ones (CHK003)."""

from checker.registry import declare

declare("CHK002", "waiver-expired", "warning", "submission", """
    A waiver in the waivers file is past its expiry date, so the findings it covered count again.

    Checks: every waiver's `expires` date is today or later.
    Why: a waiver is a time-limited exception the review committee granted; once it lapses the
    finding it hid must be fixed or the exception granted again, with a new date.
    Fix: fix what the waiver covered and delete the waiver, or have it re-approved with a new
    `expires` date.
    Rules: none (the checker's waiver mechanism, which replaces the official checker's skip flags
    and `--submission-exceptions`).
""")

declare("CHK003", "waiver-unused", "warning", "submission", """
    A waiver in the waivers file matched no finding of the rules that ran.

    Checks: every unexpired waiver whose code selects at least one rule of this run waived at least
    one finding.
    Why: a waiver that matches nothing is stale (the problem was fixed) or mistyped (a wrong code or
    path glob), and a mistyped waiver hides nothing while looking as if it did.
    Fix: delete the waiver when the problem is fixed; otherwise correct its `code` or `path` glob
    (paths are relative to the submission root, with `/` separators).
    Rules: none (the checker's waiver mechanism).
""")
