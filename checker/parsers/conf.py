"""LoadGen configuration files (`user.conf`, `mlperf.conf`, `audit.config`): `model.scenario.key = value`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from checker.parsers.common import MALFORMED, Parsed, problem, read_text


@dataclass(slots=True)
class ConfFile:
    """Settings keyed by (model, scenario, key), with the line of each."""

    path: Path
    settings: dict[tuple[str, str, str], tuple[str, int]] = field(default_factory=dict)

    def lookup(self, model: str, scenario: str, key: str) -> str | None:
        """LoadGen precedence: model.scenario > *.scenario > model.* > *.*."""
        for m, s in ((model, scenario), ("*", scenario), (model, "*"), ("*", "*")):
            hit = self.settings.get((m, s, key))
            if hit is not None:
                return hit[0]
        return None


def parse_conf(path: Path) -> Parsed[ConfFile]:
    """Parse a LoadGen conf file; malformed lines are problems, the rest is kept."""
    text = read_text(path)
    if text.value is None:
        return Parsed(None, text.problems)
    conf = ConfFile(path=path)
    problems = []
    for number, raw in enumerate(text.value.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, value = line.partition("=")
        parts = name.strip().split(".")
        if not sep or len(parts) < 3:
            problems.append(problem(MALFORMED, path, f"line {number} is not 'model.scenario.key = value': {raw.strip()[:80]!r}",
                                    "Write each setting as model.scenario.key = value (use * as a wildcard).", line=number))
            continue
        model, scenario, key = parts[0], parts[1], ".".join(parts[2:])
        conf.settings.setdefault((model, scenario, key), (value.strip(), number))
    return Parsed(conf, problems)
