"""Nameplate power (v6.1): the design power of power results' systems (SYS017, SYS018, report data).

The computation is in :mod:`checker.nameplate`; the round says where the data lives (rulebook
`nameplate_power`; absent before v6.1). As officially, only power results are concerned, so a bad
nameplate file invalidates the system's power results, not its other results.
"""

from __future__ import annotations

from typing import Iterator

from checker.context import ResultContext
from checker.model import Issue
from checker.nameplate import DesignPower, design_power, load_yaml
from checker.registry import annotator, rule


def nameplate(ctx: ResultContext) -> DesignPower | None:
    """The design power of the result's system, for power results of rounds with nameplate data."""
    spec = ctx.rulebook.nameplate_power
    if spec is None or not ctx.has_power:
        return None
    yaml_path = ctx.unit.submitter_dir / "systems" / spec.yaml_file.format(system=ctx.unit.system)
    return design_power(ctx.system_json, ctx.system_json_path, yaml_path, spec,
                        lambda path: ctx.cache.get("nameplate", path, load_yaml))


@rule("SYS017", "nameplate-power-missing", severity="warning", fast=True)
def nameplate_power_missing(ctx: ResultContext) -> Iterator[Issue]:
    """A power result's system declares no nameplate (design) power.

    Checks: for power results of rounds with nameplate data (v6.1), the system description has
    `system_power_capacity` or the submitter has `systems/<system>_power.yaml`. A warning, as
    officially: the result stays valid, its `design_power_watts` is empty.
    Why: the design power published beside the measured power lets readers compare the measured
    draw with what the system's power supplies can deliver.
    Fix: add `systems/<system>_power.yaml` listing each component's PSUs (`PowerCapacityWatts`) and
    `Min PSUs Needed`, or `system_power_capacity` (watts) to the system description.
    Rules: MLPerf Inference Power Measurement rules for v6.1 (nameplate power).
    """
    power = nameplate(ctx)
    if power is None or not power.missing:
        return
    spec = ctx.rulebook.nameplate_power
    name = spec.yaml_file.format(system=ctx.unit.system)
    yield Issue(f"no nameplate power for system {ctx.unit.system}: neither {spec.capacity_field} in its description "
                f"nor systems/{name}", path=ctx.unit.submitter_dir / "systems" / name,
                expected=f"{spec.capacity_field} or systems/{name}", actual="absent",
                hint=f"Add systems/{name} (PSUs with PowerCapacityWatts and Min PSUs Needed per component).")


@rule("SYS018", "nameplate-power-invalid", fast=True)
def nameplate_power_invalid(ctx: ResultContext) -> Iterator[Issue]:
    """A power result's nameplate power data does not give a design power.

    Checks: for power results of rounds with nameplate data (v6.1), `system_power_capacity` (when
    present; it takes precedence) is a positive number of watts; otherwise `systems/<system>_power.yaml`
    loads as YAML, has at least one component with `PSUs` and `Min PSUs Needed` (any case), every
    such count is a whole number not above the PSUs listed, and every PSU has a numeric
    `PowerCapacityWatts`. The official checker fails a YAML that does not load (when it does not
    crash first) and sums whatever else it finds.
    Why: the design power is published with the result; a file that does not give one publishes an
    empty or wrong figure.
    Fix: correct the YAML (the finding names the component) or the system description's field.
    Rules: MLPerf Inference Power Measurement rules for v6.1 (nameplate power).
    """
    power = nameplate(ctx)
    if power is None:
        return
    for problem in power.problems:
        yield Issue(problem.message, path=power.source, line=problem.line, expected=problem.expected,
                    actual=problem.actual, hint="Describe every component's PSUs (PowerCapacityWatts) and its "
                    "Min PSUs Needed, or give system_power_capacity in watts.")


@annotator
def design_power_watts(ctx: ResultContext) -> None:
    """Fill `design_power_watts` in rounds with nameplate data: the design power of a power result's
    system (None when unknown), None for results without power (the official CSV writes `None`)."""
    if ctx.rulebook.nameplate_power is None:
        return
    power = nameplate(ctx)
    ctx.outcome["design_power_watts"] = power.watts if power is not None else None
