"""Soak: many random single mutations, and the bounded-resource cases too slow for the test suite.

    python benchmarks/soak.py                      # 2,000 mutations, 1 GB line, 10 GB sparse log
    python benchmarks/soak.py --mutations 200 --files 1000000 --fuzz 2000
    python benchmarks/soak.py --mutations 0 --no-resources --incremental 300   # incremental mode only

Mutations (tests/mutate.py) are applied to copies of the sample trees and, when ../shared/real is
present, of three real submitters; each run goes through the command line in this process with a
time limit. Reported: runs, exit statuses, crashes (exceptions, CHK001, missing report), time-outs,
and damage that went unreported where it must not (with the first examples).

Resource cases run the real command in a subprocess and report wall time and peak memory (RSS):
a 1 GB accuracy log that is one single line, a 10 GB sparse accuracy log, and (with --files) a tree
of that many files. Sparse files cost no disk. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mutate import KINDS, mutate, run_cli  # noqa: E402

REAL = ROOT.parent / "shared" / "real"
REAL_PARTS = (("v6.0", "closed", "Krai"), ("v4.1", "closed", "RedHat"), ("v5.1", "open", "AMD_MangoBoost"))
RUN_LIMIT_S = 60
MEMORY_LIMIT_MB = 1024


class TimedOut(Exception):
    """A run took longer than RUN_LIMIT_S."""


def _alarm(signum, frame):
    raise TimedOut()


def bases(work: Path) -> dict[str, Path]:
    """The trees to mutate: freshly generated samples and copies of the real parts."""
    from checker.samplegen import generate_samples

    generate_samples(work / "samples")
    out = {name: work / "samples" / name for name in ("closed-v6.0", "closed-v5.1", "open-v6.0")}
    for version, division, submitter in REAL_PARTS:
        source = REAL / version / division / submitter
        if source.is_dir():
            name = f"real-{version}-{submitter}"
            shutil.copytree(source, work / name / division / submitter)
            out[name] = work / name
    return out


def soak_mutations(count: int, seed: int, work: Path) -> bool:
    """Run `count` random single mutations; print the tally; True when nothing went wrong."""
    trees = bases(work)
    rng = random.Random(seed)
    tally: collections.Counter = collections.Counter()
    problems: list[str] = []
    unseen: dict[str, list[str]] = {}
    signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    for i in range(count):
        name = rng.choice(sorted(trees))
        kind = rng.choice(sorted(KINDS))
        tree = work / "case"
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(trees[name], tree, symlinks=True)
        mutation = mutate(tree, kind, random.Random(f"{seed}/{i}"))
        if mutation is None:
            continue
        report = work / "report.json"
        report.unlink(missing_ok=True)
        signal.alarm(RUN_LIMIT_S)
        try:
            run = run_cli(tree, report)
        except TimedOut:
            problems.append(f"time-out: {kind} {name}:{mutation.target}")
            continue
        except Exception as exc:  # the point of the soak: any escape is a crash
            problems.append(f"crash: {kind} {name}:{mutation.target}: {type(exc).__name__}: {exc}")
            continue
        finally:
            signal.alarm(0)
        tally[("runs",)] += 1
        tally[("exit", run.status)] += 1
        if run.status not in (0, 1) or run.report is None:
            problems.append(f"exit {run.status} / report {'written' if run.report else 'missing'}: {kind} "
                            f"{name}:{mutation.target}: {run.stderr[-300:]}")
            continue
        crashes = [f["message"] for f in run.report["findings"] if f["code"] == "CHK001"]
        if crashes:
            problems.append(f"CHK001: {kind} {name}:{mutation.target}: {crashes[0]}")
        seen = mutation.located([f["path"] for f in run.report["findings"]])
        tally[("seen" if seen else "unseen", kind)] += 1
        if not seen and mutation.must_be_seen():
            unseen.setdefault(kind, []).append(f"{name}:{mutation.target}")
    elapsed = time.perf_counter() - started
    print(f"mutations: {tally[('runs',)]} runs in {elapsed:.1f} s ({tally[('runs',)] / max(elapsed, 1e-9):.1f}/s); "
          f"exit statuses {dict(sorted((k[1], v) for k, v in tally.items() if k[0] == 'exit'))}")
    for kind in sorted(KINDS):
        print(f"  {kind:16} reported at the damaged place {tally[('seen', kind)]:5}, elsewhere or not "
              f"{tally[('unseen', kind)]:4} (of which must have been: {len(unseen.get(kind, []))})")
    for kind, where in sorted(unseen.items()):
        print(f"  UNREPORTED {kind}: {', '.join(where[:5])}{' ...' if len(where) > 5 else ''}")
    for line in problems[:20]:
        print(f"  PROBLEM {line}")
    print(f"  {len(problems)} crash(es), time-out(s) or missing report(s)")
    return not problems and not unseen


def soak_incremental(count: int, seed: int, work: Path) -> bool:
    """Incremental mode under `count` random single mutations: a cache is filled and given back whole,
    the tree damaged once, then the cached re-check and the one after it must equal a fresh check (JSON
    reports). True when they all did."""
    from checker.engine import RunConfig, check
    from checker.reporters import render

    trees = bases(work)
    rng = random.Random(seed)
    mismatches: list[str] = []
    started = time.perf_counter()
    runs = 0
    for i in range(count):
        name, kind, jobs = rng.choice(sorted(trees)), rng.choice(sorted(KINDS)), rng.choice([1, 2])
        tree, folder = work / "case", work / "cache"
        for old in (tree, folder):
            shutil.rmtree(old, ignore_errors=True)
        shutil.copytree(trees[name], tree, symlinks=True)
        _age(tree, 60)  # (as a tree that has settled: its times are trusted, and its report kept whole)
        for _ in range(2):  # the cache filled, then the whole report given back
            check(tree, RunConfig(jobs=jobs, cache=folder))
        if mutate(tree, kind, rng) is None:
            continue
        runs += 1
        cached = [render("json", check(tree, RunConfig(jobs=jobs, cache=folder))) for _ in range(2)]
        fresh = render("json", check(tree, RunConfig(jobs=jobs)))
        if cached != [fresh, fresh]:
            mismatches.append(f"{i}: {name} {kind} (jobs {jobs})")
    print(f"incremental: {runs} mutated re-checks in {time.perf_counter() - started:.1f} s; "
          f"{len(mismatches)} differ from a fresh check" + "".join(f"\n  {m}" for m in mismatches[:10]))
    return not mismatches


def _age(tree: Path, seconds: float) -> None:
    """Set the modification time of everything in `tree` (itself included) `seconds` into the past."""
    past = time.time() - seconds
    for folder, dirs, files in os.walk(tree):
        for name in [*dirs, *files]:
            os.utime(os.path.join(folder, name), (past, past), follow_symlinks=False)
    os.utime(tree, (past, past))


def _measure(tree: Path, work: Path) -> tuple[int, float, float, dict]:
    """Run the command on `tree` in a subprocess: (exit status, wall seconds, peak RSS MB, report)."""
    report = work / "resource-report.json"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "checker", "check", str(tree), "--format", "json", "--output",
                           f"json={report}"], cwd=ROOT, capture_output=True, text=True, timeout=3600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - started
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    if "Traceback" in proc.stderr:
        print(proc.stderr[-2000:])
    return proc.returncode, wall, peak, json.loads(report.read_text()) if report.is_file() else {}


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as fh:
        fh.truncate(size)


def _sample_copy(work: Path, name: str) -> tuple[Path, Path]:
    """A copy of the closed-v6.0 sample and the accuracy log of its first result."""
    from checker.samplegen import generate_samples

    if not (work / "samples" / "closed-v6.0").is_dir():
        generate_samples(work / "samples")
    tree = work / name
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(work / "samples" / "closed-v6.0", tree)
    logs = sorted(tree.rglob("accuracy/mlperf_log_accuracy.json"))
    return tree, next(p for p in logs if p.parents[4].name == "results")  # a result's own log, not a test's


def soak_resources(work: Path, big: bool, files: int) -> bool:
    """The bounded-resource cases (`big`: the 1 GB line and the 10 GB log; `files`: a tree of that many
    files); True when every one exited 0/1 with its report and stayed under MEMORY_LIMIT_MB."""
    ok = True
    cases = []
    if big:
        cases.extend(_big_logs(work))
    if files:
        cases.append(_many_files(work, files))
    for label, tree, place in cases:
        status, wall, peak, report = _measure(tree, work)
        rel = place.relative_to(tree).as_posix()
        named = [f["code"] for f in report.get("findings", []) if (f.get("path") or "").startswith(rel)]
        good = status in (0, 1) and peak < MEMORY_LIMIT_MB and bool(report)
        ok &= good
        print(f"resources: {label}: exit {status}, {wall:.1f} s, peak RSS {peak:.0f} MB, findings there "
              f"{sorted(set(named))[:6]}{'' if good else '  <-- FAILED'}")
        shutil.rmtree(tree, ignore_errors=True)
    return ok


def _big_logs(work: Path) -> list[tuple[str, Path, Path]]:
    cases = []
    tree, log = _sample_copy(work, "one-line")
    with open(log, "wb") as fh:  # one line of 1 GB: '[' then zeros, no newline, then the end of the array
        fh.write(b"[ ")
        fh.truncate(1024 ** 3)
    cases.append(("1 GB single-line accuracy log", tree, log))
    tree, log = _sample_copy(work, "ten-gb")
    _sparse(log, 10 * 1024 ** 3)
    cases.append(("10 GB sparse accuracy log", tree, log))
    return cases


def _many_files(work: Path, files: int) -> tuple[str, Path, Path]:
    tree, _ = _sample_copy(work, "many-files")
    started = time.perf_counter()
    bulk = tree / "closed" / "Acme" / "documentation" / "bulk"
    per_dir = 1000
    for d in range((files + per_dir - 1) // per_dir):
        folder = bulk / f"d{d:04d}"
        folder.mkdir(parents=True)
        for f in range(min(per_dir, files - d * per_dir)):
            os.close(os.open(folder / f"f{f:04d}.txt", os.O_CREAT | os.O_WRONLY, 0o644))
    print(f"  (made {files} files in {time.perf_counter() - started:.0f} s)")
    return f"{files} files in one submitter", tree, bulk


def main() -> None:
    """Parse the options, run the soak, print the outcome; exit 1 when anything failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutations", type=int, default=2000, help="random single mutations to run (0: none)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--no-resources", action="store_true", help="skip the 1 GB line and 10 GB log cases")
    parser.add_argument("--files", type=int, default=0, help="also check a tree with this many files (e.g. 1000000)")
    parser.add_argument("--fuzz", type=int, default=0, help="also run the parser properties with this many examples")
    parser.add_argument("--incremental", type=int, default=0,
                        help="also this many mutations checked with --cache against a fresh check")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="mlperf-soak-") as tmp:
        work = Path(tmp)
        if args.mutations:
            ok &= soak_mutations(args.mutations, args.seed, work)
        if args.incremental:
            ok &= soak_incremental(args.incremental, args.seed, work)
        if not args.no_resources or args.files:
            ok &= soak_resources(work, not args.no_resources, args.files)
    if args.fuzz:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               str(ROOT / "tests" / "test_fuzz_parsers.py")], cwd=ROOT,
                              env={**os.environ, "FUZZ_EXAMPLES": str(args.fuzz), "PYTHONPATH": str(ROOT)})
        ok &= proc.returncode == 0
    print("soak: OK" if ok else "soak: FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
