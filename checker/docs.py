"""Generates `docs/rules.md`, the rule reference, from the registry: `python -m checker.docs [FILE]`.

The page is also printed by `mlperf-checker rules --markdown`; a test fails when the committed page
is stale, so regenerate it after adding or changing a rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

from checker.registry import DOC_SECTIONS, PREFIXES, Rule, load_rules

DOCS_FILE = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def _prefix(code: str) -> str:
    return code.rstrip("0123456789")


def _rule_section(rule: Rule) -> list[str]:
    rounds = ", ".join(rule.rounds) if rule.rounds else "all rounds"
    traits = [rule.severity.value, f"scope {rule.scope.value}", rounds]
    if rule.relaxed_by_short_run:
        traits.append("a warning under `--profile short-run`")
    if rule.fast:
        traits.append("fast hook")
    lines = [f"### {rule.code} {rule.name}", "", rule.summary, "", f"*{'; '.join(traits)}*", ""]
    for section in DOC_SECTIONS:
        text = rule.section(section)
        if text:
            lines += [f"**{section[:-1]}** {text}", ""]
    return lines


def render_rules_markdown() -> str:
    """The whole rule reference as markdown: an index table, then every rule's doc by prefix."""
    rules = sorted(load_rules().values(), key=lambda r: r.code)
    lines = ["# Rule reference", "",
             "Generated from the rule registry by `python -m checker.docs`; do not edit by hand.",
             "`mlperf-checker explain CODE` prints the same text.", "",
             "| code | name | severity | scope | summary |", "|---|---|---|---|---|"]
    lines += [f"| [{r.code}](#{r.code.lower()}-{r.name}) | {r.name} | {r.severity.value} | {r.scope.value} | "
              f"{r.summary.replace('|', chr(92) + '|')} |" for r in rules]
    lines.append("")
    for prefix in sorted({_prefix(r.code) for r in rules}):
        lines += [f"## {prefix}: {PREFIXES.get(prefix, prefix)}", ""]
        for rule in (r for r in rules if _prefix(r.code) == prefix):
            lines += _rule_section(rule)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the rule reference to FILE (default `docs/rules.md` of the checkout)."""
    args = sys.argv[1:] if argv is None else argv
    if args and args[0].startswith("-"):
        print("usage: python -m checker.docs [FILE]   (default: docs/rules.md of the checkout)")
        return 0 if args[0] in ("-h", "--help") else 2
    target = Path(args[0]) if args else DOCS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_rules_markdown(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
