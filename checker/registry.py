"""How a rule is declared, found, selected and documented.

A rule is a function decorated with :func:`rule`: its code, name, default severity, scope and
rounds are declared once, and its docstring is its documentation. The docstring has a one-line
summary and the sections ``Checks:``, ``Why:``, ``Fix:`` and ``Rules:`` (the part of the MLPerf
Inference rules it enforces). Rules for problems found while parsing are declared with
:func:`declare` (they have no function: the parsers report them).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Callable, Iterable

from checker.model import Issue, Scope, Severity

DOC_SECTIONS = ("Checks:", "Why:", "Fix:", "Rules:")
PREFIXES = {
    "STR": "structure", "SYS": "system description", "MEAS": "measurements and implementation constraints",
    "DIV": "division and labelling", "PERF": "LoadGen performance", "ACC": "accuracy", "CMP": "compliance tests",
    "PWR": "power", "LOG": "unreadable input", "CHK": "checker fault",
}


@dataclass(frozen=True)
class Rule:
    """A declared rule."""

    code: str
    name: str
    severity: Severity
    scope: Scope
    doc: str
    check: Callable[..., Iterable[Issue]] | None = None
    rounds: tuple[str, ...] | None = None
    relaxed_by_short_run: bool = False
    fast: bool = False

    @property
    def summary(self) -> str:
        """The first line of the doc."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""

    def applies_to(self, round_: str) -> bool:
        """True when the rule is active in `round_`."""
        return self.rounds is None or round_ in self.rounds

    def section(self, name: str) -> str:
        """The text of one doc section (e.g. 'Fix:'), or ''."""
        lines = self.doc.splitlines()
        out: list[str] = []
        inside = False
        for line in lines:
            stripped = line.strip()
            if stripped.startswith(DOC_SECTIONS):
                inside = stripped.startswith(name)
                if inside:
                    rest = stripped[len(name):].strip()
                    if rest:
                        out.append(rest)
                continue
            if inside:
                out.append(stripped)
        return " ".join(x for x in out if x).strip()


REGISTRY: dict[str, Rule] = {}


def _register(r: Rule) -> None:
    if r.code in REGISTRY and REGISTRY[r.code].check is not r.check:
        raise ValueError(f"rule code {r.code} declared twice")
    REGISTRY[r.code] = r


def rule(code: str, name: str, severity: str = "error", scope: str = "result", rounds: Iterable[str] | None = None,
         relaxed_by_short_run: bool = False, fast: bool = False) -> Callable:
    """Declare the decorated function as rule `code`; its docstring is the rule's documentation.

    The function receives the context of its scope and yields :class:`~checker.model.Issue` objects.
    `relaxed_by_short_run` marks duration, query-count and data-set-coverage rules that the
    `short-run` profile turns into warnings; `fast` marks rules cheap enough for the fast pre-commit hook.
    """

    def decorate(fn: Callable) -> Callable:
        _register(Rule(code=code, name=name, severity=Severity(severity), scope=Scope(scope),
                       doc=inspect.getdoc(fn) or "", check=fn,
                       rounds=tuple(rounds) if rounds is not None else None,
                       relaxed_by_short_run=relaxed_by_short_run, fast=fast))
        return fn

    return decorate


def declare(code: str, name: str, severity: str, scope: str, doc: str, fast: bool = True) -> Rule:
    """Declare a rule that has no check function (its findings come from parsers or the engine)."""
    r = Rule(code=code, name=name, severity=Severity(severity), scope=Scope(scope), doc=inspect.cleandoc(doc), fast=fast)
    _register(r)
    return r


_LOADED = False


def load_rules() -> dict[str, Rule]:
    """Import every module of `checker.checks` so their rules register; return the registry."""
    global _LOADED
    if not _LOADED:
        import checker.checks as pkg

        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            importlib.import_module(f"{pkg.__name__}.{info.name}")
        _LOADED = True
    return REGISTRY


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(code.startswith(p.strip().upper()) for p in patterns if p.strip())


def select(rules: Iterable[Rule], select_codes: Iterable[str] = (), ignore_codes: Iterable[str] = ()) -> list[Rule]:
    """Rules whose code starts with one of `select_codes` (all when empty) and none of `ignore_codes`."""
    sel = [s for s in select_codes if s.strip()]
    ign = [s for s in ignore_codes if s.strip()]
    return sorted((r for r in rules if (not sel or _matches(r.code, sel)) and not _matches(r.code, ign)),
                  key=lambda r: r.code)


def unknown_codes(patterns: Iterable[str]) -> list[str]:
    """Patterns that select no declared rule (a usage error)."""
    codes = list(load_rules())
    return [p for p in patterns if p.strip() and not any(c.startswith(p.strip().upper()) for c in codes)]


ANNOTATORS: list[Callable] = []


def annotator(fn: Callable) -> Callable:
    """Declare a function that fills a result's report data (metric, accuracy, labels, CSV fields).

    Annotators always run, whatever rules are selected; they receive the ResultContext and write
    into `ctx.outcome`. They must not raise on bad input.
    """
    ANNOTATORS.append(fn)
    return fn
