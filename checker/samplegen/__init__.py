"""Generator of small, realistic MLPerf Inference submission trees (valid samples, broken variants,
synthetic rounds for benchmarks). Every file is written from code; round constants come from the
rulebook. Output is deterministic: fixed seeds, no clock.

    write_submission(root, spec)    one submitter tree under root/<division>/<submitter>
    generate_samples(out)           the named samples of sample_submissions/ (valid and broken)
    make_round(out, ...)            a synthetic round of about `results` results
    python -m checker.samplegen OUT_DIR
"""

from __future__ import annotations

import shutil
from pathlib import Path

from checker.samplegen.endpoints import SAMPLES as ENDPOINTS_SAMPLES
from checker.samplegen.samples import VALID
from checker.samplegen.specs import ResultSpec, SubmissionSpec, SystemSpec
from checker.samplegen.synthetic import make_round
from checker.samplegen.tree import write_submission
from checker.samplegen.variants import VARIANTS, Variant, register, write_variants

__all__ = ["ResultSpec", "SubmissionSpec", "SystemSpec", "Variant", "VARIANTS", "generate_samples", "make_round",
           "register", "write_submission"]


def generate_samples(out: Path) -> None:
    """(Re)write every named sample under `out`: the valid trees and `broken/` with `expected.yaml`.

    Only the generator's own folders are replaced; anything else in `out` is left alone.
    """
    out = Path(out)
    for name in [*VALID, *ENDPOINTS_SAMPLES, "broken"]:
        if (out / name).exists():
            shutil.rmtree(out / name)
    for name, make in {**VALID, **ENDPOINTS_SAMPLES}.items():
        write_submission(out / name, make())
    write_variants(out / "broken")
