"""Crawl benchmark: a generated local news site, crawled end to end on every core.

    .venv/bin/python benchmarks/crawl.py [--articles 2000] [--baseline-pages 400]

1. Generates a site of ``--articles`` article pages (texts re-mixed from the demo articles,
   crawler/demo/build_site.py) with sitemaps, in a temporary folder.
2. Baseline: process_html on ``--baseline-pages`` of those pages, one after the other, in this
   process (one core): pages/s.
3. Serves the site with crawler/demo/server.py on 127.0.0.1 and runs ``newsclean crawl`` on it
   (robots.txt -> sitemap index -> sitemaps -> articles; link following on, politeness waits
   off since the server is ours), sampling the RSS of the crawl's process tree (the crawler
   and its cleaning workers; not the server).
4. Also measures what the machine allows: how much faster ``--workers`` processes run a
   CPU-bound loop than one (2 vCPUs that are one physical core give ~1.0x, not 2x).
5. Reports articles written per second, end to end (process start to exit) and over Scrapy's
   own elapsed time, their ratio to the baseline, and the peak RSS.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from cleaning.html import process_html  # noqa: E402
from crawler.demo.build_site import CATEGORIES, article_path, build_site, synthetic_articles  # noqa: E402

log = logging.getLogger("benchmarks.crawl")
FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "32",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16", "NEWSCLEAN_PROGRESS_INTERVAL": "5", "LOG_LEVEL": "INFO"}


def _burn(n: int) -> float:
    start, x = time.perf_counter(), 0
    for i in range(n):
        x += i * i
    return time.perf_counter() - start


def parallel_ceiling(workers: int, n: int = 5_000_000) -> float:
    """How much faster ``workers`` processes do CPU-bound work than one: the most a pool can gain here."""
    import multiprocessing

    one = _burn(n)
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_burn, [1000] * workers)  # start the workers first
        start = time.perf_counter()
        pool.map(_burn, [n] * workers)
        together = time.perf_counter() - start
    return workers * one / together


def baseline_rate(site: Path, paths: list[str], base: str) -> float:
    """process_html pages/s on one core (after one warm-up page)."""
    pages = [(site / p.lstrip("/")).read_bytes().replace(b"{{BASE}}", base.encode()) for p in paths]
    process_html(pages[0], url=base + paths[0])
    start = time.perf_counter()
    for path, body in zip(paths, pages):
        process_html(body, url=base + path)
    return len(pages) / (time.perf_counter() - start)


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for proc in [process, *process.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def run_crawl(url: str, out: Path, workers: int) -> tuple[float, int, str]:
    """(wall seconds, peak RSS bytes of the crawl's process tree, stderr)."""
    command = [sys.executable, "-m", "newsclean.crawl_cmd", url, "-o", str(out),
               "-s", f"NEWSCLEAN_CLEAN_WORKERS={workers}"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        watched, peak = psutil.Process(child.pid), 0
        while child.poll() is None:
            peak = max(peak, tree_rss(watched))
            time.sleep(0.1)
        wall = time.perf_counter() - start
        stderr.seek(0)
        text = stderr.read()
    if child.returncode != 0:
        raise SystemExit(f"crawl failed ({child.returncode}):\n{text[-3000:]}")
    return wall, peak, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--baseline-pages", type=int, default=400)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    with tempfile.TemporaryDirectory(prefix="newsclean-crawl-bench-") as tmp:
        site, out = Path(tmp) / "site", Path(tmp) / "out"
        articles = synthetic_articles(args.articles, seed=1)
        build_site(site, articles, CATEGORIES)
        paths = [article_path(a) for a in articles]
        server = subprocess.Popen([sys.executable, "-m", "crawler.demo.server", str(site), "--log", os.devnull],
                                  cwd=REPO, stdout=subprocess.PIPE, text=True)
        try:
            base = f"http://127.0.0.1:{int(server.stdout.readline())}"
            ceiling = parallel_ceiling(args.workers)
            log.info("machine: %d CPUs; %d processes run CPU-bound Python %.2fx as fast as one",
                     os.cpu_count(), args.workers, ceiling)
            single = baseline_rate(site, paths[: args.baseline_pages], base)
            log.info("baseline: process_html on one core: %.1f pages/s (%d pages)", single, args.baseline_pages)
            wall, peak, stderr = run_crawl(base + "/", out, args.workers)
        finally:
            server.terminate()
            server.wait(10)
        written = pq.read_table(out, columns=["id"]).num_rows
        elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", stderr)
        scrapy_seconds = float(elapsed.group(1)) if elapsed else wall

    log.info("crawl: %d articles written of %d, %d workers, %.1f s end to end, %.1f s crawling",
             written, args.articles, args.workers, wall, scrapy_seconds)
    log.info("rate end to end: %.1f pages/s = %.2fx the one-core process_html rate",
             written / wall, written / wall / single)
    log.info("rate while crawling: %.1f pages/s = %.2fx", written / scrapy_seconds, written / scrapy_seconds / single)
    log.info("peak RSS of the crawl process tree: %.0f MB", peak / 2**20)


if __name__ == "__main__":
    main()
