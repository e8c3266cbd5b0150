"""Dumps per second of clean_text on one core, over the seeds and whole-page dumps of the devset.

Run: .venv/bin/python benchmarks/clean_text.py [--rounds N]
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaning import clean_text  # noqa: E402
from cleaning.language import detect_language  # noqa: E402
from tests.cleaning.pagedump import page_dump  # noqa: E402


def load_dumps() -> list[str]:
    seeds = [p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt"))]
    pages = sorted((ROOT.parent / "shared" / "devset" / "vi" / "pages").glob("*.html"))
    return seeds + [page_dump(p.read_bytes()) for p in pages]


def rate(func, dumps: list[str], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for dump in dumps:
            func(dump)
    return rounds * len(dumps) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    dumps = load_dumps()
    for dump in dumps:  # warm caches (lexicon, langdetect profiles)
        clean_text(dump)
    mean_kb = sum(len(d.encode()) for d in dumps) / len(dumps) / 1024
    full = rate(clean_text, dumps, args.rounds)
    label_only = rate(detect_language, dumps, args.rounds)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(dumps)} dumps (mean {mean_kb:.1f} KiB) x {args.rounds} rounds, one core")
    print(f"clean_text: {full:,.0f} dumps/s ({1000 / full:.2f} ms/dump)")
    print(f"of which language label alone: {label_only:,.0f} labels/s ({1000 / label_only:.2f} ms)")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
