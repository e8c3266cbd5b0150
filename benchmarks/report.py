"""Time ``newsclean report`` over a generated dataset of 10,000 rows (target: under 10 s).

The dataset has the README schema's columns with realistic spreads (60 sites, 8 languages,
two years of publication times, log-normal text lengths, 4% near-duplicates) plus three extra
numeric columns and a filter reason standing for quality signals, in 5 Parquet files; the crawl ledger has the
same 10,000 URLs written (fetch and commit times) and 1,500 failed by reason, so every section
of the page is drawn. The report's time includes reading the ledger (one lookup per written
URL, for the slowest pages) and importing matplotlib (first report of the process).

Run (under the shared lock: it takes a few seconds):
  flock /tmp/newsclean-heavy.lock .venv/bin/python benchmarks/report.py [--rows 10000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsclean.report import build_report  # noqa: E402

LANGUAGES = ["vi", "en", "de", "fr", "es", "ja", "zh", "und"]
FILTERS = ["line_punct_ratio", "short_line_ratio", "char_dup_ratio", "stop_words", "word_length"]
FAILURES = ["http_404", "timeout", "no_article", "robots", "http_503", "too_large"]


def make_dataset(folder: Path, rows: int, rng: np.random.Generator, files: int = 5) -> list[str]:
    """Parquet files of ``rows`` generated rows under ``folder``; returns their URLs."""
    sites = [f"site{i:02d}.example.vn" for i in range(60)]
    site_of = rng.zipf(1.6, rows) % len(sites)
    ids = [f"{i:032x}" for i in range(rows)]
    urls = [f"https://{sites[s]}/article-{i}.html" for i, s in enumerate(site_of)]
    start = np.datetime64("2025-01-01T00:00:00", "us").astype(np.int64)
    published = start + rng.integers(0, 730 * 86_400_000_000, rows)
    n_chars = rng.lognormal(7.6, 0.7, rows).astype(np.int32) + 50
    duplicate = rng.random(rows) < 0.04
    table = pa.table({
        "id": ids, "url": urls, "source": urls, "domain": [sites[s] for s in site_of],
        "title": [f"Generated headline number {i}" for i in range(rows)], "author": [None] * rows,
        "published": pa.array(published, pa.timestamp("us", tz="UTC"), mask=rng.random(rows) >= 0.9),
        "text": ["x" * 20] * rows,
        "language": rng.choice(LANGUAGES, rows, p=[0.55, 0.2, 0.06, 0.05, 0.05, 0.04, 0.03, 0.02]),
        "language_score": pa.array(rng.uniform(0.6, 1.0, rows), pa.float32()),
        "n_chars": n_chars, "n_words": (n_chars / 5.5).astype(np.int32),
        "content_hash": ids, "fetched_at": pa.array(published, pa.timestamp("us", tz="UTC")),
        "pipeline": ["newsclean bench"] * rows,
        "duplicate_of": [ids[rng.integers(0, i)] if d and i else None for i, d in enumerate(duplicate)],
        "mean_word_length": rng.normal(4.8, 0.6, rows), "stop_word_ratio": rng.beta(5, 8, rows),
        "duplicate_line_fraction": rng.beta(1, 20, rows),
        "filter_reason": [None if r > 0.15 else FILTERS[int(r * 100) % len(FILTERS)] for r in rng.random(rows)],
    })
    folder.mkdir(parents=True)
    step = -(-rows // files)
    for k in range(files):
        pq.write_table(table.slice(k * step, step), folder / f"part-bench-{k:05d}.parquet", compression="zstd")
    return urls


def make_ledger(path: Path, urls: list[str], rng: np.random.Generator) -> None:
    """A ledger with ``urls`` written (one commit per 1,000) and 1,500 more failed by reason."""
    from crawler.state.sqlite_ledger import SQLiteLedger

    with SQLiteLedger(path, synchronous="NORMAL") as ledger:
        run = ledger.start_run()
        failed = [f"https://failed.example.vn/{i}" for i in range(1500)]
        ledger.discover_many([(url, url.split("/")[2], None) for url in urls + failed])
        for k in range(0, len(urls), 1000):
            chunk = urls[k:k + 1000]
            for i, url in enumerate(chunk):
                ledger.mark_fetched(url, doc_id=f"{k + i:032x}", content_hash=f"{k + i:032x}")
            ledger.begin_commit(f"part-{k}.parquet", [f"{k + i:032x}" for i in range(len(chunk))])
            ledger.finish_commit(f"part-{k}.parquet")
        for url in failed:
            ledger.mark_failed(url, str(rng.choice(FAILURES)))
        ledger.finish_run(run, {"written": len(urls), "failed": len(failed)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--html", type=Path, default=None, help="Also keep the last report page here.")
    args = parser.parse_args()
    rng = np.random.default_rng(16)
    with tempfile.TemporaryDirectory() as tmp:
        out, state = Path(tmp) / "out", Path(tmp) / "state.sqlite"
        urls = make_dataset(out, args.rows, rng)
        make_ledger(state, urls, rng)
        for round_ in range(1, args.rounds + 1):
            started = time.perf_counter()
            page = build_report(out, state)
            seconds = time.perf_counter() - started
            print(f"round {round_}: {args.rows:,} rows, ledger of {len(urls) + 1500:,} URLs -> "
                  f"{len(page.encode()) / 1e6:.2f} MB of HTML, {page.count('<figure')} plots, {seconds:.2f} s")
        if args.html:
            args.html.write_text(page, encoding="utf-8")


if __name__ == "__main__":
    main()
