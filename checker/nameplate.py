"""Nameplate (design) power of a power result's system (round v6.1; spec 2.10, 3.2 S12, 6.1).

The system description's capacity field (`system_power_capacity`) gives it directly. Otherwise
`systems/<system>_power.yaml` describes the system's components in any nesting of mappings and
lists; every node that has both the PSU list and the count of PSUs needed (keys matched
case-insensitively: `PSUs`, `Min PSUs Needed`) contributes the capacities (`PowerCapacityWatts`) of
its that-many largest PSUs, and the contributions add up. Redundant PSUs beyond the count needed
do not count. Key names come from the rulebook (`nameplate_power`).

Nothing here raises on bad input: an unreadable or malformed YAML, a PSU without a numeric capacity,
a count that is not a whole number or exceeds the PSUs listed, or a file without any PSU node is a
:class:`Problem`; the official checker crashes or sums garbage on most of these.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable


from checker.parsers.common import Parsed, read_text
from checker.rulebook import NameplatePower
from checker.yamltext import describe_error, pyyaml, safe_loader

#: A nameplate file is a few kB; a larger one is not read.
MAX_YAML_BYTES = 1024 * 1024
#: Mappings and lists visited at most (YAML aliases can make a small file a huge graph).
MAX_NODES = 100_000


@dataclass(frozen=True)
class Problem:
    """Why the nameplate data cannot give a design power (or gives a doubtful one)."""

    message: str
    expected: str
    actual: str
    line: int | None = None


@dataclass(frozen=True)
class LoadedYaml:
    """A nameplate YAML as loaded: its data, or the problem that prevented loading it."""

    data: Any = None
    problem: Problem | None = None


@dataclass(frozen=True)
class DesignPower:
    """The design power of a system and where it comes from.

    `watts` is None when unknown; `source` is the file it was read from (None when neither the
    system JSON field nor the YAML exists: `missing`); `problems` say why the data is unusable.
    """

    watts: Any
    source: Path | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        """Neither the system description field nor the YAML file exists."""
        return self.source is None


def load_yaml(path: Path) -> Parsed[LoadedYaml]:
    """Read a nameplate YAML; reading and syntax problems are kept in the value, not reported as LOG findings."""
    text = read_text(path, MAX_YAML_BYTES)
    if text.value is None:
        reason = text.problems[0].message if text.problems else "unreadable"
        return Parsed(LoadedYaml(problem=Problem(f"{path.name} cannot be read: {reason}", "a YAML text file", reason)))
    yaml = pyyaml()
    try:
        data = yaml.load(text.value, Loader=safe_loader())
    except yaml.YAMLError as exc:
        reason, line = describe_error(exc)
        return Parsed(LoadedYaml(problem=Problem(f"{path.name} does not load as YAML: {reason}", "valid YAML", reason,
                                                 line)))
    except (RecursionError, ValueError, OverflowError) as exc:
        return Parsed(LoadedYaml(problem=Problem(f"{path.name} does not load as YAML ({type(exc).__name__})",
                                                 "valid YAML", type(exc).__name__)))
    if not isinstance(data, (dict, list)):
        return Parsed(LoadedYaml(problem=Problem(f"{path.name} holds a YAML {type(data).__name__}, not a description "
                                                 "of components", "a mapping or list of components",
                                                 type(data).__name__)))
    return Parsed(LoadedYaml(data))


def _real(value: Any) -> float | None:
    """A YAML number as a finite float (None for anything else, booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _get(node: dict, key: str) -> tuple[bool, Any]:
    """(present, value) of `key` in `node`, matched case-insensitively."""
    for k, v in node.items():
        if isinstance(k, str) and k.lower() == key.lower():
            return True, v
    return False, None


def _leaf(node: dict, where: str, spec: NameplatePower, problems: list[Problem]) -> Any:
    """Capacity of the PSUs a component needs: the sum of its `min needed` largest PSUs."""
    needed = _get(node, spec.min_needed_key)[1]
    psus = _get(node, spec.psus_key)[1]
    if isinstance(needed, bool) or not isinstance(needed, int) or needed < 0:
        problems.append(Problem(f"{where}: {spec.min_needed_key!r} is {needed!r}, not a whole number of PSUs",
                                "a whole number >= 0", repr(needed)))
        return 0
    if not isinstance(psus, list):
        problems.append(Problem(f"{where}: {spec.psus_key!r} is not a list of PSUs", "a list", type(psus).__name__))
        return 0
    capacities = []
    for index, psu in enumerate(psus):
        value = _get(psu, spec.capacity_key)[1] if isinstance(psu, dict) else None
        if _real(value) is None:
            problems.append(Problem(f"{where}: PSU {index + 1} has no numeric {spec.capacity_key!r} (found {value!r})",
                                    "a number of watts", repr(value)))
        else:
            capacities.append(value)
    if needed > len(psus):
        problems.append(Problem(f"{where}: needs {needed} PSUs but lists {len(psus)}", f"at least {needed} PSUs",
                                str(len(psus))))
    return sum(sorted(capacities, reverse=True)[:needed])


def sum_psu_capacity(data: Any, spec: NameplatePower) -> tuple[Any, list[Problem]]:
    """(design power, problems) of a loaded nameplate YAML: the needed PSUs of every component, summed."""
    problems: list[Problem] = []
    total: Any = 0
    leaves = 0
    stack: list[tuple[str, Any]] = [("top level", data)]
    seen: set[int] = set()
    while stack:
        where, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            problems.append(Problem(f"the description has more than {MAX_NODES} components", f"<= {MAX_NODES}",
                                    "more"))
            break
        if isinstance(node, dict):
            if _get(node, spec.psus_key)[0] and _get(node, spec.min_needed_key)[0]:
                total += _leaf(node, where, spec, problems)
                leaves += 1
                continue
            stack.extend((str(k), v) for k, v in reversed(list(node.items())) if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((f"{where}[{i}]", v) for i, v in reversed(list(enumerate(node))) if isinstance(v, (dict, list)))
    if not leaves and not problems:
        problems.append(Problem(f"no component lists both {spec.psus_key!r} and {spec.min_needed_key!r}",
                                f"components with {spec.psus_key} and {spec.min_needed_key}", "none"))
    return total, problems


def _capacity_field(value: Any, name: str) -> list[Problem]:
    """Problems of the system description's capacity field (a positive number, or a numeric text)."""
    number = _real(value)
    if number is None and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is not None and number > 0 and math.isfinite(number):
        return []
    return [Problem(f"{name} is {value!r}, not a positive number of watts", "a positive number of watts", repr(value))]


def read_yaml(path: Path) -> LoadedYaml | None:
    """The nameplate YAML at `path`, None when there is none (a link that leads nowhere is a problem)."""
    return load_yaml(path).value if os.path.lexists(path) else None


def design_power(system: dict | None, system_path: Path, yaml_path: Path, spec: NameplatePower,
                 load: Callable[[Path], LoadedYaml | None] = read_yaml) -> DesignPower:
    """The design power of a system from its description (`system`, read from `system_path`) or its
    nameplate YAML at `yaml_path`, read with `load` (callers pass a cached reader)."""
    if isinstance(system, dict) and spec.capacity_field in system:
        value = system[spec.capacity_field]
        return DesignPower(value, system_path, _capacity_field(value, spec.capacity_field))
    loaded = load(yaml_path)
    if loaded is None:
        return DesignPower(None, None)
    if loaded.problem is not None:
        return DesignPower(None, yaml_path, [loaded.problem])
    total, problems = sum_psu_capacity(loaded.data, spec)
    return DesignPower(None if problems else total, yaml_path, problems)
