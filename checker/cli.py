"""The command line: `mlperf-checker check|report|explain|rules`.

Exit status: 0 no unwaived errors, 1 errors found, 2 usage error or checker fault.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from checker import __version__
from checker.cache import CacheError
from checker.config import Config, ConfigError, config_for
from checker.discovery import NotASubmission
from checker.engine import CHK_CODE, RunConfig, check
from checker.model import Options
from checker.progress import progress_bar
from checker.report import Report
from checker.reporters import FORMATS, render

# The rules, the rulebooks and the waivers are imported where a command needs them: a check given back
# whole by incremental mode needs none of them, and its start-up is a good part of its time.

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class UsageFailure(Exception):
    """A usage error: printed as one line, exit status 2."""


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _outputs(values: tuple[str, ...], formats: dict) -> list[tuple[str, Path]]:
    out = []
    for item in values:
        fmt, sep, file = item.partition("=")
        if not sep or not file:
            raise UsageFailure(f"--output expects FORMAT=FILE, got {item!r}")
        if fmt not in formats:
            raise UsageFailure(f"--output: unknown format {fmt!r} (known: {', '.join(sorted(formats))})")
        out.append((fmt, Path(file)))
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlperf-checker")
def cli() -> None:
    """mlperf-checker: check MLPerf Inference submissions."""


def check_options(fn):
    """The options `check` and `report` share (each may also come from the configuration file)."""
    options = [
        click.option("--round", "round_", metavar="vX.Y", help="Round to check against (default: detected from the logs)."),
        click.option("--select", multiple=True, metavar="CODES", help="Only these rule codes or prefixes (comma-separated)."),
        click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rule codes or prefixes (comma-separated)."),
        click.option("--fast", is_flag=True, help="Only the rules marked fast (the pre-commit hook's quick check)."),
        click.option("--reference-data", type=click.Path(path_type=Path), help="Folder of reference data for accuracy re-scoring."),
        click.option("--jobs", type=click.IntRange(min=0), help="Worker processes (0: all cores)."),
        click.option("--submitter", help="Only check this submitter."),
        click.option("--profile", type=click.Choice(["short-run"]),
                     help="short-run: duration, query-count and coverage rules become warnings."),
        click.option("--waivers", type=click.Path(path_type=Path), metavar="FILE", help="Waivers file (YAML)."),
        click.option("--cache", "cache_dir", type=click.Path(path_type=Path), metavar="DIR",
                     help="Incremental mode: reuse the findings of unchanged results from DIR (outside PATH)."),
        click.option("--config", "config_file", type=click.Path(path_type=Path), metavar="FILE",
                     help="Configuration file (default: .mlperf-checker.yaml or pyproject.toml found upward from PATH)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _selection(select: list[str], ignore: list[str], fast: bool) -> list[str]:
    """The --select list to run: as given, or narrowed to the fast rules with --fast (the rules are
    imported only when a selection names some: a run replayed from the cache imports none)."""
    if not (select or ignore or fast):
        return select
    from checker.registry import load_rules, unknown_codes
    from checker.registry import select as choose

    rules = load_rules()
    bad = unknown_codes(select + ignore)
    if bad:
        raise UsageFailure(f"unknown rule code or prefix: {', '.join(bad)} (see `mlperf-checker rules --codes`)")
    if not fast:
        return select
    chosen = [r.code for r in choose(rules.values(), select, ignore) if r.fast]
    if not chosen:
        raise UsageFailure("--fast: none of the selected rules is a fast rule")
    return chosen


def run_check(path: Path, round_: str | None, select: tuple[str, ...], ignore: tuple[str, ...], fast: bool,
              reference_data: Path | None, jobs: int | None, submitter: str | None, profile: str | None,
              waivers: Path | None, config_file: Path | None, cache_dir: Path | None = None) -> tuple[Report, Config]:
    """Resolve flags over the configuration file, check PATH and return the report and the configuration."""
    try:
        config = config_for(path, config_file)
        waiver_file = waivers or config.waivers
        waiver_set = None
        if waiver_file:
            from checker.waivers import load_waivers

            waiver_set = load_waivers(waiver_file)
    except ConfigError as exc:
        raise UsageFailure(str(exc)) from None
    round_ = round_ or config.round
    if round_:
        from checker.rulebook import available_rounds

        if round_ not in available_rounds():
            raise UsageFailure(f"unknown round {round_!r} (known: {', '.join(available_rounds())})")
    if reference_data is not None and not reference_data.is_dir():
        raise UsageFailure(f"--reference-data: {reference_data} is not a directory")
    chosen_ignore = _split(ignore) or config.ignore
    chosen = _selection(_split(select) or config.select, chosen_ignore, fast)
    bar = progress_bar()
    run = RunConfig(round=round_, select=chosen, ignore=chosen_ignore,
                    jobs=jobs if jobs is not None else (config.jobs or 0), submitter=submitter,
                    options=Options(reference_data=reference_data, profile=profile), waivers=waiver_set, progress=bar,
                    cache=cache_dir)
    try:
        report = check(path, run)
    except (NotASubmission, CacheError) as exc:
        raise UsageFailure(str(exc)) from None
    finally:
        if bar is not None:
            bar.close()
    if report.round_detected:
        click.echo(f"mlperf-checker: round {report.round} detected from the LoadGen version in the logs", err=True)
    for note in report.notes:
        click.echo(f"mlperf-checker: {note}", err=True)
    return report, config


@cli.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="text", show_default=True, help="Report format on standard output.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=FILE", help="Also write a report to FILE (repeatable).")
@check_options
@click.option("--fail-on", type=click.Choice(["error", "warning"]),
              help="Lowest unwaived severity that makes the exit status 1 (default: error).")
def check_command(path: Path, fmt: str, outputs: tuple[str, ...], fail_on: str | None, **options) -> None:
    """Check the submission at PATH (a whole tree, one division or one submitter)."""
    formats = FORMATS
    if fmt not in formats:
        raise UsageFailure(f"--format: unknown format {fmt!r} (known: {', '.join(sorted(formats))})")
    extra = _outputs(outputs, formats)
    report, config = run_check(path, **options)
    for out_fmt, file in extra:
        try:
            file.write_text(render(out_fmt, report), encoding="utf-8")
        except OSError as exc:
            raise UsageFailure(f"cannot write {file}: {exc.strerror}") from None
    sys.stdout.write(render(fmt, report))
    sys.stdout.flush()
    if any(f.code == CHK_CODE for f in report.findings):
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_ERRORS if report.failed(fail_on or config.fail_on or "error") else EXIT_OK)


@cli.command("report")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--xlsx", "xlsx_file", type=click.Path(path_type=Path), required=True, metavar="FILE",
              help="Write the results spreadsheet (one sheet per division and category) to FILE.")
@check_options
def report_command(path: Path, xlsx_file: Path, **options) -> None:
    """Write the round's results spreadsheet for the submission at PATH (valid results only)."""
    from checker.reporters.xlsx import MissingDependency, write_xlsx

    report, _ = run_check(path, **options)
    try:
        counts = write_xlsx(report, xlsx_file)
    except MissingDependency as exc:
        raise UsageFailure(str(exc)) from None
    except OSError as exc:
        raise UsageFailure(f"cannot write {xlsx_file}: {exc.strerror or exc}") from None
    left_out = report.summary["invalid"]
    click.echo(f"mlperf-checker: wrote {xlsx_file}: {sum(counts.values())} rows in {len(counts)} sheet(s)"
               f"{f'; {left_out} invalid result(s) left out' if left_out else ''}", err=True)


@cli.command("explain")
@click.argument("code")
def explain_command(code: str) -> None:
    """Print the documentation of rule CODE."""
    from checker.registry import load_rules

    rules = load_rules()
    rule = rules.get(code.upper())
    if rule is None:
        raise UsageFailure(f"unknown rule code {code!r} (see `mlperf-checker rules --codes`)")
    rounds = ", ".join(rule.rounds) if rule.rounds else "all rounds"
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value}, scope {rule.scope.value}, {rounds})\n")
    click.echo(rule.doc)


@cli.command("rules")
@click.option("--round", "round_", metavar="vX.Y", help="Print this round's resolved rulebook as YAML.")
@click.option("--codes", is_flag=True, help="List every rule code with its name and severity.")
@click.option("--markdown", is_flag=True, help="Print the rule reference (docs/rules.md) as markdown.")
def rules_command(round_: str | None, codes: bool, markdown: bool) -> None:
    """List the rounds, print a round's resolved rulebook, list the rule codes or print the rule reference."""
    import yaml

    from checker.registry import load_rules
    from checker.rulebook import UnknownRound, available_rounds, load_rulebook, resolved_data

    if markdown:
        from checker.docs import render_rules_markdown

        click.echo(render_rules_markdown(), nl=False)
        return
    if codes:
        for rule in sorted(load_rules().values(), key=lambda r: r.code):
            click.echo(f"{rule.code}\t{rule.name}\t{rule.severity.value}\t{rule.summary}")
        return
    if round_:
        try:
            load_rulebook(round_)
        except UnknownRound:
            raise UsageFailure(f"unknown round {round_!r} (known: {', '.join(available_rounds())})") from None
        click.echo(yaml.safe_dump(resolved_data(round_), sort_keys=False, allow_unicode=True), nl=False)
        return
    for name in available_rounds():
        book = load_rulebook(name)
        click.echo(f"{name}\t{book.status}\tlayout {book.layout}\t{len(book.benchmarks)} benchmarks")


def run() -> None:
    """The `mlperf-checker` command (and `python -m checker`): `main`, then, once the output is flushed,
    an immediate exit with its status: the interpreter's teardown (freeing every object of a round's
    report, ~20 ms) is skipped. Nothing is left to clean up by then: files are closed where written."""
    try:
        main()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):
        click.echo(code, err=True)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be written
            pass
    os._exit(code or 0)


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the command line, turning usage errors into one line and exit status 2."""
    try:
        cli.main(args=argv, prog_name="mlperf-checker", standalone_mode=False)
    except UsageFailure as exc:
        click.echo(f"mlperf-checker: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        click.echo(f"mlperf-checker: error: {exc.format_message()}", err=True)
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        sys.exit(EXIT_USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
