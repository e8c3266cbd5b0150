"""Dumps per second of clean_text on one core: the seed dumps (text scraped earlier, the
typical input) and whole-page dumps of the devset pages (every menu and footer line included).

Run: .venv/bin/python benchmarks/clean_text.py [--rounds N]
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaning import clean_text  # noqa: E402
from cleaning.language import detect_language  # noqa: E402
from cleaning.text import clean_lines  # noqa: E402
from cleaning.unwrap import join_fragments, unwrap  # noqa: E402
from cleaning.blocks import block_dump  # noqa: E402


def seed_dumps() -> list[str]:
    return [p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt"))]


def page_dumps() -> list[str]:
    pages = sorted((ROOT / "tests" / "fixtures" / "devset" / "vi" / "pages").glob("*.html"))
    return [block_dump(p.read_bytes()) for p in pages]


def load_dumps() -> list[str]:
    return seed_dumps() + page_dumps()


def rate(func, dumps: list[str], rounds: int) -> tuple[float, float]:
    """(per second of wall time, per second of this process's CPU time).

    On a shared machine the CPU-time rate is what one dedicated core would do; both are shown.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for dump in dumps:
            func(dump)
    done = rounds * len(dumps)
    return done / (time.perf_counter() - wall), done / (time.process_time() - cpu)


def line_cleaning(dump: str):
    """The text cleaner's own work on a dump (re-joining, labelling, the core), without the
    stages every Document goes through afterwards (language label, quality signals, hashes)."""
    return clean_lines(join_fragments(unwrap(dump.splitlines())))


def report(name: str, dumps: list[str], rounds: int) -> None:
    mean_kb = sum(len(d.encode()) for d in dumps) / len(dumps) / 1024
    mean_lines = sum(len(d.splitlines()) for d in dumps) / len(dumps)
    wall, cpu = rate(clean_text, dumps, rounds)
    _, lines_cpu = rate(line_cleaning, dumps, rounds)
    _, label_cpu = rate(detect_language, dumps, rounds)
    print(f"{name}: {len(dumps)} dumps, mean {mean_kb:.1f} KiB / {mean_lines:.0f} lines: clean_text "
          f"{cpu:,.0f} dumps/s per CPU second ({1000 / cpu:.2f} ms; wall-clock {wall:,.0f}/s), "
          f"of which line cleaning {1000 / lines_cpu:.2f} ms ({lines_cpu:,.0f}/s), "
          f"language label {1000 / label_cpu:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    for dump in load_dumps():  # warm caches (lexicon, langdetect profiles)
        clean_text(dump)
    print(f"one core, {args.rounds} rounds, load average {os.getloadavg()[0]:.2f}")
    report("seed dumps", seed_dumps(), args.rounds)
    report("whole-page dumps", page_dumps(), args.rounds)
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
