"""A synthetic round of many submitters, for benchmarks and scale tests."""

from __future__ import annotations

import random
from pathlib import Path

from checker.rulebook import Benchmark, load_rulebook
from checker.samplegen.specs import ResultSpec, SubmissionSpec, SystemSpec
from checker.samplegen.tree import write_submission

#: Benchmarks a synthetic round draws from (those the round defines), cheapest accuracy logs first.
PALETTE = ("resnet", "retinanet", "bert-99", "3d-unet-99", "yolo-99", "whisper", "llama3.1-8b", "mixtral-8x7b")
#: Directory names submitters commonly use for a model.
_DIRNAMES = {"resnet": "resnet50"}
_SYSTEM_TYPES = ("datacenter", "edge", "datacenter,edge")


def _scenarios(bench: Benchmark, system_type: str, rng: random.Random) -> list[str]:
    chosen = bench.scenarios_for(system_type)
    if chosen is None:
        return []
    optional = [s for s in chosen.optional if rng.random() < 0.6]
    if not optional and chosen.optional and "Offline" in chosen.required and len(chosen.required) == 1:
        optional = [rng.choice(chosen.optional)]
    return [*chosen.required, *optional]


def make_round(out: Path, round_: str = "v6.0", submitters: int = 30, results: int = 1000,
               power_fraction: float = 0.05, seed: int = 0) -> Path:
    """Write about `results` results spread over `submitters` submitters under `out` (a submission
    root); `power_fraction` of the results carry a power measurement. Returns `out`."""
    rulebook = load_rulebook(round_)
    rng = random.Random(seed)
    palette = [name for name in PALETTE if name in rulebook.benchmarks]
    system_types = [t for t in _SYSTEM_TYPES if any(_scenarios(rulebook.benchmarks[m], t, rng) for m in palette)]
    if not system_types:
        raise ValueError(f"no benchmark of the synthetic palette can be submitted in round {round_}")
    per_submitter = max(1, results // max(1, submitters))
    written = 0
    for n in range(submitters):
        quota = min(per_submitter, results - written) if n < submitters - 1 else results - written
        if quota <= 0:
            break
        division = "open" if n % 10 == 9 else "closed"
        systems: list[SystemSpec] = []
        count = 0
        while count < quota:
            system_type = rng.choice(system_types)
            name = f"org{n:02d}_sys{len(systems) + 1}_{system_type.replace(',', '_')}"
            specs: list[ResultSpec] = []
            for model in rng.sample(palette, len(palette)):
                if count >= quota or len({r.model for r in specs}) >= 4:
                    break
                dirname = _DIRNAMES.get(model, model)
                for scenario in _scenarios(rulebook.benchmarks[model], system_type, rng):
                    specs.append(ResultSpec(dirname, scenario, model=model, power=rng.random() < power_fraction))
                    count += 1
            if specs:
                systems.append(SystemSpec(name=name, system_type=system_type, results=specs))
        write_submission(out, SubmissionSpec(round=round_, division=division, submitter=f"Org{n:02d}",
                                             systems=systems))
        written += count
    return Path(out)
