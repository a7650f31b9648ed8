"""`--format csv`: the official `summary.csv` columns of the round, in order, for the valid results."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from checker.report import Report, ResultRecord
from checker.reporters import reporter
from checker.rulebook import CsvConventions, load_rulebook


def format_accuracy(accuracy: dict[str, Any]) -> str:
    """The official Accuracy cell: `ROUGE1: 44.5  ROUGE2: 22.1` (a JSON dump with quotes, braces and commas dropped)."""
    if not accuracy:
        return ""
    text = json.dumps({k: str(v) for k, v in accuracy.items()})
    return text.replace(",", " ").replace('"', "").replace("{", "").replace("}", "")


def format_number(value: Any) -> str:
    """Python's `str(float(x))`, as the official checker writes the Result column."""
    try:
        return str(float(value))
    except (TypeError, ValueError):
        return ""


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _notes(system: dict[str, Any]) -> str:
    hw, sw = str(system.get("hw_notes") or ""), str(system.get("sw_notes") or "")
    return f"{hw}. {sw}" if hw and sw else hw or sw


def _conventional(record: ResultRecord, conventions: CsvConventions) -> dict[str, str]:
    """The columns whose content the round's official checker decides (see `csv_conventions`)."""
    extra = record.extra
    accuracy = record.accuracy
    if conventions.accuracy == "first" and accuracy:
        first = str(next(iter(accuracy.values())))
    else:
        first = format_accuracy(accuracy)
    canonical = extra.get("scenario") or record.scenario
    return {
        "Scenario": canonical if conventions.scenario == "canonical" else record.scenario,
        "Accuracy": first,
        "Location": record.path + ("/performance/run_1" if conventions.location == "performance_run" else ""),
        "compliance": "1" if conventions.compliance == "passed" else record.division,
    }


def row_values(record: ResultRecord, round_: str, conventions: CsvConventions, power: bool = False) -> dict[str, str]:
    """Every column the official checkers write, for one result (a power row when `power`)."""
    extra = record.extra
    system: dict[str, Any] = extra.get("system") or {}
    nodes, per_node = _int(system.get("number_of_nodes")), _int(system.get("accelerators_per_node"))
    metric = (extra.get("power_metric") if power else record.metric) or {}
    return {
        "Organization": record.submitter,
        "Availability": str(system.get("status", "")),
        "Division": record.division,
        "SystemType": str(system.get("system_type", "")),
        "SystemName": str(system.get("system_name", "")),
        "Platform": record.system,
        "Model": record.benchmark,
        "MlperfModel": str(extra.get("mlperf_model") or record.benchmark),
        "Result": format_number(metric.get("value")),
        "number_of_nodes": str(system.get("number_of_nodes", "")),
        "host_processor_model_name": str(system.get("host_processor_model_name", "")),
        "host_processors_per_node": str(system.get("host_processors_per_node", "")),
        "host_processor_core_count": str(system.get("host_processor_core_count", "")),
        "accelerator_model_name": str(system.get("accelerator_model_name", "")),
        "accelerators_per_node": str(system.get("accelerators_per_node", "")),
        "total_accelerators": str(nodes * per_node) if nodes is not None and per_node is not None else "",
        "framework": str(system.get("framework", "")),
        "operating_system": str(system.get("operating_system", "")),
        "notes": _notes(system),
        "errors": "0",
        "version": round_,
        "inferred": "1" if record.inferred else "0",
        "has_power": str(bool(extra.get("has_power"))),
        "Units": str(metric.get("unit", "")),
        "weight_data_types": str(extra.get("weight_data_types") or ""),
        "design_power_watts": str(extra["design_power_watts"]) if "design_power_watts" in extra else "",
        "PrivateID": "",
        **_conventional(record, conventions),
    }


def _true(value: Any) -> bool:
    """The official reading of a system-JSON flag: true, "true" (any case) or a non-zero integer."""
    if isinstance(value, str):
        return value.lower() == "true"
    return isinstance(value, (bool, int)) and bool(value)


def _power_only(record: ResultRecord, conventions: CsvConventions) -> bool:
    """The performance row is omitted for a power result whose system sets `system_power_only`, in
    the rounds whose official checker honours it (the power metric must be positive)."""
    power = (record.extra.get("power_metric") or {}).get("value")
    system = record.extra.get("system") or {}
    return (conventions.system_power_only and isinstance(power, (int, float)) and power > 0
            and _true(system.get("system_power_only")))


def rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """The header and the rows (valid results, sorted by path; a power row after its result)."""
    book = load_rulebook(report.round)
    columns = list(book.csv_columns)
    out = []
    for record in sorted(report.results, key=lambda r: r.path):
        if not record.valid:
            continue
        values = row_values(record, report.round, book.csv_conventions)
        if not _power_only(record, book.csv_conventions):
            out.append([values.get(c, "") for c in columns])
        if record.extra.get("power_metric"):
            values = row_values(record, report.round, book.csv_conventions, power=True)
            out.append([values.get(c, "") for c in columns])
    return columns, out


@reporter("csv")
def render_csv(report: Report) -> str:
    """The summary CSV."""
    header, body = rows(report)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return buf.getvalue()
