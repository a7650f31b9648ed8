"""The small text documents of a submission: system and measurements JSON, user.conf, READMEs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from checker.rulebook import Benchmark, Rulebook

# A plausible two-socket accelerator server; any required field missing here is written as "N/A".
_SYSTEM_TEMPLATE: dict[str, Any] = {
    "number_of_nodes": 1,
    "host_processor_model_name": "AMD EPYC 9575F",
    "host_processors_per_node": 2,
    "host_processor_core_count": 64,
    "host_processor_frequency": "3.3 GHz (base); 5.0 GHz (max turbo)",
    "host_processor_caches": "L1d: 3 MiB, L1i: 2 MiB, L2: 64 MiB, L3: 512 MiB",
    "host_processor_interconnect": "",
    "host_memory_capacity": "1.5 TiB",
    "host_memory_configuration": "24x 64GB DDR5-6000 RDIMM",
    "host_storage_capacity": "2x 3.84 TB",
    "host_storage_type": "NVMe SSD",
    "host_networking": "Ethernet",
    "host_networking_topology": "N/A",
    "host_network_card_count": "2x 100GbE",
    "accelerators_per_node": 8,
    "accelerator_model_name": "Example Accelerator X1 192GB",
    "accelerator_memory_capacity": "192 GB",
    "accelerator_memory_configuration": "HBM3E",
    "accelerator_frequency": "",
    "accelerator_host_interconnect": "PCIe Gen5 x16",
    "accelerator_interconnect": "Proprietary fabric, 896 GB/s",
    "accelerator_interconnect_topology": "",
    "accelerator_on-chip_memories": "",
    "cooling": "Air-cooled",
    "framework": "vLLM 0.10.1, PyTorch 2.8.0",
    "operating_system": "Ubuntu 24.04 LTS",
    "other_software_stack": "Driver 6.4.1, Python 3.12",
    "hw_notes": "",
    "sw_notes": "",
    "system_type_detail": "N/A",
}
_EDGE_OVERRIDES: dict[str, Any] = {
    "host_processors_per_node": 1, "host_processor_core_count": 16, "host_memory_capacity": "64 GB",
    "host_memory_configuration": "2x 32GB DDR5-5600", "accelerators_per_node": 1,
    "accelerator_model_name": "Example Edge Accelerator E1 16GB", "accelerator_memory_capacity": "16 GB",
    "accelerator_memory_configuration": "LPDDR5", "framework": "TensorRT 10.9, CUDA 12.8",
}
_CONF_HEADER = """# The format of this config file is 'key = value'.
# The key has the format 'model.scenario.key'. Value is mostly int64_t.
# Model maybe '*' as wildcard. In that case the value applies to all models.
# All times are in milli seconds
#
"""


def dump_json(data: Mapping[str, Any]) -> str:
    """JSON as submitters write it: 4-space indent, trailing newline."""
    return json.dumps(data, indent=4) + "\n"


def system_json(rulebook: Rulebook, *, name: str, division: str, submitter: str, system_type: str,
                overrides: Mapping[str, Any]) -> str:
    """`systems/<name>.json` with every required field (plus the informational power fields)."""
    template = dict(_SYSTEM_TEMPLATE)
    if "datacenter" not in system_type:
        template |= _EDGE_OVERRIDES
    data: dict[str, Any] = {}
    for field in rulebook.system.required_fields:
        data[field] = template.get(field, "N/A")
    data |= {"division": division, "submitter": submitter, "status": rulebook.system.statuses[0],
             "system_name": f"{submitter} {name.replace('_', ' ')}", "system_type": system_type}
    for field in rulebook.system.power_fields:
        if field != "system_power_only":
            data.setdefault(field, "")
    for field, value in overrides.items():
        if value is None:
            data.pop(field, None)
        else:
            data[field] = value
    return dump_json(dict(sorted(data.items())))


def measurements_json(rulebook: Rulebook, bench: Benchmark, overrides: Mapping[str, Any]) -> str:
    """The measurements (implementation) JSON: how the model was obtained and run."""
    llm = bench.token_latencies
    values = {"input_data_types": "int32" if llm else "int8", "retraining": "No",
              "starting_weights_filename": bench.reference_weights[0] if bench.reference_weights else "N/A",
              "weight_data_types": "fp8" if llm else "int8", "weight_transformations": "quantization"}
    data = {field: values.get(field, "N/A") for field in rulebook.measurements.required_fields}
    for field, value in overrides.items():
        if value is None:
            data.pop(field, None)
        else:
            data[field] = value
    return dump_json(data)


def conf_model_name(benchmark_dir: str, scenario: str) -> str:
    """The model name user.conf uses: no accuracy suffix, `_` for `.`, `-interactive` for Interactive."""
    name = benchmark_dir.removesuffix("-99.9").removesuffix("-99").replace(".", "_")
    return f"{name}-interactive" if scenario == "Interactive" else name


def user_conf(benchmark_dir: str, scenario: str, loadgen_scenario: str, settings: Mapping[str, Any]) -> str:
    """user.conf with the settings the submitter tuned for this result."""
    model = conf_model_name(benchmark_dir, scenario)
    lines = [f"{model}.{loadgen_scenario}.{key} = {value}" for key, value in settings.items()]
    return _CONF_HEADER + "\n".join(lines) + "\n"


def mlperf_conf(rulebook: Rulebook, bench: Benchmark, benchmark_dir: str) -> str:
    """The parts of LoadGen's mlperf.conf that concern this round and benchmark."""
    model = conf_model_name(benchmark_dir, "")
    lines = [f"*.*.{name} = {value}" for name, value in rulebook.seeds.items()]
    lines += [f"*.*.min_duration = {rulebook.min_duration_ms}",
              f"{model}.*.performance_sample_count_override = {bench.performance_sample_count or bench.dataset_size}"]
    if bench.equal_issue:
        lines.append(f"{model}.*.sample_concatenate_permutation = 1")
    if bench.token_latencies:
        lines.append(f"{model}.*.use_token_latencies = 1")
    return _CONF_HEADER + "\n".join(lines) + "\n"


def result_readme(system: str, benchmark_dir: str, scenario: str, tests: Iterable[str]) -> str:
    """README.md of a result: how to reproduce the runs."""
    loadgen_scenario = "Server" if scenario == "Interactive" else scenario
    base = f"python3 main.py --scenario {loadgen_scenario} --model {benchmark_dir}"
    parts = [f"# {system} - {benchmark_dir} - {scenario}", "", "## Accuracy", "```", f"{base} --accuracy", "```",
             "", "## Performance", "```", base, "```"]
    for test in tests:
        parts += ["", f"## Compliance {test}", "```", f"cp compliance/{test}/audit.config . && {base}", "```"]
    return "\n".join(parts) + "\n"


def submitter_readme(round_: str, division: str, submitter: str) -> str:
    """README.md at the submitter root."""
    return (f"# MLPerf Inference {round_} - {division.capitalize()} - {submitter}\n\n"
            f"Results of {submitter} for MLPerf Inference {round_}. Each result directory has a README.md "
            "with the commands that produced it.\n")


def code_readme(benchmark_dir: str) -> str:
    """README.md of a benchmark's code directory."""
    return f"# {benchmark_dir}\n\nImplementation used for the {benchmark_dir} results (harness and build scripts).\n"


def calibration_md(submitter: str) -> str:
    """calibration.md: how quantized weights were calibrated."""
    return (f"# Calibration - {submitter}\n\nWeights were quantized with post-training quantization; activation "
            "ranges were calibrated on the official MLPerf calibration data set only, as the rules require.\n")
