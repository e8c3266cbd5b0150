"""Crawl benchmark: a generated local news site with real page layouts, crawled end to end.

    .venv/bin/python benchmarks/crawl.py [--articles 2000] [--baseline-pages 300] [--workers 2] [--runs 2]

1. Generates a site of ``--articles`` article pages built on the devset's real news page
   layouts (benchmarks/realistic_site.py: 77-508 KB pages, head, menus, related boxes and
   comment widgets kept, generated Vietnamese headline, lead and body) with category pages,
   sitemaps and feeds, in a temporary folder.
2. Calibration: how much faster ``--workers`` processes run a CPU-bound loop than one (what
   the machine gives right now; the dev box is shared).
3. Per run: the one-core baselines (process_html, and bare ``trafilatura.extract``, on
   ``--baseline-pages`` of the same pages read from disk, one after the other in this process,
   timed per call) before and after the crawl, and the
   crawl itself: crawler/demo/server.py serves the site on 127.0.0.1 and ``newsclean crawl``
   fetches it (robots.txt -> sitemap index -> sitemaps -> articles; link following on,
   politeness waits off since the server is ours; a fresh crawl ledger), with
   ``--workers`` cleaning processes.
4. While it crawls, samples the crawl's process tree (the Scrapy process and its cleaning
   workers; not the server) every 0.2 s: PSS summed over the tree (shared pages counted once,
   split between the processes that map them) and RSS summed over the tree (shared pages
   counted once per process), and each process's CPU time.
5. Scrapy alone on the same pages (benchmarks/bare_fetch.py: fetch and discard, with Scrapy's
   default middlewares and with none), CPU ms per page of its process and of the server: with
   the calibration, the most any Scrapy crawl that cleans these pages could reach here,
   ``ceiling x clean / (clean + Scrapy alone + server)`` (all CPU times per page; also with a
   perfect ceiling of ``--workers``x), before any of the crawl's own work (handing pages to
   the workers, links, dedup, writing, the ledger).
6. Reports articles written per second (end to end: process start to exit; and over Scrapy's
   elapsed time), the ratio to the mean baseline, that bound, peak PSS and RSS, and CPU ms
   per page of the Scrapy process, the cleaning workers and the server.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from cleaning.html import process_html  # noqa: E402
from realistic_site import build_realistic_site  # noqa: E402

log = logging.getLogger("benchmarks.crawl")
FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8", "NEWSCLEAN_PROGRESS_INTERVAL": "5", "LOG_LEVEL": "INFO",
        "NEWSCLEAN_ALLOW_PRIVATE_HOSTS": "127.0.0.1"}
MB = 2**20


def _burn(n: int) -> float:
    start, x = time.perf_counter(), 0
    for i in range(n):
        x += i * i
    return time.perf_counter() - start


def parallel_ceiling(workers: int, n: int = 5_000_000, repeats: int = 3) -> float:
    """How much faster ``workers`` processes do CPU-bound work than one: the most a pool can gain
    here. One and all are timed in the same fresh worker processes (this process, with the
    extractor loaded, runs the loop slower), best of ``repeats`` each."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_burn, [1000] * workers)  # start the workers first
        one = min(pool.apply(_burn, (n,)) for _ in range(repeats))
        together = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            pool.map(_burn, [n] * workers)
            together = min(together, time.perf_counter() - start)
    return workers * one / together


def baseline_rate(site: Path, paths: list[str], base: str, extract=None) -> float:
    """``extract(body, url)`` pages/s on one core (default process_html; after one warm-up
    page; file reads not timed)."""
    extract = extract or (lambda body, url: process_html(body, url=url))

    def page(path: str) -> bytes:
        return (site / path.lstrip("/")).read_bytes().replace(b"{{BASE}}", base.encode())

    extract(page(paths[0]), base + paths[0])
    busy = 0.0
    for path in paths:
        body = page(path)
        start = time.perf_counter()
        extract(body, base + path)
        busy += time.perf_counter() - start
    return len(paths) / busy


def trafilatura_extract(body: bytes, url: str) -> object:
    """Bare ``trafilatura.extract`` with its defaults: the issue's yardstick."""
    import trafilatura

    return trafilatura.extract(body, url=url)


@dataclass
class Sample:
    peak_pss: int = 0
    peak_rss: int = 0
    peak_pss_main: int = 0
    peak_pss_workers: int = 0
    processes: int = 0
    cpu: dict[int, float] = field(default_factory=dict)   # pid -> user+system seconds, last seen
    main_timeline: list[float] = field(default_factory=list)   # the crawler's PSS per sample

    def take(self, root: psutil.Process) -> None:
        pss = rss = main = workers = 0
        procs = [root]
        try:
            procs += root.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            try:
                info = proc.memory_full_info()
                times = proc.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            pss, rss = pss + info.pss, rss + info.rss
            if proc.pid == root.pid:
                main = info.pss
            else:
                workers += info.pss
            self.cpu[proc.pid] = times.user + times.system
        self.main_timeline.append(main)
        if pss > self.peak_pss:
            self.peak_pss, self.peak_pss_main, self.peak_pss_workers = pss, main, workers
            self.processes = len(procs)
        self.peak_rss = max(self.peak_rss, rss)


def run_crawl(url: str, out: Path, state: Path, workers: int) -> tuple[float, Sample, int, str]:
    """(wall seconds, memory/CPU samples, pid of the crawl process, stderr)."""
    log_file = out.with_name(out.name + ".log")  # Scrapy's stats dump (elapsed time) is there
    command = [sys.executable, "-m", "newsclean.crawl_cmd", url, "-o", str(out), "--log-file", str(log_file),
               "-s", f"NEWSCLEAN_CLEAN_WORKERS={workers}", "-s", f"NEWSCLEAN_STATE={state}"]
    for name, value in FAST.items():
        command += ["-s", f"{name}={value}"]
    sample = Sample()
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        watched = psutil.Process(child.pid)
        while child.poll() is None:
            sample.take(watched)
            time.sleep(0.2)
        wall = time.perf_counter() - start
        stderr.seek(0)
        text = stderr.read()
    if child.returncode != 0:
        raise SystemExit(f"crawl failed ({child.returncode}):\n{text[-3000:]}")
    return wall, sample, child.pid, log_file.read_text(encoding="utf-8")


def scrapy_alone(urls: Path, server: psutil.Process, *, middlewares: bool) -> tuple[float, float]:
    """(CPU ms/page of a fetch-and-discard Scrapy process, of the server meanwhile)."""
    command = [sys.executable, str(REPO / "benchmarks" / "bare_fetch.py"), str(urls)]
    server_before = sum(server.cpu_times()[:2])
    result = subprocess.run(command + ([] if middlewares else ["--no-middlewares"]), cwd=REPO,
                            capture_output=True, text=True, check=True)
    server_cpu = sum(server.cpu_times()[:2]) - server_before
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return 1000 * report["cpu"] / report["pages"], 1000 * server_cpu / report["pages"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--baseline-pages", type=int, default=300)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log.info("load average at start (1, 5, 15 min): %.2f %.2f %.2f on %d CPUs",
             *os.getloadavg(), os.cpu_count())

    with tempfile.TemporaryDirectory(prefix="newsclean-crawl-bench-") as tmp:
        site = Path(tmp) / "site"
        started = time.perf_counter()
        paths = build_realistic_site(site, args.articles)
        sizes = [(site / p.lstrip("/")).stat().st_size for p in paths]
        log.info("site: %d article pages, %.0f KB mean (%.0f-%.0f KB), built in %.1f s",
                 len(paths), sum(sizes) / len(sizes) / 1024, min(sizes) / 1024, max(sizes) / 1024,
                 time.perf_counter() - started)
        sample_paths = paths[: args.baseline_pages]
        rows = []
        for run in range(1, args.runs + 1):
            out, state = Path(tmp) / f"out{run}", Path(tmp) / f"state{run}.sqlite"
            server = subprocess.Popen([sys.executable, "-m", "crawler.demo.server", str(site), "--log", os.devnull],
                                      cwd=REPO, stdout=subprocess.PIPE, text=True)
            try:
                base = f"http://127.0.0.1:{int(server.stdout.readline())}"
                load = os.getloadavg()[0]
                ceiling = parallel_ceiling(args.workers)
                before = baseline_rate(site, sample_paths, base)
                bare_before = baseline_rate(site, sample_paths, base, trafilatura_extract)
                wall, sample, pid, stderr = run_crawl(base + "/", out, state, args.workers)
                server_cpu = sum(psutil.Process(server.pid).cpu_times()[:2])
                after = baseline_rate(site, sample_paths, base)
                bare_after = baseline_rate(site, sample_paths, base, trafilatura_extract)
                urls = Path(tmp) / "urls.txt"
                urls.write_text("\n".join(base + path for path in paths))
                alone = scrapy_alone(urls, psutil.Process(server.pid), middlewares=True)
                floor = scrapy_alone(urls, psutil.Process(server.pid), middlewares=False)
            finally:
                server.terminate()
                server.wait(10)
            written = pq.read_table(out, columns=["id"]).num_rows
            elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", stderr)
            scrapy_seconds = float(elapsed.group(1)) if elapsed else wall
            single = (before + after) / 2
            clean_ms = 1000 / single
            bound = ceiling * clean_ms / (clean_ms + alone[0] + alone[1])
            bound_floor = ceiling * clean_ms / (clean_ms + floor[0] + floor[1])
            bound_ideal = args.workers * clean_ms / (clean_ms + alone[0] + alone[1])
            main_cpu = sample.cpu.pop(pid, 0.0)
            worker_cpu = sum(sample.cpu.values())
            row = dict(run=run, load=load, ceiling=ceiling, before=before, after=after, single=single,
                       bare_before=bare_before, bare_after=bare_after, bare=(bare_before + bare_after) / 2,
                       written=written, wall=wall, scrapy=scrapy_seconds, rate=written / wall,
                       rate_scrapy=written / scrapy_seconds, pss=sample.peak_pss / MB, rss=sample.peak_rss / MB,
                       pss_main=sample.peak_pss_main / MB, pss_workers=sample.peak_pss_workers / MB,
                       procs=sample.processes, cpu_main=1000 * main_cpu / max(written, 1),
                       cpu_workers=1000 * worker_cpu / max(written, 1), cpu_server=1000 * server_cpu / max(written, 1),
                       alone=alone, floor=floor, bound=bound, bound_floor=bound_floor,
                       bound_ideal=bound_ideal)
            rows.append(row)
            timeline = sample.main_timeline
            log.info("crawler PSS over the run (MB, at 0/25/50/75/100 %%): %s",
                     " ".join(f"{timeline[min(len(timeline) - 1, len(timeline) * q // 4)] / MB:.0f}" for q in range(5)))
            log.info("run %d: load %.2f; %d processes %.2fx one on a CPU-bound loop; baseline %.1f / %.1f pages/s "
                     "(before / after); %d/%d written in %.1f s (%.1f s crawling): %.1f pages/s = %.2fx "
                     "(%.1f pages/s = %.2fx over Scrapy's time); peak PSS %.0f MB (crawler %.0f + workers %.0f, "
                     "%d processes), peak RSS sum %.0f MB; CPU ms/page: Scrapy process %.1f, workers %.1f, server %.1f",
                     run, load, args.workers, ceiling, before, after, written, args.articles, wall, scrapy_seconds,
                     row["rate"], row["rate"] / single, row["rate_scrapy"], row["rate_scrapy"] / single,
                     row["pss"], row["pss_main"], row["pss_workers"], row["procs"], row["rss"],
                     row["cpu_main"], row["cpu_workers"], row["cpu_server"])
            log.info("run %d: Scrapy alone %.1f ms/page (server %.1f), without middlewares %.1f (server %.1f): "
                     "a Scrapy crawl of these pages reaches at most %.2fx (%.2fx without middlewares; "
                     "%.2fx if the %d CPUs gave %dx one)", run, *alone, *floor, bound, bound_floor, bound_ideal,
                     args.workers, args.workers)

    log.info("\n| | %s |", " | ".join(f"run {r['run']}" for r in rows))
    log.info("|---|%s", "---|" * len(rows))
    table = [
        ("load average (1 min) at start", lambda r: f"{r['load']:.2f}"),
        (f"{args.workers} processes vs 1 on a CPU-bound loop", lambda r: f"{r['ceiling']:.2f}x"),
        ("process_html, one core (before / after the crawl)", lambda r: f"{r['before']:.1f} / {r['after']:.1f} pages/s"),
        ("crawl, end to end (process start to exit)",
         lambda r: f"{r['rate']:.1f} pages/s ({r['wall']:.1f} s, {r['written']}/{args.articles} written)"),
        ("crawl, over Scrapy's elapsed time", lambda r: f"{r['rate_scrapy']:.1f} pages/s"),
        ("ratio end to end to one-core process_html (target >= 1.6x)", lambda r: f"{r['rate'] / r['single']:.2f}x"),
        ("ratio over Scrapy's elapsed time", lambda r: f"{r['rate_scrapy'] / r['single']:.2f}x"),
        ("trafilatura.extract, one core (before / after the crawl)",
         lambda r: f"{r['bare_before']:.1f} / {r['bare_after']:.1f} pages/s"),
        ("ratio end to end to one-core trafilatura.extract (target >= 2.0x)", lambda r: f"{r['rate'] / r['bare']:.2f}x"),
        ("Scrapy alone, fetch and discard: CPU ms/page, default middlewares / none (server)",
         lambda r: f"{r['alone'][0]:.1f} ({r['alone'][1]:.1f}) / {r['floor'][0]:.1f} ({r['floor'][1]:.1f})"),
        ("most a Scrapy crawl can reach: ceiling x clean / (clean + Scrapy alone + server)",
         lambda r: f"{r['bound']:.2f}x ({r['bound_floor']:.2f}x without middlewares)"),
        (f"the same with a ceiling of {args.workers}x", lambda r: f"{r['bound_ideal']:.2f}x"),
        ("peak PSS, crawl process tree (target < 500 MB)",
         lambda r: f"{r['pss']:.0f} MB ({r['pss_main']:.0f} crawler + {r['pss_workers']:.0f} workers)"),
        ("peak RSS summed over the tree (shared pages counted per process)", lambda r: f"{r['rss']:.0f} MB"),
        ("CPU ms/page: Scrapy process / cleaning workers / server",
         lambda r: f"{r['cpu_main']:.1f} / {r['cpu_workers']:.1f} / {r['cpu_server']:.1f}"),
    ]
    for label, cell in table:
        log.info("| %s | %s |", label, " | ".join(cell(r) for r in rows))


if __name__ == "__main__":
    main()
