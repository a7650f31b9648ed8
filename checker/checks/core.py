"""Rules whose findings come from the parsers and the engine: unreadable input (LOG) and checker faults (CHK)."""

from checker.registry import declare

declare("LOG001", "malformed-file", "error", "result", """
    A file the checks need does not parse: invalid JSON, a broken LoadGen record, a wrong first line.

    Checks: every JSON document (system description, measurements, model_mapping.json), every
    `:::MLLOG` record of a LoadGen detail log (and that its first line is one), the summary log's
    shape and the `model.scenario.key = value` lines of LoadGen conf files.
    Why: a file that does not parse cannot support a result; an edited or truncated LoadGen log
    cannot be trusted. The official checker aborts the whole run on the first such file.
    Fix: restore the file as the tool that wrote it produced it (LoadGen, the accuracy script, the
    system-description template); the finding names the line where parsing failed.
    Rules: MLPerf Inference submission rules, "Submission directory structure" and LoadGen logging.
""")

declare("LOG002", "empty-file", "error", "result", """
    A file the checks need is empty.

    Checks: every file a rule reads (logs, JSON documents, accuracy.txt, conf files) has content.
    Why: an empty file carries no evidence; the official checker demands non-empty files
    (`user.conf`, `README.md`, measurements) and cannot score empty logs.
    Fix: write the file's real content (re-copy it from the run's output directory).
    Rules: MLPerf Inference submission rules, "Submission directory structure".
""")

declare("LOG003", "unreadable-file", "error", "result", """
    A file the checks need cannot be read as text: binary, not UTF-8, too large, not a regular file.

    Checks: files are regular files within the size bound of their kind and decode as UTF-8 text
    (a byte-order mark is tolerated); links that lead nowhere are reported here too.
    Why: a binary or oversized file in place of a log is a corrupted upload or a wrong file.
    Fix: replace it by the text file the tool produced; never upload links or device files.
    Rules: MLPerf Inference submission rules, "Submission directory structure".
""")

declare("CHK001", "rule-crashed", "error", "result", """
    A rule of the checker raised an exception: a checker fault, not a problem of the submission.

    Checks: nothing in the submission; it records that one rule could not finish on one unit while
    every other rule and unit was still checked.
    Why: a fault must never hide the rest of the report, and must never pass silently.
    Fix: report it to the checker's maintainers with the message; re-run with `--ignore CODE` for
    the named rule to get a report without it meanwhile.
    Rules: none (tool fault). The exit status is 2 while such a finding exists.
""")
