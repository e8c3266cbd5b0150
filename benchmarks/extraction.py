"""Extraction speed: clean_html vs bare trafilatura.extract (default settings), interleaved.

    .venv/bin/python benchmarks/extraction.py [--rounds 20]

Both run on the same pages in the same process, alternating page by page (so machine load
hits both alike): the Vietnamese devset pages and the HTML fixtures under tests/cleaning/fixtures
(including the real English and other-language pages in fixtures/pages). Prints docs/s for each
and the ratio (clean_html speed / trafilatura speed), plus the shingle F1 of both on every page
that has a gold text (the devset's and fixtures/gold).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import trafilatura

from cleaning import clean_html
from cleaning.metrics import shingle_f1

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT / "tests" / "fixtures" / "devset" / "vi"
FIXTURES = ROOT / "tests" / "cleaning" / "fixtures"


def pages() -> list[tuple[str, bytes]]:
    files = (sorted((DEVSET / "pages").glob("*.html")) + sorted(FIXTURES.glob("*.html"))
             + sorted((FIXTURES / "pages").glob("*.html")))
    return [(f.stem, f.read_bytes()) for f in files]


def bench(rounds: int) -> tuple[float, float]:
    docs = pages()
    ours = theirs = 0.0
    for _ in range(rounds):
        for _, data in docs:
            start = time.perf_counter()
            clean_html(data)
            middle = time.perf_counter()
            trafilatura.extract(data)
            ours, theirs = ours + middle - start, theirs + time.perf_counter() - middle
    n = rounds * len(docs)
    return n / ours, n / theirs


def gold_pages() -> list[tuple[Path, Path]]:
    """(page, gold) pairs: the devset's, then the fixture pages that have a gold text."""
    pairs = [(p, DEVSET / "gold" / f"{p.stem}.txt") for p in sorted((DEVSET / "pages").glob("*.html"))]
    pairs += [(p, FIXTURES / "gold" / f"{p.stem}.txt") for p in sorted((FIXTURES / "pages").glob("*.html"))]
    return [(p, g) for p, g in pairs if g.exists()]


def quality() -> None:
    for page, gold_file in gold_pages():
        gold = gold_file.read_text(encoding="utf-8")
        data = page.read_bytes()
        doc = clean_html(data)
        base = trafilatura.bare_extraction(data, with_metadata=True)
        ours = shingle_f1(f"{doc.title}\n{doc.text}" if doc else "", gold)
        theirs = shingle_f1(f"{base.title}\n{base.text}" if base else "", gold)
        print(f"  {page.stem:<16} clean_html F1 {ours:.4f}   trafilatura F1 {theirs:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    quality()
    bench(1)  # warm-up: imports, lexicon, caches
    ours, theirs = bench(args.rounds)
    print(f"pages: {len(pages())} x {args.rounds} rounds")
    print(f"clean_html           {ours:8.1f} docs/s")
    print(f"trafilatura.extract  {theirs:8.1f} docs/s")
    print(f"ratio                {ours / theirs:8.2f}x")


if __name__ == "__main__":
    main()
