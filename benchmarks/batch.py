"""Batch cleaning docs/s: the single-process `newsclean clean` against `--workers N` on datatrove.

The same input folder for every run: the seeds and the devset pages repeated under different
names (``--files`` in all). Each run is a fresh `newsclean clean` process, timed from start to
exit (interpreter start, imports and the executor's process pool included), alternated
``--rounds`` times. Checks that every run wrote the same rows.

Run: .venv/bin/python benchmarks/batch.py [--files 400] [--workers 1 2] [--rounds 2]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT / "tests" / "fixtures" / "devset" / "vi" / "pages"


def make_inputs(folder: Path, files: int) -> None:
    originals = sorted((ROOT / "seeds").glob("*.txt")) + sorted(DEVSET.glob("*.html"))
    for i in range(files):
        source = originals[i % len(originals)]
        sub = folder / f"batch{i // 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{i:05d}_{source.name}").write_bytes(source.read_bytes())


def run(inputs: Path, out: Path, workers: int) -> tuple[float, str]:
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "newsclean", "clean", str(inputs), "-o", str(out), "--no-progress",
                             "--workers", str(workers)], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(result.stderr[-2000:])
    return elapsed, result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp, "in")
        make_inputs(inputs, args.files)
        times: dict[int, list[float]] = {w: [] for w in args.workers}
        rows: dict[int, list] = {}
        for _ in range(args.rounds):
            for workers in args.workers:
                out = Path(tmp, f"out{workers}")
                elapsed, summary = run(inputs, out, workers)
                times[workers].append(elapsed)
                table = pq.read_table(out, columns=["source", "id", "content_hash"])
                rows[workers] = sorted(zip(*(table[c].to_pylist() for c in table.column_names)))
                print(f"workers={workers}: {elapsed:.2f} s, {args.files / elapsed:.1f} docs/s  [{summary}]", flush=True)
        same = all(r == rows[args.workers[0]] for r in rows.values())
        print(f"\n{args.files} files, {os.cpu_count()} CPUs; same rows in every run: {same}")
        base = min(times[args.workers[0]])
        for workers in args.workers:
            best = min(times[workers])
            print(f"workers={workers}: best {best:.2f} s = {args.files / best:.1f} docs/s "
                  f"({base / best:.2f}x workers={args.workers[0]})")
        if not same:
            raise SystemExit("rows differ between runs")


if __name__ == "__main__":
    main()
