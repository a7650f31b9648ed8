"""Write one submitter tree in the round's layout.

Layout "v5" (up to v5.1): `measurements/` and `compliance/` beside `results/`, code in `code/`,
`calibration.md` at the submitter root. Layout "v6" (from v6.0): measurements files and `TESTxx/`
inside each result directory, code in `src/`, `documentation/calibration.md`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from checker.model import LATENCY_SCENARIOS
from checker.rulebook import Rulebook, load_rulebook
from checker.samplegen import accuracy, documents
from checker.samplegen.compliance import write_tests
from checker.samplegen.endpoints import write_endpoints_result
from checker.samplegen.files import write
from checker.samplegen.power import write_power
from checker.samplegen.runs import ResultPlan, write_run
from checker.samplegen.specs import ResultSpec, SubmissionSpec, SystemSpec

IMPLEMENTATION = "reference"
#: Tiny stand-ins for sample outputs: a 1x1 PNG image and an MP4 file-type box.
_ARTEFACTS = {"images": (".png", bytes.fromhex("89504E470D0A1A0A0000000D4948445200000001000000010806000000"
                                                "1F15C4890000000A49444154789C63000100000500010D0A2DB4"
                                                "0000000049454E44AE426082")),
              "videos": (".mp4", bytes.fromhex("00000018667479706D703432000000006D70343169736F6D"))}


@dataclass(frozen=True)
class Layout:
    """Where things go for one submitter, in layout "v5" or "v6"."""

    style: str
    base: Path

    def result(self, system: str, benchmark: str, scenario: str) -> Path:
        """The result directory."""
        return self.base / "results" / system / benchmark / scenario

    def measurements(self, system: str, benchmark: str, scenario: str) -> Path:
        """Directory of the measurements JSON, user.conf and README.md."""
        if self.style == "v6":
            return self.result(system, benchmark, scenario)
        return self.base / "measurements" / system / benchmark / scenario

    def measurements_name(self, system: str, scenario: str) -> str:
        """File name of the measurements JSON."""
        return "measurements.json" if self.style == "v6" else f"{system}_{IMPLEMENTATION}_{scenario}.json"

    def compliance(self, system: str, benchmark: str, scenario: str) -> Path:
        """Directory holding the TESTxx folders."""
        if self.style == "v6":
            return self.result(system, benchmark, scenario)
        return self.base / "compliance" / system / benchmark / scenario

    def code(self, benchmark: str) -> Path:
        """A benchmark's code directory."""
        return self.base / "src" / benchmark if self.style == "v6" else self.base / "code" / benchmark / IMPLEMENTATION

    @property
    def calibration(self) -> Path:
        """calibration.md."""
        return self.base / ("documentation/calibration.md" if self.style == "v6" else "calibration.md")


def write_submission(root: Path, spec: SubmissionSpec) -> Path:
    """Write `root/<division>/<submitter>` for `spec`; return that directory."""
    rulebook = load_rulebook(spec.round)
    layout = Layout(rulebook.layout, root / spec.division / spec.submitter)
    write(layout.base / "README.md", documents.submitter_readme(spec.round, spec.division, spec.submitter))
    if spec.division != "open":
        write(layout.calibration, documents.calibration_md(spec.submitter))
    if spec.model_mapping:
        write(layout.base / "model_mapping.json", documents.dump_json(dict(spec.model_mapping)))
    for system in spec.systems:
        write(layout.base / "systems" / f"{system.name}.json",
               documents.system_json(rulebook, name=system.name, division=spec.division, submitter=spec.submitter,
                                     system_type=system.system_type, overrides=system.fields))
        for result in system.results:
            _write_result(rulebook, layout, spec, system, result)
    for benchmark in sorted({r.benchmark for s in spec.systems for r in s.results}):
        write(layout.code(benchmark) / "README.md", documents.code_readme(benchmark))
    return layout.base


def plan_for(rulebook: Rulebook, spec: SubmissionSpec, system: SystemSpec, result: ResultSpec) -> ResultPlan:
    """The plan of one result: its rulebook entry, canonical scenario and label."""
    model = result.model or rulebook.resolve_benchmark(result.benchmark, dict(spec.model_mapping or {}))
    bench = rulebook.benchmark(model) if model else None
    if bench is None:
        raise ValueError(f"{result.benchmark!r} is not a benchmark of round {rulebook.round}")
    scenario = rulebook.canonical_scenario(result.scenario) or result.scenario
    label = f"{spec.division}/{spec.submitter}/results/{system.name}/{result.benchmark}/{result.scenario}"
    return ResultPlan(rulebook, bench, result, scenario, label)


def _user_settings(plan: ResultPlan) -> dict[str, object]:
    if plan.effective in LATENCY_SCENARIOS:
        return {"target_latency": round(plan.performance / plan.scale / 1e6, 3)}
    return {"target_qps": round(plan.run().sample_rate * 1.01, 3)}


def write_artefacts(plan: ResultPlan, result_dir: Path) -> None:
    """The sample outputs some benchmarks keep beside the accuracy run (`accuracy/images/`, `accuracy/videos/`)."""
    artefacts = plan.bench.extra_accuracy_artefacts
    if artefacts is not None:
        suffix, content = _ARTEFACTS.get(artefacts.dir, (".bin", b"\0"))
        for stem in artefacts.stems:
            write(result_dir / "accuracy" / artefacts.dir / f"{stem}{suffix}", content)


def _write_result(rulebook: Rulebook, layout: Layout, spec: SubmissionSpec, system: SystemSpec,
                  result: ResultSpec) -> None:
    plan = plan_for(rulebook, spec, system, result)
    where = (system.name, result.benchmark, result.scenario)
    result_dir = layout.result(*where)
    compliance = result.compliance if result.compliance is not None else spec.division != "open"
    if result.endpoints:
        write_endpoints_result(plan, result_dir, system.name, compliance)
        write_artefacts(plan, result_dir)
        return
    reference = write_run(result_dir / "performance" / "run_1", plan.run(main=True))
    if result.power:
        write_power(result_dir, rulebook, plan.label, layout.measurements(*where))
    write(result_dir / "performance" / "run_1" / "mlperf_log_accuracy.json", accuracy.EMPTY_LOG)
    write_run(result_dir / "accuracy", plan.run("AccuracyOnly"))
    write(result_dir / "accuracy" / "mlperf_log_accuracy.json",
           plan.accuracy_log.published(rulebook.accuracy_log_truncation))
    write(result_dir / "accuracy" / "accuracy.txt", plan.accuracy_txt())
    write_artefacts(plan, result_dir)
    tests = write_tests(plan, layout.compliance(*where), reference) if compliance else []
    measurements = layout.measurements(*where)
    write(measurements / layout.measurements_name(system.name, result.scenario),
           documents.measurements_json(rulebook, plan.bench, result.measurements))
    write(measurements / "user.conf",
           documents.user_conf(result.benchmark, plan.scenario, plan.effective, _user_settings(plan)))
    write(measurements / "README.md", documents.result_readme(system.name, result.benchmark, plan.scenario, tests))
    if "mlperf.conf" in rulebook.measurements.required_files:
        write(measurements / "mlperf.conf", documents.mlperf_conf(rulebook, plan.bench, result.benchmark))
