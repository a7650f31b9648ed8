"""Speed and scale: the checker end to end on the real trees and on a synthetic round of real size.

    python benchmarks/bench.py [--results 1000] [--files 30000] [--round v6.0] [--keep DIR] [--no-real] [--repeat 3]

Every run is the real command (`mlperf-checker check PATH --format json`) in a fresh process, so
start-up (imports, rulebook loading) is included, with the modules compiled as an installed checker
has them (the checkout's modules are compiled first; PYTHONDONTWRITEBYTECODE is not passed on). The
process also reports how long its start-up (imports) and the check itself (`engine.check`: discovery
to report) took, so that the figures can be told apart from the interpreter's start-up. For each tree: cold with `--jobs 1` and
`--jobs 2`, then incremental mode (`--cache`): the run that fills the cache, a re-check of the
unchanged tree, and (synthetic round) a re-check after one result changed (each time after a re-check
of the settled tree: the state a reviewer is in when they edit one file and check again). Each kind of
run is repeated (`--repeat`, 3) and the run of median wall time printed: results,
wall time, results per second, CPU time (user + system, workers included) and the cores that makes,
and peak memory: the largest process's `ru_maxrss` (`os.wait4`, i.e. getrusage of the run and its
workers) and the sum over the run's processes sampled every 50 ms. Every report must be identical to
the cold `--jobs 1` one (deterministic output); a difference is printed and makes the exit status 1.

The synthetic round is written by `checker.samplegen.make_round` (about 10 % power results) and
padded with small source files under each submitter's `code/` folder up to `--files` files, as real
submissions carry their code. Nothing is written to ../shared/real: its trees are read in place.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "real"
#: The command line, with the time of its imports and of `engine.check` written to standard error.
DRIVER = """
import sys, time
started = time.perf_counter()
import checker.cli
imported = time.perf_counter()
check = checker.cli.check
def timed(*args, **kwargs):
    begin = time.perf_counter()
    try:
        return check(*args, **kwargs)
    finally:
        sys.stderr.write(f"\\nBENCH {imported - started:.4f} {time.perf_counter() - begin:.4f}\\n")
checker.cli.check = timed
checker.cli.run()  # the command's own entry point
"""


@dataclass
class Run:
    """What one command cost."""

    label: str
    jobs: int
    results: int
    wall: float
    imports: float
    engine: float
    cpu: float
    rss_max_mib: float
    rss_tree_mib: float
    report: bytes
    status: int

    def line(self, tree: str) -> str:
        """One row of the table."""
        rate = self.results / self.wall if self.wall else 0.0
        inner = self.results / self.engine if self.engine else 0.0
        return (f"{tree:<22} {self.label:<17} {self.jobs:>4} {self.results:>7} {self.wall:>7.2f} {rate:>9,.0f} "
                f"{self.imports:>7.2f} {self.engine:>7.2f} {inner:>9,.0f} {self.cpu:>6.2f} "
                f"{self.cpu / self.wall if self.wall else 0:>5.2f} {self.rss_max_mib:>7.0f} {self.rss_tree_mib:>7.0f}")


HEADER = (f"{'tree':<22} {'run':<17} {'jobs':>4} {'results':>7} {'wall s':>7} {'results/s':>9} "
          f"{'start s':>7} {'check s':>7} {'check r/s':>9} {'CPU s':>6} {'cores':>5} {'RSS max':>7} {'RSS all':>7}\n"
          "(wall: the whole command; start: its imports; check: engine.check; CPU: user+system of all its "
          "processes; RSS in MiB: the largest process, and all its processes together)")


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of `pid` and its descendants (Linux /proc; 0 where unavailable)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            with open(f"/proc/{p}/task/{p}/children") as fh:
                stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def run(path: Path, label: str, jobs: int, cache: Path | None = None) -> Run:
    """Check `path` in a fresh process and measure it."""
    cmd = [sys.executable, "-c", DRIVER, "check", str(path), "--format", "json", "--jobs", str(jobs)]
    if cache is not None:
        cmd += ["--cache", str(cache)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the modules compiled, as an installed checker has them
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=REPO)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], _tree_rss_kib(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        report = out.read()
        err.seek(0)
        timing = [line.split() for line in err.read().decode(errors="replace").splitlines() if line.startswith("BENCH ")]
    try:
        results = json.loads(report)["summary"]["results"]
    except (ValueError, KeyError, TypeError):
        results = 0
    imports, engine = (float(timing[-1][1]), float(timing[-1][2])) if timing else (0.0, 0.0)
    return Run(label, jobs, results, wall, imports, engine, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
               max(peak[0], usage.ru_maxrss) / 1024, report, proc.returncode)


def median(runs: list[Run]) -> Run:
    """The run of median wall time."""
    return sorted(runs, key=lambda r: r.wall)[len(runs) // 2]


def measure(name: str, path: Path, workdir: Path, repeat: int, change: Path | None = None) -> bool:
    """All runs of one tree, each kind `repeat` times (the median is printed); True when every report
    equals the first cold `--jobs 1` one."""
    cache = workdir / f"cache-{name.replace('/', '-')}"

    def fill() -> Run:
        shutil.rmtree(cache, ignore_errors=True)
        return run(path, "cache: fill", 2, cache)

    def one_changed() -> Run:
        from checker.cache import RACY_NS

        time.sleep(RACY_NS / 1e9 + 0.1)  # the tree as a re-check finds it after the last edit is settled...
        run(path, "settle", 2, cache)
        with open(change, "a", encoding="utf-8") as fh:  # ...then one file edited just before the re-check
            fh.write("\n")
        return run(path, "cache: 1 changed", 2, cache)

    kinds = [[run(path, "cold", 1) for _ in range(repeat)], [run(path, "cold", 2) for _ in range(repeat)],
             [fill() for _ in range(repeat)], [run(path, "cache: unchanged", 2, cache) for _ in range(repeat)]]
    if change is not None:
        kinds.append([one_changed() for _ in range(repeat)])
    for runs in kinds:
        print(median(runs).line(name), flush=True)
    every = [r for runs in kinds for r in runs]
    same = all(r.report == kinds[0][0].report for runs in kinds[:4] for r in runs)
    if not same or any(r.status not in (0, 1) for r in every):
        print(f"{name}: reports differ between runs or a run failed (exit statuses {[r.status for r in every]})")
    return same


def synthetic(out: Path, round_: str, results: int, files: int) -> tuple[Path, Path]:
    """The synthetic round (generated once into `out`), and the file to change for the one-change run."""
    from checker.samplegen import make_round

    root = out / f"synthetic-{round_}-{results}"
    if not (root / ".complete").exists():
        shutil.rmtree(root, ignore_errors=True)
        make_round(root / "tree", round_=round_, results=results, submitters=max(1, results // 33),
                   power_fraction=0.1, seed=1)
        _pad_code(root / "tree", files)
        (root / ".complete").write_text("")
    tree = root / "tree"
    change = min(tree.glob("closed/*/results/*/*/*/performance/run_1/mlperf_log_summary.txt"))
    return tree, change


def _pad_code(tree: Path, files: int) -> None:
    """Add small source files under every submitter's code folder until the tree holds `files` files."""
    have = sum(len(names) for _, _, names in os.walk(tree))
    submitters = sorted(p for p in tree.glob("*/*") if (p / "results").is_dir())
    missing = max(0, files - have)
    for n, sub in enumerate(submitters):
        share = missing // len(submitters) + (1 if n < missing % len(submitters) else 0)
        folder = sub / ("src" if (sub / "src").is_dir() else "code") / "harness"
        for i in range(share):
            part = folder / f"module_{i // 100:03d}"
            part.mkdir(parents=True, exist_ok=True)
            (part / f"source_{i:05d}.py").write_text(f'"""Harness part {i}."""\n\nVALUE = {i}\n' + "# padding\n" * 20)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=1000, help="results in the synthetic round")
    parser.add_argument("--files", type=int, default=30000, help="files in the synthetic round (padded with code)")
    parser.add_argument("--round", default="v6.0", help="round of the synthetic submission")
    parser.add_argument("--keep", type=Path, help="folder for the synthetic round (reused when complete)")
    parser.add_argument("--no-real", action="store_true", help="skip the trees of ../shared/real")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind (the median is printed)")
    args = parser.parse_args()
    print(f"mlperf-checker benchmark on {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    compileall.compile_dir(REPO / "checker", quiet=1)  # (pip compiles an installed checker; a checkout may lag)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        tree, change = synthetic(work, args.round, args.results, args.files)
        count = sum(len(names) for _, _, names in os.walk(tree))
        print(f"synthetic {args.round} round: {count} files, ready in {time.perf_counter() - start:.1f} s")
        print(f"each row: the median of {args.repeat} runs")
        print(HEADER)
        ok = True
        if not args.no_real and REAL.is_dir():
            for real in sorted(p for p in REAL.iterdir() if p.is_dir()):
                ok &= measure(f"real/{real.name}", real, work, args.repeat)
        ok &= measure(f"synthetic/{args.round}", tree, work, args.repeat, change)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
