"""Re-scoring speed and memory: a generated resnet log, and a multi-GB-class LLM log, streamed.

    python benchmarks/bench_rescoring.py [--entries 50000] [--gib 2.0] [--keep DIR]

Prints entries per second and the peak memory of each run (`ru_maxrss` of a fresh child process,
so that runs do not see each other's peaks). The logs are written in LoadGen's exact format into a
temporary folder (or `--keep DIR`), with tiny synthetic reference data; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import struct
import tempfile
import time
from pathlib import Path

from checker.accuracy.reference import ReferenceData
from checker.accuracy.registry import spec_for
from checker.accuracy.rescore import rescore_log
from checker.parsers.accuracy_log import scan_accuracy_log


def write_resnet(folder: Path, entries: int) -> Path:
    """A resnet accuracy log of `entries` int32 answers (about 76 % correct) and its val_map.txt."""
    rng = random.Random(1)
    labels = [rng.randrange(1000) for _ in range(entries)]
    (folder / "ref" / "imagenet").mkdir(parents=True, exist_ok=True)
    with open(folder / "ref" / "imagenet" / "val_map.txt", "w") as fh:
        fh.writelines(f"ILSVRC2012_val_{i + 1:08d}.JPEG {label}\n" for i, label in enumerate(labels))
    log = folder / "resnet.json"
    order = rng.sample(range(entries), entries)
    with open(log, "w") as fh:
        fh.write("[")
        for seq, idx in enumerate(order):
            answer = labels[idx] if rng.random() < 0.76 else (labels[idx] + 1) % 1000
            sep = "\n" if seq == 0 else ",\n"
            fh.write(f'{sep}{{ "seq_id" : {seq}, "qsl_idx" : {idx}, "data" : "{struct.pack("<i", answer).hex().upper()}" }}')
        fh.write("\n]\n")
    return log


def write_llm(folder: Path, gib: float) -> Path:
    """An LLM log of int32 token ids with token_count, about `gib` GiB (entries of 2048 tokens)."""
    tokens = 2048
    block = struct.pack(f"<{tokens}i", *[random.Random(2).randrange(32000) for _ in range(tokens)]).hex().upper()
    entries = max(1, int(gib * (1 << 30) / (len(block) + 80)))
    log = folder / "llm.json"
    with open(log, "w") as fh:
        fh.write("[")
        for seq in range(entries):
            sep = "\n" if seq == 0 else ",\n"
            fh.write(f'{sep}{{ "seq_id" : {seq}, "qsl_idx" : {seq}, "data" : "{block}", "token_count" : {tokens} }}')
        fh.write("\n]\n")
    return log


def _run(benchmark: str, log: str, ref: str | None, queue: multiprocessing.Queue) -> None:
    start = time.perf_counter()
    outcome = rescore_log(spec_for(benchmark), Path(log), ReferenceData(Path(ref) if ref else None), None)
    rescored = time.perf_counter() - start
    start = time.perf_counter()
    scan_accuracy_log(Path(log))
    hashed = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((outcome.entries, {k: round(v.value, 4) for k, v in outcome.values.items()}, rescored, hashed, peak_mib))


def measure(benchmark: str, log: Path, ref: Path | None) -> None:
    """Re-score `log` in a fresh process and print the figures."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    proc = multiprocessing.get_context("fork").Process(target=_run, args=(benchmark, str(log), str(ref) if ref else None, queue))
    proc.start()
    entries, values, rescored, hashed, peak = queue.get()
    proc.join()
    size_mib = log.stat().st_size / (1 << 20)
    print(f"{benchmark}: {entries} entries, {size_mib:.0f} MiB, re-scored in {rescored:.2f} s "
          f"({entries / rescored:,.0f} entries/s, {size_mib / rescored:,.0f} MiB/s), sha256 in {hashed:.2f} s, "
          f"peak RSS {peak:.0f} MiB, values {values}")


def main() -> None:
    """Generate the logs and measure them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50000)
    parser.add_argument("--gib", type=float, default=2.0)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        measure("resnet", write_resnet(folder, args.entries), folder / "ref")
        if args.gib > 0:
            measure("llama2-70b-99", write_llm(folder, args.gib), None)


if __name__ == "__main__":
    main()
