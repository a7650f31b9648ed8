"""The command line: `mlperf-checker check|explain|rules`.

Exit status: 0 no unwaived errors, 1 errors found, 2 usage error or checker fault.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from checker import __version__
from checker.context import Options
from checker.discovery import NotASubmission
from checker.engine import CHK_CODE, RunConfig, check
from checker.registry import load_rules, unknown_codes
from checker.reporters import load_reporters, render
from checker.rulebook import UnknownRound, available_rounds, load_rulebook, resolved_data

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


@cli.command("check")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--round", "round_", metavar="vX.Y", help="Round to check against (default: detected from the logs).")
@click.option("--format", "fmt", default="text", show_default=True, help="Report format on standard output.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=FILE", help="Also write a report to FILE (repeatable).")
@click.option("--select", multiple=True, metavar="CODES", help="Only these rule codes or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rule codes or prefixes (comma-separated).")
@click.option("--reference-data", type=click.Path(path_type=Path), help="Folder of reference data for accuracy re-scoring.")
@click.option("--jobs", type=click.IntRange(min=0), default=0, help="Worker processes (0: all cores).")
@click.option("--submitter", help="Only check this submitter.")
@click.option("--profile", type=click.Choice(["short-run"]), help="short-run: duration, query-count and coverage rules become warnings.")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True,
              help="Lowest unwaived severity that makes the exit status 1.")
def check_command(path: Path, round_: str | None, fmt: str, outputs: tuple[str, ...], select: tuple[str, ...],
                  ignore: tuple[str, ...], reference_data: Path | None, jobs: int, submitter: str | None,
                  profile: str | None, fail_on: str) -> None:
    """Check the submission at PATH (a whole tree, one division or one submitter)."""
    formats = load_reporters()
    if fmt not in formats:
        raise UsageFailure(f"--format: unknown format {fmt!r} (known: {', '.join(sorted(formats))})")
    extra = _outputs(outputs, formats)
    load_rules()
    bad = unknown_codes(_split(select) + _split(ignore))
    if bad:
        raise UsageFailure(f"unknown rule code or prefix: {', '.join(bad)} (see `mlperf-checker rules --codes`)")
    if round_ and round_ not in available_rounds():
        raise UsageFailure(f"unknown round {round_!r} (known: {', '.join(available_rounds())})")
    if reference_data is not None and not reference_data.is_dir():
        raise UsageFailure(f"--reference-data: {reference_data} is not a directory")
    config = RunConfig(round=round_, select=_split(select), ignore=_split(ignore), jobs=jobs, submitter=submitter,
                       options=Options(reference_data=reference_data, profile=profile))
    try:
        report = check(path, config)
    except NotASubmission as exc:
        raise UsageFailure(str(exc)) from None
    if report.round_detected:
        click.echo(f"mlperf-checker: round {report.round} detected from the LoadGen version in the logs", err=True)
    for out_fmt, file in extra:
        try:
            file.write_text(render(out_fmt, report), encoding="utf-8")
        except OSError as exc:
            raise UsageFailure(f"cannot write {file}: {exc.strerror}") from None
    sys.stdout.write(render(fmt, report))
    sys.stdout.flush()
    if any(f.code == CHK_CODE for f in report.findings):
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_ERRORS if report.failed(fail_on) else EXIT_OK)


@cli.command("explain")
@click.argument("code")
def explain_command(code: str) -> None:
    """Print the documentation of rule CODE."""
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
def rules_command(round_: str | None, codes: bool) -> None:
    """List the rounds, print a round's resolved rulebook, or list the rule codes."""
    import yaml

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
